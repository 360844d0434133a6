// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_stats_test.c - runtime/common's statistics against SystemTap's.
 *
 * Expected values come from SystemTap's testsuite (the .exp files named in
 * the comments, under testsuite/systemtap.maps/ and systemtap.printf/) and,
 * for @variance where those files predate SystemTap's current formula,
 * from SystemTap 4.8's runtime/stat-common.c and stat.c run on the same
 * data.  SystemTap's @variance is an integer Welford variance whose running
 * mean truncates, so it is far from the exact sample variance: 1..10 gives
 * 48, not 9.  That is what scripts print, so that is what is tested.
 *
 * Prints "PASS: name" or "FAIL: name: expected ... got ..." per case.
 */
#include <stdio.h>
#include <string.h>

#include "rt_stats.h"

static int failures;

static void expect_int(const char *name, long long exp, long long got)
{
	if (exp == got) {
		printf("PASS: %s\n", name);
		return;
	}
	failures++;
	printf("FAIL: %s: expected %lld got %lld\n", name, exp, got);
}

#define NCPU 4

/* A statistic kept per CPU, as a global "<<<"'d from probes. */
struct stat_test {
	struct rt_stat_desc desc;
	struct rt_stat part[NCPU];
	int64_t part_hist[NCPU][RT_HIST_MAX_BUCKETS];
	int64_t hist[RT_HIST_MAX_BUCKETS];
	struct rt_agg agg;
};

static void st_init(struct stat_test *t, enum rt_hist_type type, int start, int stop, int interval,
                    int shift)
{
	const char *err = NULL;
	int cpu;

	if (rt_stat_desc_init(&t->desc, type, start, stop, interval, &err) < 0)
		printf("  (desc: %s)\n", err);
	t->desc.shift = shift;
	t->desc.ops = RT_STAT_VARIANCE;
	for (cpu = 0; cpu < NCPU; cpu++)
		rt_stat_clear(&t->part[cpu], t->part_hist[cpu], &t->desc);
}

static void st_add(struct stat_test *t, int cpu, int64_t v)
{
	rt_stat_add(&t->part[cpu], t->part_hist[cpu], &t->desc, v);
}

static const struct rt_agg *st_get(struct stat_test *t)
{
	int cpu;

	rt_agg_init(&t->agg, t->hist, &t->desc);
	for (cpu = 0; cpu < NCPU; cpu++)
		rt_agg_add(&t->agg, &t->part[cpu], t->part_hist[cpu]);
	for (cpu = 0; cpu < NCPU; cpu++)
		rt_agg_add_variance(&t->agg, &t->part[cpu]);
	rt_agg_finish(&t->agg);
	return &t->agg;
}

struct expect {
	long long count, sum, min, max, avg, variance;
};

static void expect_agg(const char *name, const struct rt_agg *a, const struct expect *e)
{
	char n[128];

	snprintf(n, sizeof(n), "%s @count", name);
	expect_int(n, e->count, a->count);
	snprintf(n, sizeof(n), "%s @sum", name);
	expect_int(n, e->sum, a->sum);
	snprintf(n, sizeof(n), "%s @min", name);
	expect_int(n, e->min, a->min);
	snprintf(n, sizeof(n), "%s @max", name);
	expect_int(n, e->max, a->max);
	snprintf(n, sizeof(n), "%s @avg", name);
	expect_int(n, e->avg, a->avg);
	snprintf(n, sizeof(n), "%s @variance", name);
	expect_int(n, e->variance, a->variance);
}

/* linear.stp's data: key * m for key in 0..99, m in 1..15 and 12 twice */
static void add_linear_data(struct stat_test *t, int cpus)
{
	static const int m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 13, 14, 15};
	int key, j, k = 0;

	for (key = 0; key < 100; key++)
		for (j = 0; j < 16; j++)
			st_add(t, k++ % cpus, key * m[j]);
}

static struct stat_test t; /* large: keep it off the stack */

