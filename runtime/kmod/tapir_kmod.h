/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_kmod.h - the kernel side of every tapir module: session state,
 * per-CPU contexts, errors, the globals' locks, strings.
 *
 * The generated module C defines the limits (TAPIR_MAXSTRINGLEN ...) and
 * then includes this file once; every function here is static, so that a
 * module is one translation unit plus runtime/common.
 *
 * A probe handler runs as SystemTap's do: interrupts off, on its CPU's
 * context (a busy context means the probe interrupted another one on the
 * same CPU: the hit is skipped and counted), its locals and temporaries
 * in frames taken from the context's stack, each global under its own
 * readers/writers lock, the ones a handler uses taken with a bounded
 * trylock (MAXTRYLOCK: skipped too, never a deadlock).
 * An error unwinds the handler and, past MAXERRORS, ends the session.
 */
#ifndef TAPIR_KMOD_H
#define TAPIR_KMOD_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <asm/irq_regs.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "rt_format.h"
#include "rt_hist.h"
#include "rt_stats.h"

#ifndef TAPIR_MAXSTRINGLEN
#define TAPIR_MAXSTRINGLEN 128
#endif
#ifndef TAPIR_MAXACTION
#define TAPIR_MAXACTION 1000
#endif
#ifndef TAPIR_MAXNESTING
#define TAPIR_MAXNESTING 10
#endif
#ifndef TAPIR_MAXERRORS
#define TAPIR_MAXERRORS 0
#endif
#ifndef TAPIR_MAXSKIPPED
#define TAPIR_MAXSKIPPED 100
#endif
#ifndef TAPIR_MAXTRYLOCK
#define TAPIR_MAXTRYLOCK 1000
#endif
#ifndef TAPIR_TRYLOCKDELAY
#define TAPIR_TRYLOCKDELAY 10 /* ns */
#endif
/* a tracepoint's arguments the context holds (as backends/kmod/kmod.h) */
#define TAPIR_MAXTPARGS 16

#ifndef TAPIR_STACK_SIZE
#define TAPIR_STACK_SIZE (128 * 1024)
#endif

/* The tapsets' contract (tapsets/check-c): SystemTap's names. */
#define MAXSTRINGLEN TAPIR_MAXSTRINGLEN
#define MAXERRORS TAPIR_MAXERRORS
#define CONTEXT _ctx
#define STAP_RETURN(x)                   \
	do {                             \
		STAP_RETVALUE = (x);     \
		return;                  \
	} while (0)
#define STAP_ERROR(...) tapir_error_fmt(CONTEXT, __VA_ARGS__)
#define STAP_WARN(...) tapir_warn_fmt(__VA_ARGS__)
#define STAP_EXIT() tapir_request_exit()
#define STAP_ABORT() tapir_abort(CONTEXT)
#define _stp_read_kernel(dst, src, n) copy_from_kernel_nofault((dst), (src), (n))
#define _stp_read_user(dst, src, n) copy_from_user_nofault((dst), (const void __user *)(src), (n))

enum tapir_state {
	TAPIR_LOADED,   /* module loaded, probes not armed */
	TAPIR_STARTING, /* begin probes running */
	TAPIR_RUNNING,
	TAPIR_STOPPING, /* exit() called: only end probes run */
	TAPIR_ERRORED,  /* MAXERRORS passed: only error probes run */
	TAPIR_DONE,
};

/* Records of the transport, read by the loader (runtime/kmod/loader). */
enum tapir_rec_type {
	TAPIR_REC_OUT = 1,  /* bytes for stdout (or -o) */
	TAPIR_REC_ERR = 2,  /* a line for stderr */
	TAPIR_REC_EXIT = 3, /* the session wants to end: stop it */
	TAPIR_REC_DONE = 4, /* end probes ran; one byte: the exit status */
	TAPIR_REC_SYSTEM = 5, /* system(): a command for /bin/sh */
	TAPIR_REC_SWITCH_FILE = 6, /* switch_file(): -o's next file */
};

