/* parse.c - recursive-descent parser: preprocessed tokens to an AST.
 *
 * Each grammar function opens with its rule. A syntax error is reported
 * and the parser resumes at the next declaration keyword that begins a
 * line, so that one run reports the errors of independent declarations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rt_format.h"
#include "tapir.h"

#define LOOKAHEAD 4 /* a power of two */

struct parser {
	struct arena *arena;
	struct diag_ctx *diag;
	struct preproc *pp;
	const struct source *src;
	struct token *ring[LOOKAHEAD]; /* tokens peeked, from ring[head] on */
	int head, nring;
	struct token *prev; /* the last token consumed */
	jmp_buf recover;
	int depth;          /* expression/statement nesting, bounded */
	bool in_function;   /* 'return' is allowed */
	bool guru;          /* -g: embedded C and @const allowed in the script */
};

/* Embedded C and @const belong to tapsets, or to scripts run with -g. */
static void check_guru(struct parser *p, const struct token *t, const char *what)
{
	if (p->guru || t->loc.src->is_library)
		return;
	diag_at(p->diag, DIAG_ERROR, t->loc, "%s needs guru mode (-g) outside the tapset library",
		what);
}

#define MAX_DEPTH 500

static struct token *peek_n(struct parser *p, int n)
{
	while (p->nring <= n) {
		p->ring[(p->head + p->nring) & (LOOKAHEAD - 1)] = pp_next(p->pp);
		p->nring++;
	}
	return p->ring[(p->head + n) & (LOOKAHEAD - 1)];
}

static inline struct token *peek(struct parser *p)
{
	return p->nring ? p->ring[p->head] : peek_n(p, 0);
}

static struct token *next(struct parser *p)
{
	struct token *t = peek(p);

	if (t->kind != TOK_EOF) {
		p->head = (p->head + 1) & (LOOKAHEAD - 1);
		p->nring--;
	}
	p->prev = t;
	return t;
}

/* The parser names operators and keywords by their text, always a
 * literal: these macros compare the token's word with the text's, which
 * the compiler computes (TOK_WORD), so that is_op(p, "{") is one compare. */
#define is_op(p, op) peek_is(p, TOK_OP, TOK_WORD(op))
#define is_kw(p, kw) peek_is(p, TOK_IDENT, TOK_WORD(kw))
#define accept(p, op) accept_word(p, TOK_OP, TOK_WORD(op))
#define accept_kw(p, kw) accept_word(p, TOK_IDENT, TOK_WORD(kw))
#define expect(p, op) expect_word(p, TOK_WORD(op), op)
#define expect_close(p, op, open) expect_close_word(p, TOK_WORD(op), op, open)
/* Is the name t the keyword kw? */
#define is_word(t, kw) ((t)->word == TOK_WORD(kw))

static inline bool peek_is(struct parser *p, enum tok_kind kind, uint64_t word)
{
	struct token *t = peek(p);

	return t->kind == kind && t->word == word;
}

static bool accept_word(struct parser *p, enum tok_kind kind, uint64_t word)
{
	if (!peek_is(p, kind, word))
		return false;
	next(p);
	return true;
}

static const char *describe(const struct token *t)
{
	switch (t->kind) {
	case TOK_EOF:
		return "end of file";
	case TOK_STRING:
		return "a string";
	case TOK_NUMBER:
		return "a number";
	case TOK_EMBEDDED:
		return "embedded C '%{ %}'";
	default:
		return NULL;
	}
}

static void note_expansion(struct parser *p, const struct token *t)
{
	if (t->expanded_from)
		diag_note(p->diag, t->expanded_from->loc, "in the expansion of '%s' here",
			  t->expanded_from->text);
}

/* Report at the current token and resume at the next declaration. */
static _Noreturn __attribute__((format(printf, 2, 3))) void fail(struct parser *p,
								   const char *fmt, ...)
{
	struct token *t = peek(p);
	const char *d = describe(t);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d)
		diag_at(p->diag, DIAG_ERROR, t->loc, "%s, found %s", msg, d);
	else
		diag_at(p->diag, DIAG_ERROR, t->loc, "%s, found '%s'", msg, t->text);
	note_expansion(p, t);
	longjmp(p->recover, 1);
}

static struct token *expect_word(struct parser *p, uint64_t word, const char *op)
{
	if (!peek_is(p, TOK_OP, word))
		fail(p, "expected '%s'", op);
	return next(p);
}

/* Expect a closing token, naming where its opener was. */
static void expect_close_word(struct parser *p, uint64_t word, const char *op,
			      const struct token *open)
{
	char what[128];

	if (peek_is(p, TOK_OP, word)) {
		next(p);
		return;
	}
	snprintf(what, sizeof(what), "expected '%s' to close the '%s' at line %d", op, open->text,
		 open->loc.line);
	fail(p, "%s", what);
}

static struct token *expect_ident(struct parser *p, const char *what)
{
	if (peek(p)->kind != TOK_IDENT)
		fail(p, "expected %s", what);
	return next(p);
}

static bool is_keyword(const struct token *t)
{
	uint64_t w = t->word;

	return t->kind == TOK_IDENT && w &&
	       (w == TOK_WORD("probe") || w == TOK_WORD("global") || w == TOK_WORD("function") ||
		w == TOK_WORD("private") || w == TOK_WORD("if") || w == TOK_WORD("else") ||
		w == TOK_WORD("for") || w == TOK_WORD("foreach") || w == TOK_WORD("in") ||
		w == TOK_WORD("limit") || w == TOK_WORD("return") || w == TOK_WORD("delete") ||
		w == TOK_WORD("while") || w == TOK_WORD("break") || w == TOK_WORD("continue") ||
		w == TOK_WORD("next") || w == TOK_WORD("try") || w == TOK_WORD("catch") ||
		w == TOK_WORD("string") || w == TOK_WORD("long"));
}

static struct ast *node(struct parser *p, enum ast_kind k, const struct token *at)
{
	return ast_new(p->arena, k, at->loc);
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		fail(p, "%s", "nesting too deep");
}

static void leave(struct parser *p)
{
	p->depth--;
}

static struct ast *parse_expr(struct parser *p);
static struct ast *parse_stmt(struct parser *p);
static struct ast *parse_block(struct parser *p);
static struct ast *parse_unary(struct parser *p);

/* ---- literals ---------------------------------------------------------- */

/* string -> STRING+   (adjacent literals are joined, as in C) */
static struct ast *parse_string(struct parser *p)
{
	struct token *t = next(p);
	struct ast *n = node(p, AST_STR, t);

	if (peek(p)->kind != TOK_STRING) {
		n->str = t->text;
		return n;
	}
	struct strbuf sb = { 0 };

	sb_puts(&sb, t->text);
	while (peek(p)->kind == TOK_STRING)
		sb_puts(&sb, next(p)->text);
	n->str = arena_strdup(p->arena, sb.data);
	sb_free(&sb);
	return n;
}

