/* emit_ksort.c - sorted foreach in a kernel probe:
 *   foreach ([k+] in a), foreach (v = [k] in a-), foreach ([k] in s @sum+ limit 5)
 *
 * In SystemTap's order, the one the executor's tapir_foreach() gives in
 * user space (runtime/bpf/rt_exec_foreach.c): by a key column, the value,
 * or an aggregate of a statistic (@count unless told), ascending (+) or
 * descending (-), equal elements in the order of their whole keys, each
 * column ascending; then cut to 'limit'.
 *
 * Every step is bounded, for the verifier and for the run time:
 *   1. collect: bpf_for_each_map_elem() copies each key into the site's
 *      per-CPU key store (ks_keys_N, as many entries as the array holds)
 *      and its sort number into the per-CPU index (ks_idx_N), which must
 *      fit a per-CPU value (32 KiB): arrays of up to 2048 elements;
 *   2. a heap over the index, built and popped with bpf_loop(), each
 *      sift-down at most log2(2048) + 1 levels: O(n log n) comparisons,
 *      and only 'limit' pops with a limit;
 *   3. bpf_loop() over the popped entries calls the body (fe_body_N of
 *      emit_kforeach.c) with the stored key and the array's value now.
 * The stores are per site and per CPU.  Kernel probes do not recurse, so
 * a site runs again on a CPU only from a probe that interrupts another
 * one running it (a perf or timer probe calling the same function as a
 * tracepoint probe it interrupted): that inner walk would reuse the
 * outer one's stores.
 */
#include <string.h>

#include "emit.h"

#define KS_MAX 2048 /* elements: the per-CPU index must stay under 32 KiB */
#define KS_DEPTH 12 /* levels of a heap of KS_MAX */

/* What the site sorts by. */
struct ksort {
	const struct symbol *arr;
	int id, cap, dir;
	int pow2;            /* cap rounded up: the index arrays are masked by it */
	int col;             /* key column, or -1 */
	const char *agg;     /* "@count"..., or NULL */
	bool by_string;      /* a string column or value */
};

static void plan(struct ksort *k, const struct ast_foreach *fe)
{
	const struct symbol *arr = k->arr;

	k->col = -1;
	k->dir = fe->value_sort;
	for (int i = 0; i < fe->keys.len; i++) {
		if (fe->key_sort[i]) {
			k->dir = fe->key_sort[i];
			k->col = i;
		}
	}
	k->agg = NULL;
	if (k->col < 0 && arr->type == TYPE_STATS)
		k->agg = fe->agg ? fe->agg : "@count";
	k->by_string = k->col >= 0 ? arr->key_types[k->col] == TYPE_STRING :
		       arr->type == TYPE_STRING;
}

/* The stores and the comparison of two entries. */
static void emit_stores(struct strbuf *o, const struct ksort *k)
{
	const char *a = k->arr->name;
	int id = k->id;

	sb_printf(o, "struct ks_idx_%d {\n\tu32 n, pops, cur, lim;\n\tu32 idx[%d];\n\ts64 num[%d];\n};\n\n"
		     "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, 1);\n"
		     "\t__type(key, u32);\n\t__type(value, struct ks_idx_%d);\n} ks_idx_%d SEC(\".maps\");\n\n"
		     "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, %d);\n"
		     "\t__type(key, u32);\n\t__type(value, struct k_%s);\n} ks_keys_%d SEC(\".maps\");\n\n",
		  id, k->pow2, k->pow2, id, id, k->cap, a, id);
	if (k->by_string && k->col < 0)
		sb_printf(o, "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, %d);\n"
			     "\t__type(key, u32);\n\t__type(value, struct tapir_str);\n} ks_vals_%d SEC(\".maps\");\n\n",
			  k->cap, id);
	sb_printf(o, "struct ks_ctx_%d {\n\tstruct ks_idx_%d *ix;\n\tstruct fe_ctx_%d *fc;\n"
		     "};\n\n", id, id, id);
}

