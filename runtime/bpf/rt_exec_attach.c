// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_attach.c - attaching the kernel probes' programs, each as its
 * enum tapir_attach says, and detaching them all.
 *
 * Tracepoints go through libbpf's attach calls (tp_btf, raw_tp, and perf
 * tracepoints, which libbpf opens on the tracefs event id).  Timers,
 * profiles and perf counters are perf events opened here, as bpftrace's
 * interval and profile probes: a cpu-clock event on one CPU for a timer,
 * on every online CPU for timer.profile, the given counter on every
 * online CPU for perf.*.  Each link owns its perf event: destroying the
 * link closes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <bpf/libbpf.h>

#include "rt_exec.h"

static int add_link(struct rt_exec *x, struct bpf_link *link)
{
	struct bpf_link **p = realloc(x->links, (size_t)(x->nlinks + 1) * sizeof(*p));

	if (!p) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	x->links = p;
	x->links[x->nlinks++] = link;
	return 0;
}

static int add_timer(struct rt_exec *x, int fd, long long period, long long spread)
{
	struct rt_exec_timer *p = realloc(x->timers, (size_t)(x->ntimers + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	x->timers = p;
	x->timers[x->ntimers++] = (struct rt_exec_timer){fd, period, spread};
	return 0;
}

static const char *hw_event_name(unsigned long long config)
{
	static const char *const names[] = {
	    "cpu_cycles",
	    "instructions",
	    "cache_references",
	    "cache_misses",
	    "branch_instructions",
	    "branch_misses",
	    "bus_cycles",
	    "stalled_cycles_frontend",
	    "stalled_cycles_backend",
	    "ref_cpu_cycles",
	};

	return config < sizeof(names) / sizeof(names[0]) ? names[config] : "unknown";
}

/* Why perf_event_open() failed, naming the event. */
static void perf_open_failed(struct rt_exec *x, const struct tapir_kprobe *k,
                             const struct perf_event_attr *a, int cpu, int err)
{
	bool missing = err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV;

	if (missing && a->type == PERF_TYPE_HARDWARE)
		rt_exec_errorf(x,
		               "probe %s: this machine has no hardware perf event '%s' "
		               "(type %u config %llu): %s",
		               k->pp, hw_event_name(a->config), a->type,
		               (unsigned long long)a->config, strerror(-err));
	else if (missing && (a->type == PERF_TYPE_HW_CACHE || a->type == PERF_TYPE_RAW))
		rt_exec_errorf(x,
		               "probe %s: this machine has no such hardware perf event "
		               "(type %u config %#llx): %s",
		               k->pp, a->type, (unsigned long long)a->config, strerror(-err));
	else
		rt_exec_errorf(x,
		               "probe %s: cannot open perf event type %u config %llu on CPU %d: %s",
		               k->pp, a->type, (unsigned long long)a->config, cpu, strerror(-err));
}

/* One perf event per CPU of cpus, each with prog attached. */
static int attach_perf(struct rt_exec *x, const struct tapir_kprobe *k, struct bpf_program *prog,
                       struct perf_event_attr *a, const int *cpus, int ncpus, long long spread)
{
	struct bpf_link *link;
	int i, fd, err;

	for (i = 0; i < ncpus; i++) {
		fd = (int)syscall(SYS_perf_event_open, a, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			perf_open_failed(x, k, a, cpus[i], err);
			return err;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		if (!link) {
			err = -errno;
			close(fd);
			rt_exec_errorf(x,
			               "probe %s: cannot attach program '%s' to a perf event: %s",
			               k->pp, k->prog, strerror(-err));
			return err;
		}
		if ((err = add_link(x, link)) < 0)
			return err;
		if (spread > 0 && (err = add_timer(x, fd, a->sample_period, spread)) < 0)
			return err;
	}
	return 0;
}

static void sw_clock(struct perf_event_attr *a, long long period)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->sample_period = (unsigned long long)period;
	a->disabled = 1;
}

static int attach_timer(struct rt_exec *x, const struct tapir_kprobe *k, struct bpf_program *prog,
                        const int *cpus, int ncpus)
{
	struct perf_event_attr a;
	bool profile = k->attach == TAPIR_ATTACH_PROFILE;
	long long spread = profile ? 0 : k->num[1];

	if (k->num[0] <= 0) {
		rt_exec_errorf(x, "probe %s: the timer period must be positive", k->pp);
		return -EINVAL;
	}
	sw_clock(&a, k->num[0]);
	if (profile) {
		rt_exec_note(x,
		             "probe %s: program '%s' on a cpu-clock perf event every %lld ns on "
		             "each of %d CPUs",
		             k->pp, k->prog, k->num[0], ncpus);
		return attach_perf(x, k, prog, &a, cpus, ncpus, 0);
	}
	rt_exec_note(x,
	             "probe %s: program '%s' on a cpu-clock perf event every %lld ns on CPU %d%s",
	             k->pp, k->prog, k->num[0], cpus[0],
	             spread > 0 ? " (randomized: the period is re-drawn every 100 ms)" : "");
	return attach_perf(x, k, prog, &a, cpus, 1, spread);
}

static int attach_counter(struct rt_exec *x, const struct tapir_kprobe *k, struct bpf_program *prog,
                          const int *cpus, int ncpus)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (unsigned int)k->num[0];
	a.config = (unsigned long long)k->num[1];
	if (k->num[3]) {
		a.freq = 1;
		a.sample_freq = (unsigned long long)k->num[2];
	} else {
		a.sample_period = (unsigned long long)k->num[2];
	}
	a.disabled = 1;
	rt_exec_note(x,
	             "probe %s: program '%s' on perf event type %u config %llu, %s %lld, on "
	             "each of %d CPUs",
	             k->pp, k->prog, a.type, (unsigned long long)a.config,
	             k->num[3] ? "frequency" : "period", k->num[2], ncpus);
	return attach_perf(x, k, prog, &a, cpus, ncpus, 0);
}

/* "system:event" for a perf tracepoint. */
static struct bpf_link *attach_perf_tp(struct bpf_program *prog, const char *target)
{
	const char *colon = target ? strchr(target, ':') : NULL;
	char sys[256];
	size_t n;

	if (!colon || (n = (size_t)(colon - target)) >= sizeof(sys)) {
		errno = EINVAL;
		return NULL;
	}
	memcpy(sys, target, n);
	sys[n] = '\0';
	return bpf_program__attach_tracepoint(prog, sys, colon + 1);
}

static const char *const attach_names[] = {
    [TAPIR_ATTACH_TP_BTF] = "tp_btf",
    [TAPIR_ATTACH_RAW_TP] = "raw_tp",
    [TAPIR_ATTACH_PERF_TP] = "perf tracepoint",
};

static int attach_tracepoint(struct rt_exec *x, const struct tapir_kprobe *k,
                             struct bpf_program *prog)
{
	struct bpf_link *link;
	int err;

	if (k->attach == TAPIR_ATTACH_TP_BTF)
		link = bpf_program__attach_trace(prog);
	else if (k->attach == TAPIR_ATTACH_RAW_TP)
		link = bpf_program__attach_raw_tracepoint(prog, k->target);
	else
		link = attach_perf_tp(prog, k->target);
	if (!link) {
		err = -errno;
		rt_exec_errorf(x, "probe %s: cannot attach program '%s' as %s to '%s': %s", k->pp,
		               k->prog, attach_names[k->attach], k->target ? k->target : "",
		               strerror(-err));
		return err;
	}
	rt_exec_note(x, "probe %s: program '%s' attached as %s to %s", k->pp, k->prog,
	             attach_names[k->attach], k->target ? k->target : "");
	return add_link(x, link);
}

static int attach_one(struct rt_exec *x, const struct tapir_kprobe *k, const int *cpus, int ncpus)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(x->obj, k->prog);

	if (!prog) {
		rt_exec_errorf(x, "probe %s: program '%s' is not in the BPF object", k->pp,
		               k->prog);
		return -ENOENT;
	}
	switch (k->attach) {
	case TAPIR_ATTACH_TP_BTF:
	case TAPIR_ATTACH_RAW_TP:
	case TAPIR_ATTACH_PERF_TP:
		return attach_tracepoint(x, k, prog);
	case TAPIR_ATTACH_TIMER:
	case TAPIR_ATTACH_PROFILE:
		return attach_timer(x, k, prog, cpus, ncpus);
	case TAPIR_ATTACH_PERF:
		return attach_counter(x, k, prog, cpus, ncpus);
	case TAPIR_ATTACH_KFUNC:
		return rt_exec_kfunc_attach(x, k);
	case TAPIR_ATTACH_UPROBE: {
		struct bpf_link *link = rt_exec_attach_uprobe(x, k, prog);

		return link ? add_link(x, link) : -EINVAL;
	}
	}
	rt_exec_errorf(x, "probe %s: unknown attach kind %d", k->pp, (int)k->attach);
	return -EINVAL;
}

