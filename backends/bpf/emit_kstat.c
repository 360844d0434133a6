/* emit_kstat.c - statistics read in a kernel probe: @count @sum @min @max
 * @avg @variance of a statistic, and @hist_*(s)[i].
 *
 * A statistic is a per-CPU map (emit_file.c); a kernel probe reads it by
 * merging every CPU's part with bpf_loop() over
 * bpf_map_lookup_percpu_elem(), as the executor merges them in user space
 * (runtime/bpf/tapir_kagg.bpf.h), so that a value read in a probe is the
 * one an end probe would print.  Each statistic gets its walk callbacks
 * once, beside its map.
 */
#include <string.h>

#include "emit.h"

/* The statistics whose callbacks are emitted. */
static const struct em_global *done[256];
static int ndone;
static int nclear; /* kclr_ callbacks */

/* kagg_NAME and kvar_NAME, the walks over the CPUs of statistic g. */
void em_kstat_walks(struct em_file *f, const struct em_global *g)
{
	const char *s = g->sym->name;
	const char *hist = g->buckets > 0 ? "p->hist" : "NULL";

	for (int i = 0; i < ndone; i++) {
		if (done[i] == g)
			return;
	}
	if (ndone < 256)
		done[ndone++] = g;
	sb_printf(&f->kern_decls,
		  "static long kagg_%s(u32 cpu, void *c)\n{\n\tstruct tapir_kagg *a = c;\n"
		  "\tstruct sv_%s *p = bpf_map_lookup_percpu_elem(&m_%s, a->key, cpu);\n\n"
		  "\tif (!p)\n\t\treturn 1;\n\ttapir_kagg_add(a, &p->st, %s, %d);\n\treturn 0;\n}\n\n",
		  s, s, s, hist, g->buckets > 0 ? g->buckets : 0);
	sb_printf(&f->kern_decls,
		  "static long kvar_%s(u32 cpu, void *c)\n{\n\tstruct tapir_kagg *a = c;\n"
		  "\tstruct sv_%s *p = bpf_map_lookup_percpu_elem(&m_%s, a->key, cpu);\n\n"
		  "\tif (!p)\n\t\treturn 1;\n\ttapir_kagg_add_variance(a, &p->st);\n\treturn 0;\n}\n\n",
		  s, s, s);
	if (g->buckets > 0) /* every bucket, into a record (em_kstat_hist_print) */
		sb_printf(&f->kern_decls,
			  "static long khist_%s(u32 cpu, void *c)\n{\n\tstruct tapir_kagg *a = c;\n"
			  "\tstruct sv_%s *p = bpf_map_lookup_percpu_elem(&m_%s, a->key, cpu);\n\n"
			  "\tif (!p)\n\t\treturn 1;\n\ttapir_kagg_add(a, &p->st, NULL, 0);\n"
			  "\ttapir_khist_add(p->hist, %d);\n\treturn 0;\n}\n\n",
			  s, s, s, g->buckets);
}

/* The statistic x names (s or s[k]) and its key's C expression. */
static struct em_global *stat_of(struct em *m, struct ast *x, struct loc loc, const char **key)
{
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	struct em_global *g = s ? em_global_of(m->f, s) : NULL;

	if (!g || g->stat_index < 0) {
		em_error(m, loc, "this needs a global statistic");
		return NULL;
	}
	*key = "&tapir_zero_key";
	if (x->kind == AST_INDEX) {
		em_key(m, s, &x->args, key);
		*key = arena_printf(m->f->e->arena, "&%s", *key);
	}
	em_kstat_walks(m->f, g);
	return g;
}

/* Opens a block with the merged statistic in __a; close it with "}". */
static void merge(struct em *m, const struct em_global *g, const char *key, const char *bucket,
		  bool variance)
{
	const char *s = g->sym->name;

	em_line(m, "{");
	m->indent++;
	em_line(m, "struct tapir_kagg __a = { .key = %s, .bucket = %s, .shift = %d };", key, bucket,
		g->shift);
	em_line(m, "bpf_loop(TAPIR_KAGG_MAX_CPUS, kagg_%s, &__a, 0);", s);
	if (variance)
		em_line(m, "bpf_loop(TAPIR_KAGG_MAX_CPUS, kvar_%s, &__a, 0);", s);
	em_line(m, "tapir_kagg_finish(&__a);");
}

