/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_types.h - the only includes of runtime/common, and its integer helpers.
 *
 * runtime/common is compiled twice: into tapir's user-space executor (gcc,
 * C11) and into every kernel module (kbuild).  Nothing here may allocate,
 * print through stdio or depend on more than the fixed-width integer types,
 * size_t and errno values; this file is the one place that knows which
 * headers provide them.
 *
 * SystemTap's runtime does its integer arithmetic in int64_t and lets it
 * wrap (the kernel builds with -fno-strict-overflow).  ISO C makes signed
 * overflow undefined, and tapir's sanitizer build would trap on it, so the
 * helpers below wrap explicitly through uint64_t.
 */
#ifndef RT_TYPES_H
#define RT_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/errno.h>
#include <linux/math64.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#endif

/* SystemTap's print buffer size: the most one printf may emit. */
#define RT_BUFFER_SIZE 8192

#define RT_INT_MAX 0x7fffffff

static inline int64_t rt_add64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t rt_sub64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t rt_mul64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t rt_neg64(int64_t a)
{
	return (int64_t)(0 - (uint64_t)a);
}

/* val << shift as the kernel's compiler does it, also for negative val. */
static inline int64_t rt_shl64(int64_t val, int shift)
{
	return (int64_t)((uint64_t)val << shift);
}

/* A conversion to a 32-bit int keeps the low 32 bits, as gcc does. */
static inline int32_t rt_trunc32(int64_t v)
{
	uint32_t u = (uint32_t)v;

	return u > 0x7fffffffu ? -(int32_t)(0xffffffffu - u) - 1 : (int32_t)u;
}

/*
 * SystemTap's _stp_div64 without its error string: division by zero gives
 * 0, and dividing by -1 negates (so INT64_MIN / -1 wraps instead of
 * trapping).  Otherwise C's truncating division.
 */
static inline int64_t rt_div64(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return rt_neg64(x);
#ifdef __KERNEL__
	return div64_s64(x, y); /* 32-bit kernels have no 64-bit '/' */
#else
	return x / y;
#endif
}

/* *n /= base, returning the remainder: the kernel's do_div(). */
static inline uint32_t rt_divmod(uint64_t *n, uint32_t base)
{
#ifdef __KERNEL__
	return do_div(*n, base);
#else
	uint32_t rem = (uint32_t)(*n % base);

	*n /= base;
	return rem;
#endif
}

#endif /* RT_TYPES_H */