/* linear.exp, linear_overunder.exp (same data) */
static void test_linear(void)
{
	static const struct expect e = {1600, 653400, 0, 1485, 408, 450768};
	static const struct expect e4 = {1600, 653400, 0, 1485, 408, 121079};

	st_init(&t, RT_HIST_LINEAR, 0, 1500, 50, 0);
	add_linear_data(&t, 1);
	expect_agg("linear.exp", st_get(&t), &e);
	st_init(&t, RT_HIST_LINEAR, 0, 1500, 50, 4);
	add_linear_data(&t, 1);
	expect_agg("linear data @variance(s, 4)", st_get(&t), &e4);
}

/* linear_nearlyempty.exp */
static void test_nearlyempty(void)
{
	static const struct expect e = {2, 1443, 444, 999, 721, 154290};

	st_init(&t, RT_HIST_LINEAR, 0, 1500, 50, 0);
	st_add(&t, 0, 444);
	st_add(&t, 0, 999);
	expect_agg("linear_nearlyempty.exp", st_get(&t), &e);
}

/*
 * linear_large.exp, linear_large_neg.exp: count to avg as there; their
 * @variance lines predate SystemTap's Welford code (one is marked FIXME),
 * so the values are SystemTap 4.8's, whose int delta wraps here.
 */
static void test_large(void)
{
	static const int64_t large[] = {
	    10000000,   10000000,   10000000,   100000000,  100000000,
	    500000000,  500000000,  500000000,  500000000,  500000000,
	    1000000000, 1000000000, 1000000000, 1000000000, 10000000000LL,
	};
	static const int64_t neg[] = {
	    0,           -100000000,  -100000000,     -500000000,  -500000000,
	    -500000000,  -500000000,  -500000000,     -1000000000, -1000000000,
	    -1000000000, -1000000000, -10000000000LL,
	};
	static const struct expect el = {
	    15, 16730000000LL, 10000000, 10000000000LL, 1115333333, -193095719715079560LL,
	};
	static const struct expect en = {
	    13, -16700000000LL, -10000000000LL, 0, -1284615384, -271307450638170346LL,
	};
	size_t i;

	st_init(&t, RT_HIST_LINEAR, 0, 1000000000, 100000000, 0);
	for (i = 0; i < sizeof(large) / sizeof(large[0]); i++)
		st_add(&t, 0, large[i]);
	expect_agg("linear_large.exp", st_get(&t), &el);
	st_init(&t, RT_HIST_LINEAR, -1000000000, 0, 100000000, 0);
	for (i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		st_add(&t, 0, neg[i]);
	expect_agg("linear_large_neg.exp", st_get(&t), &en);
}

/* print_stats.exp: @avg truncates */
static void test_print_stats(void)
{
	static const struct expect a = {1, 1, 1, 1, 1, 0};
	static const struct expect b = {2, 5, 2, 3, 2, 1};

	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 0, 1);
	expect_agg("print_stats.exp a", st_get(&t), &a);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 0, 2);
	st_add(&t, 0, 3);
	expect_agg("print_stats.exp b[1]", st_get(&t), &b);
}