static void emit_cmp(struct strbuf *o, const struct ksort *k)
{
	const struct symbol *arr = k->arr;
	int id = k->id;

	/* global functions: the verifier checks each once, not at every use */
	sb_printf(o, "__noinline int ks_cmp_%d(struct ks_idx_%d *ix, u32 a, u32 b)\n{\n"
		     "\tu32 ia = a, ib = b; /* a and b stay in registers, with their bounds */\n"
		     "\tconst struct k_%s *ka = bpf_map_lookup_elem(&ks_keys_%d, &ia);\n"
		     "\tconst struct k_%s *kb = bpf_map_lookup_elem(&ks_keys_%d, &ib);\n\tint r;\n\n"
		     "\tif (!ix || !ka || !kb)\n\t\treturn 0;\n",
		  id, id, arr->name, id, arr->name, id);
	if (k->by_string && k->col >= 0) {
		sb_printf(o, "\tr = tapir_str_cmp_buf(ka->k%d, kb->k%d);\n", k->col, k->col);
	} else if (k->by_string) {
		sb_printf(o, "\t{\n\t\tconst struct tapir_str *va = bpf_map_lookup_elem(&ks_vals_%d, &ia);\n"
			     "\t\tconst struct tapir_str *vb = bpf_map_lookup_elem(&ks_vals_%d, &ib);\n\n"
			     "\t\tif (!va || !vb)\n\t\t\treturn 0;\n\t\tr = tapir_str_cmp_buf(va->s, vb->s);\n\t}\n",
			  id, id);
	} else {
		sb_puts(o, "\tr = (TAPIR_AT(ix->num, a) > TAPIR_AT(ix->num, b)) - (TAPIR_AT(ix->num, a) < TAPIR_AT(ix->num, b));\n");
	}
	sb_printf(o, "\tif (r)\n\t\treturn r * %d;\n", k->dir);
	for (int c = 0; c < arr->nkeys; c++) {
		if (arr->key_types[c] == TYPE_STRING)
			sb_printf(o, "\tr = tapir_str_cmp_buf(ka->k%d, kb->k%d);\n\tif (r)\n\t\treturn r;\n",
				  c, c);
		else
			sb_printf(o, "\tif (ka->k%d != kb->k%d)\n\t\treturn ka->k%d < kb->k%d ? -1 : 1;\n",
				  c, c, c, c);
	}
	sb_puts(o, "\treturn 0;\n}\n\n");
}

