/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_str.bpf.h - SystemTap strings in BPF: buffers of TAPIR_MAXSTRINGLEN
 * bytes, always NUL-terminated, cut silently when a result is longer.
 *
 * Strings live in map values (globals in .bss, per-CPU frame maps); the
 * 512-byte BPF stack holds none but short temporaries.  Two kinds of
 * string argument:
 *   - a buffer: TAPIR_MAXSTRINGLEN bytes behind the pointer, as the
 *     verifier must see (8-byte aligned if on the stack).  Every dst, and
 *     the operands of tapir_str_len and tapir_str_cmp, whose word loops
 *     read the whole buffer; a literal operand of those is a
 *     "static const char lit[TAPIR_MAXSTRINGLEN] = ..." in .rodata, or
 *     goes to tapir_str_cmp_const;
 *   - any address: the sources of copy, concat, read_kernel and of the
 *     record helpers (tapir_rec.bpf.h).  They are read with
 *     bpf_probe_read_kernel_str, which stops at the NUL and costs the
 *     verifier one instruction, and the run time about 1.2 ns a byte.
 *
 * The loops (len, cmp, from_long, concat) are global functions, verified
 * once per program however many call sites it has.  len and cmp go a word
 * at a time, in a bounded loop or, for long strings, bpf_loop() (below).
 * Lengths returned exclude the NUL.
 */
#ifndef TAPIR_STR_BPF_H
#define TAPIR_STR_BPF_H

struct tapir_str {
	char s[TAPIR_MAXSTRINGLEN];
};

/* Room for a + b before the cut, for concatenation into any operand. */
struct tapir_strtmp {
	char s[2 * TAPIR_MAXSTRINGLEN + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIR_NEST_MAX);
	__type(key, __u32);
	__type(value, struct tapir_strtmp);
} tapir_strtmps SEC(".maps");

/* The global functions: verified once per program, whatever its callers. */
__noinline long tapir_str_len_g(const struct tapir_str *s);
__noinline int tapir_str_cmp_g(const struct tapir_str *a, const struct tapir_str *b);
__noinline long tapir_str_concat_g(struct tapir_str *dst, const char *a, const char *b);
__noinline long tapir_str_from_long_g(struct tapir_str *dst, __s64 v);
__noinline long tapir_str_cut_sym_g(struct tapir_str *s);

typedef __u64 __attribute__((may_alias)) tapir_word;

#define TAPIR_ONES 0x0101010101010101ULL
#define TAPIR_HIGHS 0x8080808080808080ULL

/* Marks the zero bytes of w: the lowest mark is exact, higher ones may not be. */
static __always_inline __u64 tapir_zero_bytes(__u64 w)
{
	return (w - TAPIR_ONES) & ~w & TAPIR_HIGHS;
}

/* (x != 0) for x < 2^32, without a branch for the verifier to walk. */
static __always_inline __u64 tapir_nonzero32(__u64 x)
{
	return (x + 0xffffffffULL) >> 32;
}

/* The index of the lowest nonzero byte of m, which is not 0 (little endian). */
static __always_inline __u32 tapir_low_byte(__u64 m)
{
	__u64 k4, k2, k1;

	m &= -m;
	k4 = tapir_nonzero32(m >> 32);
	m >>= k4 << 5;
	k2 = tapir_nonzero32(m >> 16);
	m >>= k2 << 4;
	k1 = tapir_nonzero32(m >> 8);
	return (__u32)(k4 * 4 + k2 * 2 + k1);
}

static __always_inline int tapir_cmp_byte(__u32 ca, __u32 cb)
{
	if (ca == cb)
		return 0;
	return ca < cb ? -1 : 1;
}

/*
 * The word loops of len and cmp: N/8 steps, each a few instructions, that
 * the verifier walks one by one when they are bounded loops (about 40
 * instructions a step) but once when bpf_loop() drives them (5.17 and
 * later; inlined by the verifier since 5.19).  A bounded loop runs about
 * twice as fast, so it is the default up to 256 bytes; -D
 * TAPIR_STR_BPF_LOOP=0 or 1 picks.
 */
