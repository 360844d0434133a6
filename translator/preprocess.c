#define _GNU_SOURCE
/* preprocess.c - the token filter between the lexer and the parser.
 *
 * Three layers, in SystemTap's order (stap(1), "Preprocessing"):
 *   1. script arguments: $N @N $# @# become tokens wherever they stand;
 *   2. macros: @define NAME[(params)] %( body %) and @NAME[(args)]; a
 *      @define in a branch not taken defines nothing (as stap does, so
 *      that exclusive branches may define the same name);
 *   3. conditionals: %( cond %? tokens [%: tokens] %), nested.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "tapir.h"

#define MAX_EXPANSION_DEPTH 64
#define MAX_EXPANSIONS 200000

struct macro {
	struct macro *next; /* in its hash chain, newest first */
	const char *name;
	struct loc loc;
	struct vec params; /* const char * */
	bool has_params;
	struct vec body;   /* struct token * */
	const struct source *src;
};

#define MACRO_BUCKETS 256

struct macro_table {
	struct macro *buckets[MACRO_BUCKETS];
};

static unsigned hash_name(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % MACRO_BUCKETS;
}

/* A source of tokens: the lexer, or a list being replayed (an expansion). */
struct frame {
	struct lexer *lexer;
	struct vec *toks;
	int pos;
	const struct macro *macro; /* what this expansion came from */
};

struct cond_state {
	bool in_else;
	struct loc loc;
};

struct preproc {
	struct arena *arena;
	struct diag_ctx *diag;
	const struct pp_env *env;
	struct macro_table *local;
	const struct macro_table *global;
	struct frame frames[MAX_EXPANSION_DEPTH + 1];
	int nframes;
	struct cond_state conds[256];
	int nconds;
	struct token *peeked; /* one token of lookahead for layer 2 */
	int skipping;         /* inside a branch not taken: @define defines nothing */
	long expansions;
};

struct macro_table *pp_macros_new(struct arena *a)
{
	return arena_alloc(a, sizeof(struct macro_table));
}

struct preproc *pp_new(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
		       struct lexer *lx, struct macro_table *local, const struct macro_table *global)
{
	struct preproc *pp = arena_alloc(a, sizeof(*pp));

	pp->arena = a;
	pp->diag = d;
	pp->env = env;
	pp->local = local;
	pp->global = global;
	pp->frames[0].lexer = lx;
	pp->nframes = 1;
	return pp;
}

/* ---- layer 1: frames and script arguments ------------------------------ */

static void push_frame(struct preproc *pp, struct vec *toks, const struct macro *m,
		       const struct token *at)
{
	if (pp->nframes > MAX_EXPANSION_DEPTH) {
		diag_at(pp->diag, DIAG_ERROR, at->loc,
			"macro expansion nested too deeply (is @%s recursive?)",
			m ? m->name : "argument");
		return;
	}
	pp->frames[pp->nframes++] = (struct frame){ .toks = toks, .macro = m };
}

static struct token *synth(struct preproc *pp, const struct token *at, enum tok_kind kind,
			   const char *text, int64_t num)
{
	struct token *t = arena_alloc(pp->arena, sizeof(*t));

	*t = *at;
	t->kind = kind;
	t->text = arena_strdup(pp->arena, text);
	t->len = strlen(text);
	t->num = num;
	return t;
}

/* $N: the argument's text, lexed; @N: a string; $#: a number; @#: a string. */
static struct token *substitute_arg(struct preproc *pp, struct token *t)
{
	const struct pp_env *env = pp->env;
	int n = t->text[1] == '#' ? -1 : atoi(t->text + 1);
	struct vec *toks;
	struct lexer *lx;
	struct source *src;
	struct token *a;

