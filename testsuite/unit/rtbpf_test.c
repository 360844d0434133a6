// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtbpf_test.c - a hand-written stand-in for a generated program's user
 * side, linked with the executor (runtime/bpf/librtbpf.a) and the BPF
 * object of rtbpf_test.bpf.c: one artifact per scenario.
 *
 *	rtbpf_test SCENARIO [executor options]
 *	rtbpf_test loop N	calls getppid() N times (the -c command)
 *
 * After the run it checks that the process holds no BPF object, link or
 * perf event any more (its file descriptors and mappings), and says
 * "LEAK: ..." and exits 99 if it does.  testsuite/suites/runtime-bpf.sh
 * runs the scenarios and checks what they print.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>

#include "tapir_rt.h"

extern const unsigned char rtbpf_test_obj[];
extern const unsigned long rtbpf_test_obj_len;

/* tapir_G, as rtbpf_test.bpf.c lays it out. */
struct rtbpf_globals {
	struct tapir_state st;
	int64_t target, count, ticks, max_ticks, error_at, warn_at, exit_at;
	int64_t profile_ticks, perf_ticks, quiet, flood;
};

struct rtbpf_key2 {
	int64_t n;
	char name[16];
};

enum { F_CALL, F_MIX, F_TICK, F_BEGIN, F_KV, F_AGG, F_END, F_ERRPROBE, F_PAIR, F_FLOOD, F_STR };

static const char *const fmts[] = {
    [F_CALL] = "call %d from %s\n",
    [F_MIX] = "w[%*d][%-*s] m[%.5m] x[%#x]\n",
    [F_TICK] = "tick %d\n",
    [F_BEGIN] = "begin %s\n",
    [F_KV] = "%d=%d\n",
    [F_AGG] = "%s: count %d sum %d min %d max %d avg %d\n",
    [F_END] = "end %s\n",
    [F_ERRPROBE] = "error probe\n",
    [F_PAIR] = "[%d,%s]=%d\n",
    [F_FLOOD] = "f %d\n",
    [F_STR] = "%d=%s\n",
};

static const char *const error_locs[] = {
    "identifier 'x' at rtbpf.stp:3:9",
    "identifier 'y' at rtbpf.stp:7:1",
};

enum { M_COUNTS, M_PAIRS, M_NAMES, M_ARR, M_STAT };
static const char *const maps[] = {"rtbpf_counts", "rtbpf_pairs", "rtbpf_names", "rtbpf_arr",
                                   "rtbpf_stat"};

static struct tapir_stat_map stat_maps[] = {
    {.map = "rtbpf_stat", .key_size = sizeof(int64_t)},
};

/* What the scenario sets before the run, for init_globals. */
static struct rtbpf_globals initial;

static struct rtbpf_globals *G(void)
{
	return tapir_globals();
}

static void init_globals(void *g)
{
	struct rtbpf_globals *r = g;

	*r = initial;
	r->target = tapir_target();
}

static void say(int fmt, const char *s)
{
	struct rt_value v = RT_STR(s);

	tapir_printf(fmt, &v, 1);
}

static void put_kv(int fmt, int64_t a, int64_t b)
{
	struct rt_value v[2] = {RT_LONG(a), RT_LONG(b)};

	tapir_printf(fmt, v, 2);
}

static void print_agg(const char *name, const struct rt_agg *a)
{
	struct rt_value v[6] = {RT_STR(name),    RT_LONG(a->count), RT_LONG(a->sum),
	                        RT_LONG(a->min), RT_LONG(a->max),   RT_LONG(a->avg)};

	tapir_printf(F_AGG, v, 6);
}

/* ---- the tracing scenarios: end probes print what the kernel counted ---- */

static int print_count(const void *key, void *ctx)
{
	int64_t k = *(const int64_t *)key, v = 0;

	tapir_map_get(M_COUNTS, &k, &v);
	put_kv(F_KV, k, v);
	return 0;
}

