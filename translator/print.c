/* print.c - the -p1 printer: the parsed script back as normalised source.
 *
 * The output parses again to the same output (print(parse(print(parse(x))))
 * == print(parse(x))), so it is written to be unambiguous rather than to
 * look like its input:
 *   - an operand of a binary operator that is itself a binary (or ternary,
 *     assignment, 'in') expression is parenthesised, so precedence and
 *     associativity can't change on re-parse: x = 1 + ((2 * 3) * -y); the
 *     right side of an assignment and the middle of a ?: take any
 *     expression and stay bare; a unary operator's operand is
 *     parenthesised unless it is a primary (-(-x), !(a in b));
 *   - the operand of a unary '-' that is a number is parenthesised too,
 *     since the parser folds '-' NUMBER into a negative literal;
 *   - member access on a script value always has its parentheses, (p)->a,
 *     since '[' starts a chain only after ')';
 *   - bodies of if/while/for/foreach are always blocks, which also settles
 *     the dangling else; 'else if' stays flat;
 *   - simple statements end with ';' (the parser takes one optional ';'
 *     after each), so 'return;' can't swallow the next line;
 *   - strings are re-quoted, macros and %( %) conditionals are already
 *     expanded, and '{a,b}' in probe points already split by the parser.
 * Indentation is one tab per level.
 */
#include <inttypes.h>
#include <string.h>

#include "tapir.h"

/* ---- strings and literals ---------------------------------------------- */

void print_quoted(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		default:
			/* Three digits always, so that a digit after it stays a digit. */
			if (*p < 0x20 || *p == 0x7f)
				sb_printf(sb, "\\%03o", *p);
			else
				sb_putc(sb, (char)*p);
		}
	}
	sb_putc(sb, '"');
}

static void print_num(struct strbuf *sb, int64_t v)
{
	sb_printf(sb, "%" PRId64, v);
}

/* ---- expressions ------------------------------------------------------- */

/* Kinds that print as one unit: they never need parentheses as operands. */
static bool is_primary(const struct ast *e)
{
	switch (e->kind) {
	case AST_NUM:
	case AST_STR:
	case AST_VAR:
	case AST_INDEX:
	case AST_CALL:
	case AST_PRINT:
	case AST_STAT_OP:
	case AST_HIST:
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
	case AST_ENTRY:
	case AST_DEFINED:
	case AST_PROBEWRITE:
	case AST_ATFUNC:
	case AST_DEREF:
	case AST_EMBEDDED:
	case AST_STAR:
	case AST_GROUP:
		return true;
	default:
		return false;
	}
}

/* Prefix and postfix operators bind tighter than any binary operator: as
 * an operand of one, they need no parentheses (!x && y, -x * y, x++ + 1). */
static bool is_unary_level(const struct ast *e)
{
	return is_primary(e) || e->kind == AST_UNARY || e->kind == AST_ADDROF ||
	       e->kind == AST_PREINC || e->kind == AST_POSTINC;
}

/* An operand of a binary or ternary operator: the operators print with
 * spaces around them, so "x - -y" and "x + ++y" keep their tokens apart. */
static void print_binary_operand(struct strbuf *sb, const struct ast *e)
{
	if (e && !is_unary_level(e)) {
		sb_putc(sb, '(');
		print_expr(sb, e);
		sb_putc(sb, ')');
	} else {
		print_expr(sb, e);
	}
}

static void print_operand(struct strbuf *sb, const struct ast *e)
{
	if (e && !is_primary(e)) {
		sb_putc(sb, '(');
		print_expr(sb, e);
		sb_putc(sb, ')');
	} else {
		print_expr(sb, e);
	}
}

static void print_list(struct strbuf *sb, const struct vec *v)
{
	for (int i = 0; i < v->len; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		print_expr(sb, v->items[i]);
	}
}