static struct ast *number_node(struct parser *p, const struct token *t, bool negate)
{
	struct ast *n = node(p, AST_NUM, t);

	n->num = negate ? (int64_t)(0 - (uint64_t)t->num) : t->num;
	return n;
}

/* literal -> ['-'] NUMBER | string */
static struct ast *parse_literal(struct parser *p, const char *what)
{
	if (peek(p)->kind == TOK_STRING)
		return parse_string(p);
	if (peek(p)->kind == TOK_NUMBER)
		return number_node(p, next(p), false);
	if (is_op(p, "-") && peek_n(p, 1)->kind == TOK_NUMBER) {
		struct token *minus = next(p);
		struct ast *n = number_node(p, next(p), true);

		n->loc = minus->loc;
		return n;
	}
	fail(p, "expected %s", what);
}

/* ---- printf format checking -------------------------------------------- */

static void check_format(struct parser *p, struct ast *call)
{
	const struct ast *fmt;
	struct rt_fmt_error err;
	int want, have = call->args.len - 1;

	if (strcmp(call->name, "printf") != 0 && strcmp(call->name, "sprintf") != 0)
		return;
	if (call->args.len == 0) {
		diag_at(p->diag, DIAG_ERROR, call->loc, "%s needs a format string", call->name);
		return;
	}
	fmt = call->args.items[0];
	if (fmt->kind != AST_STR) {
		diag_at(p->diag, DIAG_ERROR, fmt->loc, "%s's format must be a string literal",
			call->name);
		return;
	}
	want = rt_fmt_check(fmt->str, strlen(fmt->str), NULL, 0, &err);
	if (want < 0) {
		diag_at(p->diag, DIAG_ERROR, fmt->loc, "bad format string: %s (at offset %zu)",
			err.msg, err.pos);
		return;
	}
	if (want != have)
		diag_at(p->diag, DIAG_ERROR, call->loc,
			"%s: the format wants %d argument%s but %d %s given", call->name, want,
			want == 1 ? "" : "s", have, have == 1 ? "is" : "are");
}

static void check_print(struct parser *p, struct ast *call)
{
	const char *n = call->name;

	if ((strcmp(n, "printd") == 0 || strcmp(n, "printdln") == 0 ||
	     strcmp(n, "sprintd") == 0 || strcmp(n, "sprintdln") == 0) && call->args.len < 3)
		diag_at(p->diag, DIAG_ERROR, call->loc,
			"%s needs a delimiter and at least two values", n);
	else if (strcmp(n, "printf") != 0 && strcmp(n, "sprintf") != 0 && call->args.len == 0 &&
		 strcmp(n, "println") != 0 && strcmp(n, "sprintln") != 0)
		diag_at(p->diag, DIAG_ERROR, call->loc, "%s needs at least one value", n);
	check_format(p, call);
}

/* ---- expressions -------------------------------------------------------- */

/* arglist -> '(' [expr (',' expr)*] ')' */
static void parse_call_args(struct parser *p, struct vec *args)
{
	struct token *open = expect(p, "(");

	if (accept(p, ")"))
		return;
	do {
		vec_push(p->arena, args, parse_expr(p));
	} while (accept(p, ","));
	expect_close(p, ")", open);
}

/* index_list -> ('*' | expr) (',' ('*' | expr))*   ; '*' only where allowed */
static void parse_index_list(struct parser *p, struct vec *out, bool allow_star)
{
	do {
		if (allow_star && is_op(p, "*") &&
		    (TOK_IS(peek_n(p, 1), ",") || TOK_IS(peek_n(p, 1), "]"))) {
			vec_push(p->arena, out, node(p, AST_STAR, next(p)));
			continue;
		}
		vec_push(p->arena, out, parse_expr(p));
	} while (accept(p, ","));
}

/* chain -> ('->' IDENT | '[' expr ']')* ['$' | '$$'] */
static void parse_chain(struct parser *p, struct ast *n)
{
	for (;;) {
		struct ast_step *st;

		if (is_op(p, "->")) {
			struct token *arrow = next(p);

			st = arena_alloc(p->arena, sizeof(*st));
			st->loc = arrow->loc;
			st->member = expect_ident(p, "a member name after '->'")->text;
		} else if (is_op(p, "[")) {
			struct token *open = next(p);

			st = arena_alloc(p->arena, sizeof(*st));
			st->loc = open->loc;
			st->is_index = true;
			st->index = parse_expr(p);
			expect_close(p, "]", open);
		} else {
			break;
		}
		vec_push(p->arena, &n->chain, st);
	}
	/* A pretty-print suffix lexes as part of a name ($x$) or as '$' tokens. */
	if (peek(p)->kind == TOK_DOLLAR && !peek(p)->space_before &&
	    (strcmp(peek(p)->text, "$") == 0 || strcmp(peek(p)->text, "$$") == 0))
		n->pretty = next(p)->text;
}

/* target -> DOLLAR chain   ($var $var$ $$vars $$parms$$ ...) */
static struct ast *parse_target(struct parser *p)
{
	struct token *t = next(p);
	struct ast *n = node(p, AST_TARGET, t);
	size_t len = strlen(t->text);

	n->name = t->text;
	/* $name$ / $name$$ : split the pretty suffix off the name. */
	if (len > 2 && t->text[len - 1] == '$') {
		size_t cut = t->text[len - 2] == '$' ? 2 : 1;

		if (len - cut > 1 && t->text[len - cut - 1] != '$') {
			n->name = arena_strndup(p->arena, t->text, len - cut);
			n->pretty = cut == 2 ? "$$" : "$";
			return n;
		}
	}
	parse_chain(p, n);
	return n;
}

/* cast -> '@cast' '(' expr ',' string [',' string] ')' chain */
static struct ast *parse_cast(struct parser *p, struct token *at)
{
	struct ast *n = node(p, AST_CAST, at);
	struct token *open = expect(p, "(");

	n->name = at->text;
	n->lhs = parse_expr(p);
	expect(p, ",");
	if (peek(p)->kind != TOK_STRING)
		fail(p, "expected %s", "the type name string of @cast");
	vec_push(p->arena, &n->args, parse_string(p));
	if (accept(p, ",")) {
		if (peek(p)->kind != TOK_STRING)
			fail(p, "expected %s", "the module name string of @cast");
		vec_push(p->arena, &n->args, parse_string(p));
	}
	expect_close(p, ")", open);
	parse_chain(p, n);
	return n;
}

/* atvar -> '@var' '(' string [',' string] ')' chain */
static struct ast *parse_atvar(struct parser *p, struct token *at)
{
	struct ast *n = node(p, AST_ATVAR, at);
	struct token *open = expect(p, "(");

	n->name = at->text;
	if (peek(p)->kind != TOK_STRING)
		fail(p, "expected %s", "the variable name string of @var");
	vec_push(p->arena, &n->args, parse_string(p));
	if (accept(p, ",")) {
		if (peek(p)->kind != TOK_STRING)
			fail(p, "expected %s", "the module name string of @var");
		vec_push(p->arena, &n->args, parse_string(p));
	}
	expect_close(p, ")", open);
	parse_chain(p, n);
	return n;
}

