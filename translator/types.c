/* types.c - type inference to a fixpoint over every probe and function.
 *
 * Types live on symbols (and function returns); each sweep infers what it
 * can from the expressions and stops when a sweep learns nothing new. A
 * conflict is reported at the use, with a note where the type came from.
 */
#include <string.h>

#include "elab.h"
#include "regex_dfa.h"
#include "rt_format.h"

struct infer {
	struct elab *e;
	struct func *fn; /* the function being swept, for 'return' */
	const struct ast *discarded; /* an expression statement's value: unused */
	bool changed;
	bool report;     /* the last sweep: report what's still unknown */
};

static enum ast_type infer(struct infer *in, struct ast *n, enum ast_type want);

/* The pattern of =~/!~, compiled on the last sweep to report it once. */
static void check_regex(struct infer *in, const struct ast *re)
{
	struct regex_dfa d;
	char err[160];

	if (in->report && re->kind == AST_STR &&
	    regex_compile(in->e->arena, re->str, &d, err, sizeof(err)) < 0)
		diag_at(in->e->diag, DIAG_ERROR, re->loc, "bad regular expression \"%s\": %s", re->str,
			err);
}

static void conflict(struct infer *in, struct loc at, const char *what, enum ast_type have,
		     enum ast_type want, struct loc origin)
{
	diag_at(in->e->diag, DIAG_ERROR, at, "type mismatch for %s: %s here, but %s elsewhere", what,
		ast_type_name(want), ast_type_name(have));
	if (origin.src)
		diag_note(in->e->diag, origin, "%s was inferred as %s here", what,
			  ast_type_name(have));
}

/* Give a type slot a type; report a conflict once. */
static void settle(struct infer *in, enum ast_type *slot, struct loc *origin, enum ast_type t,
		   struct loc at, const char *what)
{
	if (t == TYPE_UNKNOWN)
		return;
	if (*slot == TYPE_UNKNOWN) {
		*slot = t;
		if (origin)
			*origin = at;
		in->changed = true;
		return;
	}
	if (*slot != t && in->report)
		conflict(in, at, what, *slot, t, origin ? *origin : (struct loc){ 0 });
}

static const char *sym_what(struct infer *in, const struct symbol *s)
{
	return arena_printf(in->e->arena, "'%s'", s->name);
}

static enum ast_type infer_var(struct infer *in, struct ast *n, enum ast_type want)
{
	struct symbol *s = n->sym;

	if (!s)
		return TYPE_UNKNOWN;
	settle(in, &s->type, &s->type_loc, want, n->loc, sym_what(in, s));
	return s->type;
}

static bool too_many_keys(struct infer *in, struct symbol *s, int nkeys, struct loc loc)
{
	if (nkeys <= ELAB_MAX_KEYS)
		return false;
	if (!s->reported)
		diag_at(in->e->diag, DIAG_ERROR, loc, "array '%s' has %d keys, but tapir supports "
			"at most %d", s->name, nkeys, ELAB_MAX_KEYS);
	s->reported = true;
	return true;
}

static void infer_keys(struct infer *in, struct symbol *s, struct vec *args, struct loc loc)
{
	if (too_many_keys(in, s, args->len, loc))
		return;
	if (s->nkeys < 0) {
		s->nkeys = args->len;
		in->changed = true;
	} else if (s->nkeys != args->len && in->report) {
		diag_at(in->e->diag, DIAG_ERROR, loc, "array '%s' is indexed with %d key%s here, "
			"but %d elsewhere", s->name, args->len, args->len == 1 ? "" : "s", s->nkeys);
		return;
	}
	for (int i = 0; i < args->len; i++) {
		struct ast *k = args->items[i];
		enum ast_type t;

		if (k->kind == AST_STAR)
			continue;
		t = infer(in, k, s->key_types[i]);
		settle(in, &s->key_types[i], NULL, t, k->loc,
		       arena_printf(in->e->arena, "key %d of '%s'", i + 1, s->name));
	}
}

static enum ast_type infer_index(struct infer *in, struct ast *n, enum ast_type want)
{
	struct ast *base = n->lhs;

	if (base->kind == AST_HIST) {
		infer(in, base, TYPE_UNKNOWN);
		infer(in, n->args.items[0], TYPE_LONG);
		return TYPE_LONG;
	}
	if (base->kind != AST_VAR || !base->sym) {
		infer(in, base, TYPE_UNKNOWN);
		return TYPE_UNKNOWN;
	}
	infer_keys(in, base->sym, &n->args, n->loc);
	return infer_var(in, base, want);
}