enum {
	TAPIR_ARGS_CALL,    /* regs, by the x86-64 call ABI */
	TAPIR_ARGS_SYSCALL, /* regs are a system call's: di si dx r10 r8 r9 */
	TAPIR_ARGS_SLOTS,   /* targs: a kernel function's, saved at its entry in .return */
};

/*
 * What tapir_enter_regs() resets comes in 8-byte words, so that gcc
 * merges the stores of its constants: nesting and user_mode_p; the three
 * flags and args_kind (reset_word).
 */
struct tapir_ctx {
	atomic_t busy;
	const char *probe_point;
	struct pt_regs *regs;
	const u64 *targs;     /* a kernel function's, saved at its entry for a .return */
	int nesting;
	int user_mode_p;
	union {
		struct {
			bool unwind;    /* an error or abort() unwinds the handler */
			bool aborted;
			bool error_set;
			int args_kind;  /* where int_arg() & co. find the arguments: TAPIR_ARGS_* */
		};
		u64 reset_word; /* the four, reset in one store */
	};
	long actions;
	size_t sp;            /* bytes of stack in use */
	const char *near;     /* "identifier 'f' at file:1:2" for STAP_ERROR */
	char error[TAPIR_MAXSTRINGLEN * 2];
	char errline[TAPIR_MAXSTRINGLEN * 2 + 160]; /* "ERROR: ... near ...\n" */
	struct rt_sink out;   /* this CPU's print buffer */
	char outbuf[RT_BUFFER_SIZE];
	char stack[TAPIR_STACK_SIZE] __aligned(16);
};

/* -G NAME=VALUE of a long global: a 64-bit module parameter; as the
 * script's literals, a value past the signed range (an address) wraps. */
static int tapir_param_set_s64(const char *val, const struct kernel_param *kp)
{
	u64 u;
	int rc;

	if (*val == '-')
		return kstrtos64(val, 0, (s64 *)kp->arg);
	rc = kstrtou64(val, 0, &u);
	if (!rc)
		*(s64 *)kp->arg = (s64)u;
	return rc;
}

static int tapir_param_get_s64(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%lld\n", *(s64 *)kp->arg);
}

static const struct kernel_param_ops tapir_param_s64 = {
	.set = tapir_param_set_s64,
	.get = tapir_param_get_s64,
};

static __maybe_unused int64_t _stp_target;
module_param_cb(_tapir_target, &tapir_param_s64, &_stp_target, 0);

static __maybe_unused atomic_t tapir_session = ATOMIC_INIT(TAPIR_LOADED);
static __maybe_unused atomic_t tapir_nerrors = ATOMIC_INIT(0);
static __maybe_unused atomic_t tapir_nskipped = ATOMIC_INIT(0);
static __maybe_unused struct tapir_ctx *tapir_ctxs[NR_CPUS];
/* this CPU's tapir_ctxs[] entry, one %gs-relative load for a handler */
static DEFINE_PER_CPU(struct tapir_ctx *, tapir_ctx_here);

static __maybe_unused void tapir_ring_write(int type, const char *p, size_t n);

static __maybe_unused int tapir_session_state(void)
{
	return atomic_read(&tapir_session);
}

static __maybe_unused void tapir_request_exit(void)
{
	int s = atomic_cmpxchg(&tapir_session, TAPIR_RUNNING, TAPIR_STOPPING);

	if (s == TAPIR_STARTING)
		s = atomic_cmpxchg(&tapir_session, TAPIR_STARTING, TAPIR_STOPPING);
	if (s == TAPIR_RUNNING || s == TAPIR_STARTING)
		tapir_ring_write(TAPIR_REC_EXIT, NULL, 0);
}

/* ---- errors ---------------------------------------------------------------- */