/* unary_at -> ('@entry' | '@defined' | '@probewrite') '(' expr ')' */
static struct ast *parse_at_unary(struct parser *p, struct token *at, enum ast_kind k)
{
	struct ast *n = node(p, k, at);
	struct token *open = expect(p, "(");

	n->name = at->text;
	n->lhs = parse_expr(p);
	expect_close(p, ")", open);
	if (k == AST_ENTRY)
		parse_chain(p, n);
	return n;
}

/* statop -> ('@count'|'@sum'|'@min'|'@max'|'@avg'|'@variance') '(' expr [',' expr] ')' */
static struct ast *parse_stat_op(struct parser *p, struct token *at)
{
	struct ast *n = node(p, AST_STAT_OP, at);
	struct token *open = expect(p, "(");

	n->name = at->text;
	n->lhs = parse_expr(p);
	if (strcmp(at->text, "@variance") == 0 && accept(p, ","))
		vec_push(p->arena, &n->args, parse_expr(p));
	expect_close(p, ")", open);
	return n;
}

/* hist -> '@hist_linear' '(' expr ',' expr ',' expr ',' expr ')' ['[' expr ']']
 *       | '@hist_log' '(' expr ')' ['[' expr ']'] */
static struct ast *parse_hist(struct parser *p, struct token *at)
{
	struct ast *n = node(p, AST_HIST, at);
	struct token *open = expect(p, "(");
	int extra = strcmp(at->text, "@hist_linear") == 0 ? 3 : 0;

	n->name = at->text;
	n->lhs = parse_expr(p);
	for (int i = 0; i < extra; i++) {
		expect(p, ",");
		vec_push(p->arena, &n->args, parse_expr(p));
	}
	expect_close(p, ")", open);
	if (is_op(p, "[")) {
		struct token *lb = next(p);
		struct ast *idx = node(p, AST_INDEX, lb);

		idx->lhs = n;
		vec_push(p->arena, &idx->args, parse_expr(p));
		expect_close(p, "]", lb);
		return idx;
	}
	return n;
}

/* atfunc -> ('@const'|'@kregister'|'@uregister'|'@kderef'|'@uderef'|'@perf') arglist */
static struct ast *parse_atfunc(struct parser *p, struct token *at)
{
	struct ast *n = node(p, AST_ATFUNC, at);

	if (strcmp(at->text, "@const") == 0)
		check_guru(p, at, "@const");
	n->name = at->text;
	parse_call_args(p, &n->args);
	return n;
}

static const char *const stat_ops[] = { "@count", "@sum", "@min", "@max", "@avg", "@variance" };
static const char *const at_funcs[] = { "@const", "@kregister", "@uregister", "@kderef",
					"@uderef", "@perf", "@module", "@cast_module" };