/* @count(s) ... in a kernel probe. */
const char *em_kstat_op(struct em *m, struct ast *n)
{
	const char *key, *t;
	struct em_global *g = stat_of(m, n->lhs, n->loc, &key);
	bool zero_ok = strcmp(n->name, "@count") == 0 || strcmp(n->name, "@sum") == 0;

	if (!g)
		return "0";
	t = em_tmp_long(m);
	merge(m, g, key, "-1", strcmp(n->name, "@variance") == 0);
	if (!zero_ok) {
		em_line(m, "if (__a.count == 0)");
		m->indent++;
		em_raise(m, arena_printf(m->f->e->arena, "%d", em_loc_id(m->f, arena_printf(
				m->f->e->arena, "operator '%s'", n->name), n->loc)), "\"empty aggregate\"");
		m->indent--;
	}
	em_line(m, "%s = __a.%s;", t, n->name + 1);
	m->indent--;
	em_line(m, "}");
	return t;
}

/* @hist_*(s)[i] in a kernel probe: the count in bucket i, 0 out of range. */
const char *em_kstat_bucket(struct em *m, struct ast *n)
{
	struct ast *h = n->lhs;
	const char *key, *ix, *t;
	struct em_global *g = stat_of(m, h->lhs, h->loc, &key);

	if (!g)
		return "0";
	if (g->buckets <= 0) {
		em_error(m, h->loc, "%s of a statistic without a histogram", h->name);
		return "0";
	}
	ix = em_tmp_long(m);
	em_line(m, "%s = %s;", ix, em_long(m, n->args.items[0]));
	t = em_tmp_long(m);
	em_line(m, "%s = 0;", t);
	em_line(m, "if (%s >= 0 && %s < %d)", ix, ix, g->buckets);
	m->indent++;
	merge(m, g, key, ix, false);
	em_line(m, "%s = __a.bucket_count;", t);
	m->indent--;
	em_line(m, "}");
	m->indent--;
	return t;
}

/*
 * print(@hist_*(s)) in a kernel probe: the histogram merged over CPUs now,
 * sent as a record that the executor prints in its place in the output
 * (TAPIR_REC_HIST), with the printer of user-space probes.
 */
void em_kstat_hist_print(struct em *m, struct ast *h)
{
	const char *key;
	struct em_global *g = stat_of(m, h->lhs, h->loc, &key);

	if (!g)
		return;
	if (g->buckets <= 0) {
		em_error(m, h->loc, "%s of a statistic without a histogram", h->name);
		return;
	}
	em_line(m, "{");
	m->indent++;
	em_line(m, "struct tapir_recbuf *__rb = tapir_khist_start(%d, %d);", g->stat_index, g->buckets);
	em_line(m, "struct tapir_kagg __a = { .key = %s, .bucket = -1 };", key);
	em_line(m, "bpf_loop(TAPIR_KAGG_MAX_CPUS, khist_%s, &__a, 0);", g->sym->name);
	em_line(m, "if (__a.count == 0)");
	m->indent++;
	em_raise(m, arena_printf(m->f->e->arena, "%d", em_loc_id(m->f, arena_printf(
			m->f->e->arena, "operator '%s'", h->name), h->loc)), "\"empty aggregate\"");
	m->indent--;
	em_line(m, "tapir_rec_send(__rb);");
	m->indent--;
	em_line(m, "}");
}

/* delete s of a scalar statistic in a kernel probe: every CPU's part to 0
 * (a per-CPU array keeps its element; an empty part counts nothing). */
void em_kstat_clear(struct em *m, const struct symbol *s)
{
	struct em_global *g = em_global_of(m->f, s);

	if (!g || g->stat_index < 0) {
		em_error(m, s->loc, "this needs a global statistic");
		return;
	}
	sb_printf(&m->f->kern_decls,
		  "static long kclr_%s_%d(u32 cpu, void *c)\n{\n"
		  "\tstruct sv_%s *p = bpf_map_lookup_percpu_elem(&m_%s, &tapir_zero_key, cpu);\n\n"
		  "\t(void)c;\n\tif (!p)\n\t\treturn 1;\n\tTAPIR_ZERO(p, sizeof(*p));\n"
		  "\treturn 0;\n}\n\n", s->name, nclear, s->name, s->name);
	em_line(m, "bpf_loop(TAPIR_KAGG_MAX_CPUS, kclr_%s_%d, NULL, 0);", s->name, nclear++);
}