/* The heap: parents come before their children in the loop's order. */
static void emit_heap(struct strbuf *o, const struct ksort *k)
{
	int id = k->id, cap = k->cap;

	/* one level of a sift-down a bpf_loop() step: verified once */
	sb_printf(o, "struct ks_sift_%d {\n\tstruct ks_idx_%d *ix;\n};\n\n"
		     "static long ks_step_%d(u32 d, void *c)\n{\n\tstruct ks_sift_%d *s = c;\n"
		     "\tstruct ks_idx_%d *ix = s->ix;\n"
		     "\tu32 i, n, l, r, best, t;\n\n"
		     "\tif (!ix)\n\t\treturn 1;\n"
		     "\ti = ix->cur;\n\tn = ix->lim;\n\tl = 2 * i + 1;\n\tr = l + 1;\n\tbest = i;\n"
		     "\tif (l >= n || l >= %d || i >= %d)\n\t\treturn 1;\n"
		     "\tif (ks_cmp_%d(ix, TAPIR_AT(ix->idx, l), TAPIR_AT(ix->idx, i)) < 0)\n\t\tbest = l;\n"
		     "\tif (r < n && r < %d && best < %d && ks_cmp_%d(ix, TAPIR_AT(ix->idx, r), TAPIR_AT(ix->idx, best)) < 0)\n"
		     "\t\tbest = r;\n"
		     "\tif (best == i || best >= %d)\n\t\treturn 1;\n"
		     "\tt = TAPIR_AT(ix->idx, i);\n\tTAPIR_AT(ix->idx, i) = TAPIR_AT(ix->idx, best);\n\tTAPIR_AT(ix->idx, best) = t;\n"
		     "\tix->cur = best;\n\treturn 0;\n}\n\n"
		     "static __attribute__((always_inline)) inline void ks_sift_%d(struct ks_idx_%d *ix, u32 i, u32 n)\n{\n"
		     "\tstruct ks_sift_%d s = { ix };\n\n\tix->cur = i;\n\tix->lim = n;\n"
		     "\tbpf_loop(%d, ks_step_%d, &s, 0);\n}\n\n",
		  id, id, id, id, id, cap, cap, id, cap, cap, id, cap, id, id, id, KS_DEPTH, id);
	sb_printf(o, "static long ks_build_%d(u32 j, void *c)\n{\n\tstruct ks_ctx_%d *k = c;\n\n"
		     "\tu32 n = k->ix->n;\n\n\tks_sift_%d(k->ix, n / 2 - 1 - j, n);\n\treturn 0;\n}\n\n", id, id, id);
	sb_printf(o, "static long ks_pop_%d(u32 j, void *c)\n{\n\tstruct ks_ctx_%d *k = c;\n"
		     "\tu32 end = k->ix->n - 1 - j, t;\n\n\tif (end >= %d)\n\t\treturn 1;\n"
		     "\tt = TAPIR_AT(k->ix->idx, 0);\n\tTAPIR_AT(k->ix->idx, 0) = TAPIR_AT(k->ix->idx, end);\n\tTAPIR_AT(k->ix->idx, end) = t;\n"
		     "\tks_sift_%d(k->ix, 0, end);\n\treturn 0;\n}\n\n", id, id, cap, id);
}

/* 1: each element's key and sort value into the stores. */
static void emit_collect(struct em *m, struct strbuf *o, const struct ksort *k)
{
	const struct symbol *arr = k->arr;
	int id = k->id;

	sb_printf(o, "static long ksc_%d(void *map, const void *key, void *value, void *c)\n{\n"
		     "\tstruct ks_ctx_%d *k = c;\n\tu32 e = k->ix->n;\n\tstruct k_%s *K;\n\ts64 num = 0;\n\n"
		     "\t(void)value;\n\tif (e >= %d)\n\t\treturn 1;\n"
		     "\tK = bpf_map_lookup_elem(&ks_keys_%d, &e);\n\tif (!K)\n\t\treturn 1;\n"
		     "\tTAPIR_COPY(K, key, sizeof(*K));\n",
		  id, id, arr->name, k->cap, id);
	if (k->agg) {
		const struct em_global *g = em_global_of(m->f, arr);

		em_kstat_walks(m->f, g);
		sb_printf(o, "\t{\n\t\tstruct tapir_kagg a = { .key = K, .bucket = -1, .shift = %d };\n\n"
			     "\t\tbpf_loop(TAPIR_KAGG_MAX_CPUS, kagg_%s, &a, 0);\n\t\ttapir_kagg_finish(&a);\n"
			     "\t\tnum = a.%s;\n\t}\n", g->shift, arr->name, k->agg + 1);
	} else if (k->col >= 0 && !k->by_string) {
		sb_printf(o, "\tnum = K->k%d;\n", k->col);
	} else if (k->col < 0 && k->by_string) {
		sb_printf(o, "\t{\n\t\tstruct tapir_str *v = bpf_map_lookup_elem(&ks_vals_%d, &e);\n\n"
			     "\t\tif (!v)\n\t\t\treturn 1;\n\t\tTAPIR_COPY(v, value, sizeof(*v));\n\t}\n", id);
	} else if (k->col < 0) {
		sb_puts(o, "\tnum = *(const s64 *)value;\n");
	}
	/* e went to a helper by address: read it again, and bound it */
	sb_printf(o, "\te = k->ix->n;\n\tif (e >= %d)\n\t\treturn 1;\n"
		     "\tTAPIR_AT(k->ix->num, e) = num;\n\tTAPIR_AT(k->ix->idx, e) = e;\n\tk->ix->n = e + 1;\n\treturn 0;\n}\n\n",
		  k->cap);
}

