/* optimize.c - SystemTap's pass-2 checks and simplifications: constant
 * folding, unreachable statements after next/return/break/continue, and
 * warnings for variables that are never used. -u turns the changes off
 * (the warnings stay). */
#include <string.h>

#include "elab.h"

static bool fold_binary(const char *op, int64_t a, int64_t b, int64_t *out)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	if (!strcmp(op, "+"))
		*out = (int64_t)(ua + ub);
	else if (!strcmp(op, "-"))
		*out = (int64_t)(ua - ub);
	else if (!strcmp(op, "*"))
		*out = (int64_t)(ua * ub);
	else if (!strcmp(op, "&"))
		*out = a & b;
	else if (!strcmp(op, "|"))
		*out = a | b;
	else if (!strcmp(op, "^"))
		*out = a ^ b;
	else if ((!strcmp(op, "/") || !strcmp(op, "%")) && b != 0 && !(a == INT64_MIN && b == -1))
		*out = !strcmp(op, "/") ? a / b : a % b;
	else if (!strcmp(op, "<<") && b >= 0 && b < 64)
		*out = (int64_t)(ua << b);
	else if (!strcmp(op, ">>") && b >= 0 && b < 64)
		*out = a >> b;
	else if (!strcmp(op, ">>>") && b >= 0 && b < 64)
		*out = (int64_t)(ua >> b);
	else
		return false;
	return true;
}

static void fold(struct elab *e, struct ast **slot);

static void fold_vec(struct elab *e, struct vec *v)
{
	for (int i = 0; i < v->len; i++)
		fold(e, (struct ast **)&v->items[i]);
}

static bool ends_flow(const struct ast *s)
{
	return s->kind == AST_NEXT || s->kind == AST_RETURN || s->kind == AST_BREAK ||
	       s->kind == AST_CONTINUE;
}

/* Drop what follows next/return/break/continue in a block, with a warning. */
static void prune_block(struct elab *e, struct ast *blk)
{
	for (int i = 0; i + 1 < blk->args.len; i++) {
		const struct ast *s = blk->args.items[i];

		if (!ends_flow(s))
			continue;
		diag_at(e->diag, DIAG_WARNING, ((struct ast *)blk->args.items[i + 1])->loc,
			"statement will never run (after '%s')",
			s->kind == AST_NEXT ? "next" : s->kind == AST_RETURN ? "return" :
			s->kind == AST_BREAK ? "break" : "continue");
		blk->args.len = i + 1;
		return;
	}
}

static void fold(struct elab *e, struct ast **slot)
{
	struct ast *n = *slot;
	int64_t v;

	if (!n)
		return;
	fold(e, &n->lhs);
	fold(e, &n->rhs);
	fold(e, &n->cond);
	fold(e, &n->then);
	fold(e, &n->els);
	fold(e, &n->init);
	fold(e, &n->inc);
	fold(e, &n->body);
	fold_vec(e, &n->args);
	if (n->kind == AST_BLOCK)
		prune_block(e, n);
	if (n->kind == AST_BINARY && n->lhs->kind == AST_NUM && n->rhs->kind == AST_NUM &&
	    fold_binary(n->op, n->lhs->num, n->rhs->num, &v)) {
		struct ast *num = ast_new(e->arena, AST_NUM, n->loc);

		num->num = v;
		num->type = TYPE_LONG;
		*slot = num;
	} else if (n->kind == AST_UNARY && n->lhs->kind == AST_NUM) {
		struct ast *num = ast_new(e->arena, AST_NUM, n->loc);

		num->num = !strcmp(n->op, "!") ? !n->lhs->num :
			   !strcmp(n->op, "~") ? ~n->lhs->num :
			   !strcmp(n->op, "-") ? (int64_t)(0 - (uint64_t)n->lhs->num) : n->lhs->num;
		num->type = TYPE_LONG;
		*slot = num;
	}
}

static void warn_unused(struct elab *e, const struct vec *syms, const char *what)
{
	for (int i = 0; i < syms->len; i++) {
		const struct symbol *s = syms->items[i];

		if (s->from_library || s->read || s->written)
			continue;
		diag_at(e->diag, DIAG_WARNING, s->loc, "%s '%s' is never used", what, s->name);
	}
}

static void warn_write_only(struct elab *e, const struct vec *locals)
{
	for (int i = 0; i < locals->len; i++) {
		const struct symbol *s = locals->items[i];

		if (s->src->is_library || s->loc.src->is_library || s->name[0] == '_')
			continue;
		if (s->written && !s->read && !s->updated)
			diag_at(e->diag, DIAG_WARNING, s->loc,
				"local variable '%s' is assigned but never read", s->name);
		else if (s->read && !s->written)
			diag_at(e->diag, DIAG_WARNING, s->loc,
				"local variable '%s' is never assigned (it reads as 0 or \"\")",
				s->name);
	}
}

/* SystemTap leaves the globals that nothing uses out of the program (an
 * initialiser alone is no use), with or without -u. */
static void drop_unused_globals(struct program *p)
{
	int kept = 0;

	for (int i = 0; i < p->globals.len; i++) {
		struct symbol *s = p->globals.items[i];

		if (!s->read && !s->written && !s->updated)
			continue;
		s->index = kept;
		p->globals.items[kept++] = s;
	}
	p->globals.len = kept;
}

void opt_program(struct elab *e)
{
	struct program *p = &e->prog;

	warn_unused(e, &p->globals, "global variable");
	drop_unused_globals(p);
	for (int i = 0; i < p->probes.len; i++) {
		struct derived_probe *dp = p->probes.items[i];

		if (dp->synthetic)
			continue;
		warn_write_only(e, &dp->locals);
		if (!e->opt.unoptimized)
			fold(e, &dp->body);
	}
	for (int i = 0; i < p->functions.len; i++) {
		struct func *fn = p->functions.items[i];

		if (!fn->from_library)
			warn_write_only(e, &fn->locals);
		if (!e->opt.unoptimized)
			fold(e, &fn->decl->body);
	}
}