static __maybe_unused __printf(2, 3) void tapir_error_fmt(struct tapir_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->unwind)
		return;
	va_start(ap, fmt);
	vscnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	c->unwind = true;
	c->error_set = true;
}

/* An error at a place of the script: "division by 0" near "operator '/' at f:1:2". */
static __maybe_unused void tapir_error_at(struct tapir_ctx *c, const char *msg, const char *near)
{
	if (c->unwind)
		return;
	c->near = near;
	tapir_error_fmt(c, "%s", msg);
}

static __maybe_unused void tapir_abort(struct tapir_ctx *c)
{
	c->unwind = true;
	c->aborted = true;
	tapir_request_exit();
}

static __maybe_unused __printf(1, 2) void tapir_warn_fmt(const char *fmt, ...)
{
	char buf[TAPIR_MAXSTRINGLEN + 16];
	va_list ap;
	int n;

	n = scnprintf(buf, sizeof(buf), "WARNING: ");
	va_start(ap, fmt);
	n += vscnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	tapir_ring_write(TAPIR_REC_ERR, buf, n);
}

/* An error's line "ERROR: ...\n" to stderr; past MAXERRORS the session
 * ends. */
static __maybe_unused void tapir_error_line(const char *buf, int n)
{
	tapir_ring_write(TAPIR_REC_ERR, buf, n);
	if (atomic_inc_return(&tapir_nerrors) > TAPIR_MAXERRORS) {
		int s = atomic_read(&tapir_session);

		if (s == TAPIR_RUNNING || s == TAPIR_STARTING || s == TAPIR_STOPPING) {
			atomic_set(&tapir_session, TAPIR_ERRORED);
			tapir_ring_write(TAPIR_REC_EXIT, NULL, 0);
		}
	}
}

/* After a handler that set an error: report it. Out of line: the hot
 * path only tests c->error_set. */
static __maybe_unused noinline void tapir_report_error(struct tapir_ctx *c)
{
	char *buf = c->errline;
	size_t size = sizeof(c->errline);
	int n;

	if (c->near)
		n = scnprintf(buf, size, "ERROR: %s near %s\n", c->error, c->near);
	else
		n = scnprintf(buf, size, "ERROR: %s\n", c->error);
	tapir_error_line(buf, n);
}

/* The error of a handler that runs without a context (a light one, whose
 * only error is a short message of the runtime's, such as an array's
 * overflow): reported at once, from a small buffer on the kernel stack
 * (a long "near" is cut, its line still ended). */
static __maybe_unused noinline void tapir_error_now(const char *msg, const char *near)
{
	char buf[320];
	int n;

	if (near)
		n = scnprintf(buf, sizeof(buf), "ERROR: %s near %s\n", msg, near);
	else
		n = scnprintf(buf, sizeof(buf), "ERROR: %s\n", msg);
	if (n > 0 && buf[n - 1] != '\n')
		buf[n - 1] = '\n';
	tapir_error_line(buf, n);
}

/* ---- the per-CPU context ------------------------------------------------------- */

static __maybe_unused int tapir_out_flush(struct rt_sink *s)
{
	tapir_ring_write(TAPIR_REC_OUT, s->buf, s->len);
	s->len = 0;
	return 0;
}

static __maybe_unused int tapir_ctxs_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		tapir_ctxs[cpu] = vzalloc(sizeof(struct tapir_ctx));
		if (!tapir_ctxs[cpu])
			return -ENOMEM;
		rt_sink_init(&tapir_ctxs[cpu]->out, tapir_ctxs[cpu]->outbuf, RT_BUFFER_SIZE);
		tapir_ctxs[cpu]->out.flush = tapir_out_flush;
		per_cpu(tapir_ctx_here, cpu) = tapir_ctxs[cpu];
	}
	return 0;
}

static __maybe_unused void tapir_ctxs_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(tapir_ctx_here, cpu) = NULL;
		vfree(tapir_ctxs[cpu]);
		tapir_ctxs[cpu] = NULL;
	}
}

