// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_stats.c - statistics aggregates and histogram buckets, computed as
 * SystemTap's runtime computes them (runtime/stat-common.c, stat.c).
 */
#include "rt_stats.h"

int rt_hist_linear_buckets(int start, int stop, int interval)
{
	int32_t range, buckets;

	if (interval == 0)
		return 0;
	/* int arithmetic, as SystemTap's; the under- and overflow buckets */
	range = rt_trunc32((int64_t)stop - start);
	buckets = rt_trunc32(rt_div64(range, interval) + 3);
	if (buckets > RT_HIST_MAX_BUCKETS || buckets < 3)
		return 0;
	return buckets;
}

int rt_stat_desc_init(struct rt_stat_desc *desc, enum rt_hist_type type, int start, int stop,
                      int interval, const char **err)
{
	desc->type = type;
	desc->start = start;
	desc->stop = stop;
	desc->interval = interval;
	desc->shift = 0;
	desc->ops = 0;
	switch (type) {
	case RT_HIST_LOG:
		desc->buckets = RT_HIST_LOG_BUCKETS;
		return 0;
	case RT_HIST_LINEAR:
		desc->buckets = rt_hist_linear_buckets(start, stop, interval);
		if (desc->buckets)
			return 0;
		if (err)
			*err = interval == 0
			           ? "histogram: interval cannot be zero"
			           : "histogram: the number of buckets, (stop - start) / interval, "
			             "must be between 1 and 126";
		return -EINVAL;
	default:
		desc->buckets = 0;
		return 0;
	}
}

int64_t rt_hist_log_value(int bucket)
{
	if (bucket == RT_HIST_LOG_BUCKET0)
		return 0;
	if (bucket < RT_HIST_LOG_BUCKET0)
		return rt_neg64((int64_t)(1ULL << (63 - bucket)));
	return (int64_t)(1ULL << (bucket - RT_HIST_LOG_BUCKET0 - 1));
}

int rt_hist_linear_bucket(const struct rt_stat_desc *desc, int64_t val)
{
	uint64_t n;

	val = rt_sub64(val, desc->start);
	if (val < 0)
		return 0;
	n = (uint64_t)val;
	if ((uint32_t)desc->interval == 0)
		return desc->buckets - 1;
	rt_divmod(&n, (uint32_t)desc->interval); /* the kernel's do_div() */
	if (n >= (uint64_t)desc->buckets - 2)
		return desc->buckets - 1;
	return (int)n + 1;
}

void rt_stat_clear(struct rt_stat *s, int64_t *hist, const struct rt_stat_desc *desc)
{
	int i;

	s->count = s->sum = s->min = s->max = 0;
	s->avg_s = s->m2 = s->variance_s = 0;
	if (hist && desc->type != RT_HIST_NONE)
		for (i = 0; i < desc->buckets; i++)
			hist[i] = 0;
}

/*
 * Welford's update, in SystemTap's integers: the delta is an int, so it
 * wraps for values 2^31 away from the running mean.
 */
void rt_stat_add_variance(struct rt_stat *s, int shift, int64_t val)
{
	int64_t x = rt_shl64(val, shift);
	int32_t delta = rt_trunc32(rt_sub64(x, s->avg_s));

	s->avg_s = rt_add64(s->avg_s, rt_div64(delta, s->count));
	s->m2 = rt_add64(s->m2, rt_mul64(delta, rt_sub64(x, s->avg_s)));
	s->variance_s = s->count < 2 ? -1 : rt_div64(s->m2, s->count - 1);
}

void rt_agg_init(struct rt_agg *a, int64_t *hist, const struct rt_stat_desc *desc)
{
	int i;

	a->desc = desc;
	a->hist = desc->type != RT_HIST_NONE ? hist : NULL;
	a->count = a->sum = a->min = a->max = 0;
	a->avg = a->variance = 0;
	a->s1 = a->s2 = 0;
	if (a->hist)
		for (i = 0; i < desc->buckets; i++)
			a->hist[i] = 0;
}

void rt_agg_add(struct rt_agg *a, const struct rt_stat *part, const int64_t *part_hist)
{
	int i;

	if (part->count == 0)
		return;
	if (a->count == 0) {
		a->min = part->min;
		a->max = part->max;
	}
	a->count = rt_add64(a->count, part->count);
	a->sum = rt_add64(a->sum, part->sum);
	if (part->max > a->max)
		a->max = part->max;
	if (part->min < a->min)
		a->min = part->min;
	if (a->hist && part_hist)
		for (i = 0; i < a->desc->buckets; i++)
			a->hist[i] = rt_add64(a->hist[i], part_hist[i]);
}

/*
 * The total variance formula: the spread of the CPUs' means around the
 * overall mean (s1), plus their own spreads (s2).  Call it for every part
 * after rt_agg_add() has seen them all.
 */
void rt_agg_add_variance(struct rt_agg *a, const struct rt_stat *part)
{
	int64_t mean_s, d;

	if (part->count == 0)
		return;
	mean_s = rt_div64(rt_shl64(a->sum, a->desc->shift), a->count);
	d = rt_sub64(part->avg_s, mean_s);
	a->s1 = rt_add64(a->s1, rt_mul64(rt_mul64(part->count, d), d));
	a->s2 = rt_add64(a->s2, rt_mul64(part->count - 1, part->variance_s));
}

void rt_agg_finish(struct rt_agg *a)
{
	int64_t variance_s = rt_div64(rt_add64(a->s1, a->s2), a->count - 1);
	/*
	 * The shift is 0 to 62, so this can be 124: SystemTap's
	 * "variance_s >> (2 * shift)" then shifts by the count modulo 64,
	 * as the x86 instruction does.  Right shifts of negative values
	 * are arithmetic in gcc.
	 */
	int shift = (2 * a->desc->shift) & 63;

	a->avg = rt_div64(a->sum, a->count);
	a->variance = variance_s >> shift;
}
