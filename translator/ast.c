/* ast.c - constructors and names for the AST. */
#include <string.h>

#include "tapir.h"

struct ast *ast_new(struct arena *a, enum ast_kind kind, struct loc loc)
{
	struct ast *n = arena_alloc(a, sizeof(*n));

	n->kind = kind;
	n->loc = loc;
	return n;
}

const char *ast_type_name(enum ast_type t)
{
	switch (t) {
	case TYPE_LONG:
		return "long";
	case TYPE_STRING:
		return "string";
	case TYPE_STATS:
		return "stats";
	case TYPE_UNKNOWN:
		break;
	}
	return "unknown";
}

static const char *const print_names[] = {
	"print", "printf", "println", "printd", "printdln",
	"sprint", "sprintf", "sprintln", "sprintd", "sprintdln",
};

bool ast_is_print_name(const char *name)
{
	for (size_t i = 0; i < sizeof(print_names) / sizeof(print_names[0]); i++) {
		if (strcmp(name, print_names[i]) == 0)
			return true;
	}
	return false;
}

static void copy_vec(struct arena *a, struct vec *dst, const struct vec *src)
{
	*dst = (struct vec){ 0 };
	for (int i = 0; i < src->len; i++)
		vec_push(a, dst, ast_copy(a, src->items[i]));
}

static struct ast_foreach *copy_foreach(struct arena *a, const struct ast_foreach *fe)
{
	struct ast_foreach *c = arena_alloc(a, sizeof(*c));

	*c = *fe;
	c->value = ast_copy(a, fe->value);
	copy_vec(a, &c->keys, &fe->keys);
	c->array = ast_copy(a, fe->array);
	copy_vec(a, &c->slice, &fe->slice);
	c->limit = ast_copy(a, fe->limit);
	return c;
}

static void copy_chain(struct arena *a, struct vec *dst, const struct vec *src)
{
	*dst = (struct vec){ 0 };
	for (int i = 0; i < src->len; i++) {
		const struct ast_step *s = src->items[i];
		struct ast_step *c = arena_alloc(a, sizeof(*c));

		*c = *s;
		c->index = ast_copy(a, s->index);
		vec_push(a, dst, c);
	}
}

struct ast *ast_copy(struct arena *a, const struct ast *n)
{
	struct ast *c;

	if (!n)
		return NULL;
	c = arena_alloc(a, sizeof(*c));
	*c = *n;
	c->lhs = ast_copy(a, n->lhs);
	c->rhs = ast_copy(a, n->rhs);
	c->cond = ast_copy(a, n->cond);
	c->then = ast_copy(a, n->then);
	c->els = ast_copy(a, n->els);
	c->init = ast_copy(a, n->init);
	c->inc = ast_copy(a, n->inc);
	c->body = ast_copy(a, n->body);
	copy_vec(a, &c->args, &n->args);
	copy_chain(a, &c->chain, &n->chain);
	if (n->fe)
		c->fe = copy_foreach(a, n->fe);
	return c;
}

void ast_map(struct ast **np, struct ast *(*fn)(struct ast *n, void *ctx), void *ctx)
{
	struct ast *n = *np, *r;

	if (!n)
		return;
	r = fn(n, ctx);
	if (r != n) {
		*np = r;
		return;
	}
	ast_map(&n->lhs, fn, ctx);
	ast_map(&n->rhs, fn, ctx);
	ast_map(&n->cond, fn, ctx);
	ast_map(&n->then, fn, ctx);
	ast_map(&n->els, fn, ctx);
	ast_map(&n->init, fn, ctx);
	ast_map(&n->inc, fn, ctx);
	ast_map(&n->body, fn, ctx);
	for (int i = 0; i < n->args.len; i++)
		ast_map((struct ast **)&n->args.items[i], fn, ctx);
	if (n->fe) {
		ast_map(&n->fe->array, fn, ctx);
		ast_map(&n->fe->limit, fn, ctx);
		for (int i = 0; i < n->fe->slice.len; i++)
			ast_map((struct ast **)&n->fe->slice.items[i], fn, ctx);
	}
}

bool ast_any(const struct ast *n, bool (*pred)(const struct ast *n))
{
	if (!n)
		return false;
	if (pred(n))
		return true;
	if (ast_any(n->lhs, pred) || ast_any(n->rhs, pred) || ast_any(n->cond, pred) ||
	    ast_any(n->then, pred) || ast_any(n->els, pred) || ast_any(n->init, pred) ||
	    ast_any(n->inc, pred) || ast_any(n->body, pred))
		return true;
	for (int i = 0; i < n->args.len; i++) {
		if (ast_any(n->args.items[i], pred))
			return true;
	}
	return false;
}