static enum ast_type infer_assign(struct infer *in, struct ast *n)
{
	const char *op = n->op;
	enum ast_type t;

	if (strcmp(op, "<<<") == 0) {
		infer(in, n->rhs, TYPE_LONG);
		infer(in, n->lhs, TYPE_STATS);
		return TYPE_LONG;
	}
	if (strcmp(op, ".=") == 0) {
		infer(in, n->rhs, TYPE_STRING);
		return infer(in, n->lhs, TYPE_STRING);
	}
	if (strcmp(op, "=") != 0) {
		infer(in, n->rhs, TYPE_LONG);
		return infer(in, n->lhs, TYPE_LONG);
	}
	t = infer(in, n->rhs, TYPE_UNKNOWN);
	if (t == TYPE_UNKNOWN)
		t = infer(in, n->rhs, infer(in, n->lhs, TYPE_UNKNOWN));
	if (t == TYPE_STATS && in->report)
		diag_at(in->e->diag, DIAG_ERROR, n->loc, "statistics can't be assigned: use '<<<'");
	return infer(in, n->lhs, t);
}

static bool returns_value(const struct ast *n)
{
	if (!n)
		return false;
	if (n->kind == AST_RETURN)
		return n->lhs != NULL;
	if (returns_value(n->then) || returns_value(n->els) || returns_value(n->body))
		return true;
	for (int i = 0; n->kind == AST_BLOCK && i < n->args.len; i++) {
		if (returns_value(n->args.items[i]))
			return true;
	}
	return false;
}

/* A call whose value is used, to a function that gives none (a bare
 * 'return', or none) or one whose type nothing decides. */
static void no_value(struct infer *in, const struct ast *call)
{
	const struct func *fn = call->fn;

	if (fn->decl->body && !returns_value(fn->decl->body))
		diag_at(in->e->diag, DIAG_ERROR, call->loc,
			"function '%s' returns no value, but its value is used here", fn->name);
	else
		diag_at(in->e->diag, DIAG_ERROR, call->loc,
			"cannot infer the type of the value of function '%s'", fn->name);
	diag_note(in->e->diag, fn->decl->loc, "'%s' is declared here", fn->name);
	if (!fn->decl->body)
		diag_hint(in->e->diag, "give it a type: function %s:long (...) or :string",
			  fn->name);
}

static enum ast_type infer_call(struct infer *in, struct ast *n, enum ast_type want)
{
	struct func *fn = n->fn;

	if (!fn) {
		for (int i = 0; i < n->args.len; i++)
			infer(in, n->args.items[i], TYPE_UNKNOWN);
		return TYPE_UNKNOWN;
	}
	for (int i = 0; i < n->args.len && i < fn->params.len; i++) {
		struct symbol *p = fn->params.items[i];
		enum ast_type t = infer(in, n->args.items[i], TYPE_UNKNOWN);

		if (t == TYPE_UNKNOWN)
			t = infer(in, n->args.items[i], p->type);

		settle(in, &p->type, &p->type_loc, t, ((struct ast *)n->args.items[i])->loc,
		       arena_printf(in->e->arena, "parameter '%s' of '%s'", p->name, fn->name));
	}
	if (fn->ret != TYPE_UNKNOWN || want == TYPE_STATS)
		return fn->ret;
	/* As in SystemTap, a use may decide the type of a function's value.
	 * One that gives none still reads as 0 (or "") where the use wants a
	 * type ('!done && report()'), but not where nothing does. */
	if (want != TYPE_UNKNOWN) {
		if (fn->decl->body && !returns_value(fn->decl->body))
			return want;
		settle(in, &fn->ret, &fn->ret_loc, want, n->loc,
		       arena_printf(in->e->arena, "the value of function '%s'", fn->name));
	} else if (in->report && n != in->discarded) {
		no_value(in, n);
	}
	return fn->ret;
}

