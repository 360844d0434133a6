/* autoprint.c - globals written but never read are printed when the run
 * ends, in SystemTap's formats: one synthetic end probe per global. */
#include <string.h>

#include "elab.h"

static struct ast *mk(struct elab *e, enum ast_kind k, struct loc loc)
{
	return ast_new(e->arena, k, loc);
}

static struct ast *str_node(struct elab *e, struct loc loc, const char *s)
{
	struct ast *n = mk(e, AST_STR, loc);

	n->str = arena_strdup(e->arena, s);
	n->type = TYPE_STRING;
	return n;
}

static struct ast *var_node(struct elab *e, struct symbol *s, struct loc loc)
{
	struct ast *n = mk(e, AST_VAR, loc);

	n->name = s->name;
	n->sym = s;
	n->type = s->type;
	return n;
}

static struct ast *printf_node(struct elab *e, struct loc loc, const char *fmt)
{
	struct ast *n = mk(e, AST_PRINT, loc);

	n->name = "printf";
	vec_push(e->arena, &n->args, str_node(e, loc, fmt));
	return n;
}

static struct ast *stmt(struct elab *e, struct ast *expr)
{
	struct ast *n = mk(e, AST_EXPR_STMT, expr->loc);

	n->lhs = expr;
	return n;
}

static const char *conv(enum ast_type t)
{
	return t == TYPE_STRING ? "\"%#s\"" : "%#d";
}

static struct ast *stat_op(struct elab *e, const char *op, struct ast *operand)
{
	struct ast *n = mk(e, AST_STAT_OP, operand->loc);

	n->name = op;
	n->lhs = operand;
	n->type = TYPE_LONG;
	return n;
}

static const char *const stat_ops[] = { "@count", "@min", "@max", "@sum", "@avg" };

static void add_stats_args(struct elab *e, struct ast *pf, struct ast *operand)
{
	for (int i = 0; i < 5; i++)
		vec_push(e->arena, &pf->args, stat_op(e, stat_ops[i], ast_copy(e->arena, operand)));
}

#define STATS_FMT "@count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d\n"

/* if (@count(x) == 0) printf("x @count=0x0\n") else printf("x @count=... \n", ...) */
static struct ast *scalar_stats(struct elab *e, struct symbol *s, struct loc loc)
{
	struct ast *n = mk(e, AST_IF, loc), *cmp = mk(e, AST_COMPARE, loc), *zero = mk(e, AST_NUM, loc);
	struct ast *full = printf_node(e, loc, arena_printf(e->arena, "%s %s", s->name, STATS_FMT));

	cmp->op = "==";
	cmp->lhs = stat_op(e, "@count", var_node(e, s, loc));
	cmp->rhs = zero;
	n->cond = cmp;
	n->then = stmt(e, printf_node(e, loc, arena_printf(e->arena, "%s @count=0x0\n", s->name)));
	add_stats_args(e, full, var_node(e, s, loc));
	n->els = stmt(e, full);
	return n;
}

static struct ast *new_local(struct elab *e, struct derived_probe *dp, const char *name,
			     enum ast_type t, struct loc loc)
{
	struct symbol *s = arena_alloc(e->arena, sizeof(*s));
	struct ast *n = mk(e, AST_VAR, loc);

	s->kind = SYM_LOCAL;
	s->name = name;
	s->type = t;
	s->loc = loc;
	s->nkeys = -1;
	s->index = dp->locals.len;
	s->read = s->written = true;
	vec_push(e->arena, &dp->locals, s);
	n->name = name;
	n->sym = s;
	n->type = t;
	return n;
}

/* foreach ([k0, k1] in a-) printf("a[%#d,\"%#s\"]=%d\n", k0, k1, a[k0, k1]) */
static struct ast *array_print(struct elab *e, struct derived_probe *dp, struct symbol *s,
			       struct loc loc)
{
	struct ast *fe = mk(e, AST_FOREACH, loc), *pf, *elem = mk(e, AST_INDEX, loc);
	struct strbuf fmt = { 0 };
	bool stats = s->type == TYPE_STATS;

	fe->fe = arena_alloc(e->arena, sizeof(*fe->fe));
	fe->fe->array = var_node(e, s, loc);
	fe->fe->value_sort = -1;
	sb_printf(&fmt, "%s[", s->name);
	elem->lhs = var_node(e, s, loc);
	elem->type = s->type;
	for (int i = 0; i < s->nkeys; i++) {
		struct ast *k = new_local(e, dp, arena_printf(e->arena, "__idx%d", i), s->key_types[i],
					  loc);

		vec_push(e->arena, &fe->fe->keys, k);
		vec_push(e->arena, &elem->args, ast_copy(e->arena, k));
		sb_printf(&fmt, "%s%s", i ? "," : "", conv(s->key_types[i]));
	}
	sb_puts(&fmt, stats ? "] " STATS_FMT : s->type == TYPE_STRING ? "]=\"%#s\"\n" : "]=%d\n");
	pf = printf_node(e, loc, fmt.data);
	sb_free(&fmt);
	for (int i = 0; i < s->nkeys; i++)
		vec_push(e->arena, &pf->args, ast_copy(e->arena, fe->fe->keys.items[i]));
	if (stats) {
		add_stats_args(e, pf, elem);
	} else {
		fe->fe->value = new_local(e, dp, "__val", s->type, loc);
		vec_push(e->arena, &pf->args, ast_copy(e->arena, fe->fe->value));
	}
	fe->body = stmt(e, pf);
	return fe;
}

static struct ast *scalar_print(struct elab *e, struct symbol *s, struct loc loc)
{
	struct ast *pf;

	if (s->type == TYPE_STATS)
		return scalar_stats(e, s, loc);
	pf = printf_node(e, loc, s->type == TYPE_STRING ?
				 arena_printf(e->arena, "%s=\"%%#s\"\n", s->name) :
				 arena_printf(e->arena, "%s=%%d\n", s->name));
	vec_push(e->arena, &pf->args, var_node(e, s, loc));
	return stmt(e, pf);
}

static void add_end_probe(struct elab *e, struct symbol *s)
{
	struct derived_probe *dp = arena_alloc(e->arena, sizeof(*dp));
	struct probe_target *t = arena_alloc(e->arena, sizeof(*t));
	struct ast *blk = mk(e, AST_BLOCK, s->loc);

	t->prov = probe_providers[0];
	t->name = "end";
	t->kind = PK_END;
	t->loc = s->loc;
	dp->target = t;
	dp->origin = "end";
	dp->src = s->src;
	dp->synthetic = true;
	dp->index = e->probe_counter++;
	vec_push(e->arena, &blk->args, s->is_array ? array_print(e, dp, s, s->loc) :
						     scalar_print(e, s, s->loc));
	dp->body = blk;
	vec_push(e->arena, &e->prog.probes, dp);
}

void autoprint_add(struct elab *e)
{
	if (e->opt.no_global_display)
		return;
	for (int i = 0; i < e->prog.globals.len; i++) {
		struct symbol *s = e->prog.globals.items[i];

		if (s->written && !s->read && !s->from_library && s->type != TYPE_UNKNOWN)
			add_end_probe(e, s);
	}
}
