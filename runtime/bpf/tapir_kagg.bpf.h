/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_kagg.bpf.h - what a kernel probe reads of the script's state
 * beyond one map element, with bounded work only:
 *
 *   - a statistic merged over CPUs (@count @sum @min @max @avg @variance,
 *     a histogram's bucket), as rt_agg_add() / rt_agg_add_variance() /
 *     rt_agg_finish() of runtime/common/rt_stats.c merge them in user
 *     space, bit for bit.  The generated code walks the CPUs with
 *     bpf_loop() (5.17) and bpf_map_lookup_percpu_elem() (5.19), which
 *     returns NULL past the last possible CPU: the walk stops there.
 *
 *	struct tapir_kagg a = { .key = k, .bucket = -1, .shift = 0 };
 *	bpf_loop(TAPIR_KAGG_MAX_CPUS, kagg_NAME, &a, 0);
 *	bpf_loop(TAPIR_KAGG_MAX_CPUS, kvar_NAME, &a, 0);	(@variance)
 *	tapir_kagg_finish(&a);
 *
 *   - MAXACTION: a per-CPU budget of statements for each nesting slot,
 *     reset when a probe that has loops starts (tapir_kact_reset) and
 *     spent at each iteration of a loop or foreach (tapir_kact_take).
 *
 * Included by tapir.bpf.h after tapir_stat.bpf.h.
 */
#ifndef TAPIR_KAGG_BPF_H
#define TAPIR_KAGG_BPF_H

#define TAPIR_KAGG_MAX_CPUS 8192

/* a[i] of an array of a power of 2 elements, i masked for the verifier */
#define TAPIR_AT(a, i) ((a)[(i) & (sizeof(a) / sizeof((a)[0]) - 1)])

struct tapir_kagg {
	const void *key;
	__s64 count, sum, min, max;
	__s64 avg, variance;
	__s64 s1, s2;        /* the total variance formula's sums */
	__s64 bucket_count;  /* hits in bucket 'bucket' */
	__s32 bucket;        /* -1: no bucket is read */
	__s32 shift;         /* @variance(s, shift) */
};

/* rt_agg_add(): one CPU's part; hist has buckets counts (0: none). */
static __always_inline void tapir_kagg_add(struct tapir_kagg *a, const struct tapir_stat *p,
                                           const __s64 *hist, int buckets)
{
	__u32 b;

	if (p->count == 0)
		return;
	if (a->count == 0) {
		a->min = p->min;
		a->max = p->max;
	}
	a->count = (__s64)((__u64)a->count + (__u64)p->count);
	a->sum = (__s64)((__u64)a->sum + (__u64)p->sum);
	if (p->max > a->max)
		a->max = p->max;
	if (p->min < a->min)
		a->min = p->min;
	if (buckets <= 0 || a->bucket < 0)
		return;
	b = (__u32)a->bucket;
	barrier_var(b);
	if (b < (__u32)buckets && b < TAPIR_HIST_MAX_BUCKETS)
		a->bucket_count = (__s64)((__u64)a->bucket_count + (__u64)hist[b]);
}

/* rt_agg_add_variance(), after tapir_kagg_add() has seen every CPU. */
static __always_inline void tapir_kagg_add_variance(struct tapir_kagg *a, const struct tapir_stat *p)
{
	__s64 mean_s, d;

	if (p->count == 0)
		return;
	mean_s = tapir_sdiv64((__s64)((__u64)a->sum << (a->shift & 63)), a->count);
	d = (__s64)((__u64)p->avg_s - (__u64)mean_s);
	a->s1 = (__s64)((__u64)a->s1 + (__u64)p->count * (__u64)d * (__u64)d);
	a->s2 = (__s64)((__u64)a->s2 + (__u64)(p->count - 1) * (__u64)p->variance_s);
}

/* rt_agg_finish(). */
static __always_inline void tapir_kagg_finish(struct tapir_kagg *a)
{
	__s64 variance_s = tapir_sdiv64((__s64)((__u64)a->s1 + (__u64)a->s2), a->count - 1);

	a->avg = tapir_sdiv64(a->sum, a->count);
	a->variance = variance_s >> ((2 * a->shift) & 63);
}

/*
 * print(@hist_*(s)) in a kernel probe: a TAPIR_REC_HIST record of statistic
 * stat with buckets zeroed counts, to which the walk over CPUs adds each
 * CPU's buckets (tapir_khist_add), before tapir_rec_send().
 */
static __always_inline struct tapir_recbuf *tapir_khist_start(__u32 stat, int buckets)
{
	struct tapir_recbuf *h = tapir_rec_start(TAPIR_REC_HIST, stat);
	__s64 *out;
	int i;

	if (!h)
		return NULL;
	out = (__s64 *)h->data;
	for (i = 0; i < buckets && i < TAPIR_HIST_MAX_BUCKETS; i++)
		out[i] = 0;
	h->hdr.len = (__u32)i * 8;
	return h;
}

static __always_inline void tapir_khist_add(const __s64 *hist, int buckets)
{
	__u32 slot = tapir_nest_slot();
	struct tapir_recbuf *h = bpf_map_lookup_elem(&tapir_recbufs, &slot);
	__s64 *out;
	int i;

	if (!h)
		return;
	out = (__s64 *)h->data;
	for (i = 0; i < buckets && i < TAPIR_HIST_MAX_BUCKETS; i++)
		out[i] = (__s64)((__u64)out[i] + (__u64)hist[i]);
}

/* delete of a whole array: each element, from bpf_for_each_map_elem(). */
static __attribute__((unused)) long tapir_kdel_cb(void *map, const void *key, void *value, void *c)
{
	(void)value;
	(void)c;
	bpf_map_delete_elem(map, key);
	return 0;
}

/* ---- MAXACTION ------------------------------------------------------------ */

#ifndef TAPIR_MAXACTION
#define TAPIR_MAXACTION 1000
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIR_NEST_MAX);
	__type(key, __u32);
	__type(value, __s64);
} tapir_kact SEC(".maps");

static __always_inline void tapir_kact_reset(void)
{
	__u32 slot = tapir_nest_slot();
	__s64 *left = bpf_map_lookup_elem(&tapir_kact, &slot);

	if (left)
		*left = TAPIR_MAXACTION;
}

/* Spends n statements; true once the budget is exhausted. */
static __always_inline bool tapir_kact_take(__s64 n)
{
	__u32 slot = tapir_nest_slot();
	__s64 *left = bpf_map_lookup_elem(&tapir_kact, &slot);

	if (!left)
		return false;
	*left -= n;
	return *left < 0;
}

#endif /* TAPIR_KAGG_BPF_H */