static const char *const at_all[] = {
	"@count", "@sum", "@min", "@max", "@avg", "@variance", "@hist_linear", "@hist_log",
	"@cast", "@var", "@entry", "@defined", "@probewrite", "@const", "@kregister",
	"@uregister", "@kderef", "@uderef", "@perf",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

#define IN_LIST(s, l) in_list((s), (l), sizeof(l) / sizeof((l)[0]))

static struct ast *parse_at(struct parser *p)
{
	struct token *at = next(p);
	const char *n = at->text;
	const char *close;

	if (IN_LIST(n, stat_ops))
		return parse_stat_op(p, at);
	if (strcmp(n, "@hist_linear") == 0 || strcmp(n, "@hist_log") == 0)
		return parse_hist(p, at);
	if (strcmp(n, "@cast") == 0)
		return parse_cast(p, at);
	if (strcmp(n, "@var") == 0)
		return parse_atvar(p, at);
	if (strcmp(n, "@entry") == 0)
		return parse_at_unary(p, at, AST_ENTRY);
	if (strcmp(n, "@defined") == 0)
		return parse_at_unary(p, at, AST_DEFINED);
	if (strcmp(n, "@probewrite") == 0)
		return parse_at_unary(p, at, AST_PROBEWRITE);
	if (IN_LIST(n, at_funcs))
		return parse_atfunc(p, at);
	diag_at(p->diag, DIAG_ERROR, at->loc, "unknown operator or macro '%s'", n);
	close = diag_closest(n, at_all, (int)(sizeof(at_all) / sizeof(at_all[0])));
	if (close)
		diag_hint(p->diag, "did you mean '%s'?", close);
	note_expansion(p, at);
	longjmp(p->recover, 1);
}

/* The print family all begin with "print" or "sprint": most calls are
 * told apart without a look at the list. */
static bool is_print_name(const char *name)
{
	const char *rest = name + (name[0] == 's');

	return strncmp(rest, "print", 5) == 0 && ast_is_print_name(name);
}

/* ident_expr -> IDENT arglist | IDENT ['[' index_list ']'] */
static struct ast *parse_ident_expr(struct parser *p)
{
	struct token *t = next(p);
	struct ast *n;

	if (is_op(p, "(")) {
		n = node(p, is_print_name(t->text) ? AST_PRINT : AST_CALL, t);
		n->name = t->text;
		parse_call_args(p, &n->args);
		if (n->kind == AST_PRINT)
			check_print(p, n);
		return n;
	}
	n = node(p, AST_VAR, t);
	n->name = t->text;
	if (is_op(p, "[")) {
		struct token *open = next(p);
		struct ast *idx = node(p, AST_INDEX, open);

		idx->loc = n->loc;
		idx->lhs = n;
		parse_index_list(p, &idx->args, true);
		expect_close(p, "]", open);
		return idx;
	}
	return n;
}

/* value -> literal | '(' expr ')' | ident_expr | target | '@'-operator | EMBEDDED */
static struct ast *parse_value(struct parser *p)
{
	struct token *t = peek(p);
	struct ast *n;

	switch (t->kind) {
	case TOK_NUMBER:
		return number_node(p, next(p), false);
	case TOK_STRING:
		return parse_string(p);
	case TOK_IDENT:
		if (is_keyword(t))
			fail(p, "%s", "expected an expression");
		return parse_ident_expr(p);
	case TOK_DOLLAR:
		if (!t->text[1] || (t->text[1] == '$' && !t->text[2])) /* "$" or "$$" */
			fail(p, "%s", "expected a context variable name after '$'");
		return parse_target(p);
	case TOK_AT:
		return parse_at(p);
	case TOK_EMBEDDED:
		check_guru(p, t, "embedded C");
		n = node(p, AST_EMBEDDED, next(p));
		n->str = t->text;
		return n;
	default:
		break;
	}
	if (is_op(p, "(")) {
		struct token *open = next(p);

		enter(p);
		n = parse_expr(p);
		leave(p);
		expect_close(p, ")", open);
		return n;
	}
	fail(p, "%s", "expected an expression");
}

/* postfix -> value [('->' IDENT | '[' expr ']') chain]   ('[' only after '(' expr ')') */
static struct ast *parse_postfix(struct parser *p)
{
	bool paren = is_op(p, "(");
	struct ast *v = parse_value(p), *n;

	if (!is_op(p, "->") && !(paren && is_op(p, "[")))
		return v;
	if ((v->kind == AST_TARGET || v->kind == AST_CAST || v->kind == AST_ATVAR ||
	     v->kind == AST_ENTRY) && !paren)
		return v;
	n = ast_new(p->arena, AST_DEREF, v->loc);
	n->lhs = v;
	parse_chain(p, n);
	return n;
}

static bool is_lvalue(const struct ast *n)
{
	return n->kind == AST_VAR || n->kind == AST_INDEX || n->kind == AST_TARGET ||
	       n->kind == AST_CAST || n->kind == AST_ATVAR || n->kind == AST_EMBEDDED ||
	       n->kind == AST_DEREF;
}

/* crement -> ('++' | '--') value | value ['++' | '--'] */
static struct ast *parse_crement(struct parser *p)
{
	struct ast *n;

	if (is_op(p, "++") || is_op(p, "--")) {
		struct token *op = next(p);

		n = node(p, AST_PREINC, op);
		n->op = op->text;
		n->lhs = parse_value(p);
		if (!is_lvalue(n->lhs))
			diag_at(p->diag, DIAG_ERROR, n->lhs->loc, "'%s' needs a variable", op->text);
		return n;
	}
	n = parse_postfix(p);
	if (is_op(p, "++") || is_op(p, "--")) {
		struct token *op = next(p);
		struct ast *post = node(p, AST_POSTINC, op);

		if (!is_lvalue(n))
			diag_at(p->diag, DIAG_ERROR, op->loc, "'%s' needs a variable", op->text);
		post->op = op->text;
		post->lhs = n;
		post->loc = n->loc;
		return post;
	}
	return n;
}

/* unary -> ('+' | '-' | '!' | '~') unary | '&' unary | crement */
static struct ast *parse_unary(struct parser *p)
{
	struct token *t = peek(p);
	struct ast *n;

	if (t->kind == TOK_OP && (TOK_IS(t, "-") || TOK_IS(t, "+") || TOK_IS(t, "!") ||
				  TOK_IS(t, "~") || TOK_IS(t, "&"))) {
		next(p);
		if (TOK_IS(t, "-") && peek(p)->kind == TOK_NUMBER) {
			n = number_node(p, next(p), true);
			n->loc = t->loc;
			return n;
		}
		enter(p);
		n = node(p, TOK_IS(t, "&") ? AST_ADDROF : AST_UNARY, t);
		n->op = t->text;
		n->lhs = parse_unary(p);
		leave(p);
		return n;
	}
	return parse_crement(p);
}

static struct ast *binary(struct parser *p, enum ast_kind k, struct token *op, struct ast *lhs,
			  struct ast *rhs)
{
	struct ast *n = node(p, k, op);

	n->op = op->text;
	n->lhs = lhs;
	n->rhs = rhs;
	return n;
}

/* The binary operators' levels, loosest first, as in C but for the 'in'
 * test, which binds tighter than the bitwise operators and looser than
 * the comparisons:
 *   logical_or     -> logical_and ('||' logical_and)*
 *   logical_and    -> bit_or ('&&' bit_or)*
 *   bit_or         -> bit_xor ('|' bit_xor)*
 *   bit_xor        -> bit_and ('^' bit_and)*
 *   bit_and        -> array_in ('&' array_in)*
 *   array_in       -> '[' index_list ']' 'in' IDENT | comparison ('in' IDENT)*
 *   comparison     -> shift (('<' | '>' | '<=' | '>=' | '==' | '!=' | '=~' | '!~') shift)*
 *   shift          -> concatenation (('<<' | '>>' | '>>>') concatenation)*
 *   concatenation  -> additive ('.' additive)*
 *   additive       -> multiplicative (('+' | '-') multiplicative)*
 *   multiplicative -> unary (('*' | '/' | '%') unary)*
 * parse_binary climbs them (as Lua's subexpr does) instead of descending
 * through one function per level for every operand. */
enum prec {
	PREC_NONE,
	PREC_OR,
	PREC_AND,
	PREC_BIT_OR,
	PREC_BIT_XOR,
	PREC_BIT_AND,
	PREC_IN,
	PREC_COMPARE,
	PREC_SHIFT,
	PREC_CONCAT,
	PREC_ADD,
	PREC_MUL,
};

/* The level of the binary operator t and the kind of node it makes, or
 * PREC_NONE if t is none ("+=", "->", "<<<" ... are not). */
static enum prec binary_prec(const struct token *t, enum ast_kind *kind)
{
	const char *s = t->text;
	bool one, two;

	*kind = AST_BINARY;
	if (t->kind == TOK_IDENT)
		return is_word(t, "in") ? PREC_IN : PREC_NONE;
	if (t->kind != TOK_OP)
		return PREC_NONE; /* (whose text may be "", as at the end) */
	one = s[1] == '\0';
	two = !one && s[2] == '\0';
	switch (s[0]) {
	case '*':
	case '/':
	case '%':
		return one ? PREC_MUL : PREC_NONE;
	case '+':
	case '-':
		return one ? PREC_ADD : PREC_NONE;
	case '.':
		return one ? PREC_CONCAT : PREC_NONE;
	case '<':
	case '>':
		*kind = AST_COMPARE;
		if (one || (two && s[1] == '='))
			return PREC_COMPARE;
		*kind = AST_BINARY;
		if (strcmp(s, ">>>") == 0) /* logical shift right */
			return PREC_SHIFT;
		return two && s[1] == s[0] ? PREC_SHIFT : PREC_NONE;
	case '=':
	case '!':
		*kind = two && s[1] == '~' ? AST_REGEX : AST_COMPARE;
		return two && (s[1] == '=' || s[1] == '~') ? PREC_COMPARE : PREC_NONE;
	case '&':
		*kind = two ? AST_LOGICAL : AST_BINARY;
		return one ? PREC_BIT_AND : two && s[1] == '&' ? PREC_AND : PREC_NONE;
	case '|':
		*kind = two ? AST_LOGICAL : AST_BINARY;
		return one ? PREC_BIT_OR : two && s[1] == '|' ? PREC_OR : PREC_NONE;
	case '^':
		return one ? PREC_BIT_XOR : PREC_NONE;
	default:
		return PREC_NONE;
	}
}

/* array_ref -> IDENT | '@'-macro name already expanded */
static struct ast *parse_array_name(struct parser *p)
{
	struct token *t = expect_ident(p, "an array name");
	struct ast *n = node(p, AST_VAR, t);

	n->name = t->text;
	return n;
}

/* key_list_in -> '[' index_list ']' 'in' IDENT */
static struct ast *parse_key_list_in(struct parser *p)
{
	struct token *open = next(p);
	struct ast *n = node(p, AST_IN, open);

	parse_index_list(p, &n->args, true);
	expect_close(p, "]", open);
	if (!accept_kw(p, "in"))
		fail(p, "%s", "expected 'in' after a '[...]' key list");
	n->rhs = parse_array_name(p);
	return n;
}

/* binary -> operand (binop binary)*, each binop binding tighter than limit;
 * operand -> key_list_in (where array_in may stand) | unary */
static struct ast *parse_binary(struct parser *p, enum prec limit)
{
	/* The loosest operator that may follow lhs: after 'x in a', no
	 * comparison; after '[k] in a', not even another 'in'. */
	enum prec ceiling = PREC_MUL;
	struct ast *lhs;

	if (limit < PREC_IN && is_op(p, "[")) {
		lhs = parse_key_list_in(p);
		ceiling = PREC_BIT_AND;
	} else {
		lhs = parse_unary(p);
	}
	for (;;) {
		enum ast_kind kind;
		enum prec prec = binary_prec(peek(p), &kind);
		struct token *op;

		if (prec <= limit || prec > ceiling)
			return lhs;
		op = next(p);
		ceiling = prec;
		if (prec == PREC_IN) {
			struct ast *test = node(p, AST_IN, op);

			test->loc = lhs->loc;
			vec_push(p->arena, &test->args, lhs);
			test->rhs = parse_array_name(p);
			lhs = test;
			continue;
		}
		lhs = binary(p, kind, op, lhs, parse_binary(p, prec));
		if (kind == AST_REGEX && lhs->rhs->kind != AST_STR)
			diag_at(p->diag, DIAG_ERROR, lhs->rhs->loc,
				"the right side of %s must be a string literal (a regular expression)",
				op->text);
	}
}

/* ternary -> logical_or ['?' expr ':' ternary] */
static struct ast *parse_ternary(struct parser *p)
{
	struct ast *cond = parse_binary(p, PREC_NONE), *n;
	struct token *q;

	if (!is_op(p, "?"))
		return cond;
	q = next(p);
	enter(p);
	n = node(p, AST_TERNARY, q);
	n->loc = cond->loc;
	n->cond = cond;
	n->lhs = parse_expr(p);
	expect(p, ":");
	n->rhs = parse_ternary(p);
	leave(p);
	return n;
}

static bool is_assign_op(const struct token *t)
{
	uint64_t w = t->word;

	return t->kind == TOK_OP &&
	       (w == TOK_WORD("=") || w == TOK_WORD("+=") || w == TOK_WORD("-=") ||
		w == TOK_WORD("*=") || w == TOK_WORD("/=") || w == TOK_WORD("%=") ||
		w == TOK_WORD("&=") || w == TOK_WORD("|=") || w == TOK_WORD("^=") ||
		w == TOK_WORD("<<=") || w == TOK_WORD(">>=") || w == TOK_WORD(".=") ||
		w == TOK_WORD("<<<"));
}

/* assignment -> ternary [assign_op assignment] */
static struct ast *parse_assignment(struct parser *p)
{
	struct ast *lhs = parse_ternary(p), *n;
	struct token *op;

	if (!is_assign_op(peek(p)))
		return lhs;
	op = next(p);
	if (!is_lvalue(lhs)) {
		diag_at(p->diag, DIAG_ERROR, op->loc, "left side of '%s' is not assignable",
			op->text);
		note_expansion(p, op);
	}
	enter(p);
	n = binary(p, AST_ASSIGN, op, lhs, parse_assignment(p));
	n->loc = op->loc;
	leave(p);
	return n;
}

/* expr -> assignment */
static struct ast *parse_expr(struct parser *p)
{
	struct ast *n;

	enter(p);
	n = parse_assignment(p);
	leave(p);
	return n;
}

/* ---- statements -------------------------------------------------------- */

/* sort_mark -> ['+' | '-'] */
static int parse_sort_mark(struct parser *p)
{
	if (accept(p, "+"))
		return 1;
	if (accept(p, "-"))
		return -1;
	return 0;
}

static struct ast *var_node(struct parser *p, const char *what)
{
	struct token *t = expect_ident(p, what);
	struct ast *n = node(p, AST_VAR, t);

	if (is_keyword(t)) {
		diag_at(p->diag, DIAG_ERROR, t->loc, "'%s' is a keyword, not a variable name",
			t->text);
		longjmp(p->recover, 1);
	}
	n->name = t->text;
	return n;
}

/* A foreach sorts by one thing: a second mark is an error at that mark. */
static int parse_one_sort_mark(struct parser *p, int *marks)
{
	int m = parse_sort_mark(p);

	if (m && ++*marks > 1)
		diag_at(p->diag, DIAG_ERROR, p->prev->loc,
			"foreach takes only one sort mark ('+' or '-')");
	return m;
}

/* foreach_keys -> IDENT sort_mark | '[' IDENT sort_mark (',' IDENT sort_mark)* ']' */
static void parse_foreach_keys(struct parser *p, struct ast_foreach *fe, int *marks)
{
	struct token *open = NULL;

	if (is_op(p, "["))
		open = next(p);
	do {
		if (fe->keys.len == 9)
			fail(p, "%s", "foreach takes at most 9 keys");
		vec_push(p->arena, &fe->keys, var_node(p, "a key variable name"));
		fe->key_sort[fe->keys.len - 1] = parse_one_sort_mark(p, marks);
	} while (open && accept(p, ","));
	if (open)
		expect_close(p, "]", open);
}

/* foreach_spec -> [IDENT [sort_mark] '='] foreach_keys 'in' (IDENT ['[' index_list ']'] | hist)
 *                 [sort_mark | '@'agg sort_mark] ['limit' expr] */
static void parse_foreach_spec(struct parser *p, struct ast_foreach *fe)
{
	int marks = 0;

	if (peek(p)->kind == TOK_IDENT &&
	    (TOK_IS(peek_n(p, 1), "=") ||
	     ((TOK_IS(peek_n(p, 1), "+") || TOK_IS(peek_n(p, 1), "-")) &&
	      TOK_IS(peek_n(p, 2), "=")))) {
		fe->value = var_node(p, "a value variable name");
		fe->value_sort = parse_one_sort_mark(p, &marks);
		next(p);
	}
	parse_foreach_keys(p, fe, &marks);
	if (!accept_kw(p, "in"))
		fail(p, "%s", "expected 'in' in foreach");
	if (peek(p)->kind == TOK_AT && (strcmp(peek(p)->text, "@hist_linear") == 0 ||
					strcmp(peek(p)->text, "@hist_log") == 0))
		fe->array = parse_hist(p, next(p)); /* its buckets' indexes */
	else
		fe->array = parse_array_name(p);
	if (fe->array->kind != AST_HIST && is_op(p, "[")) {
		struct token *open = next(p);

		parse_index_list(p, &fe->slice, true);
		expect_close(p, "]", open);
	}
	if (!fe->value_sort)
		fe->value_sort = parse_one_sort_mark(p, &marks);
	if (!fe->value_sort && peek(p)->kind == TOK_AT &&
	    IN_LIST(peek(p)->text, stat_ops)) {
		fe->agg = next(p)->text;
		fe->value_sort = parse_one_sort_mark(p, &marks);
	}
	if (accept_kw(p, "limit"))
		fe->limit = parse_expr(p);
}

/* foreach -> 'foreach' '(' foreach_spec ')' stmt */
static struct ast *parse_foreach(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_FOREACH, kw);
	struct token *open = expect(p, "(");

	n->fe = arena_alloc(p->arena, sizeof(*n->fe));
	parse_foreach_spec(p, n->fe);
	expect_close(p, ")", open);
	n->body = parse_stmt(p);
	return n;
}

