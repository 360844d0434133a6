/* types.c - type inference to a fixpoint over every probe and function.
 *
 * Types live on symbols (and function returns); each sweep infers what it
 * can from the expressions and stops when a sweep learns nothing new. A
 * conflict is reported at the use, with a note where the type came from.
 */
#include <string.h>

#include "elab.h"
#include "rt_format.h"

struct infer {
	struct elab *e;
	struct func *fn; /* the function being swept, for 'return' */
	bool changed;
	bool report;     /* the last sweep: report what's still unknown */
};

static enum ast_type infer(struct infer *in, struct ast *n, enum ast_type want);

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

static void infer_keys(struct infer *in, struct symbol *s, struct vec *args, struct loc loc)
{
	if (s->nkeys < 0) {
		s->nkeys = args->len;
		in->changed = true;
	} else if (s->nkeys != args->len && in->report) {
		diag_at(in->e->diag, DIAG_ERROR, loc, "array '%s' is indexed with %d key%s here, "
			"but %d elsewhere", s->name, args->len, args->len == 1 ? "" : "s", s->nkeys);
		return;
	}
	for (int i = 0; i < args->len && i < 9; i++) {
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

static enum ast_type infer_call(struct infer *in, struct ast *n)
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

	if (s) {
		if (s->nkeys < 0) {
			s->nkeys = fe->keys.len;
			in->changed = true;
		} else if (s->nkeys != fe->keys.len && in->report) {
			diag_at(in->e->diag, DIAG_ERROR, n->loc,
				"foreach names %d key%s, but array '%s' has %d", fe->keys.len,
				fe->keys.len == 1 ? "" : "s", s->name, s->nkeys);
		}
		for (int i = 0; i < fe->keys.len && i < 9; i++) {
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
	for (int i = 0; i < fe->slice.len; i++) {
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
		return infer_call(in, n);
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
		return n->pretty ? TYPE_STRING : TYPE_LONG;
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

static int report_unknown(struct elab *e, struct vec *syms, const char *kind)
{
	int bad = 0;

	for (int i = 0; i < syms->len; i++) {
		struct symbol *s = syms->items[i];

		if (s->type == TYPE_UNKNOWN && (s->read || s->written)) {
			diag_at(e->diag, DIAG_ERROR, s->loc, "cannot infer the type of %s '%s'", kind,
				s->name);
			diag_hint(e->diag, "assign it a number or a string, or declare it with a type");
			bad++;
		}
	}
	return bad;
}

int types_infer(struct elab *e)
{
	struct infer in = { .e = e };
	int errors = diag_errors(e->diag), bad = 0;

	for (int i = 0; i < 100; i++) {
		in.changed = false;
		sweep(&in);
		if (!in.changed)
			break;
	}
	in.report = true;
	sweep(&in);
	bad += report_unknown(e, &e->prog.globals, "global");
	for (int i = 0; i < e->prog.probes.len; i++)
		bad += report_unknown(e, &((struct derived_probe *)e->prog.probes.items[i])->locals,
				      "local");
	for (int i = 0; i < e->prog.functions.len; i++)
		bad += report_unknown(e, &((struct func *)e->prog.functions.items[i])->locals,
				      "local");
	return diag_errors(e->diag) > errors || bad ? -1 : 0;
}