	if (n < 0) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", env->nargs);
		return synth(pp, t, t->text[0] == '$' ? TOK_NUMBER : TOK_STRING, buf, env->nargs);
	}
	if (n < 1 || n > env->nargs)
		return t; /* reported only if it survives the conditionals */
	if (t->text[0] == '@')
		return synth(pp, t, TOK_STRING, env->args[n - 1], 0);
	src = source_from_string(pp->arena, t->text, env->args[n - 1]);
	lx = lex_new(pp->arena, pp->diag, src);
	toks = arena_alloc(pp->arena, sizeof(*toks));
	for (a = lex_next(lx); a->kind != TOK_EOF; a = lex_next(lx)) {
		a->loc = t->loc;
		a->expanded_from = t;
		vec_push(pp->arena, toks, a);
	}
	if (toks->len > 0)
		((struct token *)toks->items[0])->space_before = t->space_before;
	push_frame(pp, toks, NULL, t);
	return NULL;
}

static struct token *next_raw(struct preproc *pp)
{
	for (;;) {
		struct frame *f = &pp->frames[pp->nframes - 1];
		struct token *t;

		if (f->lexer) {
			t = lex_next(f->lexer);
		} else if (f->pos < f->toks->len) {
			t = f->toks->items[f->pos++];
		} else {
			pp->nframes--;
			continue;
		}
		if (t->kind == TOK_ARG && !t->expanded_from) {
			t = substitute_arg(pp, t);
			if (!t)
				continue;
		}
		return t;
	}
}

/* ---- layer 2: macros --------------------------------------------------- */

