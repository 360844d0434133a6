/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_stat.bpf.h - "s <<< v" into a per-CPU map value laid out as
 * runtime/common's struct rt_stat followed by the histogram's int64
 * bucket counts, with rt_stat_add()'s arithmetic bit for bit (its
 * Welford variance in SystemTap's integers included), so that the
 * executor merges the CPUs' parts with rt_agg_*() as for the module.
 *
 * The statistic's shape is constant at each call site, so the generated
 * code passes it as constants and the compiler folds what is unused:
 *
 *	tapir_stat_add(v, TAPIR_HIST_LINEAR, 0, 100, 10, 13, 0, true, x);
 *
 * with the map's value of sizeof(struct tapir_stat) + 13 * 8 bytes.
 * Bucket counts are what rt_stat_desc_init() computes (128 for log).
 */
#ifndef TAPIR_STAT_BPF_H
#define TAPIR_STAT_BPF_H

/* runtime/common/rt_stats.h's enum rt_hist_type. */
enum {
	TAPIR_HIST_NONE,
	TAPIR_HIST_LOG,
	TAPIR_HIST_LINEAR,
};

#define TAPIR_HIST_LOG_BUCKETS 128
#define TAPIR_HIST_LOG_BUCKET0 64
#define TAPIR_HIST_MAX_BUCKETS 128

/* struct rt_stat, field for field. */
struct tapir_stat {
	__s64 count;
	__s64 sum;
	__s64 min, max;
	__s64 avg_s;      /* running mean << shift */
	__s64 m2;         /* running sum of squared deviations */
	__s64 variance_s; /* m2 / (count - 1) */
};

/* The index of the highest bit set in v, which is not 0; branch-free. */
static __always_inline __u32 tapir_top_bit(__u64 v)
{
	__u64 n = 0, t;

	t = tapir_nonzero32(v >> 32) << 5;
	v >>= t;
	n += t;
	t = tapir_nonzero32(v >> 16) << 4;
	v >>= t;
	n += t;
	t = tapir_nonzero32(v >> 8) << 3;
	v >>= t;
	n += t;
	t = tapir_nonzero32(v >> 4) << 2;
	v >>= t;
	n += t;
	t = tapir_nonzero32(v >> 2) << 1;
	v >>= t;
	n += t;
	return (__u32)(n + (v >> 1));
}

/* rt_hist_log_bucket(): 64 holds 0, 65 + k holds [2^k, 2^(k+1)), 63 - k their negatives. */
static __always_inline int tapir_hist_log_bucket(__s64 v)
{
	int b;

	if (v == 0)
		return TAPIR_HIST_LOG_BUCKET0;
	b = TAPIR_HIST_LOG_BUCKET0 + 1 + (int)tapir_top_bit(tapir_abs64(v));
	return v < 0 ? TAPIR_HIST_LOG_BUCKETS - b : b;
}

/*
 * rt_hist_bucket() of @hist_linear(s, start, stop, interval) with its
 * buckets: below start is bucket 0, then one per interval, the last for
 * overflow.  The arithmetic is the kernel's do_div(): 64 by unsigned 32.
 */
static __always_inline int tapir_hist_linear_bucket(__s64 v, int start, int interval, int buckets)
{
	__s64 d = (__s64)((__u64)v - (__u64)(__s64)start);
	__u64 n;

	if (d < 0)
		return 0;
	if ((__u32)interval == 0)
		return buckets - 1;
	n = (__u64)d / (__u32)interval;
	if (n >= (__u64)(__s64)buckets - 2)
		return buckets - 1;
	return (int)n + 1;
}

/* stat_add_variance() of rt_stats.c: SystemTap's int delta wraps. */
static __always_inline void tapir_stat_add_variance(struct tapir_stat *s, int shift, __s64 v)
{
	__s64 x = (__s64)((__u64)v << shift);
	__s32 delta = (__s32)(__u32)((__u64)x - (__u64)s->avg_s);

	s->avg_s = (__s64)((__u64)s->avg_s + (__u64)tapir_sdiv64(delta, s->count));
	s->m2 = (__s64)((__u64)s->m2 + (__u64)(__s64)delta * ((__u64)x - (__u64)s->avg_s));
	s->variance_s = s->count < 2 ? -1 : tapir_sdiv64(s->m2, s->count - 1);
}

static __always_inline void tapir_stat_add(void *value, int hist_kind, int start, int stop,
                                           int interval, int buckets, int shift, bool variance,
                                           __s64 v)
{
	struct tapir_stat *s = value;
	__s64 *hist = (__s64 *)(s + 1);
	__u32 b;

	(void)stop; /* buckets says it */
	if (!s)
		return;
	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = v;
		s->avg_s = (__s64)((__u64)v << shift);
		s->m2 = 0;
	} else {
		s->count++;
		s->sum = (__s64)((__u64)s->sum + (__u64)v);
		if (v > s->max)
			s->max = v;
		if (v < s->min)
			s->min = v;
		if (variance)
			tapir_stat_add_variance(s, shift, v);
	}
	if (hist_kind == TAPIR_HIST_LOG)
		b = (__u32)tapir_hist_log_bucket(v) & (TAPIR_HIST_LOG_BUCKETS - 1);
	else if (hist_kind == TAPIR_HIST_LINEAR)
		b = (__u32)tapir_hist_linear_bucket(v, start, interval, buckets);
	else
		return;
	/* b is below buckets by construction; this tells the verifier */
	barrier_var(b);
	if (b >= (__u32)buckets)
		b = (__u32)buckets - 1;
	hist[b]++;
}

#endif /* TAPIR_STAT_BPF_H */