#ifndef TAPIR_STR_BPF_LOOP
#define TAPIR_STR_BPF_LOOP (TAPIR_MAXSTRINGLEN > 256)
#endif

struct tapir_str_loop {
	const char *a, *b;
	long r;    /* the result */
	int found; /* a step found it */
};

/* Step k of len over l->a: 1 (stop) when its word ends the string. */
static __always_inline long tapir_len_step(__u32 k, struct tapir_str_loop *l)
{
	__u32 i = k * 8;
	__u64 z;

	if (i > TAPIR_MAXSTRINGLEN - 8)
		return 1;
	z = tapir_zero_bytes(*(const tapir_word *)(l->a + i));
	if (!z)
		return 0;
	l->r = i + tapir_low_byte(z);
	l->found = 1;
	return 1;
}

/* Step k of cmp of l->a and l->b: 1 at the first difference or end. */
static __always_inline long tapir_cmp_step(__u32 k, struct tapir_str_loop *l)
{
	__u32 i = k * 8, sh;
	__u64 x, y, m;

	if (i > TAPIR_MAXSTRINGLEN - 8)
		return 1;
	x = *(const tapir_word *)(l->a + i);
	y = *(const tapir_word *)(l->b + i);
	/* the first byte that differs or ends a */
	m = (x ^ y) | tapir_zero_bytes(x);
	if (!m)
		return 0;
	sh = tapir_low_byte(m) * 8;
	l->r = tapir_cmp_byte((x >> sh) & 0xff, (y >> sh) & 0xff);
	l->found = 1;
	return 1;
}

#if TAPIR_STR_BPF_LOOP
static long tapir_len_cb(__u32 k, void *l)
{
	return tapir_len_step(k, l);
}

static long tapir_cmp_cb(__u32 k, void *l)
{
	return tapir_cmp_step(k, l);
}

static __always_inline void tapir_len_words(struct tapir_str_loop *l)
{
	bpf_loop(TAPIR_MAXSTRINGLEN / 8, tapir_len_cb, l, 0);
}

static __always_inline void tapir_cmp_words(struct tapir_str_loop *l)
{
	bpf_loop(TAPIR_MAXSTRINGLEN / 8, tapir_cmp_cb, l, 0);
}
#else
static __always_inline void tapir_len_words(struct tapir_str_loop *l)
{
	__u32 k;

	for (k = 0; k < TAPIR_MAXSTRINGLEN / 8; k++)
		if (tapir_len_step(k, l))
			break;
}

static __always_inline void tapir_cmp_words(struct tapir_str_loop *l)
{
	__u32 k;

	for (k = 0; k < TAPIR_MAXSTRINGLEN / 8; k++)
		if (tapir_cmp_step(k, l))
			break;
}
#endif

__noinline long tapir_str_len_g(const struct tapir_str *s)
{
	struct tapir_str_loop l = {.a = s ? s->s : NULL};
	__u32 i;

	if (!s)
		return 0;
	tapir_len_words(&l);
	if (l.found)
		return l.r;
	for (i = TAPIR_MAXSTRINGLEN / 8 * 8; i < TAPIR_MAXSTRINGLEN; i++)
		if (!s->s[i])
			return i;
	return TAPIR_MAXSTRINGLEN - 1; /* not terminated: read as cut */
}

/* Step k of tapir_str_cut_sym_g over l->a: 1 at the word with the first
 * '+', ' ' or NUL (each term's lowest mark is exact, and a false mark of
 * one lies above its own exact one, so the lowest of all is exact). */
