/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_stats.h - SystemTap's statistics: the "<<<" aggregate, its histogram
 * buckets, and the merge of per-CPU partial aggregates into the values of
 * @count @sum @min @max @avg @variance.
 *
 * Every probe adds to its own CPU's struct rt_stat; a reader merges them:
 *
 *	struct rt_agg a;
 *	rt_agg_init(&a, agg_hist, &desc);
 *	for each cpu: rt_agg_add(&a, &part[cpu], part_hist[cpu]);
 *	for each cpu: rt_agg_add_variance(&a, &part[cpu]);	(if used)
 *	rt_agg_finish(&a);
 *
 * The integer arithmetic is SystemTap's, rounding, truncation and wrapping
 * included, so that @avg and @variance print the same numbers: @avg is
 * sum / count truncated; @variance is Welford's running variance, with
 * the per-CPU running mean scaled by 2^shift (@variance(s, shift)) and its
 * delta cut to a 32-bit int as SystemTap's runtime does, merged across CPUs
 * with the total variance formula.  Neither is the exact sample variance.
 */
#ifndef RT_STATS_H
#define RT_STATS_H

#include "rt_types.h"

#define RT_HIST_LOG_BUCKETS 128 /* 64 negative, 0, 63 positive */
#define RT_HIST_LOG_BUCKET0 64  /* the bucket of 0 */
#define RT_HIST_MAX_BUCKETS 128 /* SystemTap's STP_MAX_BUCKETS */

enum rt_hist_type {
	RT_HIST_NONE,
	RT_HIST_LOG,
	RT_HIST_LINEAR,
};

/* RT_STAT_VARIANCE: keep the running variance (@variance is used). */
#define RT_STAT_VARIANCE 0x1

/* What is kept for one statistic (a global or each element of an array). */
struct rt_stat_desc {
	enum rt_hist_type type;
	int start, stop, interval; /* @hist_linear(s, start, stop, interval) */
	int buckets;               /* histogram length: rt_stat_desc_init() */
	int shift;                 /* @variance(s, shift) */
	unsigned int ops;          /* RT_STAT_VARIANCE */
};

/* One CPU's part of a statistic; its histogram is kept beside it. */
struct rt_stat {
	int64_t count;
	int64_t sum;
	int64_t min, max;
	int64_t avg_s;      /* running mean << shift */
	int64_t m2;         /* running sum of squared deviations */
	int64_t variance_s; /* m2 / (count - 1) */
};

/* A statistic merged over CPUs, with what the script reads of it. */
struct rt_agg {
	const struct rt_stat_desc *desc;
	int64_t *hist; /* desc->buckets counts, or NULL */
	int64_t count;
	int64_t sum;
	int64_t min, max;
	int64_t avg;      /* @avg */
	int64_t variance; /* @variance */
	int64_t s1, s2;   /* the total variance formula's sums */
};

/*
 * Fills desc for a histogram type; start, stop and interval are for
 * linear ones.  Returns 0, or -EINVAL with *err set to a message when a
 * linear histogram would have an interval of 0 or other than 1 to
 * RT_HIST_MAX_BUCKETS - 2 buckets, as SystemTap refuses them.
 */
int rt_stat_desc_init(struct rt_stat_desc *desc, enum rt_hist_type type, int start, int stop,
                      int interval, const char **err);

/* Buckets of @hist_linear(s, start, stop, interval), under- and overflow included, or 0. */
int rt_hist_linear_buckets(int start, int stop, int interval);

/* The bucket of val in a linear histogram of desc; the value that labels
 * a log histogram's bucket. */
int rt_hist_linear_bucket(const struct rt_stat_desc *desc, int64_t val);
int64_t rt_hist_log_value(int bucket);

void rt_stat_clear(struct rt_stat *s, int64_t *hist, const struct rt_stat_desc *desc);

/* The running variance's update of s <<< val (desc->ops RT_STAT_VARIANCE). */
void rt_stat_add_variance(struct rt_stat *s, int shift, int64_t val);

/*
 * What s <<< val does is inline, here: it is a probe handler's (a module
 * handler folds it into a few instructions); the rest is rt_stats.c's.
 */

/* The index of the highest bit set in v, which is not 0: one bsr/lzcnt
 * where the compiler has the builtin (GCC and clang, kernel or not). */
static inline int rt_top_bit(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
	return 63 - __builtin_clzll(v);
#else
	int n = 0;

	if (v >> 32) {
		v >>= 32;
		n += 32;
	}
	if (v >> 16) {
		v >>= 16;
		n += 16;
	}
	if (v >> 8) {
		v >>= 8;
		n += 8;
	}
	if (v >> 4) {
		v >>= 4;
		n += 4;
	}
	if (v >> 2) {
		v >>= 2;
		n += 2;
	}
	return n + (int)(v >> 1);
#endif
}

/*
 * The bucket of val in a log histogram: bucket 64 holds 0; 65 + k holds
 * [2^k, 2^(k+1)); 63 - k holds their negatives, and bucket 0 INT64_MIN.
 */
static inline int rt_hist_log_bucket(int64_t val)
{
	uint64_t mag;
	int b;

	if (val == 0)
		return RT_HIST_LOG_BUCKET0;
	mag = val < 0 ? 0 - (uint64_t)val : (uint64_t)val;
	b = RT_HIST_LOG_BUCKET0 + 1 + rt_top_bit(mag);
	return val < 0 ? RT_HIST_LOG_BUCKETS - b : b;
}

/* The bucket of val in a histogram of desc. */
static inline int rt_hist_bucket(const struct rt_stat_desc *desc, int64_t val)
{
	int b;

	switch (desc->type) {
	case RT_HIST_LOG:
		b = rt_hist_log_bucket(val);
		return b < desc->buckets ? b : desc->buckets - 1;
	case RT_HIST_LINEAR:
		return rt_hist_linear_bucket(desc, val);
	default:
		return -1;
	}
}

/* s <<< val, type being desc->type (a constant where the caller knows
 * it: the histogram's switch folds away); hist may be NULL when it is
 * RT_HIST_NONE. A log bucket is always below RT_HIST_LOG_BUCKETS. */
static inline void rt_stat_add_t(struct rt_stat *s, int64_t *hist,
				 const struct rt_stat_desc *desc, enum rt_hist_type type,
				 int64_t val)
{
	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = val;
		s->avg_s = rt_shl64(val, desc->shift);
		s->m2 = 0;
	} else {
		s->count++;
		s->sum = rt_add64(s->sum, val);
		if (val > s->max)
			s->max = val;
		if (val < s->min)
			s->min = val;
		if (desc->ops & RT_STAT_VARIANCE)
			rt_stat_add_variance(s, desc->shift, val);
	}
	if (hist && type == RT_HIST_LOG)
		hist[rt_hist_log_bucket(val)]++;
	else if (hist && type == RT_HIST_LINEAR)
		hist[rt_hist_linear_bucket(desc, val)]++;
}

/* s <<< val; hist may be NULL when desc->type is RT_HIST_NONE. */
static inline void rt_stat_add(struct rt_stat *s, int64_t *hist, const struct rt_stat_desc *desc,
			       int64_t val)
{
	rt_stat_add_t(s, hist, desc, desc->type, val);
}

void rt_agg_init(struct rt_agg *a, int64_t *hist, const struct rt_stat_desc *desc);
void rt_agg_add(struct rt_agg *a, const struct rt_stat *part, const int64_t *part_hist);
void rt_agg_add_variance(struct rt_agg *a, const struct rt_stat *part);
void rt_agg_finish(struct rt_agg *a);

#endif /* RT_STATS_H */