static const struct macro *find_in(const struct macro_table *mt, const char *name)
{
	if (!mt)
		return NULL;
	for (const struct macro *m = mt->buckets[hash_name(name)]; m; m = m->next) {
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static const struct macro *find_macro(const struct preproc *pp, const char *name)
{
	const struct macro *m = find_in(pp->local, name);

	return m ? m : find_in(pp->global, name);
}

/* A macro body: tokens up to the %) that closes the %( after the name. */
static bool read_body(struct preproc *pp, struct macro *m, const struct token *def)
{
	int depth = 0;

	for (;;) {
		struct token *t = next_raw(pp);

		if (t->kind == TOK_EOF) {
			diag_at(pp->diag, DIAG_ERROR, def->loc,
				"macro @%s: body has no closing '%%)'", m->name);
			return false;
		}
		if (tok_is(t, "%("))
			depth++;
		if (tok_is(t, "%)") && depth-- == 0)
			return true;
		vec_push(pp->arena, &m->body, t);
	}
}

static bool read_params(struct preproc *pp, struct macro *m)
{
	for (;;) {
		struct token *t = next_raw(pp);

		if (t->kind != TOK_IDENT) {
			diag_at(pp->diag, DIAG_ERROR, t->loc,
				"macro @%s: expected a parameter name, found '%s'", m->name,
				t->text);
			return false;
		}
		vec_push(pp->arena, &m->params, (void *)t->text);
		t = next_raw(pp);
		if (tok_is(t, ")"))
			return true;
		if (!tok_is(t, ",")) {
			diag_at(pp->diag, DIAG_ERROR, t->loc,
				"macro @%s: expected ',' or ')' after a parameter", m->name);
			return false;
		}
	}
}

/* @define NAME [(params)] %( body %) */
static void define_macro(struct preproc *pp, struct token *def)
{
	struct token *name = next_raw(pp), *t;
	struct macro *m;

	if (name->kind != TOK_IDENT) {
		diag_at(pp->diag, DIAG_ERROR, name->loc, "expected a macro name after @define");
		return;
	}
	m = arena_alloc(pp->arena, sizeof(*m));
	m->name = name->text;
	m->loc = name->loc;
	m->src = name->loc.src;
	t = next_raw(pp);
	if (tok_is(t, "(")) {
		m->has_params = true;
		if (!read_params(pp, m))
			return;
		t = next_raw(pp);
	}
	if (!tok_is(t, "%(")) {
		diag_at(pp->diag, DIAG_ERROR, t->loc, "macro @%s: expected '%%(' to open its body",
			m->name);
		return;
	}
	if (!read_body(pp, m, name))
		return;
	if (pp->skipping)
		return;
	if (find_in(pp->local, m->name) && !name->loc.src->is_library) {
		diag_at(pp->diag, DIAG_ERROR, name->loc, "macro @%s is already defined", m->name);
		diag_note(pp->diag, find_in(pp->local, m->name)->loc, "first defined here");
		return;
	}
	m->next = pp->local->buckets[hash_name(m->name)];
	pp->local->buckets[hash_name(m->name)] = m;
}

/* Arguments of @NAME(a, b): token lists split at top-level commas. */
static bool read_args(struct preproc *pp, const struct macro *m, const struct token *at,
		      struct vec *args)
{
	struct vec *cur = arena_alloc(pp->arena, sizeof(*cur));
	int depth = 0;

	for (;;) {
		struct token *t = next_raw(pp);

		if (t->kind == TOK_EOF) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s: unterminated argument list", m->name);
			return false;
		}
		if (depth == 0 && (tok_is(t, ",") || tok_is(t, ")"))) {
			vec_push(pp->arena, args, cur);
			if (tok_is(t, ")"))
				return true;
			cur = arena_alloc(pp->arena, sizeof(*cur));
			continue;
		}
		if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{"))
			depth++;
		if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}"))
			depth--;
		vec_push(pp->arena, cur, t);
	}
}

static int param_index(const struct macro *m, const struct token *t)
{
	if (t->kind != TOK_AT)
		return -1;
	for (int i = 0; i < m->params.len; i++) {
		if (strcmp(t->text + 1, m->params.items[i]) == 0)
			return i;
	}
	return -1;
}

static struct token *copy_expanded(struct preproc *pp, const struct token *t,
				   const struct token *at)
{
	struct token *c = arena_alloc(pp->arena, sizeof(*c));

	*c = *t;
	if (!c->expanded_from)
		c->expanded_from = at;
	return c;
}

static void expand_macro(struct preproc *pp, const struct macro *m, struct token *at)
{
	struct vec args = { 0 };
	struct vec *out = arena_alloc(pp->arena, sizeof(*out));

	/* A macro that uses itself twice grows exponentially within the depth
	 * bound: a budget of expansions per file stops it. */
	if (++pp->expansions > MAX_EXPANSIONS) {
		if (pp->expansions == MAX_EXPANSIONS + 1)
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"too many macro expansions (is @%s recursive?)", m->name);
		return;
	}

	if (m->has_params) {
		struct token *open = next_raw(pp);

		if (!tok_is(open, "(")) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s takes %d argument%s: expected '('", m->name,
				m->params.len, m->params.len == 1 ? "" : "s");
			pp->peeked = open;
			return;
		}
		if (!read_args(pp, m, at, &args))
			return;
		if (args.len != m->params.len) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s takes %d argument%s, not %d", m->name, m->params.len,
				m->params.len == 1 ? "" : "s", args.len);
			diag_note(pp->diag, m->loc, "@%s is defined here", m->name);
			return;
		}
	}
	for (int i = 0; i < m->body.len; i++) {
		const struct token *t = m->body.items[i];
		int p = param_index(m, t);

		if (p < 0) {
			vec_push(pp->arena, out, copy_expanded(pp, t, at));
			continue;
		}
		for (int j = 0; j < ((struct vec *)args.items[p])->len; j++)
			vec_push(pp->arena, out,
				 copy_expanded(pp, ((struct vec *)args.items[p])->items[j], at));
	}
	if (out->len > 0)
		((struct token *)out->items[0])->space_before = at->space_before;
	push_frame(pp, out, m, at);
}

static struct token *next_expanded(struct preproc *pp)
{
	for (;;) {
		struct token *t = pp->peeked ? pp->peeked : next_raw(pp);
		const struct macro *m;

		pp->peeked = NULL;
		if (t->kind != TOK_AT)
			return t;
		if (strcmp(t->text, "@define") == 0) {
			define_macro(pp, t);
			continue;
		}
		m = pp->skipping ? NULL : find_macro(pp, t->text + 1);
		if (!m)
			return t;
		expand_macro(pp, m, t);
	}
}