/* name(lhs, args...) for @-operators that take an operand and extras. */
static void print_at_operand(struct strbuf *sb, const struct ast *e)
{
	sb_puts(sb, e->name ? e->name : "@");
	sb_putc(sb, '(');
	print_expr(sb, e->lhs);
	for (int i = 0; i < e->args.len; i++) {
		sb_puts(sb, ", ");
		print_expr(sb, e->args.items[i]);
	}
	sb_putc(sb, ')');
}

/* ->member and [index] steps, then the pretty-print suffix. */
static void print_chain(struct strbuf *sb, const struct ast *e)
{
	for (int i = 0; i < e->chain.len; i++) {
		const struct ast_step *st = e->chain.items[i];

		if (st->is_index) {
			sb_putc(sb, '[');
			print_expr(sb, st->index);
			sb_putc(sb, ']');
		} else {
			sb_puts(sb, "->");
			sb_puts(sb, st->member ? st->member : "");
		}
	}
	if (e->pretty)
		sb_puts(sb, e->pretty);
	else if (e->chain_pretty)
		sb_putc(sb, '$');
}

/* One key bare (k in a), several or a '*' bracketed ([k1, *] in a). */
static void print_in(struct strbuf *sb, const struct ast *e)
{
	const struct ast *k = e->args.len == 1 ? e->args.items[0] : NULL;

	if (k && k->kind != AST_STAR) {
		print_binary_operand(sb, k);
	} else {
		sb_putc(sb, '[');
		print_list(sb, &e->args);
		sb_putc(sb, ']');
	}
	sb_puts(sb, " in ");
	print_operand(sb, e->rhs);
}

static void print_unary(struct strbuf *sb, const struct ast *e)
{
	sb_puts(sb, e->op ? e->op : "");
	/* "-(5)" must not print as "-5", which the parser folds into a literal,
	 * nor "-(-5)" as "--5", a decrement. */
	if (e->lhs && e->lhs->kind == AST_NUM && e->op && strcmp(e->op, "-") == 0) {
		sb_putc(sb, '(');
		print_expr(sb, e->lhs);
		sb_putc(sb, ')');
	} else {
		print_operand(sb, e->lhs);
	}
}

static void print_binary(struct strbuf *sb, const struct ast *e)
{
	print_binary_operand(sb, e->lhs);
	sb_putc(sb, ' ');
	sb_puts(sb, e->op ? e->op : "?");
	sb_putc(sb, ' ');
	/* Assignment is the lowest level and binds to the right: its right
	 * side takes any expression as it stands. */
	if (e->kind == AST_ASSIGN)
		print_expr(sb, e->rhs);
	else
		print_binary_operand(sb, e->rhs);
}

static void print_call(struct strbuf *sb, const struct ast *e)
{
	sb_puts(sb, e->name ? e->name : "");
	sb_putc(sb, '(');
	print_list(sb, &e->args);
	sb_putc(sb, ')');
}

static void print_embedded(struct strbuf *sb, const char *code)
{
	sb_puts(sb, "%{");
	sb_puts(sb, code ? code : "");
	sb_puts(sb, "%}");
}