static const struct tapir_key_col long_col[] = {{0, 0}};

static void end_counts(void)
{
	struct tapir_iter it = {.map_index = M_COUNTS,
	                        .stat_index = -1,
	                        .key_size = 8,
	                        .value_size = 8,
	                        .cols = long_col,
	                        .ncols = 1,
	                        .sort = -1,
	                        .sort_col = -1,
	                        .limit = -1};
	int64_t hist[128], key;
	struct rt_agg a;

	say(F_END, "counts");
	tapir_foreach(&it, print_count, NULL);
	for (key = 0; key < 2; key++)
		if (tapir_stat_get(0, &key, &a, hist) == 0)
			print_agg(key ? "odd" : "even", &a);
	key = 1;
	tapir_stat_get(0, &key, &a, hist);
	tapir_hist_print(0, &a, hist);
}

static void end_plain(void)
{
	say(F_END, "plain");
}

static void end_ticks(void)
{
	struct rtbpf_globals *g = G();

	say(F_END, g->profile_ticks > 0 ? "profile ticked" : "profile silent");
	say(F_END, g->perf_ticks > 0 ? "perf ticked" : "perf silent");
}

static void error_probe(void)
{
	tapir_printf(F_ERRPROBE, NULL, 0);
}

static void begin_hello(void)
{
	say(F_BEGIN, "hello");
}

/* ---- user-space probes: order, exit, errors ---- */

static void begin_a(void)
{
	int64_t k, v;

	say(F_BEGIN, "a");
	for (k = 0; k < 5; k++) {
		v = k * 10;
		tapir_map_set(M_COUNTS, &k, &v);
	}
}

static int fail_inside(const void *key, void *ctx)
{
	(void)key;
	(void)ctx;
	tapir_error(1, "user failure");
}

/* Fails inside a foreach: its buffers must still be freed. */
static void begin_b(void)
{
	struct tapir_iter it = {.map_index = M_COUNTS,
	                        .stat_index = -1,
	                        .key_size = 8,
	                        .value_size = 8,
	                        .cols = long_col,
	                        .ncols = 1,
	                        .sort = 1,
	                        .sort_col = 0,
	                        .limit = -1};

	say(F_BEGIN, "b");
	tapir_foreach(&it, fail_inside, NULL);
	say(F_BEGIN, "b is not here");
}

static void begin_c(void)
{
	say(F_BEGIN, "c");
	tapir_exit();
}

static void begin_d(void)
{
	say(F_BEGIN, "d");
}

static void end_1(void)
{
	say(F_END, "1");
}

static void end_2(void)
{
	say(F_END, "2");
}

/* ---- foreach, maps and statistics from user space ---- */

struct walk {
	int map;
	int n;
};

static int print_pair(const void *key, void *ctx)
{
	const struct rtbpf_key2 *k = key;
	struct rt_value v[3] = {RT_LONG(k->n), RT_STR(k->name), RT_LONG(0)};
	struct walk *w = ctx;

	tapir_map_get(M_PAIRS, k, &v[2].n);
	tapir_printf(F_PAIR, v, 3);
	return ++w->n == 100;
}

static int print_name(const void *key, void *ctx)
{
	int64_t k = *(const int64_t *)key;
	char name[16] = "";
	struct rt_value v[2] = {RT_LONG(k), RT_STR(name)};

	(void)ctx;
	tapir_map_get(M_NAMES, &k, name);
	tapir_printf(F_STR, v, 2);
	return 0;
}

static int print_stat(const void *key, void *ctx)
{
	int64_t k = *(const int64_t *)key;
	char name[24];
	struct rt_agg a;

	(void)ctx;
	snprintf(name, sizeof(name), "s%lld", (long long)k);
	if (tapir_stat_get(0, &k, &a, NULL) == 0)
		print_agg(name, &a);
	return 0;
}