static __always_inline long tapir_sym_step(__u32 k, struct tapir_str_loop *l)
{
	__u32 i = k * 8;
	__u64 w, z;

	if (i > TAPIR_MAXSTRINGLEN - 8)
		return 1;
	w = *(const tapir_word *)(l->a + i);
	z = tapir_zero_bytes(w) | tapir_zero_bytes(w ^ (TAPIR_ONES * '+')) |
	    tapir_zero_bytes(w ^ (TAPIR_ONES * ' '));
	if (!z)
		return 0;
	l->r = i + tapir_low_byte(z);
	l->found = 1;
	return 1;
}

/* Cut a "%pB" symbol ("name+0x1f/0x80 [module]") after its name. A word
 * loop: a byte loop here is rotated by clang into a shape that Linux
 * 6.1's verifier refuses ("back-edge from insn N to N+1"). */
__noinline long tapir_str_cut_sym_g(struct tapir_str *s)
{
	struct tapir_str_loop l = {.a = s ? s->s : NULL};
	__u32 k;

	if (!s)
		return 0;
	for (k = 0; k < TAPIR_MAXSTRINGLEN / 8; k++)
		if (tapir_sym_step(k, &l))
			break;
	if (l.found && l.r >= 0 && l.r < TAPIR_MAXSTRINGLEN)
		s->s[l.r] = '\0';
	else
		s->s[TAPIR_MAXSTRINGLEN - 1] = '\0';
	return 0;
}

/* strcmp over unsigned chars, as SystemTap's == < > on strings. */
__noinline int tapir_str_cmp_g(const struct tapir_str *a, const struct tapir_str *b)
{
	struct tapir_str_loop l = {.a = a ? a->s : NULL, .b = b ? b->s : NULL};
	__u32 i, x, y;

	if (!a || !b)
		return 0;
	tapir_cmp_words(&l);
	if (l.found)
		return (int)l.r;
	for (i = TAPIR_MAXSTRINGLEN / 8 * 8; i < TAPIR_MAXSTRINGLEN; i++) {
		x = (unsigned char)a->s[i];
		y = (unsigned char)b->s[i];
		if (x != y || !x)
			return tapir_cmp_byte(x, y);
	}
	return 0;
}

/* a . b into dst, which may be a or b. */
__noinline long tapir_str_concat_g(struct tapir_str *dst, const char *a, const char *b)
{
	__u32 slot = tapir_nest_slot(), la;
	struct tapir_strtmp *t;
	long n;

	if (!dst)
		return 0;
	t = bpf_map_lookup_elem(&tapir_strtmps, &slot);
	if (!t) {
		dst->s[0] = '\0';
		return 0;
	}
	n = bpf_probe_read_kernel_str(t->s, TAPIR_MAXSTRINGLEN, a);
	la = n > 0 ? (__u32)n - 1 : 0;
	barrier_var(la);
	if (la > TAPIR_MAXSTRINGLEN - 1)
		la = TAPIR_MAXSTRINGLEN - 1;
	/* a fault zeroes what it was to fill: b reads as "" */
	bpf_probe_read_kernel_str(t->s + la, TAPIR_MAXSTRINGLEN, b);
	n = bpf_probe_read_kernel_str(dst->s, TAPIR_MAXSTRINGLEN, t->s);
	return n > 0 ? n - 1 : 0;
}

/*
 * The decimal form of v, as string(v) and the "." of a long.  A divide
 * is the slow part (tens of cycles): digits of a value above 2^32 take
 * one each, then w / 10 is a multiply by 2^35 / 10 rounded up, exact
 * for every 32-bit w.
 */
__noinline long tapir_str_from_long_g(struct tapir_str *dst, __s64 v)
{
	char buf[24];
	__u64 u = tapir_abs64(v), q;
	int i = sizeof(buf) - 1, k;
	long n;

	if (!dst)
		return 0;
	buf[i] = '\0';
	for (k = 0; k < 20; k++) { /* 2^64 has 20 digits */
		if (u > 0xffffffffULL)
			q = u / 10;
		else
			q = (u * 0xcccccccdULL) >> 35;
		buf[--i] = '0' + (char)(u - q * 10);
		u = q;
		if (!u)
			break;
	}
	if (v < 0)
		buf[--i] = '-';
	n = bpf_probe_read_kernel_str(dst->s, TAPIR_MAXSTRINGLEN, buf + i);
	return n > 0 ? n - 1 : 0;
}

