// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_format.c - runs a compiled format over its arguments.
 *
 * This is SystemTap's "compiled printf" (the code its translator emits for
 * each format, over runtime/vsprintf.c's conversions): a width or precision
 * is clamped to [0, room left] at the start of its conversion, a '*' value
 * is first cut to a C int, and output past the end of the buffer is
 * dropped.  A negative '*' width does not left-justify, unlike C.
 */
#include "rt_format.h"

/* How many bytes of memory are read at a time for %m and %M. */
#define MEM_CHUNK 64

struct run {
	const struct rt_fmt *f;
	const struct rt_value *args;
	size_t next; /* next argument */
	struct rt_out *o;
	struct rt_fmt_env *env;
};

static const struct rt_value *next_arg(struct run *r)
{
	return &r->args[r->next++];
}

/* A width or precision: -1 if not given, else clamped to the room. */
static int field(struct run *r, uint8_t kind, int32_t value)
{
	switch (kind) {
	case RT_FMT_ARG_STATIC:
		return rt_out_clamp(r->o, value);
	case RT_FMT_ARG_DYNAMIC:
		return rt_out_clamp(r->o, rt_trunc32(next_arg(r)->n));
	default:
		return -1;
	}
}

/* Columns %#c gives c: 1, or 2 for a C escape, or 4 for an octal one. */
static int char_size(char c, unsigned int flags)
{
	if (!(flags & RT_FMT_SPECIAL))
		return 1;
	if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
		return 1;
	switch (c) {
	case '\a':
	case '\b':
	case '\f':
	case '\n':
	case '\r':
	case '\t':
	case '\v':
	case '\'':
	case '\\':
		return 2;
	default:
		return 4;
	}
}

static char char_escape(char c)
{
	switch (c) {
	case '\a':
		return 'a';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	case '\v':
		return 'v';
	default:
		return c; /* \' and \\ */
	}
}

/* %c: the low byte of the value; with '#', escaped as in C source. */
static void put_char(struct rt_out *o, char c, int width, unsigned int flags)
{
	int size = char_size(c, flags);
	unsigned char u = (unsigned char)c;

	if (!(flags & RT_FMT_LEFT))
		rt_out_fill(o, ' ', width - size);
	if (size == 1) {
		rt_out_putc(o, c);
	} else if (size == 2) {
		rt_out_putc(o, '\\');
		rt_out_putc(o, char_escape(c));
	} else {
		rt_out_putc(o, '\\');
		rt_out_putc(o, (char)('0' + ((u >> 6) & 3)));
		rt_out_putc(o, (char)('0' + ((u >> 3) & 7)));
		rt_out_putc(o, (char)('0' + (u & 7)));
	}
	if (flags & RT_FMT_LEFT)
		rt_out_fill(o, ' ', width - size);
}

/* Binary sizes are 1, 2, 4 or 8; anything else is "not given". */
static int binary_size(int n)
{
	return (n == 1 || n == 2 || n == 4 || n == 8) ? n : -1;
}

/* The value's low size bytes, in the machine's byte order. */
static void put_binary_value(struct rt_out *o, int64_t num, int size)
{
	union {
		int8_t i8;
		int16_t i16;
		int32_t i32;
		int64_t i64;
		char b[8];
	} u;

	switch (size) {
	case 1:
		u.i8 = (int8_t)num;
		break;
	case 2:
		u.i16 = (int16_t)num;
		break;
	case 4:
		u.i32 = (int32_t)num;
		break;
	default:
		u.i64 = num;
		break;
	}
	rt_out_put(o, u.b, (size_t)size);
}

/*
 * %b: the width and the precision each default to the other, or both to
 * 8; the precision is the size written, the width is NUL-padded.
 */
static void put_binary(struct rt_out *o, int64_t num, int width, int prec, unsigned int flags)
{
	prec = binary_size(prec);
	if (width == -1) {
		if (prec == -1)
			prec = 8;
		width = prec;
	} else if (prec == -1) {
		prec = binary_size(width);
		if (prec == -1)
			prec = 8;
	}
	if (!(flags & RT_FMT_LEFT))
		rt_out_fill(o, '\0', width - prec);
	if (!o->sink || o->room >= (size_t)prec)
		put_binary_value(o, num, prec); /* all of it, or none */
	if (flags & RT_FMT_LEFT)
		rt_out_fill(o, '\0', width - prec);
}