static int stop_at_second(const void *key, void *ctx)
{
	int *n = ctx;

	(void)key;
	return ++*n == 2 ? 42 : 0;
}

static void fill_pairs(void)
{
	static const struct {
		int64_t n;
		const char *name;
		int64_t v;
	} rows[] = {
	    {3, "cc", 5}, {1, "bb", 7}, {2, "aa", 5}, {1, "ab", 9}, {-4, "b", 1}, {2, "a", 5},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rtbpf_key2 k;

		memset(&k, 0, sizeof(k));
		k.n = rows[i].n;
		strcpy(k.name, rows[i].name);
		tapir_map_set(M_PAIRS, &k, &rows[i].v);
	}
}

static const struct tapir_key_col pair_cols[] = {{0, 0}, {8, 1}};

static void walk_pairs(const char *title, int sort, int col, long long limit)
{
	struct tapir_iter it = {.map_index = M_PAIRS,
	                        .stat_index = -1,
	                        .key_size = sizeof(struct rtbpf_key2),
	                        .value_size = 8,
	                        .cols = pair_cols,
	                        .ncols = 2,
	                        .sort = sort,
	                        .sort_col = col,
	                        .limit = limit};
	struct walk w = {M_PAIRS, 0};

	say(F_BEGIN, title);
	tapir_foreach(&it, print_pair, &w);
}

static void fill_names(void)
{
	static const char *const names[] = {"pear", "apple", "fig", "apple", "kiwi"};
	int64_t k;

	for (k = 0; k < 5; k++) {
		char v[16] = "";

		strcpy(v, names[k]);
		tapir_map_set(M_NAMES, &k, v);
	}
}

/* Per-CPU parts of statistic s<key>: CPU c holds values key*10 + c + i, i < n. */
static void fill_stat(int64_t key, int n)
{
	int ncpus = libbpf_num_possible_cpus(), c, i;
	size_t stride = sizeof(struct rt_stat) + 128 * sizeof(int64_t);
	char *buf = calloc((size_t)ncpus, stride);
	struct rt_stat_desc desc;

	rt_stat_desc_init(&desc, RT_HIST_LOG, 0, 0, 0, NULL);
	for (c = 0; c < ncpus; c++) {
		struct rt_stat *s = (struct rt_stat *)(buf + (size_t)c * stride);

		for (i = 0; i < n; i++)
			rt_stat_add(s, (int64_t *)(s + 1), &desc, key * 10 + c + i);
	}
	bpf_map_update_elem(tapir_map_fd(M_STAT), &key, buf, BPF_ANY);
	free(buf);
}

static void walk_stats(const char *agg, int sort)
{
	struct tapir_iter it = {.map_index = -1,
	                        .stat_index = 0,
	                        .key_size = 8,
	                        .value_size = 0,
	                        .cols = long_col,
	                        .ncols = 1,
	                        .sort = sort,
	                        .sort_col = -1,
	                        .agg = agg,
	                        .limit = -1};

	say(F_BEGIN, agg ? agg : "@count (default)");
	tapir_foreach(&it, print_stat, NULL);
}

