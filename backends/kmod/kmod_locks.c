/* kmod_locks.c - SystemTap's locking of globals in the module: each global
 * has a readers/writers lock, and a handler takes, before it runs, the
 * locks of the globals it (and every function it calls) uses: a read lock
 * for one it only reads, a write lock for one it assigns, updates,
 * deletes or adds to (<<<). The locks are taken in declaration order, each
 * with MAXTRYLOCK tries; a handler that can't have them all releases what
 * it took and is skipped (counted, as SystemTap's skipped probes).
 * Handlers that use no global take no lock, and two that only read the
 * same global run side by side; a counter (kmod_counters.c) has no lock
 * to take. A statistic is the other way round, as in
 * SystemTap: '<<<' adds to its CPU's part under the read lock, and every
 * other use (@count, @hist_log, foreach, delete) merges or clears the
 * parts under the write lock.
 */
#include <string.h>

#include "kmod.h"

enum use { USE_NONE, USE_READ, USE_WRITE };

struct uses {
	struct arena *a;
	const struct vec *globals; /* struct symbol *, in declaration order */
	unsigned char *g;          /* by position in globals: enum use */
	struct vec seen;           /* struct func *: walked already */
};

static void walk(struct uses *u, const struct ast *n, enum use how);
static void walk_lvalue(struct uses *u, const struct ast *n);

static void mark_as(struct uses *u, const struct symbol *s, enum use how)
{
	for (int i = 0; i < u->globals->len; i++) {
		if (u->globals->items[i] == s && how > u->g[i])
			u->g[i] = (unsigned char)how;
	}
}

static void mark(struct uses *u, const struct symbol *s, enum use how)
{
	if (!s || s->kind != SYM_GLOBAL)
		return;
	mark_as(u, s, s->type == TYPE_STATS ? USE_WRITE : how);
}

/* s <<< v, a[k] <<< v: the statistic's read lock. */
static void walk_stat_add(struct uses *u, const struct ast *n)
{
	const struct ast *v = n->kind == AST_INDEX ? n->lhs : n;

	if (v->kind != AST_VAR || !v->sym || v->sym->kind != SYM_GLOBAL) {
		walk_lvalue(u, n);
		return;
	}
	mark_as(u, v->sym, USE_READ);
	if (n->kind == AST_INDEX) {
		for (int i = 0; i < n->args.len; i++)
			walk(u, n->args.items[i], USE_READ);
	}
}

/* The global an lvalue names (x, or a[k]): marked for writing. */
static void walk_lvalue(struct uses *u, const struct ast *n)
{
	if (!n)
		return;
	if (n->kind == AST_VAR) {
		mark(u, n->sym, USE_WRITE);
		return;
	}
	if (n->kind == AST_INDEX) {
		walk_lvalue(u, n->lhs);
		for (int i = 0; i < n->args.len; i++)
			walk(u, n->args.items[i], USE_READ);
		return;
	}
	walk(u, n, USE_READ);
}

static void walk_call(struct uses *u, const struct func *fn)
{
	for (int i = 0; i < u->seen.len; i++) {
		if (u->seen.items[i] == fn)
			return;
	}
	vec_push(u->a, &u->seen, (void *)fn);
	if (fn->decl)
		walk(u, fn->decl->body, USE_READ);
}

static void walk_foreach(struct uses *u, const struct ast_foreach *fe)
{
	walk(u, fe->value, USE_WRITE);
	for (int i = 0; i < fe->keys.len; i++)
		walk(u, fe->keys.items[i], USE_WRITE);
	walk(u, fe->array, USE_READ);
	for (int i = 0; i < fe->slice.len; i++)
		walk(u, fe->slice.items[i], USE_READ);
	walk(u, fe->limit, USE_READ);
}

static void walk(struct uses *u, const struct ast *n, enum use how)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_VAR:
		mark(u, n->sym, how);
		return;
	case AST_ASSIGN:
		if (n->op && strcmp(n->op, "<<<") == 0)
			walk_stat_add(u, n->lhs);
		else
			walk_lvalue(u, n->lhs);
		walk(u, n->rhs, USE_READ);
		return;
	case AST_PREINC:
	case AST_POSTINC:
	case AST_DELETE:
		walk_lvalue(u, n->lhs);
		return;
	case AST_CALL:
		if (n->fn)
			walk_call(u, n->fn);
		break;
	case AST_FOREACH:
		if (n->fe)
			walk_foreach(u, n->fe);
		break;
	default:
		break;
	}
	walk(u, n->lhs, USE_READ);
	walk(u, n->rhs, USE_READ);
	walk(u, n->cond, USE_READ);
	walk(u, n->then, USE_READ);
	walk(u, n->els, USE_READ);
	walk(u, n->init, USE_READ);
	walk(u, n->inc, USE_READ);
	walk(u, n->body, USE_READ);
	for (int i = 0; i < n->args.len; i++)
		walk(u, n->args.items[i], USE_READ);
	for (int i = 0; i < n->chain.len; i++) {
		const struct ast_step *st = n->chain.items[i];

		if (st->is_index)
			walk(u, st->index, USE_READ);
	}
}

void km_locks_decls(struct km_file *f)
{
	const struct vec *g = &f->e->prog.globals;

	for (int i = 0; i < g->len; i++) {
		if (!km_is_counter(f, g->items[i]))
			sb_printf(&f->decls, "static DEFINE_RWLOCK(tapir_lk_%s);\n",
				  ((const struct symbol *)g->items[i])->name);
	}
	if (g->len)
		sb_puts(&f->decls, "\n");
}

bool km_locks_emit(struct km_file *f, const struct derived_probe *dp, int id)
{
	const struct vec *g = &f->e->prog.globals;
	struct uses u = { .a = f->e->arena, .globals = g };
	struct strbuf list = { 0 };
	int n = 0;

	u.g = arena_alloc(u.a, (size_t)g->len + 1);
	walk(&u, dp->cond, USE_READ);
	walk(&u, dp->body, USE_READ);
	for (int i = 0; i < g->len; i++) {
		/* a counter takes no lock (kmod_counters.c) */
		if (u.g[i] == USE_NONE || km_is_counter(f, g->items[i]))
			continue;
		sb_printf(&list, "\t{ &tapir_lk_%s, %d },\n", ((const struct symbol *)g->items[i])->name,
			  u.g[i] == USE_WRITE);
		n++;
	}
	if (n)
		sb_printf(&f->decls, "static const struct tapir_lockref tapir_locks_%d[] = {\n%s};\n\n",
			  id, list.data);
	sb_free(&list);
	return n > 0;
}
