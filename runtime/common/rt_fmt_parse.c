// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_fmt_parse.c - splits a printf format into directives, once.
 *
 * The grammar is SystemTap's (print_format::string_to_components):
 *
 *	format     -> (text | "%%" | conversion)*
 *	conversion -> '%' [flag] [width] ['.' [precision]] ['l'] conv
 *	flag       -> '-' | '+' | ' ' | '#' | '0'	(one at most)
 *	width      -> digits | '*'
 *	precision  -> digits | '*'
 *	conv       -> d i u o x X p c s b m M
 *
 * So "%-+5d" and "%lld" are errors there, and here.  SystemTap silently
 * drops a format that ends in "%l" or "%." (printing nothing for it);
 * tapir rejects every incomplete conversion at the end of a format.
 */
#include "rt_format.h"

static const char ERR_CONV[] =
    "invalid or missing conversion specifier (expected one of d i u o x X p c s b m M, "
    "or %% for a '%')";
static const char ERR_FLAGS[] =
    "more than one flag in a conversion (SystemTap takes one of '-' '+' ' ' '#' '0')";
static const char ERR_LONG[] =
    "more than one 'l' in a conversion (integers are always 64-bit; write %d or %ld)";
static const char ERR_END[] = "'%' at the end of the format (write %% for a '%')";
static const char ERR_TRAIL[] = "trailing incomplete conversion at the end of the format";

struct parser {
	const char *src;
	size_t len;
	size_t i; /* next character */
	size_t n; /* directives found */
	struct rt_fmt_error *err;
	/* called with each directive, in order */
	void (*visit)(struct parser *p, const struct rt_fmt_dir *d);
	void *ctx;
};

static int fail(struct parser *p, size_t pos, const char *msg)
{
	if (p->err) {
		p->err->pos = pos;
		p->err->msg = msg;
	}
	return -EINVAL;
}

static bool at_end(const struct parser *p)
{
	return p->i >= p->len;
}

static void emit(struct parser *p, const struct rt_fmt_dir *d)
{
	p->visit(p, d);
	p->n++;
}

static void emit_literal(struct parser *p, size_t from, size_t to)
{
	struct rt_fmt_dir d = {.conv = RT_CONV_LITERAL};

	if (to <= from)
		return;
	d.text = (uint32_t)from;
	d.len = (uint32_t)(to - from);
	emit(p, &d);
}

static bool is_flag(char c)
{
	return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0';
}

