/* kmod_filter.c - a kernel event probe's leading test, run before its
 * handler turns interrupts off, takes a context or its locks.
 *
 * Scripts open a probe on a busy event with a filter, `if ($id != $1)
 * next` or `if (pid() == target()) { ... }`, and a module that enters the
 * handler first pays for the entry on every hit the test then drops. A
 * test that reads only numbers, the event's own arguments and tapset
 * functions whose C needs no context (pid(), tid(), target() ...), and
 * can't fail, is evaluated first (kmod_handler.c), and a dropped hit
 * costs the test alone. Under -t, whose report counts every hit, nothing
 * is hoisted.
 */
#include <string.h>

#include "kmod.h"

static bool has_args(const struct derived_probe *dp)
{
	return dp->target->kind == PK_TRACE || dp->target->kind == PK_KFUNC;
}

/* Can n be evaluated with no context, no lock, and never fail? */
static bool pure(struct km_file *f, const struct derived_probe *dp, const struct ast *n)
{
	if (!n || n->type != TYPE_LONG)
		return false;
	switch (n->kind) {
	case AST_NUM:
		return true;
	case AST_GROUP:
		return pure(f, dp, n->lhs);
	case AST_UNARY:
		return strcmp(n->op, "+") && strcmp(n->op, "-") && strcmp(n->op, "!") &&
		       strcmp(n->op, "~") ? false : pure(f, dp, n->lhs);
	case AST_BINARY:
		/* a division by zero is an error, which needs the context */
		if (!strcmp(n->op, "/") || !strcmp(n->op, "%"))
			return false;
		/* fallthrough */
	case AST_COMPARE:
	case AST_LOGICAL:
		return pure(f, dp, n->lhs) && pure(f, dp, n->rhs);
	case AST_TERNARY:
		return pure(f, dp, n->cond) && pure(f, dp, n->lhs) && pure(f, dp, n->rhs);
	case AST_TARGET:
		return has_args(dp) && n->chain.len == 0 && !n->pretty && n->name[1] != '$';
	case AST_CALL:
		if (!n->fn || !km_fn_ctxfree(f, n->fn))
			return false;
		for (int i = 0; i < n->args.len; i++)
			if (!pure(f, dp, n->args.items[i]))
				return false;
		return true;
	default:
		return false;
	}
}

static bool is_next(const struct ast *n)
{
	if (n && n->kind == AST_BLOCK && n->args.len == 1)
		n = n->args.items[0];
	return n && n->kind == AST_NEXT;
}

static bool runs_alone(int kind)
{
	return kind == PK_BEGIN || kind == PK_END || kind == PK_ERROR || kind == PK_NEVER;
}

/* dp's leading test, if it has one to hoist: `if (T) next` first, or its
 * whole body `if (T) S`. */
bool km_filter_split(struct km_file *f, struct derived_probe *dp, struct km_filter *flt)
{
	struct ast *body = dp->body, *first, *rest;

	if (f->o->timing || dp->cond || runs_alone(dp->target->kind) || !body ||
	    body->kind != AST_BLOCK || body->args.len == 0)
		return false;
	first = body->args.items[0];
	if (first->kind != AST_IF || first->els || !pure(f, dp, first->cond))
		return false;
	if (is_next(first->then)) {
		rest = ast_new(f->e->arena, AST_BLOCK, body->loc);
		for (int i = 1; i < body->args.len; i++)
			vec_push(f->e->arena, &rest->args, body->args.items[i]);
		*flt = (struct km_filter){ first, true, rest };
		return true;
	}
	if (body->args.len != 1)
		return false;
	*flt = (struct km_filter){ first, false, first->then };
	return true;
}
