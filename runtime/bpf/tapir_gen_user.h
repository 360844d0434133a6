/* tapir_gen_user.h - what the BPF backend's generated user-side code
 * (begin/end/error probes) calls, over the executor's API (tapir_rt.h). */
#ifndef TAPIR_GEN_USER_H
#define TAPIR_GEN_USER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int64_t s64;
typedef uint64_t u64;
typedef uint32_t u32;

static inline void tapir_str_copy(char *dst, const char *src)
{
	snprintf(dst, TAPIR_MAXSTRINGLEN, "%s", src);
}

static inline void tapir_str_concat(char *dst, const char *a, const char *b)
{
	char tmp[TAPIR_MAXSTRINGLEN];

	snprintf(tmp, sizeof(tmp), "%s%s", a, b);
	memcpy(dst, tmp, sizeof(tmp));
}

static inline int tapir_str_cmp(const char *a, const char *b)
{
	int c = strcmp(a, b);

	return (c > 0) - (c < 0);
}

/* Same layout as the kernel side's per-CPU statistics record. */
struct tapir_stat {
	s64 count, sum, min, max, avg_s, m2, variance_s;
};

struct tapir_context {
	const char *probe_point;
	void *regs;
	long user_mode_p;
	long long args[6];
	long nargs; /* 0: begin, end and error probes have no arguments */
};

static struct tapir_context tapir_user_ctx;

#define CONTEXT (&tapir_user_ctx)
#define TAPIR_SET_PP(s) (CONTEXT->probe_point = (s))

#define TAPIR_FAIL goto tapir_out
#define TAPIR_ERROR(loc, msg) tapir_error((loc), (msg))

static inline s64 tapir_user_div(s64 a, s64 b, int mod)
{
	if (b == -1)
		return mod ? 0 : (s64)(0 - (u64)a);
	return mod ? a % b : a / b;
}

#define TAPIR_DIV(a, b) tapir_user_div((a), (b), 0)
#define TAPIR_MOD(a, b) tapir_user_div((a), (b), 1)

#define TAPIR_REC_BEGIN(id, n) \
	struct rt_value __v[(n) + 1]; \
	int __n = 0, __id = (id)
#define TAPIR_REC_LONG(x) (__v[__n++] = (struct rt_value){ .n = (x) })
#define TAPIR_REC_STR(x) (__v[__n].s = (x), __v[__n].len = strlen(__v[__n].s), __n++)
#define TAPIR_REC_END() tapir_printf(__id, __v, __n)
#define TAPIR_REC_SPRINT(buf) tapir_sprintf((buf), TAPIR_MAXSTRINGLEN, __id, __v, __n)

static const u32 tapir_zero_key;

/* What the running probe may still do (MAXACTION, counted at each loop
 * iteration), and how deep its recursive calls are (MAXNESTING). */
static long long tapir_actions;
static int tapir_nesting;

#define STAP_RETURN(v) do { STAP_RETVALUE = (v); return; } while (0)
/* As on the kernel side (tapir_gen_kern.h): the caller raises it. */
#define STAP_ERROR(fmt, ...) \
	do { \
		snprintf(F->__ret, sizeof(F->__ret), fmt, ##__VA_ARGS__); \
		F->__eloc = F->__loc; \
		F->__err = 1; \
		return; \
	} while (0)
#define STAP_WARN(fmt, ...) \
	do { \
		char __w[TAPIR_MAXSTRINGLEN]; \
		snprintf(__w, sizeof(__w), fmt, ##__VA_ARGS__); \
		tapir_warn(__w); \
	} while (0)
#define STAP_EXIT() tapir_exit()
#define STAP_ABORT() do { tapir_exit(); F->__err = 2; return; } while (0)
#define _stp_target (tapir_target())

/* The BPF helpers that read memory, for tapset code that runs here too:
 * kernel memory through the executor's syscall program (tapir_kread), as
 * safely as in a kernel probe; user memory faults, as no traced process
 * is current in a begin, end or user-space timer probe. */
static inline long bpf_probe_read_kernel(void *dst, u32 size, const void *src)
{
	long r = tapir_kread(dst, size, (u64)(unsigned long)src, 0);

	return r < 0 ? r : 0;
}

static inline long bpf_probe_read_kernel_str(void *dst, u32 size, const void *src)
{
	return tapir_kread(dst, size, (u64)(unsigned long)src, 1);
}

/* A @cast chain's value (emit_cast.c): size bytes at the kernel address
 * addr, sign-extended if is_signed, or a bitfield's bit_size bits from
 * bit bit_off; 0, or -1 on a fault. */
static inline int tapir_kread_value(s64 *v, u64 addr, u32 size, int is_signed, int bit_off,
				    int bit_size)
{
	u32 n = bit_size ? (u32)(bit_off + bit_size + 7) / 8 : size;
	u32 bits = bit_size ? (u32)bit_size : n * 8;
	u64 raw = 0;

	if (n > 8)
		n = 8;
	if (tapir_kread(&raw, n, addr, 0) < 0)
		return -1;
	raw >>= bit_size ? bit_off : 0;
	if (bits > 0 && bits < 64) {
		raw &= (1ULL << bits) - 1;
		if (is_signed && (raw >> (bits - 1)) & 1)
			raw |= ~0ULL << bits;
	}
	*v = bits ? (s64)raw : 0;
	return 0;
}

static inline long bpf_probe_read_user(void *dst, u32 size, const void *src)
{
	(void)src;
	memset(dst, 0, size);
	return -14;
}

static inline long bpf_probe_read_user_str(void *dst, u32 size, const void *src)
{
	return bpf_probe_read_user(dst, size, src);
}

#endif