/* if -> 'if' '(' expr ')' stmt ['else' stmt] */
static struct ast *parse_if(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_IF, kw);
	struct token *open = expect(p, "(");

	n->cond = parse_expr(p);
	expect_close(p, ")", open);
	n->then = parse_stmt(p);
	if (accept_kw(p, "else"))
		n->els = parse_stmt(p);
	return n;
}

/* while -> 'while' '(' expr ')' stmt */
static struct ast *parse_while(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_WHILE, kw);
	struct token *open = expect(p, "(");

	n->cond = parse_expr(p);
	expect_close(p, ")", open);
	n->body = parse_stmt(p);
	return n;
}

/* for -> 'for' '(' [expr] ';' [expr] ';' [expr] ')' stmt */
static struct ast *parse_for(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_FOR, kw);
	struct token *open = expect(p, "(");

	if (!is_op(p, ";"))
		n->init = parse_expr(p);
	expect(p, ";");
	if (!is_op(p, ";"))
		n->cond = parse_expr(p);
	expect(p, ";");
	if (!is_op(p, ")"))
		n->inc = parse_expr(p);
	expect_close(p, ")", open);
	n->body = parse_stmt(p);
	return n;
}

/* try -> 'try' block 'catch' ['(' IDENT ')'] block */
static struct ast *parse_try(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_TRY, kw);

	n->body = parse_block(p);
	if (!accept_kw(p, "catch"))
		fail(p, "%s", "expected 'catch' after the try block");
	if (is_op(p, "(")) {
		struct token *open = next(p);

		n->name = var_node(p, "the name of the error message variable")->name;
		expect_close(p, ")", open);
	}
	n->els = parse_block(p);
	return n;
}