/* The kinds a literal printf format wants for its arguments, or -1. */
static int format_kinds(const struct ast *n, enum rt_arg_kind *kinds, size_t max)
{
	const struct ast *fmt = n->args.len ? n->args.items[0] : NULL;
	struct rt_fmt_error err;

	if (strcmp(n->name, "printf") != 0 && strcmp(n->name, "sprintf") != 0)
		return -1;
	if (!fmt || fmt->kind != AST_STR)
		return -1;
	return rt_fmt_check(fmt->str, strlen(fmt->str), kinds, max, &err);
}

static enum ast_type infer_print(struct infer *in, struct ast *n)
{
	enum rt_arg_kind kinds[64];
	int nk = format_kinds(n, kinds, 64);

	for (int i = 0; i < n->args.len; i++) {
		enum ast_type want = TYPE_UNKNOWN;

		if (nk >= 0 && i == 0)
			want = TYPE_STRING;
		else if (nk >= 0 && i - 1 < nk && i - 1 < 64)
			want = kinds[i - 1] == RT_ARG_STRING ? TYPE_STRING : TYPE_LONG;
		if (infer(in, n->args.items[i], want) == TYPE_STATS && in->report)
			diag_at(in->e->diag, DIAG_ERROR, ((struct ast *)n->args.items[i])->loc,
				"statistics can't be printed directly: use @count, @sum, ... or "
				"@hist_log/@hist_linear");
	}
	return n->name[0] == 's' ? TYPE_STRING : TYPE_LONG;
}

static void infer_foreach(struct infer *in, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	struct symbol *s = fe->array->sym;

	if (fe->array->kind == AST_HIST) { /* bucket indexes */
		infer(in, fe->array, TYPE_UNKNOWN);
		for (int i = 0; i < fe->keys.len; i++)
			infer(in, fe->keys.items[i], TYPE_LONG);
	}
	if (s) {
		if (s->nkeys < 0) {
			s->nkeys = fe->keys.len;
			in->changed = true;
		} else if (s->nkeys != fe->keys.len && in->report) {
			diag_at(in->e->diag, DIAG_ERROR, n->loc,
				"foreach names %d key%s, but array '%s' has %d", fe->keys.len,
				fe->keys.len == 1 ? "" : "s", s->name, s->nkeys);
		}
		for (int i = 0; i < fe->keys.len && i < ELAB_MAX_KEYS; i++) {
			struct ast *k = fe->keys.items[i];
			enum ast_type t = infer(in, k, s->key_types[i]);

			settle(in, &s->key_types[i], NULL, t, k->loc,
			       arena_printf(in->e->arena, "key %d of '%s'", i + 1, s->name));
		}
		if (fe->value)
			infer(in, fe->value, s->type == TYPE_STATS ? TYPE_UNKNOWN : s->type);
		if (fe->value && s->type != TYPE_STATS)
			settle(in, &s->type, &s->type_loc, fe->value->sym ? fe->value->sym->type : 0,
			       fe->value->loc, sym_what(in, s));
	}
	for (int i = 0; i < fe->slice.len && i < ELAB_MAX_KEYS; i++) {
		struct ast *k = fe->slice.items[i];

		if (k->kind != AST_STAR && s)
			settle(in, &s->key_types[i], NULL, infer(in, k, s->key_types[i]), k->loc,
			       arena_printf(in->e->arena, "key %d of '%s'", i + 1, s->name));
	}
	if (fe->limit)
		infer(in, fe->limit, TYPE_LONG);
	infer(in, n->body, TYPE_UNKNOWN);
}

static void infer_chain(struct infer *in, struct ast *n)
{
	for (int i = 0; i < n->chain.len; i++) {
		struct ast_step *st = n->chain.items[i];

		if (st->index)
			infer(in, st->index, TYPE_LONG);
	}
}

static enum ast_type infer_binary(struct infer *in, struct ast *n)
{
	enum ast_type operand = strcmp(n->op, ".") == 0 ? TYPE_STRING : TYPE_LONG;

	infer(in, n->lhs, operand);
	infer(in, n->rhs, operand);
	return operand;
}

static enum ast_type infer_compare(struct infer *in, struct ast *n)
{
	enum ast_type t = infer(in, n->lhs, TYPE_UNKNOWN);

	t = infer(in, n->rhs, t);
	infer(in, n->lhs, t);
	if (t == TYPE_STATS && in->report)
		diag_at(in->e->diag, DIAG_ERROR, n->loc, "statistics can't be compared");
	return TYPE_LONG;
}

