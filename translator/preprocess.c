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
#define MAX_CONDS 256
/* Budgets per file, so that macros that grow exponentially (each using
 * the next twice) end with an error, not with the memory exhausted. The
 * whole tapset library expands 300,000 tokens. */
#define MAX_EXPANSIONS 200000
#define MAX_EXPANDED_TOKENS 1000000

struct macro {
	struct macro *next; /* in its hash chain, newest first */
	const char *name;
	struct loc loc;
	struct vec params; /* const char * */
	bool has_params;
	struct vec body;   /* struct token * */
	/* With params: per body token, the parameter it names (@a), or -1;
	 * per parameter, how often the body uses it; the body's other tokens. */
	int *param_of;
	int *uses;
	int nplain;
	const struct source *src;
};

#define MACRO_BUCKETS 256

struct macro_table {
	struct macro **buckets; /* MACRO_BUCKETS of them, from the first @define */
};

static unsigned hash_name(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % MACRO_BUCKETS;
}

/* The macros being expanded where a token stands, innermost first: a
 * macro that appears in its own list is used recursively. */
struct activation {
	const struct macro *macro;
	const struct activation *up;
};

/* A source of tokens: the lexer (frames[0], which holds nothing), or a
 * list being replayed (an expansion). A macro's body is replayed token by
 * token, each copied as it is read (the copy records the expansion); an
 * @param in it replays its argument at that place. */
struct frame {
	const struct vec *toks;
	int pos;
	const struct macro *macro;  /* what this expansion came from, or NULL ($N) */
	const struct token *at;     /* the @NAME (or $N) it replaces */
	const struct vec *args;     /* struct vec * each: the macro's arguments */
	const struct vec *arg;      /* the argument being replayed, or NULL */
	int arg_pos;
	bool first;                 /* no token replayed yet */
	const struct activation *body_ctx; /* for the body's tokens */
	const struct activation *ctx;      /* for the arguments': where @NAME stood */
};

struct cond_state {
	bool in_else;
	struct loc loc;
};

struct preproc {
	struct arena *arena;
	struct arena *tokens; /* arena_scratch(arena) */
	struct lexer *lexer;  /* the source's */
	struct diag_ctx *diag;
	const struct pp_env *env;
	struct macro_table *local;
	const struct macro_table *global;
	struct frame *frames;    /* a stack, grown as needed up to */
	int nframes, frames_cap; /* MAX_EXPANSION_DEPTH + 1 */
	struct cond_state *conds;
	int nconds, conds_cap;
	struct token *peeked; /* one token of lookahead for layer 2 */
	const struct activation *peeked_ctx;
	const struct activation *ctx; /* of the last token next_raw returned */
	int skipping;         /* inside a branch not taken: @define defines nothing */
	long expansions, expanded_tokens;
	struct loc recursion_reported;
};

struct macro_table *pp_macros_new(struct arena *a)
{
	return arena_alloc(a, sizeof(struct macro_table));
}

/* Make room for one more item in an arena-backed stack. */
static void *stack_reserve(struct arena *a, void *items, int n, int *cap, size_t size)
{
	void *grown;

	if (n < *cap)
		return items;
	*cap = *cap ? 2 * *cap : 4;
	grown = arena_alloc(a, size * (size_t)*cap);
	if (n)
		memcpy(grown, items, size * (size_t)n);
	return grown;
}

struct preproc *pp_new(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
		       struct lexer *lx, struct macro_table *local, const struct macro_table *global)
{
	struct preproc *pp = arena_alloc(a, sizeof(*pp));

	pp->arena = a;
	pp->tokens = arena_scratch(a);
	pp->diag = d;
	pp->env = env;
	pp->local = local;
	pp->global = global;
	pp->frames = stack_reserve(a, NULL, 0, &pp->frames_cap, sizeof(*pp->frames));
	pp->lexer = lx;
	pp->nframes = 1;
	return pp;
}

/* ---- layer 1: frames and script arguments ------------------------------ */

static struct frame *push_frame(struct preproc *pp, const struct vec *toks, const struct macro *m,
				const struct token *at)
{
	if (pp->nframes > MAX_EXPANSION_DEPTH) {
		diag_at(pp->diag, DIAG_ERROR, at->loc,
			"macro expansion nested too deeply (over %d expansions within one another)",
			MAX_EXPANSION_DEPTH);
		return NULL;
	}
	pp->frames = stack_reserve(pp->arena, pp->frames, pp->nframes, &pp->frames_cap,
				   sizeof(*pp->frames));
	pp->frames[pp->nframes] = (struct frame){ .toks = toks, .macro = m, .at = at, .first = true };
	return &pp->frames[pp->nframes++];
}

