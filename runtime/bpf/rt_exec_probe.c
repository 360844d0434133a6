// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_probe.c - the session: its state, the user-space probes
 * (begin, end, error) run in it, and the calls they make to end the run,
 * fail or warn.
 *
 * As in SystemTap, exit() moves a starting or running session to
 * STOPPING (later begin probes are skipped, end probes will run), and
 * errors past MAXERRORS move it to ERROR (error probes run instead of end
 * probes).  A probe's run-time error abandons the probe by longjmp back
 * to where it was started.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_exec.h"

struct rt_exec rt_exec_run = {
    .out_fd = -1,
    .sig_fd = -1,
    .timer_fd = -1,
    .child_gate = -1,
};

/* Stops the main loop, and the kernel probes' work. */
void rt_exec_request_end(struct rt_exec *x)
{
	x->end = true;
	if (x->st)
		x->st->exiting = 1;
}

void tapir_exit(void)
{
	struct rt_exec *x = &rt_exec_run;

	if (x->state == RT_EXEC_STARTING || x->state == RT_EXEC_RUNNING)
		x->state = RT_EXEC_STOPPING;
	rt_exec_request_end(x);
}

void tapir_error(int loc_id, const char *msg)
{
	struct rt_exec *x = &rt_exec_run;

	rt_exec_probe_error(x, msg, strlen(msg), loc_id);
	if (!x->probe_jmp)
		abort(); /* only a probe can fail */
	longjmp(*x->probe_jmp, 1);
}

void tapir_warn(const char *msg)
{
	rt_exec_warn_msg(&rt_exec_run, msg, strlen(msg));
}

long long tapir_target(void)
{
	struct rt_exec *x = &rt_exec_run;

	return x->child ? (long long)x->child : x->opt.target;
}

void *tapir_globals(void)
{
	return rt_exec_run.globals;
}

/* Memory a probe holds while it runs, with its header kept aligned. */
union scratch_node {
	struct rt_exec_scratch s;
	max_align_t align;
};

void *rt_exec_scratch_alloc(struct rt_exec *x, size_t size)
{
	union scratch_node *n = malloc(sizeof(*n) + size);

	if (!n)
		return NULL;
	n->s.ptr = n + 1;
	n->s.next = x->scratch;
	x->scratch = &n->s;
	return n->s.ptr;
}

void rt_exec_scratch_free(struct rt_exec *x, void *ptr)
{
	struct rt_exec_scratch **pp;

	if (!ptr)
		return;
	for (pp = &x->scratch; *pp; pp = &(*pp)->next) {
		if ((*pp)->ptr == ptr) {
			struct rt_exec_scratch *s = *pp;

			*pp = s->next;
			free(s);
			return;
		}
	}
}

void rt_exec_scratch_free_all(struct rt_exec *x)
{
	while (x->scratch) {
		struct rt_exec_scratch *s = x->scratch;

		x->scratch = s->next;
		free(s);
	}
}

/* Runs fn, returning when it returns or fails. */
static void run_guarded(struct rt_exec *x, void (*fn)(void))
{
	jmp_buf jb;
	int64_t t0 = rt_exec_timing_clock(x);

	x->probe_jmp = &jb;
	if (setjmp(jb) == 0)
		fn();
	x->probe_jmp = NULL;
	rt_exec_timing_user(x, fn, t0);
	rt_exec_scratch_free_all(x);
}

static void run_init(void)
{
	rt_exec_run.p->init_globals(rt_exec_run.globals);
}

void rt_exec_run_init(struct rt_exec *x)
{
	if (x->p->init_globals)
		run_guarded(x, run_init);
}

/* The probes of u whose session state is want, by priority, in order of
 * declaration among equals (SystemTap sorts them stably). */
void rt_exec_run_uprobes(struct rt_exec *x, const struct tapir_uprobe *u, int n,
                         enum rt_exec_state want)
{
	int *order, i, j;

	if (n <= 0)
		return;
	order = malloc((size_t)n * sizeof(*order));
	if (!order) {
		rt_exec_errorf(x, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && u[order[j - 1]].priority > u[i].priority; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < n; i++) {
		if (x->state != want)
			break;
		run_guarded(x, u[order[i]].fn);
		rt_exec_out_flush(x);
	}
	free(order);
}

void rt_exec_run_fn(struct rt_exec *x, void (*fn)(void))
{
	if (x->state == RT_EXEC_RUNNING)
		run_guarded(x, fn);
}

/* One run of the user-space timer probe u (its period has come). */
void rt_exec_run_utimer(struct rt_exec *x, const struct tapir_uprobe *u)
{
	if (x->state != RT_EXEC_RUNNING)
		return;
	run_guarded(x, u->fn);
	rt_exec_out_flush(x);
}
