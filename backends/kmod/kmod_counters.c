/* kmod_counters.c - globals that are only counted.
 *
 * A long scalar global that event probes and functions only add to, each
 * time in a statement of its own (x++, ++x, x--, --x, x += E, x -= E),
 * and that only begin, end and error probes otherwise read or assign,
 * is a counter. Those probes never run beside the others (begin runs
 * before the probes are armed, end and error after tapir_stop() has
 * disarmed them and waited for their handlers), so no handler can see a
 * counter between its own read and write: each addition is one
 * atomic64_add() and takes no lock (kmod_locks.c leaves counters out).
 * SystemTap locks them as any other global; the result is the same.
 *
 * A scalar statistic that the same probes only add to (s <<< v, a
 * statement of its own) is one too: each CPU has its part, which a
 * handler adds to with interrupts off (a light handler turns them off
 * for it, m->irqoff), and only the probes that run alone read it.
 */
#include <string.h>

#include "kmod.h"

struct walk {
	const struct vec *globals;
	unsigned char *ok;        /* by position in globals: still a counter */
	const struct ast *exempt; /* the x of the addition statement last seen */
};

/* x in an addition statement x++, x += E...: the global x, else NULL. */
static const struct symbol *added_to(const struct ast *stmt)
{
	const struct ast *e = stmt->kind == AST_EXPR_STMT ? stmt->lhs : NULL;

	if (!e)
		return NULL;
	if (e->kind == AST_ASSIGN && (strcmp(e->op, "+=") != 0 && strcmp(e->op, "-=") != 0))
		return NULL;
	if (e->kind != AST_ASSIGN && e->kind != AST_PREINC && e->kind != AST_POSTINC)
		return NULL;
	if (e->lhs->kind != AST_VAR || !e->lhs->sym || e->lhs->sym->kind != SYM_GLOBAL)
		return NULL;
	return e->lhs->sym;
}

/* s in a statement s <<< v: the global statistic s, else NULL. */
static const struct symbol *stat_added_to(const struct ast *stmt)
{
	const struct ast *e = stmt->kind == AST_EXPR_STMT ? stmt->lhs : NULL;

	if (!e || e->kind != AST_ASSIGN || strcmp(e->op, "<<<") != 0)
		return NULL;
	if (e->lhs->kind != AST_VAR || !e->lhs->sym || e->lhs->sym->kind != SYM_GLOBAL)
		return NULL;
	return e->lhs->sym;
}

static void disqualify(struct walk *w, const struct symbol *s)
{
	for (int i = 0; i < w->globals->len; i++) {
		if (w->globals->items[i] == s)
			w->ok[i] = 0;
	}
}

/* Pre-order (ast_map): an addition statement's x is seen before x's
 * node, which is then no use of it; any other use of a global is. */
static struct ast *visit(struct ast *n, void *ctx)
{
	struct walk *w = ctx;

	if (added_to(n) || stat_added_to(n))
		w->exempt = n->lhs->lhs;
	else if (n->kind == AST_VAR && n != w->exempt && n->sym && n->sym->kind == SYM_GLOBAL)
		disqualify(w, n->sym);
	/* what ast_map does not go into: a foreach's keys */
	if (n->kind == AST_FOREACH && n->fe) {
		for (int i = 0; i < n->fe->keys.len; i++)
			ast_map((struct ast **)&n->fe->keys.items[i], visit, w);
	}
	return n;
}

static bool runs_alone(int kind)
{
	return kind == PK_BEGIN || kind == PK_END || kind == PK_ERROR || kind == PK_NEVER;
}

static void find_counters(struct km_file *f)
{
	const struct program *p = &f->e->prog;
	struct walk w = { .globals = &p->globals };

	w.ok = arena_alloc(f->e->arena, (size_t)p->globals.len + 1);
	for (int i = 0; i < p->globals.len; i++) {
		const struct symbol *s = p->globals.items[i];

		w.ok[i] = (s->type == TYPE_LONG || s->type == TYPE_STATS) && !s->is_array;
	}
	for (int i = 0; i < p->probes.len; i++) {
		struct derived_probe *dp = p->probes.items[i];

		if (runs_alone(dp->target->kind))
			continue;
		ast_map(&dp->cond, visit, &w);
		ast_map(&dp->body, visit, &w);
	}
	for (int i = 0; i < p->functions.len; i++) {
		struct func *fn = p->functions.items[i];

		if (fn->decl)
			ast_map(&fn->decl->body, visit, &w);
	}
	f->counters = w.ok;
}

bool km_is_counter(struct km_file *f, const struct symbol *s)
{
	const struct vec *g = &f->e->prog.globals;

	if (!f->counters)
		find_counters(f);
	for (int i = 0; i < g->len; i++) {
		if (g->items[i] == s)
			return f->counters[i];
	}
	return false;
}

bool km_counter_stmt(struct km *m, const struct ast *stmt)
{
	const struct symbol *s = added_to(stmt);
	const struct ast *e;
	const char *v;
	bool sub;

	if (!s || !km_is_counter(m->f, s))
		return false;
	e = stmt->lhs;
	sub = e->kind == AST_ASSIGN ? e->op[0] == '-' : e->op[0] == '-';
	v = e->kind == AST_ASSIGN ? km_expr(m, e->rhs) : "1";
	km_line(m, "atomic64_%s(%s, (atomic64_t *)&g_%s);", sub ? "sub" : "add", v, s->name);
	return true;
}
