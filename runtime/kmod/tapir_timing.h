/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_timing.h - -t on the kmod runtime: each probe handler's own time,
 * for SystemTap's "probe hit report".
 *
 * A module built with -t defines TAPIR_TIMING and the table of its probes
 * (tapir_timing_probes[TAPIR_NTIMING], in the order of the program's
 * probes: the report's "index:") before including this file. Each
 * handler reads the clock once its CPU's context is taken (interrupts are
 * off from there) and again just before it gives it back, and adds the
 * difference to its slot of a per-CPU statistic: cycles (get_cycles(), as
 * stap -t), or ns of local_clock() with -D STP_TIMING_NSECS. A hit skipped
 * for a busy context is not a hit here; one whose global lock was not
 * taken is (it ran, and skipped its body).
 *
 * /proc/MODNAME/timing gives the numbers merged over the CPUs, one line a
 * probe that ran: "INDEX COUNT MIN AVG MAX VARIANCE UNIT\tPP\tLOCATION\tDERIVATION".
 * tapir-load reads it after the end probes and prints the report.
 */
#ifndef TAPIR_TIMING_H
#define TAPIR_TIMING_H

#include <linux/sched/clock.h>
#include <linux/timex.h>

struct tapir_timing_probe {
	const char *pp;         /* kernel.trace("...") */
	const char *location;   /* file:line:col of the probe in the script */
	const char *derivation; /* " from: alias from: point" */
};

/* Defined by the module, after this file. */
static const struct tapir_timing_probe tapir_timing_probes[TAPIR_NTIMING];

#ifdef STP_TIMING_NSECS
#define TAPIR_TIMING_UNIT "nsecs"
static __always_inline u64 tapir_timing_now(void)
{
	return local_clock();
}
#else
#define TAPIR_TIMING_UNIT "cycles"
static __always_inline u64 tapir_timing_now(void)
{
	return (u64)get_cycles();
}
#endif

static __maybe_unused struct rt_stat __percpu *tapir_timing_stats;
static __maybe_unused struct rt_stat_desc tapir_timing_desc = {
	.type = RT_HIST_NONE,
	.ops = RT_STAT_VARIANCE,
};

/* In a handler, interrupts off: this CPU's slot is ours alone. */
static __maybe_unused void tapir_timing_add(int slot, u64 t0)
{
	u64 t1 = tapir_timing_now();

	if (tapir_timing_stats)
		rt_stat_add(this_cpu_ptr(tapir_timing_stats) + slot, NULL, &tapir_timing_desc,
			    (int64_t)(t1 - t0));
}

static __maybe_unused void tapir_timing_merge(int slot, struct rt_agg *a)
{
	int cpu;

	rt_agg_init(a, NULL, &tapir_timing_desc);
	for_each_possible_cpu(cpu)
		rt_agg_add(a, per_cpu_ptr(tapir_timing_stats, cpu) + slot, NULL);
	for_each_possible_cpu(cpu)
		rt_agg_add_variance(a, per_cpu_ptr(tapir_timing_stats, cpu) + slot);
	rt_agg_finish(a);
}

static __maybe_unused int tapir_timing_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < TAPIR_NTIMING; i++) {
		const struct tapir_timing_probe *p = &tapir_timing_probes[i];
		struct rt_agg a;

		tapir_timing_merge(i, &a);
		if (a.count == 0)
			continue;
		seq_printf(m, "%d %lld %lld %lld %lld %lld %s\t%s\t%s\t%s\n", i, (long long)a.count,
			   (long long)a.min, (long long)a.avg, (long long)a.max,
			   (long long)(a.variance < 0 ? 0 : a.variance), TAPIR_TIMING_UNIT, p->pp,
			   p->location, p->derivation);
	}
	return 0;
}

static __maybe_unused int tapir_timing_open(struct inode *inode, struct file *file)
{
	return single_open(file, tapir_timing_show, NULL);
}

static __maybe_unused const struct proc_ops tapir_timing_ops = {
	.proc_open = tapir_timing_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/* After tapir_transport_init(): the statistics and their proc file. */
static __maybe_unused int tapir_timing_init(void)
{
	tapir_timing_stats = __alloc_percpu(sizeof(struct rt_stat) * TAPIR_NTIMING,
					    __alignof__(struct rt_stat));
	if (!tapir_timing_stats)
		return -ENOMEM;
	if (!proc_create("timing", 0400, tapir_proc_dir, &tapir_timing_ops))
		return -ENOMEM;
	return 0;
}

/* After tapir_transport_exit(), which removed the proc file. */
static __maybe_unused void tapir_timing_exit(void)
{
	free_percpu(tapir_timing_stats);
	tapir_timing_stats = NULL;
}

#endif /* TAPIR_TIMING_H */