int rt_exec_attach(struct rt_exec *x)
{
	int *cpus = NULL, ncpus, i, err = 0;

	ncpus = rt_exec_online_cpus(&cpus);
	if (ncpus < 0) {
		rt_exec_errorf(x, "cannot read the online CPUs: %s", strerror(-ncpus));
		return ncpus;
	}
	for (i = 0; i < x->p->nkprobes && err == 0; i++)
		err = attach_one(x, &x->p->kprobes[i], cpus, ncpus);
	free(cpus);
	return err;
}

void rt_exec_detach(struct rt_exec *x)
{
	int i;

	for (i = 0; i < x->nlinks; i++)
		bpf_link__destroy(x->links[i]);
	free(x->links);
	x->links = NULL;
	x->nlinks = 0;
	free(x->timers);
	x->timers = NULL;
	x->ntimers = 0;
	rt_exec_kfunc_free();
}

/* xorshift64: a timer's jitter needs no better randomness. */
static unsigned long long next_random(void)
{
	static unsigned long long s;

	if (!s)
		s = ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid() ^ 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* timer.randomize: period +/- spread, drawn again (SystemTap draws each tick). */
void rt_exec_timers_redraw(struct rt_exec *x)
{
	int i;

	for (i = 0; i < x->ntimers; i++) {
		const struct rt_exec_timer *t = &x->timers[i];
		unsigned long long range = 2 * (unsigned long long)t->spread + 1;
		long long period = t->period - t->spread + (long long)(next_random() % range);
		unsigned long long p = (unsigned long long)(period > 10000 ? period : 10000);

		ioctl(t->fd, PERF_EVENT_IOC_PERIOD, &p);
	}
}