static void begin_foreach(void)
{
	struct tapir_iter it = {.map_index = M_NAMES,
	                        .stat_index = -1,
	                        .key_size = 8,
	                        .value_size = 16,
	                        .value_is_string = 1,
	                        .cols = long_col,
	                        .ncols = 1,
	                        .sort = 1,
	                        .sort_col = -1,
	                        .limit = -1};
	char buf[64];
	struct rt_value v[2] = {RT_LONG(7), RT_STR("seven")};
	int n = 0, rc;

	fill_pairs();
	walk_pairs("by n ascending", 1, 0, -1);
	walk_pairs("by name descending", -1, 1, -1);
	walk_pairs("by value ascending", 1, -1, -1);
	walk_pairs("by value descending, limit 2", -1, -1, 2);
	walk_pairs("limit 0", 1, 0, 0);
	fill_names();
	say(F_BEGIN, "names by value");
	tapir_foreach(&it, print_name, NULL);
	it.sort = -1;
	it.sort_col = 0;
	say(F_BEGIN, "names by key descending");
	tapir_foreach(&it, print_name, NULL);
	it.sort = 0;
	rc = tapir_foreach(&it, stop_at_second, &n);
	put_kv(F_KV, rc, n);
	it.key_size = 4;
	put_kv(F_KV, tapir_foreach(&it, print_name, NULL), -EINVAL);
	fill_stat(1, 3);
	fill_stat(2, 1);
	fill_stat(3, 2);
	walk_stats(NULL, -1);
	walk_stats("@sum", 1);
	walk_stats("@min", -1);
	walk_stats("@max", 1);
	walk_stats("@avg", -1);
	tapir_sprintf(buf, sizeof(buf), F_STR, v, 2);
	tapir_print(buf, strlen(buf));
	tapir_sprintf(buf, 6, F_STR, v, 2);
	tapir_print(buf, strlen(buf));
	tapir_print("\n", 1);
	tapir_map_clear(M_NAMES);
	say(F_BEGIN, "names after clear");
	tapir_foreach(&it, print_name, NULL);
	tapir_exit();
}

static void begin_arrays(void)
{
	int64_t v = 5, got = -1;
	uint32_t k = 2;
	int64_t key = 9;

	tapir_map_set(M_ARR, &k, &v);
	tapir_map_get(M_ARR, &k, &got);
	put_kv(F_KV, k, got);
	tapir_map_clear(M_ARR);
	tapir_map_get(M_ARR, &k, &got);
	put_kv(F_KV, k, got);
	put_kv(F_KV, tapir_map_get(M_COUNTS, &key, &got), -ENOENT);
	tapir_map_set(M_COUNTS, &key, &v);
	put_kv(F_KV, tapir_map_delete(M_COUNTS, &key), 0);
	put_kv(F_KV, tapir_map_delete(M_COUNTS, &key), -ENOENT);
	key = 1;
	put_kv(F_KV, tapir_stat_get(0, &key, &(struct rt_agg){0}, NULL), -ENOENT);
	put_kv(F_KV, tapir_map_fd(M_ARR) >= 0, tapir_map_fd(99));
	tapir_warn("from user space");
	tapir_warn("from user space");
	tapir_exit();
}

/* ---- scenarios ---- */

static const struct tapir_uprobe begin_hello_p[] = {{begin_hello, 0, "begin"}};
static const struct tapir_uprobe end_counts_p[] = {{end_counts, 0, "end"}};
static const struct tapir_uprobe end_plain_p[] = {{end_plain, 0, "end"}};
static const struct tapir_uprobe end_ticks_p[] = {{end_ticks, 0, "end"}};
static const struct tapir_uprobe error_p[] = {{error_probe, 0, "error"}};
static const struct tapir_uprobe begin_order_p[] = {
    {begin_d, 5, "begin(5)"},
    {begin_a, -3, "begin(-3)"},
    {begin_b, 0, "begin"},
    {begin_c, 0, "begin"},
};
static const struct tapir_uprobe begin_exit_p[] = {
    {begin_d, 5, "begin(5)"},
    {begin_a, -3, "begin(-3)"},
    {begin_c, 0, "begin"},
};
static const struct tapir_uprobe end_order_p[] = {{end_2, 2, "end(2)"}, {end_1, 1, "end(1)"}};
static const struct tapir_uprobe begin_foreach_p[] = {{begin_foreach, 0, "begin"}};
static const struct tapir_uprobe begin_arrays_p[] = {{begin_arrays, 0, "begin"}};

#define SYSCALL_PP "kernel.trace(\"raw_syscalls:sys_enter\")"
static const struct tapir_kprobe tp_btf_k[] = {
    {.prog = "rtbpf_tp_btf", .attach = TAPIR_ATTACH_TP_BTF, .target = "sys_enter", .num = {0}, .pp = SYSCALL_PP}};
