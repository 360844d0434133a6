// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_hist.c - histogram printing, as SystemTap's
 * _stp_stat_print_histogram_buf() lays it out.
 *
 * SystemTap prints a histogram as a series of small printfs, each with its
 * own widths.  To a stream each has a whole print buffer; into a string
 * (sprint) each has what is left of it, its widths are clamped to that,
 * and the text stops one byte short of the end for the NUL.  The printer
 * below keeps those pieces so that a truncated sprint cuts the same way.
 */
#include "rt_hist.h"
#include "rt_out.h"

struct layout {
	int low, high;    /* first and last rows shown */
	bool under, over; /* linear: underflow, overflow rows shown */
	int64_t valmax;   /* largest count */
	uint32_t scale;   /* counts per '@' */
	int val_space;    /* width of the value column */
	int cnt_space;    /* width of the largest count */
};

struct printer {
	struct rt_out o;
	bool to_string;
	const struct rt_stat_desc *desc;
	const int64_t *hist;
	int width;
	int elision;
	struct layout l;
};

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Rows with data, and the largest count; false if there are none. */
static bool find_data(struct printer *p)
{
	int i;

	p->l.low = -1;
	p->l.high = 0;
	p->l.valmax = 0;
	for (i = 0; i < p->desc->buckets; i++) {
		if (p->hist[i] > 0 && p->l.low == -1)
			p->l.low = i;
		if (p->hist[i] > 0)
			p->l.high = i;
		if (p->hist[i] > p->l.valmax)
			p->l.valmax = p->hist[i];
	}
	return p->l.low != -1;
}

/*
 * Two empty rows on each side of the data, but a log histogram does not
 * go below 0 unless it holds negative values, and a linear one drops its
 * under- and overflow rows when they are empty.
 */
static void add_margins(struct printer *p)
{
	const struct rt_stat_desc *d = p->desc;
	struct layout *l = &p->l;
	int i;

	for (i = 0; i < 2; i++) {
		if (d->type == RT_HIST_LOG) {
			if (l->low != RT_HIST_LOG_BUCKET0 && l->low > 0)
				l->low--;
		} else if (l->low > 0) {
			l->low--;
		}
		if (l->high < d->buckets - 1)
			l->high++;
	}
	l->under = l->over = false;
	if (d->type != RT_HIST_LINEAR)
		return;
	if (l->low == 0 && p->hist[0] == 0)
		l->low++;
	if (l->high == d->buckets - 1 && p->hist[l->high] == 0)
		l->high--;
	l->under = l->low == 0;
	l->over = l->high == d->buckets - 1;
}

/* The counts per '@', rounded up, in SystemTap's int and u32. */
static void set_scale(struct printer *p)
{
	uint64_t q = (uint64_t)p->l.valmax;
	uint32_t rem;

	if (p->l.valmax <= p->width) {
		p->l.scale = 1;
		return;
	}
	rem = rt_divmod(&q, (uint32_t)p->width);
	p->l.scale = (uint32_t)rt_trunc32((int64_t)q + (rem != 0));
	if (p->l.scale == 0)
		p->l.scale = 1; /* SystemTap would divide by zero */
}

static void set_columns(struct printer *p)
{
	const struct rt_stat_desc *d = p->desc;
	struct layout *l = &p->l;
	int space;

	l->cnt_space = rt_out_digits(l->valmax);
	if (d->type == RT_HIST_LINEAR) {
		/* start + interval * high, in int: one interval past the last row */
		int32_t end = rt_trunc32((int64_t)d->start + (int64_t)d->interval * l->high);

		space = max_int(rt_out_digits(d->start) + l->under, rt_out_digits(end) + l->over);
	} else {
		space = max_int(rt_out_digits(rt_hist_log_value(l->high)),
		                rt_out_digits(rt_hist_log_value(l->low)));
	}
	l->val_space = max_int(space, 5); /* strlen("value") */
}

/* Each piece of output was one printf to SystemTap. */
static void piece(struct printer *p)
{
	if (!p->to_string)
		p->o.room = RT_BUFFER_SIZE;
}

static void put_text(struct printer *p, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	rt_out_put(&p->o, s, n);
}

/* "%*s": a negative width left-justifies. */
static void put_padded(struct printer *p, const char *s, size_t len, int64_t width)
{
	unsigned int flags = 0;

	if (width < 0) {
		flags = RT_FMT_LEFT;
		width = -width;
	}
	rt_out_string(&p->o, s, len, rt_out_clamp(&p->o, width), -1, flags);
}