/* SystemTap 4.8's stat.c on the same values, CPU by CPU */
static void test_cpus(void)
{
	static const struct expect e = {6, 43, 1, 20, 7, 58};
	static const struct expect e8 = {6, 43, 1, 20, 7, 50};
	static const struct expect mm = {3, 45, -50, 100, 15, 5925};
	static const struct expect one = {1, 42, 42, 42, 42, 0};
	static const struct expect ten = {10, 55, 1, 10, 5, 48};
	static const struct expect neg = {2, -3, -2, -1, -1, 1};
	static const struct expect wrap = {
	    3, 0, -5000000000LL, 5000000000LL, 0, 4282186621572612096LL,
	};
	static const struct expect s62 = {3, 6, 1, 3, 2, -3};
	int shift, i;

	for (shift = 0; shift <= 8; shift += 8) {
		st_init(&t, RT_HIST_NONE, 0, 0, 0, shift);
		st_add(&t, 0, 1);
		st_add(&t, 0, 2);
		st_add(&t, 0, 3);
		st_add(&t, 1, 10);
		st_add(&t, 1, 20);
		st_add(&t, 3, 7);
		expect_agg(shift ? "3 CPUs @variance(s, 8)" : "3 CPUs, one idle", st_get(&t),
		           shift ? &e8 : &e);
	}
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 2, -5);
	st_add(&t, 1, 100);
	st_add(&t, 1, -50);
	expect_agg("min and max across CPUs", st_get(&t), &mm);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 0, 42);
	expect_agg("one value", st_get(&t), &one);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	for (i = 1; i <= 10; i++)
		st_add(&t, 0, i);
	expect_agg("1..10 (SystemTap's truncating mean)", st_get(&t), &ten);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 0, -1);
	st_add(&t, 0, -2);
	expect_agg("negative @avg truncates toward 0", st_get(&t), &neg);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 0);
	st_add(&t, 0, 0);
	st_add(&t, 0, 5000000000LL);
	st_add(&t, 0, -5000000000LL);
	expect_agg("int delta wraps as SystemTap's", st_get(&t), &wrap);
	st_init(&t, RT_HIST_NONE, 0, 0, 0, 62);
	st_add(&t, 0, 1);
	st_add(&t, 0, 2);
	st_add(&t, 0, 3);
	expect_agg("@variance(s, 62) shifts back by 124 mod 64", st_get(&t), &s62);
}

/* The same data split over CPUs merges to the same count, sum, buckets. */
static void test_merge_split(void)
{
	int64_t one[RT_HIST_MAX_BUCKETS];
	long long diff = 0;
	int i;

	st_init(&t, RT_HIST_LINEAR, 0, 1500, 50, 0);
	add_linear_data(&t, 1);
	st_get(&t);
	memcpy(one, t.hist, sizeof(one));
	st_init(&t, RT_HIST_LINEAR, 0, 1500, 50, 0);
	add_linear_data(&t, 3);
	st_get(&t);
	for (i = 0; i < t.desc.buckets; i++)
		diff += one[i] != t.hist[i];
	expect_int("buckets merged over CPUs", 0, diff);
	expect_int("sum merged over CPUs", 653400, t.agg.sum);
	expect_int("idle CPU ignored", 0, t.part[3].count);
}

/* log_edge.exp, log.exp: bucket numbers and labels */
static void test_log_buckets(void)
{
	static const struct {
		int64_t v;
		int bucket;
	} cases[] = {
	    {0, 64},          {1, 65},
	    {2, 66},          {3, 66},
	    {4, 67},          {1023, 74},
	    {1024, 75},       {-1, 63},
	    {-2, 62},         {-3, 62},
	    {-4, 61},         {INT64_MAX, 127},
	    {INT64_MIN, 0},   {INT64_MIN + 1, 1},
	    {1LL << 62, 127}, {-(1LL << 62), 1},
	};
	static const struct {
		int bucket;
		int64_t v;
	} labels[] = {
	    {64, 0},  {65, 1},  {66, 2},        {127, 4611686018427387904LL},
	    {63, -1}, {62, -2}, {0, INT64_MIN}, {1, -4611686018427387904LL},
	};
	size_t i;
	char n[64];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(n, sizeof(n), "log bucket of %lld", (long long)cases[i].v);
		expect_int(n, cases[i].bucket, rt_hist_log_bucket(cases[i].v));
	}
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		snprintf(n, sizeof(n), "log bucket %d label", labels[i].bucket);
		expect_int(n, labels[i].v, rt_hist_log_value(labels[i].bucket));
	}
}