/* Set when skipped hits passed MAXSKIPPED and ended the session; the
 * loader's next read of the ring reports it (tapir_out_read), as a probe
 * may be skipped where the ring's lock is held. */
static __maybe_unused atomic_t tapir_skip_limit = ATOMIC_INIT(0);

static __maybe_unused noinline void tapir_skip_over(void)
{
	if (atomic_cmpxchg(&tapir_session, TAPIR_RUNNING, TAPIR_ERRORED) == TAPIR_RUNNING)
		atomic_set(&tapir_skip_limit, 1);
}

/* A hit not run; past MAXSKIPPED of them the session ends in error, as
 * SystemTap's. */
static __maybe_unused void tapir_skip(void)
{
	if (unlikely(atomic_inc_return(&tapir_nskipped) > TAPIR_MAXSKIPPED))
		tapir_skip_over();
}

/* A context that is busy (the probe interrupted another handler on this
 * CPU) or absent: the hit is skipped. Out of line, off the hot path. */
static __maybe_unused noinline struct tapir_ctx *tapir_enter_busy(struct tapir_ctx *c,
								 unsigned long flags)
{
	if (c)
		atomic_dec(&c->busy);
	local_irq_restore(flags);
	tapir_skip();
	return NULL;
}

/* The flags cleared and args_kind, as one word (a constant in a handler):
 * args_kind is its bytes 4 to 7. */
static_assert(offsetof(struct tapir_ctx, args_kind) == offsetof(struct tapir_ctx, reset_word) + 4);
static __always_inline u64 tapir_reset_word(int args_kind)
{
#ifdef __LITTLE_ENDIAN
	return (u64)(u32)args_kind << 32;
#else
	return (u32)args_kind;
#endif
}

/*
 * Enter a probe handler in session state 'want' (RUNNING for event
 * probes), on regs and targs read as args_kind says: NULL if it must not
 * run. user: whether regs are user space's, 0 or 1 when the probe's kind
 * says (a kernel function's are the kernel's), -1 to ask regs. Interrupts stay off until tapir_leave(). Inlined into every
 * handler, as tapir_leave(): what a short handler costs is mostly calls
 * and stores.
 */
static __always_inline struct tapir_ctx *tapir_enter_regs(int want, const char *pp,
							  struct pt_regs *regs, int user,
							  const u64 *targs, int args_kind,
							  unsigned long *flags)
{
	struct tapir_ctx *c;

	if (atomic_read(&tapir_session) != want)
		return NULL;
	local_irq_save(*flags);
	c = this_cpu_read(tapir_ctx_here);
	if (unlikely(!c || atomic_inc_return(&c->busy) != 1))
		return tapir_enter_busy(c, *flags);
	c->probe_point = pp;
	c->regs = regs;
	c->targs = targs;
	c->nesting = 0;
	c->user_mode_p = user >= 0 ? user : regs ? user_mode(regs) : 0;
	c->reset_word = tapir_reset_word(args_kind);
	c->actions = 0;
	c->sp = 0;
	c->near = NULL;
	return c;
}

/* tapir_enter_regs() without registers nor arguments (set them after). */
static __always_inline struct tapir_ctx *tapir_enter(int want, const char *pp, unsigned long *flags)
{
	return tapir_enter_regs(want, pp, NULL, 0, NULL, TAPIR_ARGS_CALL, flags);
}

static __always_inline void tapir_leave(struct tapir_ctx *c, unsigned long *flags)
{
	if (c->out.len)
		rt_sink_flush(&c->out);
	if (unlikely(c->error_set))
		tapir_report_error(c);
	atomic_dec(&c->busy);
	local_irq_restore(*flags);
}

/* A global's lock as a handler takes it: for reading, or for writing. */
struct tapir_lockref {
	rwlock_t *lock;
	int write;
};