/* return -> 'return' [expr]   (no value before ';' or '}') */
static struct ast *parse_return(struct parser *p, struct token *kw)
{
	struct ast *n = node(p, AST_RETURN, kw);

	if (!p->in_function)
		diag_at(p->diag, DIAG_ERROR, kw->loc,
			"'return' outside a function (a probe ends with 'next')");

	if (!is_op(p, ";") && !is_op(p, "}"))
		n->lhs = parse_expr(p);
	return n;
}

static struct ast *parse_keyword_stmt(struct parser *p)
{
	struct token *kw = peek(p);
	struct ast *n;

	if (is_word(kw, "if"))
		return parse_if(p, next(p));
	if (is_word(kw, "while"))
		return parse_while(p, next(p));
	if (is_word(kw, "for"))
		return parse_for(p, next(p));
	if (is_word(kw, "foreach"))
		return parse_foreach(p, next(p));
	if (is_word(kw, "try"))
		return parse_try(p, next(p));
	if (is_word(kw, "return"))
		return parse_return(p, next(p));
	if (is_word(kw, "delete")) {
		n = node(p, AST_DELETE, next(p));
		n->lhs = parse_expr(p);
		return n;
	}
	if (is_word(kw, "break"))
		return node(p, AST_BREAK, next(p));
	if (is_word(kw, "continue"))
		return node(p, AST_CONTINUE, next(p));
	if (is_word(kw, "next"))
		return node(p, AST_NEXT, next(p));
	if (is_word(kw, "else"))
		fail(p, "%s", "'else' without a matching 'if'");
	if (is_word(kw, "catch"))
		fail(p, "%s", "'catch' without a matching 'try'");
	return NULL;
}

/* stmt -> block | ';' | EMBEDDED | if | while | for | foreach | try | return
 *       | 'delete' expr | 'break' | 'continue' | 'next' | expr ; each [';'] */
static struct ast *parse_stmt(struct parser *p)
{
	struct token *t = peek(p);
	struct ast *n = NULL;

	enter(p);
	if (is_op(p, "{")) {
		n = parse_block(p);
	} else if (is_op(p, ";")) {
		n = node(p, AST_NULL_STMT, next(p));
	} else if (t->kind == TOK_EMBEDDED) {
		check_guru(p, t, "embedded C");
		n = node(p, AST_EMBED_STMT, next(p));
		n->str = t->text;
	} else if (t->kind == TOK_IDENT && (n = parse_keyword_stmt(p)) != NULL) {
		accept(p, ";");
	} else {
		n = node(p, AST_EXPR_STMT, t);
		n->lhs = parse_expr(p);
		n->loc = n->lhs->loc;
		accept(p, ";");
	}
	leave(p);
	return n;
}

/* block -> '{' stmt* '}' */
static struct ast *parse_block(struct parser *p)
{
	struct token *open = expect(p, "{");
	struct ast *n = node(p, AST_BLOCK, open);

	while (!is_op(p, "}")) {
		if (peek(p)->kind == TOK_EOF)
			expect_close(p, "}", open);
		vec_push(p->arena, &n->args, parse_stmt(p));
	}
	next(p);
	return n;
}

/* ---- probe points ------------------------------------------------------ */

/* A partial probe point under construction, for brace expansion. */
struct pp_list {
	struct vec points; /* struct ast_probe_point * */
};

static struct ast_probe_point *pp_clone(struct parser *p, const struct ast_probe_point *src)
{
	struct ast_probe_point *c = arena_alloc(p->arena, sizeof(*c));

	*c = *src;
	c->comps = (struct vec){ 0 };
	for (int i = 0; i < src->comps.len; i++)
		vec_push(p->arena, &c->comps, src->comps.items[i]);
	return c;
}

static bool is_name_piece(const struct token *t)
{
	return t->kind == TOK_IDENT || t->kind == TOK_NUMBER || TOK_IS(t, "*");
}

/* component_name -> (IDENT | NUMBER | '*')+  with no space between pieces */
static const char *parse_component_name(struct parser *p, struct loc *loc)
{
	struct strbuf sb = { 0 };
	const char *name;

	if (!is_name_piece(peek(p)))
		fail(p, "%s", "expected a probe point name");
	*loc = peek(p)->loc;
	name = next(p)->text;
	if (!is_name_piece(peek(p)) || peek(p)->space_before) {
		loc->len = (int)strlen(name);
		return name; /* one piece, the usual case: its text is the name */
	}
	sb_puts(&sb, name);
	while (is_name_piece(peek(p)) && !peek(p)->space_before)
		sb_puts(&sb, next(p)->text);
	name = arena_intern(p->arena, sb.data, sb.len);
	loc->len = (int)sb.len;
	sb_free(&sb);
	return name;
}

