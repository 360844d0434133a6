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

/* Calls fn on each operand and statement slot of n that holds a node (a
 * chain's indexes and a foreach's too), until fn returns true; returns
 * whether one did: the one list of n's children that the walks below
 * share. */
static bool each_slot(struct ast *n, bool (*fn)(struct ast **slot, void *ctx), void *ctx)
{
	struct ast **fixed[] = { &n->lhs, &n->rhs, &n->cond, &n->then, &n->els,
				 &n->init, &n->inc, &n->body };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (*fixed[i] && fn(fixed[i], ctx))
			return true;
	}
	for (int i = 0; i < n->args.len; i++) {
		if (n->args.items[i] && fn((struct ast **)&n->args.items[i], ctx))
			return true;
	}
	for (int i = 0; i < n->chain.len; i++) {
		struct ast_step *st = n->chain.items[i];

		if (st->is_index && st->index && fn(&st->index, ctx))
			return true;
	}
	if (!n->fe)
		return false;
	if ((n->fe->value && fn(&n->fe->value, ctx)) || (n->fe->array && fn(&n->fe->array, ctx)) ||
	    (n->fe->limit && fn(&n->fe->limit, ctx)))
		return true;
	for (int i = 0; i < n->fe->slice.len; i++) {
		if (n->fe->slice.items[i] && fn((struct ast **)&n->fe->slice.items[i], ctx))
			return true;
	}
	return false;
}

struct map_walk {
	struct ast *(*fn)(struct ast *n, void *ctx);
	void *ctx;
};

static bool map_slot(struct ast **slot, void *ctx)
{
	const struct map_walk *w = ctx;

	ast_map(slot, w->fn, w->ctx);
	return false;
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
	each_slot(n, map_slot, &(struct map_walk){ fn, ctx });
}

struct any_walk {
	bool (*pred)(const struct ast *n, const void *ctx);
	const void *ctx;
};

static bool any_slot(struct ast **slot, void *ctx)
{
	const struct any_walk *w = ctx;

	return ast_any(*slot, w->pred, w->ctx);
}

bool ast_any(const struct ast *n, bool (*pred)(const struct ast *n, const void *ctx),
	     const void *ctx)
{
	if (!n)
		return false;
	if (pred(n, ctx))
		return true;
	return each_slot((struct ast *)n, any_slot, &(struct any_walk){ pred, ctx });
}
