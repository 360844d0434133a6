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
 */
#include <string.h>

#include "kmod.h"

struct walk {
	const struct vec *globals;
	unsigned char *ok; /* by position in globals: still a counter */
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

static void disqualify(struct walk *w, const struct symbol *s)
{
	for (int i = 0; i < w->globals->len; i++) {
		if (w->globals->items[i] == s)
			w->ok[i] = 0;
	}
}

static void walk(struct walk *w, const struct ast *n)
{
	const struct ast *kids[8];

	if (!n)
		return;
	if (added_to(n)) {
		walk(w, n->lhs->rhs); /* E of x += E: any use of x there is one */
		return;
	}
	if (n->kind == AST_VAR && n->sym && n->sym->kind == SYM_GLOBAL)
		disqualify(w, n->sym);
	if (n->kind == AST_FOREACH && n->fe) {
		walk(w, n->fe->value);
		walk(w, n->fe->array);
		walk(w, n->fe->limit);
		for (int i = 0; i < n->fe->keys.len; i++)
			walk(w, n->fe->keys.items[i]);
		for (int i = 0; i < n->fe->slice.len; i++)
			walk(w, n->fe->slice.items[i]);
	}
	kids[0] = n->lhs, kids[1] = n->rhs, kids[2] = n->cond, kids[3] = n->then;
	kids[4] = n->els, kids[5] = n->init, kids[6] = n->inc, kids[7] = n->body;
	for (int i = 0; i < 8; i++)
		walk(w, kids[i]);
	for (int i = 0; i < n->args.len; i++)
		walk(w, n->args.items[i]);
	for (int i = 0; i < n->chain.len; i++) {
		const struct ast_step *st = n->chain.items[i];

		if (st->is_index)
			walk(w, st->index);
	}
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

		w.ok[i] = s->type == TYPE_LONG && !s->is_array;
	}
	for (int i = 0; i < p->probes.len; i++) {
		const struct derived_probe *dp = p->probes.items[i];

		if (runs_alone(dp->target->kind))
			continue;
		walk(&w, dp->cond);
		walk(&w, dp->body);
	}
	for (int i = 0; i < p->functions.len; i++) {
		const struct func *fn = p->functions.items[i];

		if (fn->decl)
			walk(&w, fn->decl->body);
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