/* component -> component_name ['(' literal ')'] */
static struct ast_component *parse_component(struct parser *p)
{
	struct ast_component *c = arena_alloc(p->arena, sizeof(*c));

	c->name = parse_component_name(p, &c->loc);
	if (is_op(p, "(")) {
		struct token *open = next(p);

		c->arg = parse_literal(p, "a number or a string as probe point parameter");
		expect_close(p, ")", open);
	}
	return c;
}

static void pp_append_comp(struct parser *p, struct pp_list *l, struct ast_component *c)
{
	for (int i = 0; i < l->points.len; i++) {
		struct ast_probe_point *pt = l->points.items[i];

		vec_push(p->arena, &pt->comps, c);
	}
}

static void parse_pp_sequence(struct parser *p, struct pp_list *out);

/* The cross product of what we have so far with the braces' alternatives. */
static void pp_append_braces(struct parser *p, struct pp_list *l)
{
	struct token *open = next(p);
	struct pp_list alts = { 0 }, result = { 0 };

	do {
		struct pp_list one = { 0 };

		parse_pp_sequence(p, &one);
		for (int i = 0; i < one.points.len; i++)
			vec_push(p->arena, &alts.points, one.points.items[i]);
	} while (accept(p, ","));
	expect_close(p, "}", open);
	for (int i = 0; i < l->points.len; i++) {
		for (int j = 0; j < alts.points.len; j++) {
			const struct ast_probe_point *a = l->points.items[i], *b = alts.points.items[j];
			struct ast_probe_point *c = pp_clone(p, a);

			for (int k = 0; k < b->comps.len; k++)
				vec_push(p->arena, &c->comps, b->comps.items[k]);
			c->optional |= b->optional;
			c->sufficient |= b->sufficient;
			vec_push(p->arena, &result.points, c);
		}
	}
	*l = result;
}

static void pp_mark(struct pp_list *l, bool optional, bool sufficient)
{
	for (int i = 0; i < l->points.len; i++) {
		struct ast_probe_point *pt = l->points.items[i];

		pt->optional |= optional;
		pt->sufficient |= sufficient;
	}
}

/* pp_sequence -> (component | '{' pp_sequence (',' pp_sequence)* '}')
 *                ('.' (component | '{' ... '}'))* ['?' | '!']* */
static void parse_pp_sequence(struct parser *p, struct pp_list *out)
{
	struct ast_probe_point *first = arena_alloc(p->arena, sizeof(*first));

	first->loc = peek(p)->loc;
	out->points = (struct vec){ 0 };
	vec_push(p->arena, &out->points, first);
	enter(p);
	do {
		if (is_op(p, "{"))
			pp_append_braces(p, out);
		else
			pp_append_comp(p, out, parse_component(p));
	} while (accept(p, "."));
	for (;;) {
		if (accept(p, "?"))
			pp_mark(out, true, false);
		else if (accept(p, "!"))
			pp_mark(out, true, true);
		else
			break;
	}
	leave(p);
}

/* probe_point -> pp_sequence ['if' '(' expr ')'] */
static void parse_probe_point(struct parser *p, struct vec *into)
{
	struct pp_list l;
	struct ast *cond = NULL;

	parse_pp_sequence(p, &l);
	if (is_kw(p, "if")) {
		next(p);
		struct token *open = expect(p, "(");

		cond = parse_expr(p);
		expect_close(p, ")", open);
	}
	for (int i = 0; i < l.points.len; i++) {
		struct ast_probe_point *pt = l.points.items[i];

		pt->cond = cond;
		vec_push(p->arena, into, pt);
	}
}

/* probe_points -> probe_point (',' probe_point)* */
static void parse_probe_points(struct parser *p, struct vec *into)
{
	do {
		parse_probe_point(p, into);
	} while (accept(p, ","));
}

/* ---- declarations ------------------------------------------------------ */

static void check_alias_names(struct parser *p, const struct vec *names)
{
	for (int i = 0; i < names->len; i++) {
		const struct ast_probe_point *pt = names->items[i];

		if (pt->optional || pt->sufficient || pt->cond)
			diag_at(p->diag, DIAG_ERROR, pt->loc,
				"a probe alias name can't be optional or conditional");
	}
}

/* probe -> 'probe' probe_points block
 *        | 'probe' probe_points ('=' | '+=') probe_points block [',' block] */
static struct ast_decl *parse_probe(struct parser *p, struct token *kw)
{
	struct ast_decl *d = arena_alloc(p->arena, sizeof(*d));

	d->kind = DECL_PROBE;
	d->loc = kw->loc;
	if (is_op(p, "{") && (!is_name_piece(peek_n(p, 1)) ||
			      !(TOK_IS(peek_n(p, 2), ",") || TOK_IS(peek_n(p, 2), ".") ||
				TOK_IS(peek_n(p, 2), "}") || TOK_IS(peek_n(p, 2), "(") ||
				TOK_IS(peek_n(p, 2), "!") || TOK_IS(peek_n(p, 2), "?"))))
		fail(p, "%s", "expected a probe point name");
	parse_probe_points(p, &d->points);
	if (is_op(p, "=") || is_op(p, "+=")) {
		d->kind = DECL_ALIAS;
		d->epilogue = TOK_IS(next(p), "+=");
		d->alias_names = d->points;
		d->points = (struct vec){ 0 };
		check_alias_names(p, &d->alias_names);
		parse_probe_points(p, &d->points);
	}
	if (!is_op(p, "{"))
		fail(p, "%s", "expected ',' or '{' after the probe point");
	d->body = parse_block(p);
	if (d->kind == DECL_ALIAS && is_op(p, ",") && TOK_IS(peek_n(p, 1), "{")) {
		next(p);
		d->body2 = parse_block(p);
	}
	return d;
}

/* global_var -> IDENT ['%'] ['[' NUMBER ']'] ['=' literal] */
static struct ast_decl *parse_global_var(struct parser *p, struct token *kw, bool is_private)
{
	struct ast_decl *d = arena_alloc(p->arena, sizeof(*d));
	struct ast_global *g = arena_alloc(p->arena, sizeof(*g));
	struct ast *name = var_node(p, "a global variable name");

	d->kind = DECL_GLOBAL;
	d->loc = kw->loc;
	d->is_private = is_private;
	d->global = g;
	g->name = name->name;
	g->loc = name->loc;
	g->wrap = accept(p, "%");
	if (is_op(p, "[")) {
		struct token *open = next(p);

		g->is_array = true;
		if (peek(p)->kind != TOK_NUMBER)
			fail(p, "%s", "expected the array's maximum size (a number)");
		g->max_size = next(p)->num;
		if (g->max_size <= 0)
			diag_at(p->diag, DIAG_ERROR, p->prev->loc,
				"array size must be positive");
		expect_close(p, "]", open);
	}
	if (accept(p, "=")) {
		if (g->is_array || g->wrap)
			fail(p, "%s", "an array can't have an initial value");
		g->init = parse_literal(p, "a number or a string as initial value");
	}
	return d;
}