static const struct tapir_kprobe raw_tp_k[] = {
    {.prog = "rtbpf_raw_tp", .attach = TAPIR_ATTACH_RAW_TP, .target = "sys_enter", .num = {0}, .pp = SYSCALL_PP}};
static const struct tapir_kprobe perf_tp_k[] = {
    {.prog = "rtbpf_perf_tp", .attach = TAPIR_ATTACH_PERF_TP, .target = "raw_syscalls:sys_enter", .num = {0}, .pp = SYSCALL_PP}};
static const struct tapir_kprobe timer_k[] = {
    {.prog = "rtbpf_timer", .attach = TAPIR_ATTACH_TIMER, .target = NULL, .num = {10000000, 0}, .pp = "timer.ms(10)"}};
static const struct tapir_kprobe timer_rand_k[] = {
    {.prog = "rtbpf_timer", .attach = TAPIR_ATTACH_TIMER, .target = NULL, .num = {10000000, 5000000}, .pp = "timer.ms(10).randomize(5)"}};
static const struct tapir_kprobe ticks_k[] = {
    {.prog = "rtbpf_profile", .attach = TAPIR_ATTACH_PROFILE, .target = NULL, .num = {1000000}, .pp = "timer.profile"},
    {.prog = "rtbpf_perf",
     .attach = TAPIR_ATTACH_PERF,
     .num = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000, 1},
     .pp = "perf.sw.cpu_clock.hz(1000)"},
};
static const struct tapir_kprobe hw_k[] = {
    {.prog = "rtbpf_perf",
     .attach = TAPIR_ATTACH_PERF,
     .num = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1000000, 0},
     .pp = "perf.hw.cpu_cycles.sample(1000000)"},
};
static const struct tapir_kprobe bad_k[] = {
    {.prog = "rtbpf_bad", .attach = TAPIR_ATTACH_TIMER, .target = NULL, .num = {10000000}, .pp = "timer.ms(10)"}};
static const struct tapir_kprobe nobtf_k[] = {
    {.prog = "rtbpf_tp_btf", .attach = TAPIR_ATTACH_TP_BTF, .target = "no_such_tracepoint", .num = {0}, .pp = "kernel.trace(\"nope\")"}};
static const struct tapir_kprobe missing_k[] = {
    {.prog = "rtbpf_nothere", .attach = TAPIR_ATTACH_RAW_TP, .target = "sys_enter", .num = {0}, .pp = SYSCALL_PP}};

#define PROBES(field, arr) .field = arr, .n##field = (int)(sizeof(arr) / sizeof(arr[0]))

struct scenario {
	const char *name;
	struct tapir_program p;
	struct rtbpf_globals g;
};