/* "%*lld" */
static void put_count(struct printer *p, int64_t v, int64_t width)
{
	unsigned int flags = RT_FMT_SIGN;

	if (width < 0) {
		flags |= RT_FMT_LEFT;
		width = -width;
	}
	rt_out_number(&p->o, (uint64_t)v, 10, rt_out_clamp(&p->o, width), -1, flags);
}

static void print_header(struct printer *p)
{
	int i;

	piece(p);
	put_padded(p, "value", 5, p->l.val_space);
	put_text(p, " |");
	for (i = 0; i < p->width; i++) {
		piece(p);
		rt_out_putc(&p->o, '-');
	}
	piece(p);
	put_text(p, " count\n");
}

/* The value that labels row i, and its "<" or ">" for under- and overflow. */
static int64_t row_value(const struct printer *p, int i, const char **prefix)
{
	const struct rt_stat_desc *d = p->desc;

	*prefix = "";
	if (d->type != RT_HIST_LINEAR)
		return rt_hist_log_value(i);
	if (i == 0) {
		*prefix = "<";
		return d->start;
	}
	if (i == d->buckets - 1) {
		*prefix = ">";
		return rt_add64(d->start, rt_mul64(i - 2, d->interval));
	}
	return rt_add64(d->start, rt_mul64(i - 1, d->interval));
}

static void print_row(struct printer *p, int i)
{
	const char *prefix;
	int64_t val = row_value(p, i, &prefix);
	uint64_t bar = (uint64_t)p->hist[i];
	uint64_t j;

	piece(p);
	put_padded(p, prefix, prefix[0] ? 1 : 0, p->l.val_space - rt_out_digits(val));
	rt_out_number(&p->o, (uint64_t)val, 10, -1, -1, RT_FMT_SIGN);
	put_text(p, " |");
	rt_divmod(&bar, p->l.scale);
	for (j = 0; j < bar; j++) {
		piece(p);
		rt_out_putc(&p->o, '@');
	}
	piece(p);
	put_count(p, p->hist[i],
	          rt_trunc32((int64_t)((uint64_t)p->width - bar + 1 + (uint64_t)p->l.cnt_space)));
	put_text(p, "\n");
}

/* Row i is elided if it and its neighbours within 'elision' rows are 0. */
static bool elided(const struct printer *p, int i)
{
	int reach = p->elision < p->desc->buckets ? p->elision : p->desc->buckets;
	int from = max_int(p->l.low, i - reach);
	int to = i + reach < p->l.high ? i + reach : p->l.high;
	int k;

	for (k = from; k <= to; k++)
		if (p->hist[k] != 0)
			return false;
	return true;
}

static void print_rows(struct printer *p)
{
	bool eliding = false;
	int i;

	for (i = p->l.low; i <= p->l.high; i++) {
		if (p->elision >= 0) {
			if (elided(p, i)) {
				eliding = true;
				continue;
			}
			if (eliding) {
				piece(p);
				put_padded(p, "", 0, p->l.val_space);
				put_text(p, " ~\n");
				eliding = false;
			}
		}
		print_row(p, i);
	}
	piece(p);
	put_text(p, "\n");
}

static int print(struct printer *p, const struct rt_stat_desc *desc, const int64_t *hist,
                 const struct rt_hist_style *style)
{
	p->desc = desc;
	p->hist = hist;
	p->width = style ? style->width : RT_HIST_WIDTH;
	p->elision = style ? style->elision : RT_HIST_ELISION;
	if (desc->type == RT_HIST_NONE || desc->buckets < 1 || !hist || p->width < 1)
		return -EINVAL;
	if (!find_data(p))
		return -ENODATA;
	add_margins(p);
	set_scale(p);
	set_columns(p);
	print_header(p);
	print_rows(p);
	return 0;
}

int rt_hist_print(struct rt_sink *out, const struct rt_stat_desc *desc, const int64_t *hist,
                  const struct rt_hist_style *style)
{
	struct printer p = {.to_string = false};
	int rc;

	rt_out_init(&p.o, out, RT_BUFFER_SIZE);
	rc = print(&p, desc, hist, style);
	return rc < 0 ? rc : (int)p.o.written;
}

int rt_hist_sprint(char *buf, size_t size, const struct rt_stat_desc *desc, const int64_t *hist,
                   const struct rt_hist_style *style)
{
	struct printer p = {.to_string = true};
	struct rt_sink s;
	int rc;

	if (size == 0 || size > RT_INT_MAX)
		return -EINVAL;
	rt_sink_init(&s, buf, size);
	rt_out_init(&p.o, &s, size);
	rc = print(&p, desc, hist, style);
	if (rc < 0) {
		buf[0] = '\0';
		return rc;
	}
	if (s.len == size)
		s.len--; /* the last byte is the NUL's */
	buf[s.len] = '\0';
	return (int)s.len;
}