void print_expr(struct strbuf *sb, const struct ast *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case AST_NUM:
		print_num(sb, e->num);
		break;
	case AST_STR:
		print_quoted(sb, e->str ? e->str : "");
		break;
	case AST_VAR:
		sb_puts(sb, e->name ? e->name : "");
		break;
	case AST_INDEX:
		print_operand(sb, e->lhs);
		sb_putc(sb, '[');
		print_list(sb, &e->args);
		sb_putc(sb, ']');
		break;
	case AST_CALL:
	case AST_PRINT:
	case AST_ATFUNC:
		print_call(sb, e);
		break;
	case AST_UNARY:
	case AST_ADDROF:
		if (e->kind == AST_ADDROF && !e->op)
			sb_putc(sb, '&');
		print_unary(sb, e);
		break;
	case AST_PREINC:
		sb_puts(sb, e->op ? e->op : "++");
		print_operand(sb, e->lhs);
		break;
	case AST_POSTINC:
		print_operand(sb, e->lhs);
		sb_puts(sb, e->op ? e->op : "++");
		break;
	case AST_BINARY:
	case AST_COMPARE:
	case AST_REGEX:
	case AST_LOGICAL:
	case AST_ASSIGN:
		print_binary(sb, e);
		break;
	case AST_TERNARY:
		print_binary_operand(sb, e->cond);
		sb_puts(sb, " ? ");
		print_expr(sb, e->lhs); /* between '?' and ':' any expression goes */
		sb_puts(sb, " : ");
		print_binary_operand(sb, e->rhs);
		break;
	case AST_IN:
		print_in(sb, e);
		break;
	case AST_STAT_OP:
	case AST_HIST:
	case AST_ENTRY:
	case AST_DEFINED:
	case AST_PROBEWRITE:
	case AST_CAST:
		print_at_operand(sb, e);
		print_chain(sb, e);
		break;
	case AST_TARGET:
		sb_puts(sb, e->name ? e->name : "$");
		print_chain(sb, e);
		break;
	case AST_ATVAR:
		print_call(sb, e);
		print_chain(sb, e);
		break;
	case AST_DEREF:
		/* Always "(x)->a": '[' starts a chain only after a ')'. */
		sb_putc(sb, '(');
		print_expr(sb, e->lhs);
		sb_putc(sb, ')');
		print_chain(sb, e);
		break;
	case AST_EMBEDDED:
		print_embedded(sb, e->str);
		break;
	case AST_STAR:
		sb_putc(sb, '*');
		break;
	case AST_GROUP:
		sb_putc(sb, '(');
		print_expr(sb, e->lhs);
		sb_putc(sb, ')');
		break;
	default:
		/* A statement where an expression belongs: only a broken AST. */
		sb_puts(sb, "/* ? */");
		break;
	}
}

/* ---- statements -------------------------------------------------------- */

static void indent(struct strbuf *sb, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_putc(sb, '\t');
}

/* '{' stmts '}' with the '{' on the current line; no newline after '}'. */
static void print_block(struct strbuf *sb, const struct ast *b, int depth)
{
	sb_puts(sb, "{\n");
	if (b && b->kind == AST_BLOCK) {
		for (int i = 0; i < b->args.len; i++)
			print_stmt(sb, b->args.items[i], depth + 1);
	} else if (b) {
		print_stmt(sb, b, depth + 1);
	}
	indent(sb, depth);
	sb_putc(sb, '}');
}

static void print_if(struct strbuf *sb, const struct ast *s, int depth)
{
	for (;;) {
		sb_puts(sb, "if (");
		print_expr(sb, s->cond);
		sb_puts(sb, ") ");
		print_block(sb, s->then, depth);
		if (!s->els)
			return;
		sb_puts(sb, " else ");
		if (s->els->kind != AST_IF)
			break;
		s = s->els;
	}
	print_block(sb, s->els, depth);
}

static void print_for(struct strbuf *sb, const struct ast *s, int depth)
{
	sb_puts(sb, "for (");
	print_expr(sb, s->init);
	sb_putc(sb, ';');
	if (s->cond) {
		sb_putc(sb, ' ');
		print_expr(sb, s->cond);
	}
	sb_putc(sb, ';');
	if (s->inc) {
		sb_putc(sb, ' ');
		print_expr(sb, s->inc);
	}
	sb_puts(sb, ") ");
	print_block(sb, s->body, depth);
}

static void print_sort_mark(struct strbuf *sb, int mark)
{
	if (mark > 0)
		sb_putc(sb, '+');
	else if (mark < 0)
		sb_putc(sb, '-');
}