/*
 * One try at a global's lock, and its release: the kernel's
 * write_trylock() & co. inlined (their __raw_ bodies, lockdep annotations
 * and preemption count included), since the out-of-line _raw_*() calls
 * are a good part of a short handler. PREEMPT_RT's rwlocks sleep, and
 * neither they nor a uniprocessor kernel's have such bodies: there, the
 * plain calls.
 */
#if defined(CONFIG_PREEMPT_RT) || !(defined(CONFIG_SMP) || defined(CONFIG_DEBUG_SPINLOCK))
#define tapir_write_trylock(l) write_trylock(l)
#define tapir_read_trylock(l) read_trylock(l)
#define tapir_write_unlock(l) write_unlock(l)
#define tapir_read_unlock(l) read_unlock(l)
#else
#define tapir_write_trylock(l) __raw_write_trylock(l)
#define tapir_read_trylock(l) __raw_read_trylock(l)
#define tapir_write_unlock(l) __raw_write_unlock(l)
#define tapir_read_unlock(l) __raw_read_unlock(l)
#endif

static __always_inline bool tapir_trylock1(const struct tapir_lockref *l)
{
	return l->write ? tapir_write_trylock(l->lock) : tapir_read_trylock(l->lock);
}

static __always_inline void tapir_unlock(const struct tapir_lockref *l, size_t n)
{
#pragma GCC unroll 16
	while (n-- > 0) {
		if (l[n].write)
			tapir_write_unlock(l[n].lock);
		else
			tapir_read_unlock(l[n].lock);
	}
}

/* From lock i on, whose first try failed: MAXTRYLOCK tries in all for
 * each lock, TRYLOCKDELAY after each that fails; false (the probe
 * skipped, what was taken released) when one can't be had. */
static __maybe_unused noinline bool tapir_lock_slow(const struct tapir_lockref *l, size_t i,
						     size_t n)
{
	int t = 1;

	ndelay(TAPIR_TRYLOCKDELAY);
	for (;;) {
		for (; t < TAPIR_MAXTRYLOCK; t++) {
			if (tapir_trylock1(&l[i]))
				break;
			ndelay(TAPIR_TRYLOCKDELAY);
		}
		if (t == TAPIR_MAXTRYLOCK) {
			tapir_unlock(l, i);
			tapir_skip();
			return false;
		}
		if (++i == n)
			return true;
		t = 0;
	}
}

/* The locks of the globals a handler uses, in declaration order, each
 * with MAXTRYLOCK tries (tapir_lock_slow() past the first); false when
 * one can't be had. Inlined on the handler's constant table, the first
 * tries are a few instructions each. */
static __always_inline bool tapir_lock(const struct tapir_lockref *l, size_t n)
{
	size_t i;

	/* unrolled on the handler's table: no loop over it */
#pragma GCC unroll 16
	for (i = 0; i < n; i++) {
		if (unlikely(!tapir_trylock1(&l[i])))
			return tapir_lock_slow(l, i, n);
	}
	return true;
}

/* A zeroed frame of n bytes from the context's stack, or NULL (reported). */
static __maybe_unused void *tapir_push(struct tapir_ctx *c, size_t n, const char *near)
{
	void *p;

	n = ALIGN(n, 16);
	if (c->nesting >= TAPIR_MAXNESTING + 1 || c->sp + n > sizeof(c->stack)) {
		tapir_error_at(c, "MAXNESTING exceeded", near);
		return NULL;
	}
	p = c->stack + c->sp;
	c->sp += n;
	c->nesting++;
	memset(p, 0, n);
	return p;
}

static __maybe_unused void tapir_pop(struct tapir_ctx *c, size_t n)
{
	c->sp -= ALIGN(n, 16);
	c->nesting--;
}