static unsigned int flag_bit(char c)
{
	switch (c) {
	case '-':
		return RT_FMT_LEFT;
	case '+':
		return RT_FMT_PLUS;
	case ' ':
		return RT_FMT_SPACE;
	case '#':
		return RT_FMT_SPECIAL;
	default:
		return RT_FMT_ZEROPAD;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* digits, saturating where SystemTap's int would overflow */
static int32_t parse_digits(struct parser *p)
{
	int32_t v = 0;

	while (!at_end(p) && is_digit(p->src[p->i])) {
		int d = p->src[p->i++] - '0';

		v = v > (RT_INT_MAX - d) / 10 ? RT_INT_MAX : v * 10 + d;
	}
	return v;
}

/* width -> digits | '*'; also precision, after its '.' */
static void parse_field(struct parser *p, uint8_t *kind, int32_t *value)
{
	if (p->src[p->i] == '*') {
		*kind = RT_FMT_ARG_DYNAMIC;
		p->i++;
	} else if (is_digit(p->src[p->i])) {
		*kind = RT_FMT_ARG_STATIC;
		*value = parse_digits(p);
	}
}

/* Sets up d for conversion character c; false if c is none. */
static bool set_conv(struct rt_fmt_dir *d, char c)
{
	d->base = 10;
	switch (c) {
	case 'd':
	case 'i':
		d->flags |= RT_FMT_SIGN;
		d->conv = RT_CONV_NUMBER;
		return true;
	case 'u':
		d->conv = RT_CONV_NUMBER;
		return true;
	case 'o':
		d->conv = RT_CONV_NUMBER;
		d->base = 8;
		return true;
	case 'X':
		d->flags |= RT_FMT_LARGE;
		d->conv = RT_CONV_NUMBER;
		d->base = 16;
		return true;
	case 'x':
		d->conv = RT_CONV_NUMBER;
		d->base = 16;
		return true;
	case 'p':
		/* Since SystemTap 1.3, %p is %#x of the 64-bit value. */
		d->flags |= RT_FMT_SPECIAL;
		d->conv = RT_CONV_POINTER;
		d->base = 16;
		return true;
	case 'c':
		d->conv = RT_CONV_CHAR;
		return true;
	case 's':
		d->conv = RT_CONV_STRING;
		return true;
	case 'b':
		d->conv = RT_CONV_BINARY;
		return true;
	case 'm':
		d->conv = RT_CONV_MEMORY;
		return true;
	case 'M':
		d->conv = RT_CONV_MEMORY_HEX;
		return true;
	default:
		return false;
	}
}

/* The error for a bad conversion character, seen after flag and 'l'. */
static int bad_conv(struct parser *p, bool had_flag, bool had_long)
{
	char c = p->src[p->i];

	if (had_flag && is_flag(c))
		return fail(p, p->i, ERR_FLAGS);
	if (had_long && c == 'l')
		return fail(p, p->i, ERR_LONG);
	return fail(p, p->i, ERR_CONV);
}

/* conversion -> '%' [flag] [width] ['.' [precision]] ['l'] conv */
static int parse_conversion(struct parser *p)
{
	struct rt_fmt_dir d = {.conv = RT_CONV_LITERAL};
	bool had_flag = false, had_long = false;

	p->i++; /* the '%' */
	if (at_end(p))
		return fail(p, p->i - 1, ERR_END);
	if (is_flag(p->src[p->i])) {
		d.flags |= flag_bit(p->src[p->i++]);
		had_flag = true;
	}
	if (!at_end(p))
		parse_field(p, &d.width_kind, &d.width);
	if (!at_end(p) && p->src[p->i] == '.') {
		p->i++;
		if (!at_end(p))
			parse_field(p, &d.prec_kind, &d.prec);
	}
	if (!at_end(p) && p->src[p->i] == 'l') {
		p->i++;
		had_long = true;
	}
	if (at_end(p))
		return fail(p, p->i, ERR_TRAIL);
	if (!set_conv(&d, p->src[p->i]))
		return bad_conv(p, had_flag, had_long);
	p->i++;
	emit(p, &d);
	return 0;
}

/* format -> (text | "%%" | conversion)* */
static int parse(struct parser *p)
{
	size_t text = 0;

	while (!at_end(p)) {
		int rc;

		if (p->src[p->i] != '%') {
			p->i++;
			continue;
		}
		if (p->i + 1 < p->len && p->src[p->i + 1] == '%') {
			/* the text keeps the first '%' and skips the second */
			emit_literal(p, text, p->i + 1);
			p->i += 2;
			text = p->i;
			continue;
		}
		emit_literal(p, text, p->i);
		rc = parse_conversion(p);
		if (rc < 0)
			return rc;
		text = p->i;
	}
	emit_literal(p, text, p->i);
	return p->n > RT_INT_MAX ? -E2BIG : (int)p->n;
}

struct dir_array {
	struct rt_fmt_dir *dirs;
	size_t max;
};

static void store_dir(struct parser *p, const struct rt_fmt_dir *d)
{
	struct dir_array *a = p->ctx;

	if (p->n < a->max)
		a->dirs[p->n] = *d;
}

int rt_fmt_parse(const char *src, size_t len, struct rt_fmt_dir *dirs, size_t max,
                 struct rt_fmt_error *err)
{
	struct dir_array a = {.dirs = dirs, .max = dirs ? max : 0};
	struct parser p = {.src = src, .len = len, .err = err, .visit = store_dir, .ctx = &a};

	return parse(&p);
}

unsigned int rt_fmt_dir_nargs(const struct rt_fmt_dir *d)
{
	if (d->conv == RT_CONV_LITERAL)
		return 0;
	return 1 + (d->width_kind == RT_FMT_ARG_DYNAMIC) + (d->prec_kind == RT_FMT_ARG_DYNAMIC);
}

int rt_fmt_compile(struct rt_fmt *f, const char *src, size_t len, struct rt_fmt_dir *dirs,
                   size_t max, struct rt_fmt_error *err)
{
	uint32_t nargs = 0;
	int n, i;

	n = rt_fmt_parse(src, len, dirs, max, err);
	if (n < 0)
		return n;
	if ((size_t)n > max) {
		if (err) {
			err->pos = 0;
			err->msg = "the format has more directives than the space given for them";
		}
		return -ENOSPC;
	}
	for (i = 0; i < n; i++)
		nargs += rt_fmt_dir_nargs(&dirs[i]);
	f->src = src;
	f->dirs = dirs;
	f->ndirs = (uint32_t)n;
	f->nargs = nargs;
	return 0;
}

struct kind_list {
	enum rt_arg_kind *kinds;
	size_t max;
	size_t n; /* arguments seen */
};

static void add_kind(struct kind_list *k, enum rt_arg_kind kind)
{
	if (k->n < k->max)
		k->kinds[k->n] = kind;
	k->n++;
}

/* '*' width and precision come first, then the value. */
static void store_kinds(struct parser *p, const struct rt_fmt_dir *d)
{
	struct kind_list *k = p->ctx;

	if (d->conv == RT_CONV_LITERAL)
		return;
	if (d->width_kind == RT_FMT_ARG_DYNAMIC)
		add_kind(k, RT_ARG_LONG);
	if (d->prec_kind == RT_FMT_ARG_DYNAMIC)
		add_kind(k, RT_ARG_LONG);
	add_kind(k, d->conv == RT_CONV_STRING ? RT_ARG_STRING : RT_ARG_LONG);
}

int rt_fmt_check(const char *src, size_t len, enum rt_arg_kind *kinds, size_t max,
                 struct rt_fmt_error *err)
{
	struct kind_list k = {.kinds = kinds, .max = kinds ? max : 0};
	struct parser p = {.src = src, .len = len, .err = err, .visit = store_kinds, .ctx = &k};
	int rc;

	rc = parse(&p);
	if (rc < 0)
		return rc;
	return k.n > RT_INT_MAX ? -E2BIG : (int)k.n;
}