/* dst = src; returns the length. */
static __always_inline long tapir_str_copy(char *dst, const char *src)
{
	long n = bpf_probe_read_kernel_str(dst, TAPIR_MAXSTRINGLEN, src);

	if (n < 1) {
		dst[0] = '\0';
		return 0;
	}
	return n - 1;
}

static __always_inline long tapir_str_concat(char *dst, const char *a, const char *b)
{
	return tapir_str_concat_g((struct tapir_str *)dst, a, b);
}

/*
 * As tapir_str_cmp with a string constant: lit must be a NUL-terminated
 * string in a read-only map (a literal, or static const char lit[] in
 * .rodata), which the kernel's bpf_strncmp (5.17 and later) compares
 * without a loop.
 */
static __always_inline int tapir_str_cmp_const(const char *s, const char *lit)
{
	long r = bpf_strncmp(s, TAPIR_MAXSTRINGLEN, lit);

	return r < 0 ? -1 : r > 0;
}

static __always_inline int tapir_str_cmp_buf(const char *a, const char *b)
{
	return tapir_str_cmp_g((const struct tapir_str *)a, (const struct tapir_str *)b);
}

static __always_inline long tapir_str_len_buf(const char *s)
{
	return tapir_str_len_g((const struct tapir_str *)s);
}

/*
 * True for a string literal (its first char is a compile-time constant),
 * false for a buffer: lets tapir_str_cmp and tapir_str_len take either,
 * with no copy of the literal into a buffer.  Each operand is evaluated
 * once.
 */
#define TAPIR_STR_IS_LIT(s) __builtin_constant_p(*(s))

/* -1, 0 or 1 as a sorts before, with or after b; each a buffer or a literal. */
#define tapir_str_cmp(a, b)                                                                        \
	(TAPIR_STR_IS_LIT(a) && TAPIR_STR_IS_LIT(b)                                                \
	     ? (__builtin_strcmp((a), (b)) > 0) - (__builtin_strcmp((a), (b)) < 0)                 \
	 : TAPIR_STR_IS_LIT(b) ? tapir_str_cmp_const((a), (b))                                     \
	 : TAPIR_STR_IS_LIT(a) ? -tapir_str_cmp_const((b), (a))                                    \
	                       : tapir_str_cmp_buf((a), (b)))

/* The length of a buffer or a literal. */
#define tapir_str_len(s) (TAPIR_STR_IS_LIT(s) ? (long)__builtin_strlen(s) : tapir_str_len_buf(s))

static __always_inline long tapir_str_from_long(char *dst, __s64 v)
{
	return tapir_str_from_long_g((struct tapir_str *)dst, v);
}

/*
 * The string at a kernel or user address, cut at TAPIR_MAXSTRINGLEN - 1
 * bytes: its length, or a negative errno on a fault (dst is then "").
 */
static __always_inline long tapir_str_read_kernel(char *dst, const void *unsafe_ptr)
{
	long n = bpf_probe_read_kernel_str(dst, TAPIR_MAXSTRINGLEN, unsafe_ptr);

	if (n < 1) {
		dst[0] = '\0';
		return n < 0 ? n : 0;
	}
	return n - 1;
}

static __always_inline long tapir_str_read_user(char *dst, const void *ptr)
{
	long n = bpf_probe_read_user_str(dst, TAPIR_MAXSTRINGLEN, ptr);

	if (n < 1) {
		dst[0] = '\0';
		return n < 0 ? n : 0;
	}
	return n - 1;
}

#endif /* TAPIR_STR_BPF_H */