/* Scratch of n bytes from the context's stack (foreach's sorted entries). */
static __maybe_unused void *tapir_alloc(struct tapir_ctx *c, size_t n, const char *near)
{
	void *p;

	n = ALIGN(n, 16);
	if (c->sp + n > sizeof(c->stack)) {
		tapir_error_at(c, "out of context stack (too many array entries to sort)", near);
		return NULL;
	}
	p = c->stack + c->sp;
	c->sp += n;
	return p;
}

/* The handler's own frame of n bytes (a constant), first on the context's
 * stack: right after tapir_enter() sp is 0, so only a frame larger than
 * the stack needs a check (and fails, reported, as tapir_alloc()). */
static __always_inline void *tapir_frame(struct tapir_ctx *c, size_t n)
{
	if (n > sizeof(c->stack))
		return tapir_alloc(c, n, NULL);
	c->sp = ALIGN(n, 16);
	return c->stack;
}

static __maybe_unused void tapir_free(struct tapir_ctx *c, size_t n, void *p)
{
	if (p)
		c->sp -= ALIGN(n, 16);
}

/* Statement and loop counting: MAXACTION. */
static __maybe_unused bool tapir_action(struct tapir_ctx *c, const char *near)
{
	if (likely(++c->actions <= TAPIR_MAXACTION))
		return true;
	tapir_error_at(c, "MAXACTION exceeded", near);
	return false;
}

/* ---- arithmetic and strings ---------------------------------------------------- */

static __maybe_unused int64_t tapir_div(struct tapir_ctx *c, int64_t a, int64_t b, const char *near)
{
	if (unlikely(b == 0)) {
		tapir_error_at(c, "division by 0", near);
		return 0;
	}
	return rt_div64(a, b);
}

static __maybe_unused int64_t tapir_mod(struct tapir_ctx *c, int64_t a, int64_t b, const char *near)
{
	if (unlikely(b == 0)) {
		tapir_error_at(c, "division by 0", near);
		return 0;
	}
	if (b == -1)
		return 0;
	return rt_sub64(a, rt_mul64(rt_div64(a, b), b));
}

static __maybe_unused int64_t tapir_shl(int64_t a, int64_t b)
{
	return rt_shl64(a, (int)(b & 63));
}

static __maybe_unused int64_t tapir_shr(int64_t a, int64_t b)
{
	return a >> (b & 63);
}

static __maybe_unused void tapir_str_copy(char *dst, const char *src)
{
	if (dst != src)
		strscpy(dst, src, TAPIR_MAXSTRINGLEN);
}

static __maybe_unused void tapir_str_concat(char *dst, const char *a, const char *b)
{
	char tmp[TAPIR_MAXSTRINGLEN];
	size_t n = strscpy(tmp, a, sizeof(tmp));

	if ((ssize_t)n < 0)
		n = sizeof(tmp) - 1;
	strscpy(tmp + n, b, sizeof(tmp) - n);
	memcpy(dst, tmp, sizeof(tmp));
}

/* ---- statistics ------------------------------------------------------------------ */

/*
 * A statistic: one part and its histogram. A global statistic is kept per
 * CPU, as SystemTap's: '<<<' adds to this CPU's part under the global's
 * read lock (the busy context keeps the CPU's part to one handler), and a
 * reader, under the write lock, merges the parts into one struct
 * tapir_stat that reads the same (tapir_stat_merge_end()).
 */
struct tapir_stat {
	struct rt_stat st;
	int64_t hist[RT_HIST_MAX_BUCKETS + 2];
};

/* Merging parts into dst: tapir_stat_merge_add() each part, then
 * tapir_stat_merge_variance() each part, then tapir_stat_merge_end(). */
static __maybe_unused void tapir_stat_merge_begin(struct rt_agg *a, struct tapir_stat *dst,
						  const struct rt_stat_desc *d)
{
	rt_agg_init(a, dst->hist, d);
}