/* 3: the body over the popped entries, the last popped first. */
static void emit_run(struct strbuf *o, const struct ksort *k)
{
	int id = k->id;

	sb_printf(o, "static long ks_run_%d(u32 j, void *c)\n{\n\tstruct ks_ctx_%d *k = c;\n"
		     "\tu32 pos = k->ix->n - 1 - j, e;\n\tconst struct k_%s *K;\n\tconst void *V;\n\tint rc;\n\n"
		     "\tif (pos >= %d)\n\t\treturn 1;\n\te = TAPIR_AT(k->ix->idx, pos);\n"
		     "\tK = bpf_map_lookup_elem(&ks_keys_%d, &e);\n\tif (!K)\n\t\treturn 1;\n"
		     "\tV = bpf_map_lookup_elem(&m_%s, K);\n\tif (!V)\n\t\tV = tapir_zeros;\n"
		     "\trc = fe_body_%d(K, V, k->fc);\n\tif (rc == 0)\n\t\treturn 0;\n"
		     "\tk->fc->rc = rc;\n\treturn 1;\n}\n\n",
		  id, id, k->arr->name, k->cap, id, k->arr->name, id);
}

static int capacity(const struct em *m, const struct symbol *arr)
{
	const struct ast_global *d = arr->decl;

	return d && d->max_size > 0 ? (int)d->max_size : m->f->o->maxmapentries;
}

/* foreach with +/- in a kernel probe; its body is fe_body_<id>. */
void em_ksorted(struct em *m, struct ast *n, int id, const char *limit)
{
	struct ksort k = { .arr = n->fe->array->sym, .id = id };
	struct strbuf o = { 0 };

	k.cap = capacity(m, k.arr);
	if (k.cap > KS_MAX) {
		em_error(m, n->loc, "sorted foreach over '%s' in a kernel probe can't be bounded: "
			 "it may hold %d elements and a kernel probe sorts up to %d (declare it "
			 "'global %s[%d]', or sort in an end or timer probe)", k.arr->name, k.cap, KS_MAX,
			 k.arr->name, KS_MAX);
		return;
	}
	for (k.pow2 = 1; k.pow2 < k.cap; k.pow2 *= 2)
		;
	plan(&k, n->fe);
	emit_stores(&o, &k);
	emit_cmp(&o, &k);
	emit_heap(&o, &k);
	emit_collect(m, &o, &k);
	emit_run(&o, &k);
	em_add_callback(o.data);
	sb_free(&o);
	em_line(m, "{");
	m->indent++;
	em_kwalk_begin(m, id, "-1");
	em_line(m, "struct ks_ctx_%d __k = { .fc = &__c };", id);
	em_line(m, "s64 __l = %s;", limit);
	em_line(m, "__k.ix = bpf_map_lookup_elem(&ks_idx_%d, &tapir_zero_key);", id);
	em_line(m, "if (__k.ix) {");
	em_line(m, "\t__k.ix->n = 0;");
	em_line(m, "\tbpf_for_each_map_elem(&m_%s, ksc_%d, &__k, 0);", k.arr->name, id);
	em_line(m, "\tif (__k.ix->n > 1)");
	em_line(m, "\t\tbpf_loop(__k.ix->n / 2, ks_build_%d, &__k, 0);", id);
	em_line(m, "\t__k.ix->pops = __l >= 0 && __l < __k.ix->n ? (u32)__l : __k.ix->n;");
	em_line(m, "\tbpf_loop(__k.ix->pops, ks_pop_%d, &__k, 0);", id);
	em_line(m, "\tbpf_loop(__k.ix->pops, ks_run_%d, &__k, 0);", id);
	em_line(m, "}");
	em_kwalk_end(m);
	m->indent--;
	em_line(m, "}");
}
