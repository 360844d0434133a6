/* kmod_entry.c - @entry(EXPR) in a kernel function's .return, kept in its
 * kretprobe instance, as SystemTap keeps it.
 *
 * The kretprobe's entry handler saves the six argument registers in the
 * instance's data (targs, which $param and @entry of the parameters read
 * at the return). An @entry of anything else gets slots after them: the
 * entry handler zeroes them and runs the probe's "entry saver", a handler
 * of its own whose body is each such EXPR (lowered as the return probe's
 * body is, over the saved arguments; light where it can be), storing its
 * value into its slots; the return handler reads them. A recursive
 * function's returns each read their own call's instance; a call whose
 * instance the kernel could not give (maxactive) runs neither.
 *
 * translator/entry.c leaves these @entry alone on the kmod runtime (it
 * rewrites a system call's and a process function's into a companion
 * probe and maps).
 */
#include <string.h>

#include "kmod.h"

struct km_entries {
	const struct derived_probe *ret; /* the return probe */
	struct derived_probe *saver;     /* its entry saver */
	struct vec nodes;                /* struct ast *: the @entry with slots */
	struct vec offs;                 /* (intptr_t) each one's first slot */
	int nslots;                      /* u64 slots after the arguments */
};

struct collect {
	struct km_file *f;
	struct km_entries *en;
};

static struct ast *collect(struct ast *n, void *ctx)
{
	struct collect *c = ctx;
	struct km_entries *en = c->en;
	struct arena *a = c->f->e->arena;

	if (n->kind != AST_ENTRY || entry_params_only(n->lhs))
		return n;
	vec_push(a, &en->nodes, n);
	vec_push(a, &en->offs, (void *)(intptr_t)(KM_KARG_REGS + en->nslots));
	en->nslots += n->type == TYPE_STRING ? (c->f->o->maxstringlen + 7) / 8 : 1;
	return n;
}

static bool is_kfunc_return(const struct derived_probe *dp)
{
	return dp->target->kind == PK_KFUNC && dp->target->num[0];
}

/* The @entry of ret's body that need slots, and its saver: NULL if none. */
struct derived_probe *km_entry_saver(struct km_file *f, struct derived_probe *dp)
{
	struct arena *a = f->e->arena;
	struct km_entries *en;
	struct collect c = { .f = f };
	struct derived_probe *sv;
	struct ast *body;

	if (!is_kfunc_return(dp))
		return NULL;
	en = c.en = arena_alloc(a, sizeof(*en));
	en->ret = dp;
	ast_map(&dp->cond, collect, &c);
	ast_map(&dp->body, collect, &c);
	if (!en->nodes.len)
		return NULL;
	body = ast_new(a, AST_BLOCK, dp->target->loc);
	for (int i = 0; i < en->nodes.len; i++) {
		struct ast *n = en->nodes.items[i], *st = ast_new(a, AST_EXPR_STMT, n->loc);

		st->lhs = n;
		vec_push(a, &body->args, st);
	}
	sv = arena_alloc(a, sizeof(*sv));
	*sv = *dp;
	sv->cond = NULL;
	sv->body = body;
	en->saver = sv;
	vec_push(a, &f->entries, en);
	return sv;
}

static struct km_entries *entries_of(const struct km_file *f, const struct derived_probe *dp)
{
	for (int i = 0; i < f->entries.len; i++) {
		struct km_entries *en = f->entries.items[i];

		if (en->ret == dp || en->saver == dp)
			return en;
	}
	return NULL;
}

bool km_entry_is_saver(const struct km_file *f, const struct derived_probe *dp)
{
	const struct km_entries *en = entries_of(f, dp);

	return en && en->saver == dp;
}

int km_entry_slots(const struct km_file *f, const struct derived_probe *dp)
{
	const struct km_entries *en = entries_of(f, dp);

	return en ? en->nslots : 0;
}

/* n's first slot in en, or -1. */
static int slot_of(const struct km_entries *en, const struct ast *n)
{
	for (int i = 0; en && i < en->nodes.len; i++) {
		if (en->nodes.items[i] == n)
			return (int)(intptr_t)en->offs.items[i];
	}
	return -1;
}

/* @entry(e): in the saver, e's value, stored into its slots; at the
 * return, its slots; e itself where e is of the parameters, whose values
 * at the entry targs holds (memory a chain reads is read at return). */
const char *km_entry(struct km *m, struct ast *n)
{
	const struct km_entries *en = m->dp ? entries_of(m->f, m->dp) : NULL;
	struct arena *a = m->f->e->arena;
	int slot = slot_of(en, n);
	const char *v;

	if (!m->dp || !is_kfunc_return(m->dp)) {
		km_error(m, n->loc, "@entry is only available in a .return probe of a kernel function");
		return "0";
	}
	if (slot < 0)
		return km_expr(m, n->lhs);
	if (en->saver != m->dp)
		return arena_printf(a, n->type == TYPE_STRING ? "((const char *)&targs[%d])" :
								 "((int64_t)targs[%d])", slot);
	v = km_expr(m, n->lhs);
	if (n->type == TYPE_STRING)
		km_line(m, "tapir_str_copy((char *)(uintptr_t)&targs[%d], %s);", slot, v);
	else
		km_line(m, "((u64 *)(uintptr_t)targs)[%d] = (u64)(%s);", slot, v);
	return v;
}
