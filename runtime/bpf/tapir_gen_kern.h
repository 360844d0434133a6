/* tapir_gen_kern.h - what the BPF backend's generated kernel-side code
 * calls, mapped onto the kernel-side runtime (tapir.bpf.h). Included after
 * tapir_G is defined. */
#ifndef TAPIR_GEN_KERN_H
#define TAPIR_GEN_KERN_H

static const u32 tapir_zero_key;

/*
 * A script function: inlined into every probe that calls it, which is
 * cheapest, unless the build asks for calls (TAPIR_FN_CALLS): clang gives
 * up on a probe whose inlined functions spill more than the 512 bytes of
 * a BPF stack, and pass 4 then builds again with each function a BPF
 * subprogram of its own stack.  Its frame is in a map either way.
 */
#ifdef TAPIR_FN_CALLS
#define TAPIR_FN static __noinline
#else
#define TAPIR_FN static __always_inline
#endif

/* The probe that runs, for pp() and the tapsets' CONTEXT. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tapir_context);
} tapir_ctx SEC(".maps");

static struct tapir_context tapir_ctx_none;

static __attribute__((always_inline)) inline struct tapir_context *tapir_context(void)
{
	struct tapir_context *c = bpf_map_lookup_elem(&tapir_ctx, &tapir_zero_key);

	return c ? c : &tapir_ctx_none;
}

#define CONTEXT (tapir_context())
#define TAPIR_SET_PP(s) (CONTEXT->probe_point = (s))

/* The registers a probe has, for addr() and user_mode(): a uprobe's or
 * kprobe's context is its pt_regs; a perf event's (timers, samples) is a
 * struct bpf_perf_event_data_kern whose first member points to them;
 * tracepoints and fentry have none (NULL: not the last probe's). */
static __always_inline void tapir_regs_pt(struct pt_regs *r, long user)
{
	struct tapir_context *c = CONTEXT;

	c->regs = r;
	c->user_mode_p = user;
}

static __always_inline void tapir_regs_perf(void *data)
{
	struct tapir_context *c = CONTEXT;
	struct pt_regs *r = NULL;
	unsigned long cs = 0;

	bpf_probe_read_kernel(&r, sizeof(r), data);
	if (r)
		bpf_probe_read_kernel(&cs, sizeof(cs), &r->cs);
	c->regs = r;
	c->user_mode_p = (cs & 3) != 0;
}

#define TAPIR_SET_REGS(x, user)                                                        \
	_Generic((x), struct pt_regs *: tapir_regs_pt((struct pt_regs *)(x), (user)),  \
		 struct bpf_perf_event_data *: tapir_regs_perf((void *)(x)),            \
		 default: tapir_regs_pt(NULL, 0))

/* Leave the probe (or the function, which flags its caller). */
#define TAPIR_FAIL goto tapir_out
#define TAPIR_ERROR(loc, msg) do { tapir_error((loc), (msg)); TAPIR_FAIL; } while (0)

/* The divisor was checked for 0 before these run. */
#define TAPIR_DIV(a, b) tapir_sdiv64((a), (b))
#define TAPIR_MOD(a, b) ({ int __e = 0; tapir_mod((a), (b), 0, &__e); })

/* printf: a record built in the per-CPU buffer, sent whole. */
#define TAPIR_REC_BEGIN(id, n) struct tapir_recbuf *__rb = tapir_rec_start(TAPIR_REC_PRINTF, (id))
#define TAPIR_REC_LONG(v) tapir_rec_long(__rb, (v))
#define TAPIR_REC_STR(s) tapir_rec_str(__rb, (s))
#define TAPIR_REC_END() tapir_rec_send(__rb)

/* Zeroing and copying of keys and values: clang inlines memset and
 * memcpy of a few hundred bytes only, and a key of string columns at
 * -D MAXSTRINGLEN=1024 is larger; those go through a helper. */
static const char tapir_zeros[TAPIR_MAXSTRINGLEN * 9 + 9 * 8];
#define TAPIR_ZERO(p, n)                                                                           \
	do {                                                                                       \
		if ((n) <= 256)                                                                    \
			__builtin_memset((p), 0, (n));                                             \
		else                                                                               \
			bpf_probe_read_kernel((p), (n), tapir_zeros);                              \
	} while (0)
#define TAPIR_COPY(d, s, n)                                                                        \
	do {                                                                                       \
		if ((n) <= 256)                                                                    \
			__builtin_memcpy((d), (s), (n));                                           \
		else                                                                               \
			bpf_probe_read_kernel((d), (n), (s));                                      \
	} while (0)

#define TAPIR_STAT_ADD(p, type, start, stop, interval, buckets, shift, variance, v) \
	tapir_stat_add((p), (type), (start), (stop), (interval), (buckets), (shift), (variance), (v))

/* The tapsets' embedded-C conventions. */
#define TAPIR_STAP_RETURN(v) do { STAP_RETVALUE = (v); return; } while (0)
/* (a body written in place, backends/bpf/emit_inline.c, redefines it) */
#define STAP_RETURN(v) TAPIR_STAP_RETURN(v)
/* Formatted into the failing function's result buffer, which is free;
 * its caller raises it at the call (backends/bpf/emit_try.c), so that a
 * try around the call catches it. */
#define STAP_ERROR(fmt, args...) \
	do { \
		BPF_SNPRINTF(F->__ret, sizeof(F->__ret), fmt, ##args); \
		F->__eloc = F->__loc; \
		F->__err = 1; \
		return; \
	} while (0)
#define STAP_WARN(fmt, args...) \
	do { \
		BPF_SNPRINTF(F->__ret, sizeof(F->__ret), fmt, ##args); \
		tapir_warn(F->__ret); \
	} while (0)
#define STAP_EXIT() tapir_exit()
/* exit(), and the caller leaves its probe past any catch. */
#define STAP_ABORT() do { tapir_exit(); F->__err = 2; return; } while (0)
#define _stp_target (tapir_G.st.target)

#endif