static struct token *synth(struct preproc *pp, const struct token *at, enum tok_kind kind,
			   const char *text, int64_t num)
{
	struct token *t = arena_alloc(pp->tokens, sizeof(*t));

	*t = *at;
	t->kind = kind;
	t->text = arena_strdup(pp->arena, text);
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
	struct frame *f;
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
	toks = arena_alloc(pp->tokens, sizeof(*toks));
	for (a = lex_next(lx); a->kind != TOK_EOF; a = lex_next(lx)) {
		a->loc = t->loc;
		a->expanded_from = t;
		vec_push(pp->tokens, toks, a);
	}
	if (toks->len > 0)
		((struct token *)toks->items[0])->space_before = t->space_before;
	f = push_frame(pp, toks, NULL, t);
	if (f)
		f->ctx = pp->ctx;
	return NULL;
}

/* A token of a macro's expansion: a copy that records where it was expanded. */
static struct token *replay(struct preproc *pp, struct frame *f, const struct token *t)
{
	struct token *c = arena_alloc(pp->tokens, sizeof(*c));

	*c = *t;
	if (!c->expanded_from)
		c->expanded_from = f->at;
	if (f->first) {
		c->space_before = f->at->space_before;
		f->first = false;
	}
	return c;
}

/* The next token of frame f and its context, or NULL when f is done. */
static struct token *frame_next(struct preproc *pp, struct frame *f)
{
	for (;;) {
		int param;

		if (f->arg) {
			if (f->arg_pos < f->arg->len) {
				pp->ctx = f->ctx;
				return replay(pp, f, f->arg->items[f->arg_pos++]);
			}
			f->arg = NULL;
		}
		if (f->pos == f->toks->len)
			return NULL;
		if (!f->macro) {
			pp->ctx = f->ctx;
			return f->toks->items[f->pos++]; /* $N: lexed for this use */
		}
		param = f->macro->param_of ? f->macro->param_of[f->pos] : -1;
		if (param < 0) {
			pp->ctx = f->body_ctx;
			return replay(pp, f, f->toks->items[f->pos++]);
		}
		f->pos++;
		f->arg = f->args->items[param];
		f->arg_pos = 0;
	}
}