/* ---- layer 3: conditionals --------------------------------------------- */

struct cond_parser {
	struct preproc *pp;
	struct token *tok;
	bool failed;
};

static struct token *arg_out_of_range(struct preproc *pp, struct token *t);

static void cond_advance(struct cond_parser *cp)
{
	cp->tok = next_expanded(cp->pp);
	if (cp->tok->kind == TOK_ARG)
		cp->tok = arg_out_of_range(cp->pp, cp->tok);
}

static void cond_error(struct cond_parser *cp, const char *what)
{
	if (!cp->failed)
		diag_at(cp->pp->diag, DIAG_ERROR, cp->tok->loc, "%s in preprocessor condition, found '%s'",
			what, cp->tok->kind == TOK_EOF ? "end of file" : cp->tok->text);
	cp->failed = true;
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool cmp_result(int c, const char *op)
{
	if (strcmp(op, "==") == 0)
		return c == 0;
	if (strcmp(op, "!=") == 0)
		return c != 0;
	if (strcmp(op, "<") == 0)
		return c < 0;
	if (strcmp(op, "<=") == 0)
		return c <= 0;
	if (strcmp(op, ">") == 0)
		return c > 0;
	return c >= 0;
}

static int sign(long long v)
{
	return (v > 0) - (v < 0);
}

/* Versions compare as strverscmp does; == and != with wildcards glob. */
static bool version_cmp(const char *have, const char *op, const char *want)
{
	bool eq = strcmp(op, "==") == 0, ne = strcmp(op, "!=") == 0;

	if ((eq || ne) && has_wildcard(want))
		return (fnmatch(want, have, 0) == 0) == eq;
	return cmp_result(strverscmp(have, want), op);
}

static bool glob_cmp(struct cond_parser *cp, const struct token *lhs, const char *have,
		     const char *op, const char *want)
{
	bool eq = strcmp(op, "==") == 0;

	if (!eq && strcmp(op, "!=") != 0) {
		diag_at(cp->pp->diag, DIAG_ERROR, lhs->loc,
			"'%s' can only be compared with == or !=", lhs->text);
		cp->failed = true;
		return false;
	}
	return (fnmatch(want, have, 0) == 0) == eq;
}

static bool is_number(const char *s)
{
	char *end;

	if (!*s)
		return false;
	strtoll(s, &end, 0);
	return *end == '\0';
}

/* CONFIG_X op "glob" | CONFIG_X op CONFIG_Y | CONFIG_X op N */
static bool config_cmp(struct cond_parser *cp, const struct token *lhs, const char *op,
		       const struct token *rhs)
{
	const char *have = kconfig_get(cp->pp->env->kconfig, lhs->text);
	const char *want = rhs->text;

	if (rhs->kind == TOK_IDENT)
		want = kconfig_get(cp->pp->env->kconfig, rhs->text);
	if (rhs->kind == TOK_NUMBER || (rhs->kind == TOK_IDENT && is_number(have) &&
					is_number(want))) {
		long long a = strtoll(have, NULL, 0);
		long long b = rhs->kind == TOK_NUMBER ? rhs->num : strtoll(want, NULL, 0);

		return cmp_result(sign(a - b), op);
	}
	if (rhs->kind == TOK_IDENT)
		return cmp_result(strcmp(have, want), op);
	return glob_cmp(cp, lhs, have, op, want);
}

static bool literal_cmp(struct cond_parser *cp, const struct token *lhs, const char *op,
			const struct token *rhs)
{
	if (lhs->kind != rhs->kind) {
		diag_at(cp->pp->diag, DIAG_ERROR, rhs->loc,
			"preprocessor condition compares a %s with a %s",
			lhs->kind == TOK_NUMBER ? "number" : "string",
			rhs->kind == TOK_NUMBER ? "number" : "string");
		cp->failed = true;
		return false;
	}
	if (lhs->kind == TOK_NUMBER)
		return cmp_result(sign(lhs->num - rhs->num), op);
	return cmp_result(strcmp(lhs->text, rhs->text), op);
}

static bool is_cmp_op(const struct token *t)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (tok_is(t, ops[i]))
			return true;
	}
	return false;
}

