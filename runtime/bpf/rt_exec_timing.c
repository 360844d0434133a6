// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_timing.c - -t: SystemTap's "probe hit report" for a program
 * built with timing (tapir_program.timing), and the kernel's own count
 * of the same programs.
 *
 * Two measures, printed one after the other at the end of the run:
 *
 *   - the handler's own time, as stap -t: each kernel probe adds the ns
 *     between bpf_ktime_get_ns() after its guards and at its end to its
 *     slot of the per-CPU tapir_timing map; user-space probes (begin,
 *     end, error, user timers) are timed here with CLOCK_MONOTONIC.
 *     Printed as stap prints ns (STP_TIMING_NSECS): "nsecs: ...".
 *   - the kernel's run_cnt/run_time_ns of each BPF program, kept while
 *     kernel.bpf_stats_enabled is held on through a BPF_ENABLE_STATS fd
 *     for the run: the time from the program's entry to its exit as the
 *     kernel's trampoline sees it, so the cost of the attach mechanism
 *     around the handler shows as the difference.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_exec.h"

struct rt_exec_timing {
	int stats_fd;           /* BPF_ENABLE_STATS, -1 if refused */
	int stats_err;
	struct rt_stat *user;   /* by index: user-space probes */
	struct rt_stat_desc desc;
};

void rt_exec_timing_start(struct rt_exec *x)
{
	struct rt_exec_timing *t;
	int n = x->p->ntiming;

	if (!x->p->timing || n <= 0)
		return;
	t = calloc(1, sizeof(*t));
	if (t)
		t->user = calloc((size_t)n, sizeof(*t->user));
	if (!t || !t->user) {
		free(t);
		rt_exec_errorf(x, "-t: out of memory");
		return;
	}
	t->desc.type = RT_HIST_NONE;
	t->desc.ops = RT_STAT_VARIANCE;
	t->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (t->stats_fd < 0)
		t->stats_err = -t->stats_fd;
	x->timing = t;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t rt_exec_timing_clock(const struct rt_exec *x)
{
	return x->timing ? now_ns() : 0;
}

/* A user-space probe fn ran from t0 until now. */
void rt_exec_timing_user(struct rt_exec *x, void (*fn)(void), int64_t t0)
{
	struct rt_exec_timing *t = x->timing;

	if (!t)
		return;
	for (int i = 0; i < x->p->ntiming; i++) {
		if (x->p->timing[i].fn == fn) {
			rt_stat_add(&t->user[i], NULL, &t->desc, now_ns() - t0);
			return;
		}
	}
}

static void outf(struct rt_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outf(struct rt_exec *x, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		rt_sink_write(&x->out, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Merge the CPUs' parts of slot i of tapir_timing into a. */
static void kernel_stat(struct rt_exec *x, int fd, int i, struct rt_agg *a)
{
	struct rt_stat *parts = calloc((size_t)x->ncpus, sizeof(*parts));
	__u32 key = (__u32)i;

	if (!parts)
		return;
	if (bpf_map_lookup_elem(fd, &key, parts) == 0) {
		for (int c = 0; c < x->ncpus; c++)
			rt_agg_add(a, &parts[c], NULL);
		for (int c = 0; c < x->ncpus; c++)
			rt_agg_add_variance(a, &parts[c]);
	}
	free(parts);
}

static void report_hits(struct rt_exec *x, int map_fd)
{
	struct rt_exec_timing *t = x->timing;
	const struct tapir_program *p = x->p;

	outf(x, "----- probe hit report: \n");
	for (int i = 0; i < p->ntiming; i++) {
		const struct tapir_timing_probe *tp = &p->timing[i];
		struct rt_agg a;

		rt_agg_init(&a, NULL, &t->desc);
		if (tp->fn) {
			rt_agg_add(&a, &t->user[i], NULL);
			rt_agg_add_variance(&a, &t->user[i]);
		} else if (tp->prog && map_fd >= 0)
			kernel_stat(x, map_fd, i, &a);
		rt_agg_finish(&a);
		if (a.count == 0)
			continue;
		outf(x, "%s, (%s), hits: %lld, nsecs: %lldmin/%lldavg/%lldmax, variance: %lld,%s, index: %d\n",
		     tp->pp, tp->location, (long long)a.count, (long long)a.min, (long long)a.avg,
		     (long long)a.max, (long long)(a.variance < 0 ? 0 : a.variance), tp->derivation,
		     tp->index);
	}
}

/* The kernel's count of program prog: 0, or -errno. */
int rt_exec_timing_prog_info(struct rt_exec *x, const char *prog, struct bpf_prog_info *info)
{
	struct bpf_program *bp = x->obj ? bpf_object__find_program_by_name(x->obj, prog) : NULL;
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (!bp || bpf_program__fd(bp) < 0)
		return -ENOENT;
	return bpf_obj_get_info_by_fd(bpf_program__fd(bp), info, &len) ? -errno : 0;
}

static void report_progs(struct rt_exec *x)
{
	const struct tapir_program *p = x->p;
	bool header = false;

	if (x->timing->stats_fd < 0) {
		outf(x, "----- bpf program report: unavailable (BPF_ENABLE_STATS: %s)\n",
		     strerror(x->timing->stats_err));
		return;
	}
	for (int i = 0; i < p->ntiming; i++) {
		const struct tapir_timing_probe *tp = &p->timing[i];
		struct bpf_prog_info info;

		if (!tp->prog || rt_exec_timing_prog_info(x, tp->prog, &info) < 0 || !info.run_cnt)
			continue;
		if (!header)
			outf(x, "----- bpf program report (kernel run_cnt/run_time_ns, attach included): \n");
		header = true;
		outf(x, "%s, prog: %s, runs: %llu, nsecs: %lluavg, total: %llu, index: %d\n", tp->pp,
		     tp->prog, (unsigned long long)info.run_cnt,
		     (unsigned long long)(info.run_time_ns / info.run_cnt),
		     (unsigned long long)info.run_time_ns, tp->index);
	}
}

static int timing_map_fd(struct rt_exec *x)
{
	struct bpf_map *m = x->obj ? bpf_object__find_map_by_name(x->obj, "tapir_timing") : NULL;

	return m ? bpf_map__fd(m) : -1;
}

int64_t rt_exec_timing_hits(struct rt_exec *x)
{
	int64_t hits = 0;
	int fd;

	if (!x->timing)
		return -1;
	fd = timing_map_fd(x);
	for (int i = 0; fd >= 0 && i < x->p->ntiming; i++) {
		struct rt_agg a;

		if (!x->p->timing[i].prog)
			continue;
		rt_agg_init(&a, NULL, &x->timing->desc);
		kernel_stat(x, fd, i, &a);
		rt_agg_finish(&a);
		hits += a.count;
	}
	return hits;
}

void rt_exec_timing_report(struct rt_exec *x)
{
	if (!x->timing)
		return;
	report_hits(x, timing_map_fd(x));
	report_progs(x);
	rt_exec_out_flush(x);
}

void rt_exec_timing_free(struct rt_exec *x)
{
	struct rt_exec_timing *t = x->timing;

	if (!t)
		return;
	if (t->stats_fd >= 0)
		close(t->stats_fd);
	free(t->user);
	free(t);
	x->timing = NULL;
}
