/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_format.h - SystemTap's printf: format parser, argument checker and
 * formatting engine.
 *
 * A format is parsed once into an array of directives (literal text and
 * conversions), so that printing in a probe only walks that array:
 *
 *	struct rt_fmt_dir dirs[8];
 *	struct rt_fmt f;
 *	struct rt_fmt_error e;
 *	if (rt_fmt_compile(&f, "%s: %5d\n", 9, dirs, 8, &e) < 0)
 *		report e.msg at column e.pos;
 *	...
 *	struct rt_value v[2] = { RT_STR("pid"), RT_LONG(42) };
 *	rt_fmt_print(&f, v, 2, &sink, NULL);
 *
 * The directives point into the format text, which must outlive them.
 * The translator uses rt_fmt_check() to learn how many arguments of which
 * kind (long or string) a format takes, with SystemTap's rules: one flag
 * character at most, one 'l' length modifier at most, conversions
 * d i u o x X p c s b m M, and '*' widths and precisions taking a long
 * argument each, before the value.
 */
#ifndef RT_FORMAT_H
#define RT_FORMAT_H

#include "rt_out.h"

/* What a directive does. */
enum rt_conv {
	RT_CONV_LITERAL,    /* copy text */
	RT_CONV_NUMBER,     /* %d %i %u %o %x %X */
	RT_CONV_POINTER,    /* %p: %#x of a 64-bit value */
	RT_CONV_CHAR,       /* %c */
	RT_CONV_STRING,     /* %s */
	RT_CONV_BINARY,     /* %b: the value's bytes */
	RT_CONV_MEMORY,     /* %m: bytes of memory */
	RT_CONV_MEMORY_HEX, /* %M: bytes of memory, in hex */
};

/* How a width or precision is given. */
enum rt_fmt_arg {
	RT_FMT_ARG_NONE,
	RT_FMT_ARG_STATIC,  /* digits in the format */
	RT_FMT_ARG_DYNAMIC, /* '*': the next argument */
};

struct rt_fmt_dir {
	uint8_t conv;       /* enum rt_conv */
	uint8_t flags;      /* RT_FMT_ZEROPAD ... RT_FMT_LARGE */
	uint8_t base;       /* 8, 10 or 16 for numbers */
	uint8_t width_kind; /* enum rt_fmt_arg */
	uint8_t prec_kind;  /* enum rt_fmt_arg */
	int32_t width;      /* RT_FMT_ARG_STATIC width */
	int32_t prec;       /* RT_FMT_ARG_STATIC precision */
	uint32_t text;      /* RT_CONV_LITERAL: offset of its text in the format */
	uint32_t len;       /* RT_CONV_LITERAL: length of its text */
};

/* A compiled format. */
struct rt_fmt {
	const char *src; /* the format text */
	const struct rt_fmt_dir *dirs;
	uint32_t ndirs;
	uint32_t nargs; /* values it consumes */
};

/* Where and why a format was rejected. */
struct rt_fmt_error {
	size_t pos;      /* offset of the offending character */
	const char *msg; /* static text */
};

/* The script-level type an argument must have. */
enum rt_arg_kind {
	RT_ARG_LONG,
	RT_ARG_STRING,
};

/*
 * Parses src[0..len) into at most max directives.  Returns how many the
 * format needs (more than max means dirs holds only the first max), or
 * -EINVAL with *err filled.  dirs may be NULL when max is 0.
 */
int rt_fmt_parse(const char *src, size_t len, struct rt_fmt_dir *dirs, size_t max,
                 struct rt_fmt_error *err);

/* rt_fmt_parse() into f; -ENOSPC when max directives are not enough. */
int rt_fmt_compile(struct rt_fmt *f, const char *src, size_t len, struct rt_fmt_dir *dirs,
                   size_t max, struct rt_fmt_error *err);

/*
 * For the translator: returns the number of arguments the format takes
 * (or -EINVAL with *err filled), storing the kind of the first max of
 * them in kinds (which may be NULL when max is 0).
 */
int rt_fmt_check(const char *src, size_t len, enum rt_arg_kind *kinds, size_t max,
                 struct rt_fmt_error *err);

/* Arguments a directive consumes: its '*' fields, then its value. */
unsigned int rt_fmt_dir_nargs(const struct rt_fmt_dir *d);

/* One argument.  Longs use n; strings use s and len. */
struct rt_value {
	int64_t n;     /* a long; the address for %m and %M */
	const char *s; /* a string (NULL prints "<NULL>"); for %m and %M,
	                * if not NULL, the bytes already read at n */
	size_t len;    /* bytes at s; a string also ends at a NUL */
};

#define RT_LONG(v) ((struct rt_value){.n = (v)})
#define RT_STR(p) ((struct rt_value){.s = (p), .len = (size_t)-1})

/*
 * How %m and %M read memory; NULL when every such value carries its bytes.
 * read() copies n bytes at addr (user memory when user is true, from "%#m")
 * and returns 0 or -errno.  On failure, fault_addr tells where.
 */
struct rt_fmt_env {
	int (*read)(void *ctx, uint64_t addr, void *dst, size_t n, bool user);
	void *ctx;
	uint64_t fault_addr; /* set on -EFAULT */
	int64_t bad_len;     /* set on -E2BIG: the length asked for */
};

/* SystemTap refuses memory dumps larger than a page. */
#define RT_FMT_MEM_MAX 4096

/*
 * The length SystemTap checks a %m or %M directive against RT_FMT_MEM_MAX:
 * its '*' precision as given (dyn_prec), else its precision if positive,
 * else 1.  It reads that many bytes, or 1 when the '*' value is below 1;
 * a backend that copies the bytes at probe time (into rt_value.s) can
 * size the copy with it.
 */
int64_t rt_fmt_mem_len(const struct rt_fmt_dir *d, int64_t dyn_prec);

/*
 * Formats args (f->nargs of them, nargs given as a check) into out, as a
 * SystemTap printf to the output stream: sized first, then formatted into
 * that many bytes (RT_BUFFER_SIZE at most), each width and precision
 * clamped to the room left.  Returns the bytes written, or
 * -EINVAL (wrong nargs), -E2BIG (a memory dump over RT_FMT_MEM_MAX) or
 * -EFAULT (memory unreadable), having then written nothing if it could
 * take it back.
 */
int rt_fmt_print(const struct rt_fmt *f, const struct rt_value *args, size_t nargs,
                 struct rt_sink *out, struct rt_fmt_env *env);

/*
 * As sprintf() in a script: formats into buf (size bytes, its last for the
 * NUL, as SystemTap's MAXSTRINGLEN buffers) and returns the string length,
 * or a negative error as rt_fmt_print().
 */
int rt_fmt_sprint(const struct rt_fmt *f, const struct rt_value *args, size_t nargs, char *buf,
                  size_t size, struct rt_fmt_env *env);

#endif /* RT_FORMAT_H */