static struct token *next_raw(struct preproc *pp)
{
	for (;;) {
		struct token *t;

		if (pp->nframes == 1) { /* the source itself, most of the time */
			t = lex_next(pp->lexer);
			pp->ctx = NULL;
		} else if ((t = frame_next(pp, &pp->frames[pp->nframes - 1])) == NULL) {
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
	if (!mt || !mt->buckets)
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
		if (TOK_IS(t, "%("))
			depth++;
		if (TOK_IS(t, "%)") && depth-- == 0)
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
		if (TOK_IS(t, ")"))
			return true;
		if (!TOK_IS(t, ",")) {
			diag_at(pp->diag, DIAG_ERROR, t->loc,
				"macro @%s: expected ',' or ')' after a parameter", m->name);
			return false;
		}
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

/* A copy of t that outlives the scratch arena, as a macro's body must. */
static struct token *persist(struct preproc *pp, const struct token *t)
{
	struct token *c = arena_alloc(pp->arena, sizeof(*c));

	*c = *t;
	if (t->expanded_from)
		c->expanded_from = persist(pp, t->expanded_from);
	return c;
}

/* Find the body's @params once, not at every expansion. */
static void index_params(struct preproc *pp, struct macro *m)
{
	m->nplain = m->body.len;
	if (!m->has_params)
		return;
	m->param_of = arena_alloc(pp->arena, sizeof(int) * (size_t)(m->body.len + 1));
	m->uses = arena_alloc(pp->arena, sizeof(int) * (size_t)(m->params.len + 1));
	for (int i = 0; i < m->body.len; i++) {
		m->param_of[i] = param_index(m, m->body.items[i]);
		if (m->param_of[i] >= 0) {
			m->uses[m->param_of[i]]++;
			m->nplain--;
		}
	}
}

/* @define NAME [(params)] %( body %) */
static void define_macro(struct preproc *pp, struct token *def)
{
	struct token *name = next_raw(pp), *t;
	struct macro *m;
	unsigned h;

	if (name->kind != TOK_IDENT) {
		diag_at(pp->diag, DIAG_ERROR, name->loc, "expected a macro name after @define");
		return;
	}
	m = arena_alloc(pp->arena, sizeof(*m));
	m->name = name->text;
	m->loc = name->loc;
	m->src = name->loc.src;
	t = next_raw(pp);
	if (TOK_IS(t, "(")) {
		m->has_params = true;
		if (!read_params(pp, m))
			return;
		t = next_raw(pp);
	}
	if (!TOK_IS(t, "%(")) {
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
	for (int i = 0; i < m->body.len; i++)
		m->body.items[i] = persist(pp, m->body.items[i]);
	index_params(pp, m);
	if (!pp->local->buckets)
		pp->local->buckets = arena_alloc(pp->arena, sizeof(struct macro *) * MACRO_BUCKETS);
	h = hash_name(m->name);
	m->next = pp->local->buckets[h];
	pp->local->buckets[h] = m;
}

/* Arguments of @NAME(a, b): token lists split at top-level commas. */
static bool read_args(struct preproc *pp, const struct macro *m, const struct token *at,
		      struct vec *args)
{
	struct vec *cur = arena_alloc(pp->tokens, sizeof(*cur));
	int depth = 0;

	for (;;) {
		struct token *t = next_raw(pp);

		if (t->kind == TOK_EOF) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s: unterminated argument list", m->name);
			return false;
		}
		if (depth == 0 && (TOK_IS(t, ",") || TOK_IS(t, ")"))) {
			vec_push(pp->tokens, args, cur);
			if (TOK_IS(t, ")"))
				return true;
			cur = arena_alloc(pp->tokens, sizeof(*cur));
			continue;
		}
		if (TOK_IS(t, "(") || TOK_IS(t, "[") || TOK_IS(t, "{"))
			depth++;
		if (TOK_IS(t, ")") || TOK_IS(t, "]") || TOK_IS(t, "}"))
			depth--;
		vec_push(pp->tokens, cur, t);
	}
}

/* Is m being expanded where its use stands (ctx)? Its expansion would
 * never end. Reported once per place. */
static bool is_recursive(struct preproc *pp, const struct macro *m, const struct token *at,
			 const struct activation *ctx)
{
	const struct loc *last = &pp->recursion_reported;

	for (; ctx; ctx = ctx->up) {
		if (ctx->macro != m)
			continue;
		if (last->src != at->loc.src || last->line != at->loc.line ||
		    last->col != at->loc.col) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s is used in its own expansion: it would never end",
				m->name);
			diag_note(pp->diag, m->loc, "@%s is defined here", m->name);
			pp->recursion_reported = at->loc;
		}
		return true;
	}
	return false;
}

/* How many tokens the expansion makes, for the budget. */
static long expansion_size(const struct macro *m, const struct vec *args)
{
	long n = m->nplain;

	for (int i = 0; i < args->len; i++)
		n += (long)m->uses[i] * ((struct vec *)args->items[i])->len;
	return n;
}

static void expand_macro(struct preproc *pp, const struct macro *m, struct token *at,
			 const struct activation *ctx)
{
	struct vec *args = arena_alloc(pp->tokens, sizeof(*args));
	struct activation *act;
	struct frame *f;

	/* Macros that each use the next twice grow exponentially within the
	 * depth bound: a budget of expansions per file stops them. */
	if (++pp->expansions > MAX_EXPANSIONS) {
		if (pp->expansions == MAX_EXPANSIONS + 1)
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"too many macro expansions (over %d in this file)", MAX_EXPANSIONS);
		return;
	}

	if (m->has_params) {
		struct token *open = next_raw(pp);

		if (!TOK_IS(open, "(")) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s takes %d argument%s: expected '('", m->name,
				m->params.len, m->params.len == 1 ? "" : "s");
			pp->peeked = open;
			pp->peeked_ctx = pp->ctx;
			return;
		}
		if (!read_args(pp, m, at, args))
			return;
		if (args->len != m->params.len) {
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro @%s takes %d argument%s, not %d", m->name, m->params.len,
				m->params.len == 1 ? "" : "s", args->len);
			diag_note(pp->diag, m->loc, "@%s is defined here", m->name);
			return;
		}
	}
	if (is_recursive(pp, m, at, ctx))
		return;
	pp->expanded_tokens += expansion_size(m, args);
	if (pp->expanded_tokens > MAX_EXPANDED_TOKENS) {
		if (pp->expanded_tokens - expansion_size(m, args) <= MAX_EXPANDED_TOKENS)
			diag_at(pp->diag, DIAG_ERROR, at->loc,
				"macro expansions make too many tokens (over %d in this file)",
				MAX_EXPANDED_TOKENS);
		return;
	}
	f = push_frame(pp, &m->body, m, at);
	if (!f)
		return;
	act = arena_alloc(pp->arena, sizeof(*act));
	act->macro = m;
	act->up = ctx;
	f->args = args;
	f->ctx = ctx;
	f->body_ctx = act;
}