static struct scenario scenarios[] = {
    {"tp_btf",
     {PROBES(kprobes, tp_btf_k), PROBES(begin, begin_hello_p), PROBES(end, end_counts_p)},
     {.warn_at = 2}},
    {"raw_tp", {PROBES(kprobes, raw_tp_k), PROBES(end, end_counts_p)}, {.quiet = 0}},
    {"perf_tp", {PROBES(kprobes, perf_tp_k), PROBES(end, end_counts_p)}, {.quiet = 0}},
    {"exit_at", {PROBES(kprobes, tp_btf_k), PROBES(end, end_plain_p)}, {.exit_at = 2}},
    {"kerror",
     {PROBES(kprobes, tp_btf_k), PROBES(end, end_plain_p), PROBES(error, error_p)},
     {.error_at = 3}},
    {"timer", {PROBES(kprobes, timer_k), PROBES(end, end_plain_p)}, {.max_ticks = 5}},
    {"forever", {PROBES(kprobes, timer_k), PROBES(end, end_plain_p)}, {.quiet = 0}},
    {"randomize", {PROBES(kprobes, timer_rand_k), PROBES(end, end_plain_p)}, {.max_ticks = 5}},
    {"ticks", {PROBES(kprobes, ticks_k), PROBES(end, end_ticks_p)}, {.quiet = 0}},
    {"hw", {PROBES(kprobes, hw_k), PROBES(end, end_ticks_p)}, {.quiet = 0}},
    {"verifier", {PROBES(kprobes, bad_k), PROBES(end, end_plain_p)}, {.quiet = 0}},
    {"missing", {PROBES(kprobes, missing_k), PROBES(end, end_plain_p)}, {.quiet = 0}},
    {"nobtf", {PROBES(kprobes, nobtf_k), PROBES(end, end_plain_p)}, {.quiet = 0}},
    {"order",
     {PROBES(begin, begin_exit_p), PROBES(end, end_order_p), PROBES(error, error_p)},
     {.quiet = 0}},
    {"uerror",
     {PROBES(begin, begin_order_p), PROBES(end, end_order_p), PROBES(error, error_p)},
     {.quiet = 0}},
    {"uerror_max1",
     {PROBES(begin, begin_order_p), PROBES(end, end_order_p), PROBES(error, error_p),
      .maxerrors = 1},
     {.quiet = 0}},
    {"foreach", {PROBES(begin, begin_foreach_p)}, {.quiet = 0}},
    {"arrays", {PROBES(begin, begin_arrays_p), PROBES(end, end_plain_p)}, {.quiet = 0}},
    {"flood", {PROBES(kprobes, tp_btf_k), PROBES(end, end_plain_p)}, {.quiet = 1, .flood = 64}},
};

/* ---- the -c command ---- */

static int loop(int n)
{
	int i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

/* ---- what a run must leave behind: nothing ---- */

static int count_fds(const char *what)
{
	char path[300], link[256];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;
	ssize_t len;

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strstr(link, what)) {
			fprintf(stderr, "LEAK: fd %s is %s\n", d->d_name, link);
			n++;
		}
	}
	closedir(dir);
	return n;
}

static int count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "anon_inode:bpf")) {
			fprintf(stderr, "LEAK: mapping %s", line);
			n++;
		}
	fclose(f);
	return n;
}

static int leaks(void)
{
	return count_fds("bpf") + count_fds("perf_event") + count_mappings();
}

static struct scenario *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

static void describe(struct tapir_program *p)
{
	p->obj = rtbpf_test_obj;
	p->obj_len = rtbpf_test_obj_len;
	p->script = "rtbpf.stp";
	p->fmts = fmts;
	p->nfmts = (int)(sizeof(fmts) / sizeof(fmts[0]));
	p->error_locs = error_locs;
	p->nerror_locs = (int)(sizeof(error_locs) / sizeof(error_locs[0]));
	p->maps = maps;
	p->nmaps = (int)(sizeof(maps) / sizeof(maps[0]));
	p->globals_size = sizeof(struct rtbpf_globals);
	p->init_globals = init_globals;
	p->stat_maps = stat_maps;
	p->nstat_maps = 1;
}

int main(int argc, char **argv)
{
	struct scenario *s;
	int status;

	if (argc >= 3 && strcmp(argv[1], "loop") == 0)
		return loop(atoi(argv[2]));
	if (argc < 2 || !(s = find(argv[1]))) {
		fprintf(stderr, "usage: %s SCENARIO [options] | loop N\n", argv[0]);
		return 2;
	}
	if (rtbpf_test_obj_len == 0) {
		fprintf(stderr,
		        "SKIP: the test's BPF object was not built (clang, bpftool, BTF)\n");
		return 77;
	}
	rt_stat_desc_init(&stat_maps[0].desc, RT_HIST_LOG, 0, 0, 0, NULL);
	describe(&s->p);
	initial = s->g;
	status = tapir_main(&s->p, argc - 1, argv + 1);
	if (leaks())
		return 99;
	return status;
}
