// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_out.c - bounded writer and SystemTap's number and string conversions.
 *
 * The conversions follow SystemTap's runtime (runtime/vsprintf.c), which
 * differs from C's printf in ways scripts can see: precision never drops
 * the digit of a zero, '0' still pads when a precision is given, "%#o"
 * always adds its '0' and "%#x" its "0x" (also for 0), and "%0s" ends the
 * string with a NUL byte.
 */
#include "rt_out.h"

void rt_out_init(struct rt_out *o, struct rt_sink *sink, size_t room)
{
	o->sink = sink;
	o->room = room;
	o->written = 0;
}

void rt_out_init_measure(struct rt_out *o, size_t room)
{
	o->sink = NULL;
	o->room = room;
	o->written = 0;
}

void rt_out_put(struct rt_out *o, const char *p, size_t n)
{
	if (!o->sink) {
		o->written += n;
		return;
	}
	if (n > o->room)
		n = o->room;
	if (n == 0)
		return;
	rt_sink_write(o->sink, p, n);
	o->room -= n;
	o->written += n;
}

void rt_out_fill(struct rt_out *o, char c, int64_t n)
{
	size_t k;

	if (n <= 0)
		return;
	if (!o->sink) {
		o->written += (size_t)n;
		return;
	}
	k = (uint64_t)n < o->room ? (size_t)n : o->room;
	if (k == 0)
		return;
	rt_sink_fill(o->sink, c, k);
	o->room -= k;
	o->written += k;
}

int rt_out_clamp(const struct rt_out *o, int64_t v)
{
	size_t hi = o->room < RT_INT_MAX ? o->room : RT_INT_MAX;

	if (v < 0)
		return 0;
	if ((uint64_t)v > hi)
		return (int)hi;
	return (int)v;
}

/* The digits of num in base, least significant first; returns how many. */
static int number_digits(char *tmp, uint64_t num, int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do
		tmp[n++] = digits[rt_divmod(&num, (uint32_t)base)];
	while (num != 0);
	return n;
}

/* The sign character, or 0; uses up one column of *width. */
static char number_sign(uint64_t *num, unsigned int flags, int *width)
{
	char sign = 0;

	if (!(flags & RT_FMT_SIGN))
		return 0;
	if ((int64_t)*num < 0) {
		sign = '-';
		*num = 0 - *num;
	} else if (flags & RT_FMT_PLUS) {
		sign = '+';
	} else if (flags & RT_FMT_SPACE) {
		sign = ' ';
	}
	if (sign)
		(*width)--;
	return sign;
}

/* "0" or "0x"/"0X" for '#'; uses up its columns of *width. */
static const char *number_prefix(int base, unsigned int flags, int *width)
{
	if (!(flags & RT_FMT_SPECIAL))
		return "";
	if (base == 16) {
		*width -= 2;
		return (flags & RT_FMT_LARGE) ? "0X" : "0x";
	}
	if (base == 8) {
		*width -= 1;
		return "0";
	}
	return "";
}

void rt_out_number(struct rt_out *o, uint64_t num, int base, int width, int prec,
                   unsigned int flags)
{
	char tmp[66];
	const char *prefix;
	char sign;
	int n, pad;

	if (flags & RT_FMT_LEFT)
		flags &= ~RT_FMT_ZEROPAD;
	sign = number_sign(&num, flags, &width);
	prefix = number_prefix(base, flags, &width);
	n = number_digits(tmp, num, base, flags & RT_FMT_LARGE);
	if (n > prec)
		prec = n;
	pad = width - prec;
	if (!(flags & (RT_FMT_ZEROPAD | RT_FMT_LEFT))) {
		rt_out_fill(o, ' ', pad);
		pad = 0;
	}
	if (sign)
		rt_out_putc(o, sign);
	while (*prefix)
		rt_out_putc(o, *prefix++);
	if (!(flags & RT_FMT_LEFT)) {
		rt_out_fill(o, (flags & RT_FMT_ZEROPAD) ? '0' : ' ', pad);
		pad = 0;
	}
	rt_out_fill(o, '0', prec - n);
	while (n > 0)
		rt_out_putc(o, tmp[--n]);
	rt_out_fill(o, ' ', pad);
}

static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

void rt_out_string(struct rt_out *o, const char *s, size_t len, int width, int prec,
                   unsigned int flags)
{
	size_t max = RT_BUFFER_SIZE;
	size_t n;

	if (!s) {
		s = "<NULL>";
		len = 6;
	}
	if (prec >= 0 && (size_t)prec < max)
		max = (size_t)prec;
	n = bounded_strlen(s, len < max ? len : max);
	if (!(flags & RT_FMT_LEFT))
		rt_out_fill(o, ' ', (int64_t)width - (int64_t)n);
	rt_out_put(o, s, n);
	if (flags & RT_FMT_LEFT)
		rt_out_fill(o, ' ', (int64_t)width - (int64_t)n);
	if (flags & RT_FMT_ZEROPAD)
		rt_out_putc(o, '\0');
}

int rt_out_digits(int64_t v)
{
	uint64_t u = (uint64_t)v;
	int n = 0;

	if (v == 0)
		return 1;
	if (v < 0) {
		n++;
		u = 0 - u;
	}
	while (u) {
		rt_divmod(&u, 10);
		n++;
	}
	return n;
}