static bool eval_ident(struct cond_parser *cp, const struct token *lhs, const char *op,
		       const struct token *rhs)
{
	const struct pp_env *env = cp->pp->env;
	const char *n = lhs->text;

	if (strncmp(n, "CONFIG_", 7) == 0)
		return config_cmp(cp, lhs, op, rhs);
	if (strcmp(n, "guru_mode") == 0 && rhs->kind == TOK_NUMBER)
		return cmp_result(sign((long long)env->guru_mode - rhs->num), op);
	if (rhs->kind != TOK_STRING) {
		diag_at(cp->pp->diag, DIAG_ERROR, rhs->loc, "'%s' must be compared with a string",
			n);
		cp->failed = true;
		return false;
	}
	if (strcmp(n, "kernel_v") == 0)
		return version_cmp(env->kernel_v, op, rhs->text);
	if (strcmp(n, "kernel_vr") == 0)
		return version_cmp(env->kernel_vr, op, rhs->text);
	if (strcmp(n, "systemtap_v") == 0)
		return version_cmp(env->systemtap_v, op, rhs->text);
	if (strcmp(n, "arch") == 0)
		return glob_cmp(cp, lhs, env->arch, op, rhs->text);
	if (strcmp(n, "runtime") == 0)
		return glob_cmp(cp, lhs, env->runtime, op, rhs->text);
	if (strcmp(n, "systemtap_privilege") == 0)
		return glob_cmp(cp, lhs, env->privilege, op, rhs->text);
	diag_at(cp->pp->diag, DIAG_ERROR, lhs->loc,
		"unknown preprocessor condition '%s' (expected kernel_v, kernel_vr, arch, runtime, "
		"systemtap_v, systemtap_privilege, guru_mode, CONFIG_*, or a literal)", n);
	cp->failed = true;
	return false;
}

/* comparison -> (IDENT | NUMBER | STRING) cmp-op (IDENT | NUMBER | STRING) */
static bool cond_comparison(struct cond_parser *cp)
{
	struct token *lhs = cp->tok, *op, *rhs;

	if (lhs->kind != TOK_IDENT && lhs->kind != TOK_NUMBER && lhs->kind != TOK_STRING) {
		cond_error(cp, "expected a name or a literal");
		return false;
	}
	cond_advance(cp);
	op = cp->tok;
	if (!is_cmp_op(op)) {
		cond_error(cp, "expected a comparison operator");
		return false;
	}
	cond_advance(cp);
	rhs = cp->tok;
	if (rhs->kind != TOK_IDENT && rhs->kind != TOK_NUMBER && rhs->kind != TOK_STRING) {
		cond_error(cp, "expected a literal");
		return false;
	}
	cond_advance(cp);
	if (lhs->kind == TOK_IDENT)
		return eval_ident(cp, lhs, op->text, rhs);
	return literal_cmp(cp, lhs, op->text, rhs);
}

/* conjunction -> comparison ('&&' comparison)* */
static bool cond_and(struct cond_parser *cp)
{
	bool v = cond_comparison(cp);

	while (!cp->failed && tok_is(cp->tok, "&&")) {
		cond_advance(cp);
		v = cond_comparison(cp) && v;
	}
	return v;
}

/* condition -> conjunction ('||' conjunction)* '%?' */
static bool cond_or(struct cond_parser *cp)
{
	bool v = cond_and(cp);

	while (!cp->failed && tok_is(cp->tok, "||")) {
		cond_advance(cp);
		v = cond_and(cp) || v;
	}
	return v;
}

