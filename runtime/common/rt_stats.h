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

/* The bucket of val in a log histogram, and the value that labels a bucket. */
int rt_hist_log_bucket(int64_t val);
int64_t rt_hist_log_value(int bucket);

/* The bucket of val in a histogram of desc. */
int rt_hist_bucket(const struct rt_stat_desc *desc, int64_t val);

void rt_stat_clear(struct rt_stat *s, int64_t *hist, const struct rt_stat_desc *desc);

/* s <<< val; hist may be NULL when desc->type is RT_HIST_NONE. */
void rt_stat_add(struct rt_stat *s, int64_t *hist, const struct rt_stat_desc *desc, int64_t val);

void rt_agg_init(struct rt_agg *a, int64_t *hist, const struct rt_stat_desc *desc);
void rt_agg_add(struct rt_agg *a, const struct rt_stat *part, const int64_t *part_hist);
void rt_agg_add_variance(struct rt_agg *a, const struct rt_stat *part);
void rt_agg_finish(struct rt_agg *a);

#endif /* RT_STATS_H */