/* The first byte of v's memory that could not be had. */
static int mem_fault(struct run *r, uint64_t addr)
{
	if (r->env)
		r->env->fault_addr = addr;
	return -EFAULT;
}

/* Reads n bytes of v's memory, from offset off, into dst. */
static int read_mem(struct run *r, const struct rt_value *v, size_t off, char *dst, size_t n,
                    bool user)
{
	uint64_t addr = (uint64_t)v->n + off;
	struct rt_fmt_env *env = r->env;
	size_t i;

	if (v->s) {
		if (off + n > v->len)
			return mem_fault(r, (uint64_t)v->n + (off > v->len ? off : v->len));
		for (i = 0; i < n; i++)
			dst[i] = v->s[off + i];
		return 0;
	}
	if (!env || !env->read)
		return mem_fault(r, addr);
	if (env->read(env->ctx, addr, dst, n, user) == 0)
		return 0;
	/* SystemTap reads byte by byte: find the one that faults */
	for (i = 0; i < n; i++)
		if (env->read(env->ctx, addr + i, dst + i, 1, user) != 0)
			return mem_fault(r, addr + i);
	return 0;
}

static void put_hex_byte(struct rt_out *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	rt_out_putc(o, hex[c >> 4]);
	rt_out_putc(o, hex[c & 15]);
}

/* %m, %M: len bytes read lazily, as far as the room lasts. */
static int put_memory_bytes(struct run *r, const struct rt_value *v, size_t len, bool hex,
                            bool user)
{
	char chunk[MEM_CHUNK];
	size_t done = 0;

	while (done < len) {
		size_t fits = hex ? r->o->room / 2 : r->o->room;
		size_t n = len - done, i;
		int rc;

		if (n > fits)
			n = fits;
		if (n > MEM_CHUNK)
			n = MEM_CHUNK;
		if (n == 0)
			return 0;
		rc = read_mem(r, v, done, chunk, n, user);
		if (rc < 0)
			return rc;
		for (i = 0; i < n; i++) {
			if (hex)
				put_hex_byte(r->o, (unsigned char)chunk[i]);
			else
				rt_out_putc(r->o, chunk[i]);
		}
		done += n;
	}
	return 0;
}

static int put_memory(struct run *r, const struct rt_value *v, int width, int prec,
                      unsigned int flags, bool hex)
{
	int64_t len = prec > 0 ? prec : 1;
	int64_t cols = hex ? 2 * len : len;
	int rc = 0;

	if (!(flags & RT_FMT_LEFT))
		rt_out_fill(r->o, ' ', width - cols);
	if (!r->o->sink)
		rt_out_fill(r->o, ' ', cols); /* measuring: read nothing */
	else                                  /* "%#m" reads user memory */
		rc = put_memory_bytes(r, v, (size_t)len, hex, flags & RT_FMT_SPECIAL);
	if (rc < 0)
		return rc;
	if (flags & RT_FMT_LEFT)
		rt_out_fill(r->o, ' ', width - cols);
	if (flags & RT_FMT_ZEROPAD)
		rt_out_putc(r->o, '\0');
	return 0;
}

static void put_literal(struct rt_out *o, const char *text, size_t len)
{
	size_t n = 0;

	/* SystemTap sizes a literal whole, but copies it as a C string. */
	while (o->sink && n < len && text[n] != '\0')
		n++;
	rt_out_put(o, text, o->sink ? n : len);
}

static int run_dir(struct run *r, const struct rt_fmt_dir *d)
{
	const struct rt_value *v;
	int width, prec;

	if (d->conv == RT_CONV_LITERAL) {
		put_literal(r->o, r->f->src + d->text, d->len);
		return 0;
	}
	width = field(r, d->width_kind, d->width);
	prec = field(r, d->prec_kind, d->prec);
	v = next_arg(r);
	switch (d->conv) {
	case RT_CONV_NUMBER:
	case RT_CONV_POINTER:
		rt_out_number(r->o, (uint64_t)v->n, d->base, width, prec, d->flags);
		return 0;
	case RT_CONV_CHAR:
		put_char(r->o, (char)(v->n & 0xff), width, d->flags);
		return 0;
	case RT_CONV_STRING:
		rt_out_string(r->o, v->s, v->len, width, prec, d->flags);
		return 0;
	case RT_CONV_BINARY:
		put_binary(r->o, v->n, width, prec, d->flags);
		return 0;
	case RT_CONV_MEMORY:
		return put_memory(r, v, width, prec, d->flags, false);
	case RT_CONV_MEMORY_HEX:
		return put_memory(r, v, width, prec, d->flags, true);
	default:
		return -EINVAL;
	}
}

