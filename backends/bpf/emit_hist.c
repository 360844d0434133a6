/* emit_hist.c - a histogram's buckets read one by one, in user space:
 * @hist_linear(s, ...)[i] and foreach (i in @hist_*(s)).  Buckets are
 * numbered as the executor stores them (runtime/common/rt_stats.c): for
 * @hist_linear, 0 is the underflow, then one per interval, then the
 * overflow. */
#include "emit.h"

/* The statistic under @hist_*(x), or NULL after an error. */
static struct em_global *hist_global(struct em *m, struct ast *h)
{
	struct ast *x = h->lhs;
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	struct em_global *g = s ? em_global_of(m->f, s) : NULL;

	if (!m->user || !g || g->buckets <= 0) {
		em_error(m, h->loc, "foreach over histogram buckets can only run in begin, end, "
			 "error and timer probes on the bpf runtime yet");
		return NULL;
	}
	return g;
}

/* How many buckets foreach (i in @hist_*(s)) walks, or -1. */
int em_hist_buckets(struct em *m, struct ast *h)
{
	struct em_global *g = hist_global(m, h);

	return g ? g->buckets : -1;
}

/* @hist_*(x)[i]: the count in bucket i, 0 out of range or when empty. */
const char *em_hist_bucket(struct em *m, struct ast *n)
{
	struct ast *h = n->lhs, *x = h->lhs;
	struct em_global *g;
	const char *key = "NULL", *ix, *t, *a, *hs;

	if (!m->user)
		return em_kstat_bucket(m, n);
	g = hist_global(m, h);
	if (!g)
		return "0";
	if (x->kind == AST_INDEX) {
		em_key(m, x->lhs->sym, &x->args, &key);
		key = arena_printf(m->f->e->arena, "&%s", key);
	}
	ix = em_tmp_long(m);
	em_line(m, "%s = %s;", ix, em_long(m, n->args.items[0]));
	a = em_field(m, "a", "struct rt_agg %s");
	hs = em_field(m, "h", "int64_t %s[RT_HIST_MAX_BUCKETS + 2]");
	t = em_tmp_long(m);
	em_line(m, "if (tapir_stat_get(%d, %s, &F->%s, F->%s) < 0 || %s < 0 || %s >= %d)",
		g->stat_index, key, a, hs, ix, ix, g->buckets);
	em_line(m, "\t%s = 0;", t);
	em_line(m, "else");
	em_line(m, "\t%s = F->%s[%s];", t, hs, ix);
	return t;
}
