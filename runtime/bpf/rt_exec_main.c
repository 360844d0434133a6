// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_main.c - tapir_main(): one run of a generated program, in
 * SystemTap's order: load, begin probes, attach, start the -c command,
 * stream records until the run ends, then detach, drain what the kernel
 * probes sent, run the end (or error) probes, report, free.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_exec.h"

/* The end of a run that started: everything after the main loop. */
static void finish(struct rt_exec *x)
{
	const struct tapir_program *p = x->p;
	long long dropped = 0, skipped = 0, errors;
	char msg[128];

	rt_exec_request_end(x);
	rt_exec_detach(x);
	rt_exec_rec_drain(x);
	if (x->state == RT_EXEC_STARTING || x->state == RT_EXEC_RUNNING)
		x->state = RT_EXEC_STOPPING;
	rt_exec_run_uprobes(x, p->end, p->nend, RT_EXEC_STOPPING);
	rt_exec_run_uprobes(x, p->error, p->nerror, RT_EXEC_ERROR);
	rt_exec_timing_report(x);
	rt_exec_out_flush(x);
	rt_exec_stats_write(x);
	if (x->st) {
		dropped = x->st->dropped;
		skipped = x->st->skipped;
	}
	/* Errors whose records were dropped count too. */
	errors = x->errors;
	if (x->st && x->st->errors > x->kernel_errors)
		errors += x->st->errors - x->kernel_errors;
	if (errors > 0)
		x->status = 1;
	if (dropped > 0) {
		snprintf(msg, sizeof(msg), "Number of events dropped: %lld", dropped);
		rt_exec_warn_msg(x, msg, strlen(msg));
	}
	if (errors > 0 || skipped > 0) {
		snprintf(msg, sizeof(msg), "Number of errors: %lld, skipped probes: %lld", errors,
		         skipped);
		rt_exec_warn_msg(x, msg, strlen(msg));
	}
}

/* Everything the run holds, in any state it failed in. */
static void release(struct rt_exec *x, const sigset_t *old)
{
	rt_exec_detach(x);
	rt_exec_procfs_stop(x);
	rt_exec_rec_close(x);
	rt_exec_unload(x);
	rt_exec_log_unhook();
	rt_exec_child_kill(x);
	if (x->timer_fd >= 0)
		close(x->timer_fd);
	x->timer_fd = -1;
	rt_exec_signals_restore(x, old);
	rt_exec_out_close(x);
	rt_exec_fmt_free(x);
	rt_exec_warn_free(x);
	rt_exec_scratch_free_all(x);
	rt_exec_timing_free(x);
}

static void reset(struct rt_exec *x, const struct tapir_program *p)
{
	memset(x, 0, sizeof(*x));
	x->p = p;
	x->out_fd = x->sig_fd = x->timer_fd = x->child_gate = -1;
	x->state = RT_EXEC_STARTING;
}

int tapir_main(const struct tapir_program *p, int argc, char **argv)
{
	struct rt_exec *x = &rt_exec_run;
	sigset_t old;

	reset(x, p);
	if (rt_exec_parse_opts(&x->opt, argc, argv) < 0)
		return 1;
	sigprocmask(SIG_BLOCK, NULL, &old);
	if (rt_exec_out_open(x) < 0 || rt_exec_signals_block(x, &old) < 0)
		goto fail;
	if (x->opt.cmd && rt_exec_child_fork(x, &old) < 0)
		goto fail;
	if (rt_exec_load(x) < 0 || rt_exec_rec_open(x) < 0)
		goto fail;
	rt_exec_timing_start(x);
	rt_exec_run_init(x);
	rt_exec_run_uprobes(x, p->begin, p->nbegin, RT_EXEC_STARTING);
	if (x->state == RT_EXEC_STARTING)
		x->state = RT_EXEC_RUNNING;
	if (!x->end && (rt_exec_attach(x) < 0 || rt_exec_procfs_start(x) < 0))
		goto fail;
	if (rt_exec_child_release(x) < 0)
		goto fail;
	if (!x->end)
		rt_exec_loop(x);
	finish(x);
	release(x, &old);
	return x->status;
fail:
	x->status = 1;
	release(x, &old);
	return 1;
}