/* global -> 'global' global_var (',' global_var)* [';'] */
static void parse_global(struct parser *p, struct token *kw, bool is_private, struct vec *decls)
{
	do {
		vec_push(p->arena, decls, parse_global_var(p, kw, is_private));
	} while (accept(p, ","));
	accept(p, ";");
}

/* type -> ':' ('long' | 'string') */
static enum ast_type parse_opt_type(struct parser *p)
{
	struct token *t;

	if (!accept(p, ":"))
		return TYPE_UNKNOWN;
	t = expect_ident(p, "a type ('long' or 'string')");
	if (strcmp(t->text, "long") == 0)
		return TYPE_LONG;
	if (strcmp(t->text, "string") == 0)
		return TYPE_STRING;
	diag_at(p->diag, DIAG_ERROR, t->loc, "unknown type '%s' (expected 'long' or 'string')",
		t->text);
	return TYPE_UNKNOWN;
}

/* function -> 'function' IDENT [type] '(' [param (',' param)*] ')' (block | EMBEDDED)
 * param -> IDENT [type] */
static struct ast_decl *parse_function(struct parser *p, struct token *kw, bool is_private)
{
	struct ast_decl *d = arena_alloc(p->arena, sizeof(*d));
	struct token *name = expect_ident(p, "a function name"), *open;

	d->kind = DECL_FUNCTION;
	d->loc = name->loc;
	d->is_private = is_private;
	d->name = name->text;
	if (is_keyword(name))
		diag_at(p->diag, DIAG_ERROR, name->loc, "'%s' is a keyword, not a function name",
			name->text);
	d->ret_type = parse_opt_type(p);
	open = expect(p, "(");
	if (!is_op(p, ")")) {
		do {
			struct ast_param *prm = arena_alloc(p->arena, sizeof(*prm));
			struct ast *v = var_node(p, "a parameter name");

			prm->name = v->name;
			prm->loc = v->loc;
			prm->type = parse_opt_type(p);
			vec_push(p->arena, &d->params, prm);
		} while (accept(p, ","));
	}
	expect_close(p, ")", open);
	if (peek(p)->kind == TOK_EMBEDDED) {
		check_guru(p, peek(p), "an embedded-C function");
		d->embedded = next(p)->text;
	} else if (is_op(p, "{")) {
		p->in_function = true;
		d->body = parse_block(p);
		p->in_function = false;
	} else {
		fail(p, "%s", "expected '{' or '%{' to begin the function body");
	}
	(void)kw;
	return d;
}

static void parse_decl(struct parser *p, struct ast_file *f)
{
	struct token *t = peek(p);
	bool is_private = false;

	if (t->kind == TOK_EMBEDDED) {
		struct ast_decl *d = arena_alloc(p->arena, sizeof(*d));

		check_guru(p, t, "embedded C");
		next(p);
		d->kind = DECL_EMBEDDED;
		d->loc = t->loc;
		d->embedded = t->text;
		vec_push(p->arena, &f->decls, d);
		return;
	}
	if (accept_kw(p, "private")) {
		is_private = true;
		t = peek(p);
	}
	if (accept_kw(p, "probe")) {
		if (is_private)
			diag_at(p->diag, DIAG_ERROR, t->loc, "a probe can't be private");
		vec_push(p->arena, &f->decls, parse_probe(p, t));
	} else if (accept_kw(p, "global")) {
		parse_global(p, t, is_private, &f->decls);
	} else if (accept_kw(p, "function")) {
		vec_push(p->arena, &f->decls, parse_function(p, t, is_private));
	} else if (is_private && t->kind == TOK_IDENT) {
		/* 'private x' is shorthand for 'private global x' */
		parse_global(p, t, true, &f->decls);
	} else {
		fail(p, "%s", "expected 'probe', 'global', 'function', 'private' or '%{'");
	}
}

static bool at_decl_start(struct parser *p)
{
	struct token *t = peek(p);

	if (t->kind == TOK_EOF)
		return true;
	if (t->kind == TOK_EMBEDDED)
		return t->line_before;
	return t->kind == TOK_IDENT && t->line_before &&
	       (TOK_IS(t, "probe") || TOK_IS(t, "global") || TOK_IS(t, "function") ||
		TOK_IS(t, "private"));
}

/* After an error: skip to the next declaration keyword that begins a line. */
static void resync(struct parser *p)
{
	if (peek(p)->kind != TOK_EOF)
		next(p);
	while (!at_decl_start(p))
		next(p);
}

/* Between declarations the parser holds only the tokens it has peeked:
 * all the others may go (a file's tokens then take a declaration's worth
 * of memory, not the file's). */
static void recycle_tokens(struct parser *p)
{
	struct token *keep[LOOKAHEAD];

	for (int i = 0; i < p->nring; i++)
		keep[i] = p->ring[(p->head + i) & (LOOKAHEAD - 1)];
	if (!pp_recycle(p->pp, keep, p->nring))
		return;
	for (int i = 0; i < p->nring; i++)
		p->ring[(p->head + i) & (LOOKAHEAD - 1)] = keep[i];
	p->prev = NULL;
}

static void parse_decls(struct parser *p, struct ast_file *f)
{
	/* volatile: kept across longjmp */
	volatile int errors_in_a_row = 0;

	if (setjmp(p->recover)) {
		p->depth = 0;
		p->in_function = false;
		if (++errors_in_a_row > 50)
			return;
		resync(p);
	}
	while (peek(p)->kind != TOK_EOF) {
		recycle_tokens(p);
		parse_decl(p, f);
		errors_in_a_row = 0;
	}
	recycle_tokens(p);
}

static void parser_init(struct parser *p, struct arena *a, struct diag_ctx *d,
			const struct pp_env *env, const struct source *src,
			struct macro_table *local, const struct macro_table *global)
{
	memset(p, 0, sizeof(*p));
	p->arena = a;
	p->diag = d;
	p->src = src;
	p->pp = pp_new(a, d, env, lex_new(a, d, src), local, global);
	p->guru = env->guru_mode;
}

struct ast_file *parse_file(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
			    const struct source *src, const struct macro_table *global_macros)
{
	struct ast_file *f = arena_alloc(a, sizeof(*f));
	struct parser p;

	f->src = src;
	f->macros = pp_macros_new(a);
	parser_init(&p, a, d, env, src, f->macros, global_macros);
	parse_decls(&p, f);
	return f;
}

/* A .stpm library holds only @define's (conditionals around them are
 * allowed): after preprocessing, nothing may be left. */
void parse_macro_file(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
		      const struct source *src, struct macro_table *into)
{
	struct parser p;
	struct token *t;

	parser_init(&p, a, d, env, src, into, NULL);
	t = peek(&p);
	if (t->kind != TOK_EOF)
		diag_at(d, DIAG_ERROR, t->loc,
			"a macro library (.stpm) may hold only @define's, found '%s'", t->text);
	recycle_tokens(&p);
}