/* Read tokens up to the '%?', evaluating them. On a malformed condition,
 * the rest up to '%?' is skipped and the condition counts as false. */
static bool eval_condition(struct preproc *pp, const struct token *open)
{
	struct cond_parser cp = { .pp = pp };
	bool v;

	cond_advance(&cp);
	v = cond_or(&cp);
	if (!cp.failed && !tok_is(cp.tok, "%?"))
		cond_error(&cp, "expected '%?' or an operator");
	while (!tok_is(cp.tok, "%?") && cp.tok->kind != TOK_EOF)
		cond_advance(&cp);
	if (cp.tok->kind == TOK_EOF)
		diag_at(pp->diag, DIAG_ERROR, open->loc, "'%%(' without its '%%?'");
	return v && !cp.failed;
}

/* Skip a branch; stop after the '%:' (returns true) or '%)' at depth 0. */
static bool skip_branch(struct preproc *pp, const struct token *open, bool stop_at_else)
{
	int depth = 0;

	for (;;) {
		struct token *t;

		pp->skipping++;
		t = next_expanded(pp);
		pp->skipping--;
		if (t->kind == TOK_EOF) {
			diag_at(pp->diag, DIAG_ERROR, open->loc, "'%%(' without its closing '%%)'");
			pp->peeked = t;
			return false;
		}
		if (tok_is(t, "%("))
			depth++;
		else if (tok_is(t, "%)") && depth-- == 0)
			return false;
		else if (depth == 0 && stop_at_else && tok_is(t, "%:"))
			return true;
	}
}

static void open_conditional(struct preproc *pp, struct token *open)
{
	bool taken = eval_condition(pp, open);

	if (pp->nconds == (int)(sizeof(pp->conds) / sizeof(pp->conds[0]))) {
		diag_at(pp->diag, DIAG_ERROR, open->loc, "preprocessor conditionals nested too deeply");
		return;
	}
	if (taken) {
		pp->conds[pp->nconds++] = (struct cond_state){ .loc = open->loc };
	} else if (skip_branch(pp, open, true)) {
		pp->conds[pp->nconds++] = (struct cond_state){ .in_else = true, .loc = open->loc };
	}
}

/* An argument beyond those given, in a branch that was taken. */
static struct token *arg_out_of_range(struct preproc *pp, struct token *t)
{
	if (pp->env->nargs > 0)
		diag_at(pp->diag, DIAG_ERROR, t->loc, "command-line argument %s is out of range [1-%d]",
			t->text, pp->env->nargs);
	else
		diag_at(pp->diag, DIAG_ERROR, t->loc,
			"command-line argument %s is out of range: no arguments were given", t->text);
	return synth(pp, t, t->text[0] == '$' ? TOK_NUMBER : TOK_STRING,
		     t->text[0] == '$' ? "0" : "", 0);
}

struct token *pp_next(struct preproc *pp)
{
	for (;;) {
		struct token *t = next_expanded(pp);

		if (tok_is(t, "%(")) {
			open_conditional(pp, t);
		} else if (tok_is(t, "%:") && pp->nconds > 0 && !pp->conds[pp->nconds - 1].in_else) {
			skip_branch(pp, t, false);
			pp->nconds--;
		} else if (tok_is(t, "%)") && pp->nconds > 0) {
			pp->nconds--;
		} else if (tok_is(t, "%?") || tok_is(t, "%:") || tok_is(t, "%)")) {
			diag_at(pp->diag, DIAG_ERROR, t->loc, "'%s' without an open '%%('", t->text);
		} else if (t->kind == TOK_ARG) {
			return arg_out_of_range(pp, t);
		} else {
			if (t->kind == TOK_EOF && pp->nconds > 0) {
				diag_at(pp->diag, DIAG_ERROR, pp->conds[pp->nconds - 1].loc,
					"'%%(' without its closing '%%)'");
				pp->nconds = 0;
			}
			return t;
		}
	}
}