static __maybe_unused void tapir_stat_merge_add(struct rt_agg *a, const struct tapir_stat *part)
{
	if (part)
		rt_agg_add(a, &part->st, part->hist);
}

static __maybe_unused void tapir_stat_merge_variance(struct rt_agg *a, const struct tapir_stat *part)
{
	if (part)
		rt_agg_add_variance(a, &part->st);
}

/* dst as one part whose aggregate is a's: its running mean is the total
 * mean and its variance the total variance, so that @avg and @variance of
 * dst read what they read over the parts. */
static __maybe_unused void tapir_stat_merge_end(struct rt_agg *a, struct tapir_stat *dst)
{
	struct rt_stat *s = &dst->st;

	s->count = a->count;
	s->sum = a->sum;
	s->min = a->min;
	s->max = a->max;
	s->m2 = 0;
	s->avg_s = a->count ? rt_div64(rt_shl64(a->sum, a->desc->shift), a->count) : 0;
	s->variance_s = a->count > 1 ? rt_div64(rt_add64(a->s1, a->s2), a->count - 1) : -1;
}

/* A global statistic's parts merged into its aggregate g. */
static __maybe_unused void tapir_pstat_merge(struct tapir_stat *g, struct tapir_stat __percpu *p,
					     const struct rt_stat_desc *d)
{
	struct rt_agg a;
	int cpu;

	tapir_stat_merge_begin(&a, g, d);
	for_each_possible_cpu(cpu)
		tapir_stat_merge_add(&a, per_cpu_ptr(p, cpu));
	for_each_possible_cpu(cpu)
		tapir_stat_merge_variance(&a, per_cpu_ptr(p, cpu));
	tapir_stat_merge_end(&a, g);
}

static __maybe_unused void tapir_pstat_clear(struct tapir_stat __percpu *p)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(p, cpu), 0, sizeof(struct tapir_stat));
}

/* s <<< v, of a statistic whose histogram is type (d->type, a constant
 * the generated code passes). */
static __always_inline void tapir_stat_add(struct tapir_stat *s, const struct rt_stat_desc *d,
					    enum rt_hist_type type, int64_t v)
{
	rt_stat_add_t(&s->st, type == RT_HIST_NONE ? NULL : s->hist, d, type, v);
}

/* @count ... of s: an error for @min/@max/@avg/@variance of nothing. */
static __maybe_unused int64_t tapir_stat_read(struct tapir_ctx *c, const struct tapir_stat *s,
			       const struct rt_stat_desc *d, int op, const char *near)
{
	struct rt_agg a;

	rt_agg_init(&a, NULL, d);
	if (s) {
		rt_agg_add(&a, &s->st, NULL);
		rt_agg_add_variance(&a, &s->st);
	}
	rt_agg_finish(&a);
	if (a.count == 0 && op >= 2) {
		tapir_error_at(c, "empty aggregate", near);
		return 0;
	}
	switch (op) {
	case 0: return a.count;
	case 1: return a.sum;
	case 2: return a.min;
	case 3: return a.max;
	case 4: return a.avg;
	default: return a.variance;
	}
}

/* @hist_*(s)[i]: bucket i's count (numbered as rt_stat_add fills them);
 * 0 out of range, or for a statistic never added to. */
static __maybe_unused int64_t tapir_hist_bucket(const struct tapir_stat *s,
						const struct rt_stat_desc *d, int64_t i)
{
	if (!s || i < 0 || i >= d->buckets)
		return 0;
	return s->hist[i];
}

static __maybe_unused void tapir_hist_print(struct tapir_ctx *c, const struct tapir_stat *s,
			     const struct rt_stat_desc *d, const char *near)
{
	static const int64_t none[RT_HIST_MAX_BUCKETS + 2];

	if (rt_hist_print(&c->out, d, s ? s->hist : none, NULL) == -ENODATA)
		tapir_error_at(c, "empty aggregate", near);
}

#endif /* TAPIR_KMOD_H */