int64_t rt_fmt_mem_len(const struct rt_fmt_dir *d, int64_t dyn_prec)
{
	if (d->prec_kind == RT_FMT_ARG_DYNAMIC)
		return dyn_prec;
	if (d->prec_kind == RT_FMT_ARG_STATIC && d->prec > 0)
		return d->prec;
	return 1;
}

/*
 * SystemTap checks every %m and %M length before printing anything, on
 * the '*' value as given (so a negative one passes, and prints 1 byte).
 */
static int check_mem_lens(const struct rt_fmt *f, const struct rt_value *args,
                          struct rt_fmt_env *env)
{
	size_t a = 0;
	uint32_t i;

	for (i = 0; i < f->ndirs; i++) {
		const struct rt_fmt_dir *d = &f->dirs[i];
		size_t prec_arg = a + (d->width_kind == RT_FMT_ARG_DYNAMIC);
		int64_t len;

		if (d->conv == RT_CONV_MEMORY || d->conv == RT_CONV_MEMORY_HEX) {
			len = rt_fmt_mem_len(
			    d, d->prec_kind == RT_FMT_ARG_DYNAMIC ? args[prec_arg].n : 0);
			if (len > RT_FMT_MEM_MAX) {
				if (env)
					env->bad_len = len;
				return -E2BIG;
			}
		}
		a += rt_fmt_dir_nargs(d);
	}
	return 0;
}

static int run(const struct rt_fmt *f, const struct rt_value *args, struct rt_out *o,
               struct rt_fmt_env *env)
{
	struct run r = {.f = f, .args = args, .o = o, .env = env};
	uint32_t i;
	int rc;

	for (i = 0; i < f->ndirs; i++) {
		rc = run_dir(&r, &f->dirs[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * SystemTap sizes a printf first, its widths clamped to the whole print
 * buffer, then formats it into exactly that many bytes (at most a print
 * buffer), its widths clamped to what is left: the second clamp can
 * change a %b size.
 */
static size_t measure(const struct rt_fmt *f, const struct rt_value *args)
{
	struct rt_out o;

	rt_out_init_measure(&o, RT_BUFFER_SIZE);
	run(f, args, &o, NULL);
	return o.written < RT_BUFFER_SIZE ? o.written : RT_BUFFER_SIZE;
}

int rt_fmt_print(const struct rt_fmt *f, const struct rt_value *args, size_t nargs,
                 struct rt_sink *out, struct rt_fmt_env *env)
{
	uint64_t flushed = out->flushed;
	size_t len = out->len;
	struct rt_out o;
	int rc;

	if (nargs != f->nargs)
		return -EINVAL;
	rc = check_mem_lens(f, args, env);
	if (rc < 0)
		return rc;
	rt_out_init(&o, out, measure(f, args));
	rc = run(f, args, &o, env);
	if (rc < 0) {
		if (out->flushed == flushed)
			out->len = len; /* take back a partial print */
		return rc;
	}
	return (int)o.written;
}

int rt_fmt_sprint(const struct rt_fmt *f, const struct rt_value *args, size_t nargs, char *buf,
                  size_t size, struct rt_fmt_env *env)
{
	struct rt_sink s;
	struct rt_out o;
	int rc;

	if (size == 0 || size > RT_INT_MAX)
		return -EINVAL;
	buf[0] = '\0';
	if (nargs != f->nargs)
		return -EINVAL;
	rc = check_mem_lens(f, args, env);
	if (rc < 0)
		return rc;
	rt_sink_init(&s, buf, size);
	rt_out_init(&o, &s, size);
	rc = run(f, args, &o, env);
	if (rc < 0) {
		buf[0] = '\0';
		return rc;
	}
	/* the last byte is the NUL's, even if the text reached it */
	if (s.len == size)
		s.len--;
	buf[s.len] = '\0';
	return (int)s.len;
}
