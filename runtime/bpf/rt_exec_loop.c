// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_loop.c - the main loop: wait for records, signals, the -T
 * timeout and the -c command's end; handle them; flush the output.
 *
 * Printed records don't wake the loop one by one (tapir_rec.bpf.h): it
 * drains the ring buffer at every round, before the user-space probes run
 * (so that their output comes after what the kernel printed first), and
 * wakes at least every DRAIN_MS to do so.
 *
 * Signals are taken through a signalfd, so that nothing runs in a signal
 * handler: SIGINT, SIGTERM, SIGHUP and SIGQUIT end the run as exit()
 * does (stapio's set), SIGCHLD tells the -c command is done.  SIGPIPE is
 * ignored so that a reader going away is a write error, which ends the
 * run cleanly.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "rt_exec.h"

/* How often timer.randomize periods are drawn again. */
#define REDRAW_MS 100
/* How long printed output may wait in the ring buffer. */
#define DRAIN_MS 100

static void (*saved_sigpipe)(int);

static void fill_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGCHLD);
}

int rt_exec_signals_block(struct rt_exec *x, sigset_t *old)
{
	sigset_t set;

	fill_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
	x->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (x->sig_fd < 0) {
		rt_exec_errorf(x, "cannot take signals: %s", strerror(errno));
		return -errno;
	}
	saved_sigpipe = signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Signals still pending are dropped: the run they would have ended is over. */
void rt_exec_signals_restore(struct rt_exec *x, const sigset_t *old)
{
	struct signalfd_siginfo si;

	if (x->sig_fd >= 0) {
		while (read(x->sig_fd, &si, sizeof(si)) == sizeof(si))
			;
		close(x->sig_fd);
		signal(SIGPIPE, saved_sigpipe);
	}
	x->sig_fd = -1;
	sigprocmask(SIG_SETMASK, old, NULL);
}

static void take_signals(struct rt_exec *x)
{
	struct signalfd_siginfo si;

	while (read(x->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			rt_exec_note(x, "ending on signal %s", strsignal((int)si.ssi_signo));
			tapir_exit();
		} else if (rt_exec_child_reap(x)) {
			rt_exec_note(x, "ending: the -c command has exited");
			tapir_exit();
		}
	}
}

static int start_timeout(struct rt_exec *x)
{
	struct itimerspec its;
	double secs = x->opt.timeout;

	x->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (x->timer_fd < 0) {
		rt_exec_errorf(x, "cannot set the -T timeout: %s", strerror(errno));
		return -errno;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)secs;
	its.it_value.tv_nsec = (long)((secs - (double)its.it_value.tv_sec) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(x->timer_fd, 0, &its, NULL) < 0) {
		rt_exec_errorf(x, "cannot set the -T timeout: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run the user-space timer probes that are due; the poll timeout (ms)
 * until the next one, or dflt when there is none. */
static int run_utimers(struct rt_exec *x, int64_t *next, int dflt)
{
	const struct tapir_program *p = x->p;
	int64_t now = now_ns(), soonest = -1;

	for (int i = 0; i < p->nutimers && i < 64; i++) {
		if (now >= next[i]) {
			rt_exec_run_utimer(x, &p->utimers[i]);
			next[i] += p->utimers[i].priority;
			if (next[i] <= now)
				next[i] = now + p->utimers[i].priority;
		}
		if (soonest < 0 || next[i] < soonest)
			soonest = next[i];
	}
	if (soonest < 0)
		return dflt;
	soonest = (soonest - now_ns() + 999999) / 1000000;
	if (soonest < 0)
		soonest = 0;
	if (dflt >= 0 && dflt < soonest)
		return dflt;
	return (int)soonest;
}

/* The poll timeout: the sooner of a and b, -1 being never. */
static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int rt_exec_loop(struct rt_exec *x)
{
	int64_t next[64];
	struct pollfd fds[3 + 64];
	int nfds = 2, nbase, rc;

	fds[0] = (struct pollfd){.fd = x->rb ? ring_buffer__epoll_fd(x->rb) : -1, .events = POLLIN};
	fds[1] = (struct pollfd){.fd = x->sig_fd, .events = POLLIN};
	if (x->opt.timeout > 0) {
		if ((rc = start_timeout(x)) < 0)
			return rc;
		fds[nfds++] = (struct pollfd){.fd = x->timer_fd, .events = POLLIN};
	}
	/* The command may have ended before its SIGCHLD could be waited for. */
	if (x->child && rt_exec_child_reap(x))
		tapir_exit();
	rt_exec_out_flush(x);
	for (int i = 0; i < x->p->nutimers && i < 64; i++)
		next[i] = now_ns() + x->p->utimers[i].priority;
	nbase = nfds;
	while (!x->end) {
		int wait;

		if (x->rb)
			ring_buffer__consume(x->rb);
		wait = run_utimers(x, next, x->ntimers ? REDRAW_MS : -1);

		rt_exec_procfs_tick(x);
		if (x->end)
			break;
		wait = sooner(wait, rt_exec_procfs_wait(x));
		if (x->rb)
			wait = sooner(wait, DRAIN_MS);
		nfds = nbase + rt_exec_procfs_fds(x, fds + nbase, 64);
		rc = poll(fds, (nfds_t)nfds, wait);
		if (rc < 0 && errno != EINTR) {
			rt_exec_errorf(x, "waiting for events failed: %s", strerror(errno));
			return -errno;
		}
		if (x->rb)
			ring_buffer__consume(x->rb);
		if (rc > 0 && fds[1].revents)
			take_signals(x);
		if (rc > 0)
			rt_exec_procfs_events(x, fds + nbase, nfds - nbase);
		if (rc > 0 && nbase > 2 && fds[2].revents) {
			rt_exec_note(x, "ending: the -T timeout has passed");
			tapir_exit();
		}
		if (x->ntimers)
			rt_exec_timers_redraw(x);
		rt_exec_out_flush(x);
	}
	return 0;
}