static enum ast_type infer_stmt(struct infer *in, struct ast *n)
{
	switch (n->kind) {
	case AST_BLOCK:
		for (int i = 0; i < n->args.len; i++)
			infer(in, n->args.items[i], TYPE_UNKNOWN);
		break;
	case AST_EXPR_STMT:
		in->discarded = n->lhs;
		infer(in, n->lhs, TYPE_UNKNOWN);
		break;
	case AST_DELETE:
		infer(in, n->lhs, TYPE_UNKNOWN);
		break;
	case AST_IF:
		infer(in, n->cond, TYPE_LONG);
		infer(in, n->then, TYPE_UNKNOWN);
		if (n->els)
			infer(in, n->els, TYPE_UNKNOWN);
		break;
	case AST_WHILE:
	case AST_FOR:
		if (n->init)
			infer(in, n->init, TYPE_UNKNOWN);
		if (n->cond)
			infer(in, n->cond, TYPE_LONG);
		if (n->inc)
			infer(in, n->inc, TYPE_UNKNOWN);
		infer(in, n->body, TYPE_UNKNOWN);
		break;
	case AST_FOREACH:
		infer_foreach(in, n);
		break;
	case AST_RETURN:
		if (n->lhs && in->fn) {
			enum ast_type t = infer(in, n->lhs, in->fn->ret);

			settle(in, &in->fn->ret, &in->fn->ret_loc, t, n->lhs->loc,
			       arena_printf(in->e->arena, "the value of function '%s'",
					    in->fn->name));
		}
		break;
	case AST_TRY:
		infer(in, n->body, TYPE_UNKNOWN);
		infer(in, n->els, TYPE_UNKNOWN);
		break;
	default:
		break;
	}
	return TYPE_UNKNOWN;
}

static enum ast_type infer_expr(struct infer *in, struct ast *n, enum ast_type want)
{
	switch (n->kind) {
	case AST_NUM:
		return TYPE_LONG;
	case AST_STR:
		return TYPE_STRING;
	case AST_VAR:
		return infer_var(in, n, want);
	case AST_INDEX:
		return infer_index(in, n, want);
	case AST_CALL:
		return infer_call(in, n, want);
	case AST_PRINT:
		return infer_print(in, n);
	case AST_ASSIGN:
		return infer_assign(in, n);
	case AST_BINARY:
		return infer_binary(in, n);
	case AST_COMPARE:
		return infer_compare(in, n);
	case AST_REGEX:
		infer(in, n->lhs, TYPE_STRING);
		infer(in, n->rhs, TYPE_STRING);
		check_regex(in, n->rhs);
		return TYPE_LONG;
	case AST_UNARY:
	case AST_PREINC:
	case AST_POSTINC:
		infer(in, n->lhs, TYPE_LONG);
		return TYPE_LONG;
	case AST_LOGICAL:
		infer(in, n->lhs, TYPE_LONG);
		infer(in, n->rhs, TYPE_LONG);
		return TYPE_LONG;
	case AST_TERNARY: {
		enum ast_type t;

		infer(in, n->cond, TYPE_LONG);
		t = infer(in, n->lhs, want);
		t = infer(in, n->rhs, t != TYPE_UNKNOWN ? t : want);
		return infer(in, n->lhs, t);
	}
	case AST_IN:
		if (n->rhs->sym)
			infer_keys(in, n->rhs->sym, &n->args, n->loc);
		return TYPE_LONG;
	case AST_STAT_OP:
		infer(in, n->lhs, TYPE_STATS);
		for (int i = 0; i < n->args.len; i++)
			infer(in, n->args.items[i], TYPE_LONG);
		return TYPE_LONG;
	case AST_HIST:
		infer(in, n->lhs, TYPE_STATS);
		for (int i = 0; i < n->args.len; i++)
			infer(in, n->args.items[i], TYPE_LONG);
		return TYPE_UNKNOWN;
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
	case AST_DEREF:
		if (n->lhs)
			infer(in, n->lhs, TYPE_LONG);
		infer_chain(in, n);
		/* $x$, $x$$, $$vars, $$parms, $$locals, $$return: pretty-printed */
		return n->pretty || (n->kind == AST_TARGET && strncmp(n->name, "$$", 2) == 0) ?
			       TYPE_STRING : TYPE_LONG;
	case AST_ENTRY:
		return infer(in, n->lhs, want);
	case AST_ADDROF:
	case AST_DEFINED:
	case AST_PROBEWRITE:
	case AST_ATFUNC:
		return TYPE_LONG;
	case AST_EMBEDDED:
		return want != TYPE_UNKNOWN ? want : TYPE_LONG;
	default:
		return infer_stmt(in, n);
	}
}