/* foreach ([v =] [k1+, k2] in a[slice] [@agg][+|-] [limit n]) */
static void print_foreach_spec(struct strbuf *sb, const struct ast_foreach *fe)
{
	if (fe->value) {
		print_expr(sb, fe->value);
		sb_puts(sb, " = ");
	}
	sb_putc(sb, '[');
	for (int i = 0; i < fe->keys.len; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		print_expr(sb, fe->keys.items[i]);
		if (i < 9)
			print_sort_mark(sb, fe->key_sort[i]);
	}
	sb_puts(sb, "] in ");
	print_expr(sb, fe->array);
	if (fe->slice.len > 0) {
		sb_putc(sb, '[');
		print_list(sb, &fe->slice);
		sb_putc(sb, ']');
	}
	if (fe->agg) {
		sb_putc(sb, ' ');
		sb_puts(sb, fe->agg);
	}
	print_sort_mark(sb, fe->value_sort);
	if (fe->limit) {
		sb_puts(sb, " limit ");
		print_expr(sb, fe->limit);
	}
}

static void print_foreach(struct strbuf *sb, const struct ast *s, int depth)
{
	sb_puts(sb, "foreach (");
	if (s->fe)
		print_foreach_spec(sb, s->fe);
	sb_puts(sb, ") ");
	print_block(sb, s->body, depth);
}

static void print_try(struct strbuf *sb, const struct ast *s, int depth)
{
	sb_puts(sb, "try ");
	print_block(sb, s->body, depth);
	sb_puts(sb, " catch ");
	if (s->name) {
		sb_putc(sb, '(');
		sb_puts(sb, s->name);
		sb_puts(sb, ") ");
	}
	print_block(sb, s->els, depth);
}

/* A statement that ends with ';': keyword [operand]. */
static void print_simple(struct strbuf *sb, const char *kw, const struct ast *operand)
{
	sb_puts(sb, kw);
	if (operand) {
		if (*kw)
			sb_putc(sb, ' ');
		print_expr(sb, operand);
	}
	sb_putc(sb, ';');
}

/* A statement that begins with '%{' is embedded C, not an expression:
 * "(%{ x %}) = 1" must keep its parentheses. */
static void print_expr_stmt(struct strbuf *sb, const struct ast *e)
{
	struct strbuf tmp = { 0 };

	print_expr(&tmp, e);
	if (tmp.data && strncmp(tmp.data, "%{", 2) == 0) {
		sb_putc(sb, '(');
		sb_puts(sb, tmp.data);
		sb_putc(sb, ')');
	} else if (tmp.data) {
		sb_puts(sb, tmp.data);
	}
	sb_putc(sb, ';');
	sb_free(&tmp);
}

static void print_stmt_body(struct strbuf *sb, const struct ast *s, int depth)
{
	switch (s->kind) {
	case AST_BLOCK:
		print_block(sb, s, depth);
		break;
	case AST_EXPR_STMT:
		print_expr_stmt(sb, s->lhs);
		break;
	case AST_IF:
		print_if(sb, s, depth);
		break;
	case AST_WHILE:
		sb_puts(sb, "while (");
		print_expr(sb, s->cond);
		sb_puts(sb, ") ");
		print_block(sb, s->body, depth);
		break;
	case AST_FOR:
		print_for(sb, s, depth);
		break;
	case AST_FOREACH:
		print_foreach(sb, s, depth);
		break;
	case AST_BREAK:
		print_simple(sb, "break", NULL);
		break;
	case AST_CONTINUE:
		print_simple(sb, "continue", NULL);
		break;
	case AST_NEXT:
		print_simple(sb, "next", NULL);
		break;
	case AST_RETURN:
		print_simple(sb, "return", s->lhs);
		break;
	case AST_DELETE:
		print_simple(sb, "delete", s->lhs);
		break;
	case AST_TRY:
		print_try(sb, s, depth);
		break;
	case AST_EMBED_STMT:
		print_embedded(sb, s->str);
		break;
	case AST_NULL_STMT:
		sb_putc(sb, ';');
		break;
	default:
		/* An expression where a statement belongs: print it as one. */
		print_simple(sb, "", s);
		break;
	}
}