static struct token *next_expanded(struct preproc *pp)
{
	for (;;) {
		struct token *t = pp->peeked ? pp->peeked : next_raw(pp);
		const struct activation *ctx = pp->peeked ? pp->peeked_ctx : pp->ctx;
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
		expand_macro(pp, m, t, ctx);
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

/* -1, 0 or 1 as a is less than, equal to or greater than b (a - b could
 * overflow). */
static int compare(long long a, long long b)
{
	return (a > b) - (a < b);
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

		return cmp_result(compare(a, b), op);
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
		return cmp_result(compare(lhs->num, rhs->num), op);
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
		return cmp_result(compare(env->guru_mode, rhs->num), op);
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

/* Conditions compare signed 64-bit numbers, as stap does: a literal the
 * lexer took as unsigned (2^63 and above) can't be one. */
static bool cond_number_ok(struct cond_parser *cp, const struct token *t)
{
	if (t->kind != TOK_NUMBER || t->num >= 0)
		return true;
	diag_at(cp->pp->diag, DIAG_ERROR, t->loc,
		"number '%s' is out of range in a preprocessor condition (the largest is "
		"9223372036854775807)", t->text);
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
	if (!cond_number_ok(cp, lhs) || !cond_number_ok(cp, rhs))
		return false;
	if (lhs->kind == TOK_IDENT)
		return eval_ident(cp, lhs, op->text, rhs);
	return literal_cmp(cp, lhs, op->text, rhs);
}

/* conjunction -> comparison ('&&' comparison)* */
static bool cond_and(struct cond_parser *cp)
{
	bool v = cond_comparison(cp);

	while (!cp->failed && TOK_IS(cp->tok, "&&")) {
		cond_advance(cp);
		v = cond_comparison(cp) && v;
	}
	return v;
}

/* condition -> conjunction ('||' conjunction)* '%?' */
static bool cond_or(struct cond_parser *cp)
{
	bool v = cond_and(cp);

	while (!cp->failed && TOK_IS(cp->tok, "||")) {
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
	if (!cp.failed && !TOK_IS(cp.tok, "%?"))
		cond_error(&cp, "expected '%?' or an operator");
	while (!TOK_IS(cp.tok, "%?") && cp.tok->kind != TOK_EOF)
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
		bool end = false, at_else = false;

		pp->skipping++;
		t = next_expanded(pp);
		pp->skipping--;
		if (t->kind == TOK_EOF) {
			diag_at(pp->diag, DIAG_ERROR, open->loc, "'%%(' without its closing '%%)'");
			pp->peeked = t;
			return false;
		}
		if (TOK_IS(t, "%("))
			depth++;
		else if (TOK_IS(t, "%)") && depth-- == 0)
			end = true;
		else if (depth == 0 && stop_at_else && TOK_IS(t, "%:"))
			end = at_else = true;
		/* Nothing keeps a token of a branch not taken. */
		lex_reuse(pp->lexer, t);
		if (end)
			return at_else;
	}
}

static void open_conditional(struct preproc *pp, struct token *open)
{
	bool taken = eval_condition(pp, open);

	if (pp->nconds == MAX_CONDS) {
		diag_at(pp->diag, DIAG_ERROR, open->loc, "preprocessor conditionals nested too deeply");
		return;
	}
	pp->conds = stack_reserve(pp->arena, pp->conds, pp->nconds, &pp->conds_cap,
				  sizeof(*pp->conds));
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

		if (TOK_IS(t, "%(")) {
			open_conditional(pp, t);
		} else if (TOK_IS(t, "%:") && pp->nconds > 0 && !pp->conds[pp->nconds - 1].in_else) {
			skip_branch(pp, t, false);
			pp->nconds--;
		} else if (TOK_IS(t, "%)") && pp->nconds > 0) {
			pp->nconds--;
		} else if (TOK_IS(t, "%?") || TOK_IS(t, "%:") || TOK_IS(t, "%)")) {
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

bool pp_recycle(struct preproc *pp, struct token **keep, int nkeep)
{
	struct token saved[8];

	/* Frames refer to tokens (their arguments, the @NAME they replace), and
	 * so do tokens from an expansion (expanded_from). */
	if (pp->nframes > 1 || pp->peeked || nkeep > 8)
		return false;
	for (int i = 0; i < nkeep; i++) {
		if (keep[i]->expanded_from)
			return false;
		saved[i] = *keep[i];
	}
	lex_reuse(pp->lexer, NULL);
	arena_reset(pp->tokens);
	for (int i = 0; i < nkeep; i++) {
		keep[i] = arena_alloc(pp->tokens, sizeof(*keep[i]));
		*keep[i] = saved[i];
	}
	return true;
}
