/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_arith.bpf.h - SystemTap's integer / and % (runtime/linux/arith.c,
 * _stp_div64 and _stp_mod64) on BPF, whose v3 instruction set divides
 * unsigned only (signed BPF_SDIV/SMOD came with -mcpu=v4, kernel 6.6).
 *
 * A signed quotient is the unsigned quotient of the magnitudes, negated
 * when the signs differ: C's truncation toward zero.  SystemTap answers
 * x / -1 with -x (wrapping for INT64_MIN) and x % 1, x % -1 with 0, so
 * that nothing traps; division by 0 is the run-time error
 * "division by 0", after which the probe ends:
 *
 *	int err = 0;
 *	q = tapir_div(a, b, LOC_ID, &err);
 *	TAPIR_CHECK(err);
 */
#ifndef TAPIR_ARITH_BPF_H
#define TAPIR_ARITH_BPF_H

static __always_inline __u64 tapir_abs64(__s64 x)
{
	return x < 0 ? 0 - (__u64)x : (__u64)x;
}

static __always_inline __s64 tapir_neg64(__s64 x)
{
	return (__s64)(0 - (__u64)x);
}

/*
 * x / y truncated, for y not 0 or -1 (the callers' cases).  The magnitudes
 * fit in u64, INT64_MIN's included.
 */
static __always_inline __s64 tapir_sdiv64_raw(__s64 x, __s64 y)
{
	__u64 q = tapir_abs64(x) / tapir_abs64(y);

	return (x < 0) != (y < 0) ? (__s64)(0 - q) : (__s64)q;
}

/* x % y with the sign of x, for y not 0, 1 or -1. */
static __always_inline __s64 tapir_smod64_raw(__s64 x, __s64 y)
{
	__u64 r = tapir_abs64(x) % tapir_abs64(y);

	return x < 0 ? (__s64)(0 - r) : (__s64)r;
}

/* runtime/common's rt_div64: x / 0 is 0, x / -1 is -x (wrapping). */
static __always_inline __s64 tapir_sdiv64(__s64 x, __s64 y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return tapir_neg64(x);
	return tapir_sdiv64_raw(x, y);
}

static const char tapir_msg_div0[] = "division by 0";

static __always_inline __s64 tapir_div(__s64 a, __s64 b, __u32 loc, int *err)
{
	if (b == 0) {
		tapir_error(loc, tapir_msg_div0);
		*err = 1;
		return 0;
	}
	if (b == -1)
		return tapir_neg64(a);
	return tapir_sdiv64_raw(a, b);
}

static __always_inline __s64 tapir_mod(__s64 a, __s64 b, __u32 loc, int *err)
{
	if (b == 0) {
		tapir_error(loc, tapir_msg_div0);
		*err = 1;
		return 0;
	}
	if (b == 1 || b == -1)
		return 0;
	return tapir_smod64_raw(a, b);
}

#endif /* TAPIR_ARITH_BPF_H */