void print_stmt(struct strbuf *sb, const struct ast *s, int depth)
{
	if (!s)
		return;
	indent(sb, depth);
	print_stmt_body(sb, s, depth);
	sb_putc(sb, '\n');
}

/* ---- declarations ------------------------------------------------------ */

void print_probe_point(struct strbuf *sb, const struct ast_probe_point *pp)
{
	for (int i = 0; i < pp->comps.len; i++) {
		const struct ast_component *c = pp->comps.items[i];

		if (i > 0)
			sb_putc(sb, '.');
		sb_puts(sb, c->name ? c->name : "");
		if (c->arg) {
			sb_putc(sb, '(');
			print_expr(sb, c->arg);
			sb_putc(sb, ')');
		}
	}
	/* '!' means optional and sufficient: it implies the '?'. */
	if (pp->sufficient)
		sb_putc(sb, '!');
	else if (pp->optional)
		sb_putc(sb, '?');
	if (pp->cond) {
		sb_puts(sb, " if (");
		print_expr(sb, pp->cond);
		sb_putc(sb, ')');
	}
}

static void print_points(struct strbuf *sb, const struct vec *points)
{
	for (int i = 0; i < points->len; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		print_probe_point(sb, points->items[i]);
	}
}

static void print_global(struct strbuf *sb, const struct ast_global *g)
{
	sb_puts(sb, "global ");
	sb_puts(sb, g->name ? g->name : "");
	if (g->wrap)
		sb_putc(sb, '%');
	if (g->is_array && g->max_size > 0) {
		sb_putc(sb, '[');
		print_num(sb, g->max_size);
		sb_putc(sb, ']');
	}
	if (g->init) {
		sb_puts(sb, " = ");
		print_expr(sb, g->init);
	}
}

static void print_type(struct strbuf *sb, enum ast_type t)
{
	/* 'stats' has no spelling in the language: inferred only. */
	if (t == TYPE_LONG || t == TYPE_STRING) {
		sb_putc(sb, ':');
		sb_puts(sb, ast_type_name(t));
	}
}

static void print_function(struct strbuf *sb, const struct ast_decl *d)
{
	sb_puts(sb, "function ");
	sb_puts(sb, d->name ? d->name : "");
	print_type(sb, d->ret_type);
	sb_puts(sb, " (");
	for (int i = 0; i < d->params.len; i++) {
		const struct ast_param *prm = d->params.items[i];

		if (i > 0)
			sb_puts(sb, ", ");
		sb_puts(sb, prm->name ? prm->name : "");
		print_type(sb, prm->type);
	}
	sb_puts(sb, ") ");
	if (d->embedded)
		print_embedded(sb, d->embedded);
	else
		print_block(sb, d->body, 0);
}

static void print_decl(struct strbuf *sb, const struct ast_decl *d)
{
	if (d->is_private)
		sb_puts(sb, "private ");
	switch (d->kind) {
	case DECL_PROBE:
		sb_puts(sb, "probe ");
		print_points(sb, &d->points);
		sb_putc(sb, ' ');
		print_block(sb, d->body, 0);
		break;
	case DECL_ALIAS:
		sb_puts(sb, "probe ");
		print_points(sb, &d->alias_names);
		sb_puts(sb, d->epilogue ? " += " : " = ");
		print_points(sb, &d->points);
		sb_putc(sb, ' ');
		print_block(sb, d->body, 0);
		break;
	case DECL_GLOBAL:
		if (d->global)
			print_global(sb, d->global);
		break;
	case DECL_FUNCTION:
		print_function(sb, d);
		break;
	case DECL_EMBEDDED:
		print_embedded(sb, d->embedded);
		break;
	}
	sb_putc(sb, '\n');
}

void print_file(FILE *out, const struct ast_file *f)
{
	struct strbuf sb = { 0 };

	for (int i = 0; i < f->decls.len; i++)
		print_decl(&sb, f->decls.items[i]);
	if (sb.len)
		fwrite(sb.data, 1, sb.len, out);
	sb_free(&sb);
}