/* elision.exp, linear_*.exp: linear buckets, underflow 0, overflow last */
static void test_linear_buckets(void)
{
	static const struct {
		int start, stop, interval;
		int64_t v;
		int bucket;
	} cases[] = {
	    {0, 1500, 50, -1, 0},
	    {0, 1500, 50, 0, 1},
	    {0, 1500, 50, 49, 1},
	    {0, 1500, 50, 50, 2},
	    {0, 1500, 50, 1499, 30},
	    {0, 1500, 50, 1500, 31},
	    {0, 1500, 50, 1549, 31},
	    {0, 1500, 50, 1550, 32},
	    {0, 1500, 50, INT64_MAX, 32},
	    {0, 1500, 50, INT64_MIN, 0},
	    {-100, 100, 10, -10, 10},
	    {-100, 100, 10, -101, 0},
	    {0, 1000, 300, 999, 4},
	    {0, 1000, 300, 1199, 4},
	    {0, 1000, 300, 1200, 5},
	    {0, 0, 1, 0, 1},
	    {0, 0, 1, 1, 2},
	    {0, 0, 1, -1, 0},
	};
	size_t i;
	char n[96];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_stat_desc d;

		rt_stat_desc_init(&d, RT_HIST_LINEAR, cases[i].start, cases[i].stop,
		                  cases[i].interval, NULL);
		snprintf(n, sizeof(n), "@hist_linear(%d, %d, %d) bucket of %lld", cases[i].start,
		         cases[i].stop, cases[i].interval, (long long)cases[i].v);
		expect_int(n, cases[i].bucket, rt_hist_bucket(&d, cases[i].v));
	}
}

/* stat-common.c's _stp_stat_calc_buckets() */
static void test_bucket_counts(void)
{
	struct rt_stat_desc d;
	const char *err = NULL;

	expect_int("buckets of (0, 1500, 50)", 33, rt_hist_linear_buckets(0, 1500, 50));
	expect_int("buckets of (0, 1000, 300)", 6, rt_hist_linear_buckets(0, 1000, 300));
	expect_int("buckets of (0, 0, 1)", 3, rt_hist_linear_buckets(0, 0, 1));
	expect_int("buckets of (0, 125, 1)", 128, rt_hist_linear_buckets(0, 125, 1));
	expect_int("buckets of (0, 126, 1): too many", 0, rt_hist_linear_buckets(0, 126, 1));
	expect_int("buckets of (100, 0, 10): backwards", 0, rt_hist_linear_buckets(100, 0, 10));
	expect_int("buckets of (0, 10, 0)", 0, rt_hist_linear_buckets(0, 10, 0));
	expect_int("log buckets", 128,
	           rt_stat_desc_init(&d, RT_HIST_LOG, 0, 0, 0, NULL) == 0 ? d.buckets : -1);
	expect_int("desc refuses interval 0", -EINVAL,
	           rt_stat_desc_init(&d, RT_HIST_LINEAR, 0, 10, 0, &err));
	expect_int("desc says why", 0,
	           strcmp(err ? err : "", "histogram: interval cannot be zero"));
}

/* stat.c's _stp_stat_clear_data(): delete, then start again */
static void test_clear(void)
{
	static const struct expect e = {1, 5, 5, 5, 5, 0};

	st_init(&t, RT_HIST_LOG, 0, 0, 0, 0);
	st_add(&t, 0, 100);
	st_add(&t, 0, -100);
	rt_stat_clear(&t.part[0], t.part_hist[0], &t.desc);
	st_add(&t, 0, 5);
	expect_agg("cleared statistic", st_get(&t), &e);
	expect_int("cleared histogram", 1, t.hist[rt_hist_log_bucket(5)]);
	expect_int("cleared histogram bucket of 100", 0, t.hist[rt_hist_log_bucket(100)]);
}

static void test_div64(void)
{
	expect_int("div64 by 0 is 0", 0, rt_div64(5, 0));
	expect_int("div64 INT64_MIN / -1 wraps", INT64_MIN, rt_div64(INT64_MIN, -1));
	expect_int("div64 truncates", -2, rt_div64(-7, 3));
}

int main(void)
{
	test_linear();
	test_nearlyempty();
	test_large();
	test_print_stats();
	test_cpus();
	test_merge_split();
	test_log_buckets();
	test_linear_buckets();
	test_bucket_counts();
	test_clear();
	test_div64();
	return failures ? 1 : 0;
}