static enum ast_type infer(struct infer *in, struct ast *n, enum ast_type want)
{
	enum ast_type t;

	if (!n)
		return TYPE_UNKNOWN;
	t = infer_expr(in, n, want);
	n->type = t;
	if (in->report && want != TYPE_UNKNOWN && t != TYPE_UNKNOWN && t != want &&
	    n->kind != AST_VAR && n->kind != AST_INDEX)
		diag_at(in->e->diag, DIAG_ERROR, n->loc, "expected a %s here, but this is a %s",
			ast_type_name(want), ast_type_name(t));
	return t;
}

static void sweep(struct infer *in)
{
	struct program *p = &in->e->prog;

	for (int i = 0; i < p->functions.len; i++) {
		in->fn = p->functions.items[i];
		infer(in, in->fn->decl->body, TYPE_UNKNOWN);
	}
	in->fn = NULL;
	for (int i = 0; i < p->probes.len; i++) {
		struct derived_probe *dp = p->probes.items[i];

		infer(in, dp->body, TYPE_UNKNOWN);
		infer(in, dp->cond, TYPE_LONG);
	}
}

/* A local named like a private global of another file: say why the
 * global isn't the one meant. */
static void note_private_global(struct elab *e, const struct symbol *local)
{
	for (int i = 0; local->kind == SYM_LOCAL && i < e->all_globals.len; i++) {
		const struct symbol *g = e->all_globals.items[i];

		if (g->is_private && g->src != local->src && strcmp(g->name, local->name) == 0) {
			diag_hint(e->diag, "a global '%s' (%s:%d) is private to its file: here "
				  "'%s' is a local", g->name, g->src->name, g->loc.line, g->name);
			return;
		}
	}
}

static int report_unknown(struct elab *e, struct vec *syms, const char *kind)
{
	int bad = 0;

	for (int i = 0; i < syms->len; i++) {
		struct symbol *s = syms->items[i];

		if (s->type == TYPE_UNKNOWN && (s->read || s->written)) {
			diag_at(e->diag, DIAG_ERROR, s->loc, "cannot infer the type of %s '%s'", kind,
				s->name);
			diag_hint(e->diag, "a variable takes its type from what is assigned to it and "
					   "from where it is used: assign it a number or a string");
			note_private_global(e, s);
			bad++;
		}
	}
	return bad;
}

/* Statistics are global (SystemTap: "stat locals not supported"). */
static int report_stats_locals(struct elab *e, struct vec *syms)
{
	int bad = 0;

	for (int i = 0; i < syms->len; i++) {
		struct symbol *s = syms->items[i];

		if (s->type != TYPE_STATS)
			continue;
		diag_at(e->diag, DIAG_ERROR, s->loc, "'%s' is a %s, but statistics must be global",
			s->name, s->kind == SYM_PARAM ? "function parameter" : "local variable");
		if (s->kind != SYM_PARAM)
			diag_hint(e->diag, "missing global declaration? add 'global %s' at the top "
					   "level", s->name);
		bad++;
	}
	return bad;
}

int types_infer(struct elab *e)
{
	struct infer in = { .e = e };
	int errors = diag_errors(e->diag), bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 100; i++) {
			in.changed = false;
			sweep(&in);
			if (!in.changed)
				break;
		}
		/* a global nothing else types takes its -G value's type */
		if (!gopt_type_globals(e))
			break;
	}
	in.report = true;
	sweep(&in);
	bad += report_unknown(e, &e->prog.globals, "global");
	for (int i = 0; i < e->prog.probes.len; i++) {
		struct derived_probe *dp = e->prog.probes.items[i];

		bad += report_unknown(e, &dp->locals, "local");
		bad += report_stats_locals(e, &dp->locals);
	}
	for (int i = 0; i < e->prog.functions.len; i++) {
		struct func *fn = e->prog.functions.items[i];

		bad += report_unknown(e, &fn->locals, "local");
		bad += report_stats_locals(e, &fn->params);
		bad += report_stats_locals(e, &fn->locals);
	}
	return diag_errors(e->diag) > errors || bad ? -1 : 0;
}
