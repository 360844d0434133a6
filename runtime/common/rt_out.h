/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_out.h - the formatting primitives shared by printf and the histogram
 * printer: a bounded writer over a sink, SystemTap's number and string
 * conversions.
 *
 * SystemTap formats into a buffer whose end it knows: every width and
 * precision is clamped to the room left at the start of its conversion,
 * and bytes past the end are dropped.  struct rt_out carries that room so
 * that output truncates in the same place and the same way.
 */
#ifndef RT_OUT_H
#define RT_OUT_H

#include "rt_sink.h"

/* Conversion flags, with the bit values SystemTap uses for them. */
#define RT_FMT_ZEROPAD 0x01 /* '0' */
#define RT_FMT_SIGN 0x02    /* signed conversion (%d %i) */
#define RT_FMT_PLUS 0x04    /* '+' */
#define RT_FMT_SPACE 0x08   /* ' ' */
#define RT_FMT_LEFT 0x10    /* '-' */
#define RT_FMT_SPECIAL 0x20 /* '#' */
#define RT_FMT_LARGE 0x40   /* upper-case hex (%X) */

struct rt_out {
	struct rt_sink *sink; /* NULL: only measure */
	size_t room;          /* bytes that may still be written */
	size_t written;       /* bytes written (not dropped) */
};

void rt_out_init(struct rt_out *o, struct rt_sink *sink, size_t room);

/*
 * A writer that only counts, in 'written', the bytes the output would
 * take without a bound, its widths clamped to 'room', which stays as it
 * is: SystemTap's sizing pass before a printf reserves its buffer.
 */
void rt_out_init_measure(struct rt_out *o, size_t room);
void rt_out_put(struct rt_out *o, const char *p, size_t n);
void rt_out_fill(struct rt_out *o, char c, int64_t n);

static inline void rt_out_putc(struct rt_out *o, char c)
{
	rt_out_put(o, &c, 1);
}

/* A width or precision value clamped to [0, room], as SystemTap does. */
int rt_out_clamp(const struct rt_out *o, int64_t v);

/* SystemTap's number(): width and prec are -1 when not given. */
void rt_out_number(struct rt_out *o, uint64_t num, int base, int width, int prec,
                   unsigned int flags);

/* %s: at most prec bytes of s (stopping at a NUL), padded to width. */
void rt_out_string(struct rt_out *o, const char *s, size_t len, int width, int prec,
                   unsigned int flags);

/* Decimal digits of v, with its '-' (SystemTap's needed_space()). */
int rt_out_digits(int64_t v);

#endif /* RT_OUT_H */
