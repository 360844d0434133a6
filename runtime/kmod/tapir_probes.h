/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_probes.h - arming and disarming the event probes of a module:
 * hrtimers (timer.ms/us/ns/s/hz, with .randomize), perf events on every
 * CPU (perf.* and timer.profile), kernel tracepoints
 * (tracepoint_probe_register on the tracepoint found by name), and
 * kprobes/kretprobes for kernel-function probes.
 *
 * The generated code describes each probe in a static struct and calls
 * tapir_*_register at start, tapir_*_unregister at stop; an unregister
 * of a probe that was never registered does nothing.
 */
#ifndef TAPIR_PROBES_H
#define TAPIR_PROBES_H

#include <linux/kprobes.h>
#include <linux/random.h>
#include <linux/version.h>
#include <linux/perf_event.h>
#include <linux/tracepoint.h>

/* prandom_u32_max() became get_random_u32_below() in 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define tapir_random_below(n) get_random_u32_below(n)
#else
#define tapir_random_below(n) prandom_u32_max(n)
#endif

/* ---- hrtimers ------------------------------------------------------------------ */

struct tapir_timer {
	struct hrtimer t;
	u64 period_ns, randomize_ns;
	void (*handler)(struct pt_regs *regs);
	bool armed;
};

static __maybe_unused ktime_t tapir_timer_next(const struct tapir_timer *tt)
{
	u64 ns = tt->period_ns;

	if (tt->randomize_ns)
		ns += tapir_random_below(2 * tt->randomize_ns + 1) - tt->randomize_ns;
	return ns_to_ktime(ns ? ns : 1);
}

static __maybe_unused enum hrtimer_restart tapir_timer_fire(struct hrtimer *t)
{
	struct tapir_timer *tt = container_of(t, struct tapir_timer, t);

	tt->handler(get_irq_regs());
	if (tapir_session_state() != TAPIR_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, tapir_timer_next(tt));
	return HRTIMER_RESTART;
}

static __maybe_unused int tapir_timer_register(struct tapir_timer *tt)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	/* hrtimer_setup() replaced hrtimer_init() + .function in 6.13 */
	hrtimer_setup(&tt->t, tapir_timer_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(&tt->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	tt->t.function = tapir_timer_fire;
#endif
	hrtimer_start(&tt->t, tapir_timer_next(tt), HRTIMER_MODE_REL);
	tt->armed = true;
	return 0;
}

static __maybe_unused void tapir_timer_unregister(struct tapir_timer *tt)
{
	if (tt->armed)
		hrtimer_cancel(&tt->t);
	tt->armed = false;
}

/* ---- perf events, one per CPU ------------------------------------------------------ */

struct tapir_perf {
	u32 type;
	u64 config, period;
	bool freq;
	void (*handler)(struct pt_regs *regs);
	struct perf_event *ev[NR_CPUS];
};

static __maybe_unused void tapir_perf_fire(struct perf_event *ev, struct perf_sample_data *data,
			    struct pt_regs *regs)
{
	struct tapir_perf *p = ev->overflow_handler_context;

	p->handler(regs);
}

static __maybe_unused int tapir_perf_register(struct tapir_perf *p)
{
	struct perf_event_attr attr = {
		.type = p->type,
		.size = sizeof(attr),
		.config = p->config,
		.sample_period = p->period,
		.freq = p->freq,
		.pinned = 1,
	};
	int cpu;

	for_each_online_cpu(cpu) {
		struct perf_event *ev = perf_event_create_kernel_counter(&attr, cpu, NULL,
									 tapir_perf_fire, p);

		if (IS_ERR(ev))
			return PTR_ERR(ev);
		p->ev[cpu] = ev;
	}
	return 0;
}

static __maybe_unused void tapir_perf_unregister(struct tapir_perf *p)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (p->ev[cpu])
			perf_event_release_kernel(p->ev[cpu]);
		p->ev[cpu] = NULL;
	}
}

/* ---- tracepoints ------------------------------------------------------------------- */

struct tapir_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static __maybe_unused void tapir_tp_find(struct tracepoint *tp, void *priv)
{
	struct tapir_tp *t = priv;

	if (!t->tp && strcmp(tp->name, t->name) == 0)
		t->tp = tp;
}

static __maybe_unused int tapir_tp_register(struct tapir_tp *t)
{
	for_each_kernel_tracepoint(tapir_tp_find, t);
	if (!t->tp) {
		pr_err("%s: no tracepoint %s in this kernel\n", KBUILD_MODNAME, t->name);
		return -ENOENT;
	}
	return tracepoint_probe_register(t->tp, t->probe, t);
}

static __maybe_unused void tapir_tp_unregister(struct tapir_tp *t)
{
	if (t->tp)
		tracepoint_probe_unregister(t->tp, t->probe, t);
}

/* ---- kprobes and kretprobes ------------------------------------------------------------ */

struct tapir_kprobe {
	const char *symbol;
	bool ret;
	struct kprobe kp;
	struct kretprobe krp;
	bool armed;
};

static __maybe_unused int tapir_kprobe_register(struct tapir_kprobe *k, kprobe_pre_handler_t pre,
				 kretprobe_handler_t rh)
{
	int rc;

	if (k->ret) {
		k->krp.kp.symbol_name = k->symbol;
		k->krp.handler = rh;
		k->krp.maxactive = 0;
		rc = register_kretprobe(&k->krp);
	} else {
		k->kp.symbol_name = k->symbol;
		k->kp.pre_handler = pre;
		rc = register_kprobe(&k->kp);
	}
	k->armed = rc == 0;
	return rc;
}

static __maybe_unused void tapir_kprobe_unregister(struct tapir_kprobe *k)
{
	if (!k->armed)
		return;
	if (k->ret)
		unregister_kretprobe(&k->krp);
	else
		unregister_kprobe(&k->kp);
	k->armed = false;
}

/* Arm one kernel-function probe. One that can't be (a function this
 * kernel doesn't have, or won't let probe) is a warning, as in
 * SystemTap, and the others run; *narmed counts those armed. */
static __maybe_unused void tapir_kprobe_arm(struct tapir_kprobe *k, kprobe_pre_handler_t pre,
					    kretprobe_handler_t rh, const char *pp, int *narmed)
{
	char msg[TAPIR_MAXSTRINGLEN + 64];
	int rc = tapir_kprobe_register(k, pre, rh), n;

	if (rc == 0) {
		(*narmed)++;
		return;
	}
	n = scnprintf(msg, sizeof(msg), "WARNING: probe %s registration error (rc %d)\n", pp, rc);
	tapir_ring_write(TAPIR_REC_ERR, msg, n);
}

#endif /* TAPIR_PROBES_H */
