// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tapir_bpf_test.c - loads tapir_bpf_test.bpf.o (one build per
 * TAPIR_MAXSTRINGLEN), attaches its probe, drives it through getppid()
 * and checks every helper of runtime/bpf/tapir.bpf.h against what
 * SystemTap, the C library and runtime/common compute in user space.
 *
 *	tapir_bpf_test OBJ NAME [-v]
 *
 * Prints "PASS: NAME.test", "FAIL: NAME.test: why" or "SKIP: NAME: why";
 * -v adds the verifier's instruction count of each program.  Exits 1 if
 * a test failed, 0 otherwise.  Needs root (CAP_BPF and CAP_PERFMON).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "rt_stats.h"
#include "tapir_bpf_test.h"

struct tapir_globals {
	struct tapir_state st;
	struct tbt_io io;
};

struct record {
	struct tapir_rec hdr;
	unsigned char *payload;
};

static const char *name = "bpf";
static int failures;
static int maxlen;              /* TAPIR_MAXSTRINGLEN of the object */
static struct tapir_globals *g; /* the program's .bss, mapped */
static struct ring_buffer *rb;
static struct record *recs;
static size_t nrecs, recs_cap;
static char libbpf_log[1 << 16];
static size_t libbpf_log_len;

/* Keeps libbpf's messages (the verifier log among them) for a failure. */
static int keep_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (libbpf_log_len >= sizeof(libbpf_log) - 1)
		libbpf_log_len = 0; /* keep the end, where the reason is */
	n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (n > 0)
		libbpf_log_len += (size_t)n < sizeof(libbpf_log) - libbpf_log_len
		                      ? (size_t)n
		                      : sizeof(libbpf_log) - libbpf_log_len - 1;
	return 0;
}

static void pass(const char *test)
{
	printf("PASS: %s.%s\n", name, test);
}

static void fail(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(const char *test, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL: %s.%s: ", name, test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* One test's verdict: the first failure of many cases is enough to say. */
struct verdict {
	const char *test;
	bool failed;
};

static bool check(struct verdict *v, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool check(struct verdict *v, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok || v->failed)
		return ok;
	v->failed = true;
	failures++;
	printf("FAIL: %s.%s: ", name, v->test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

static void done(struct verdict *v)
{
	if (!v->failed)
		pass(v->test);
}

static void trigger(enum tbt_op op)
{
	g->io.op = op;
	syscall(SYS_getppid);
	g->io.op = TBT_OP_NONE;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct record *r;

	(void)ctx;
	if (nrecs == recs_cap) {
		recs_cap = recs_cap ? 2 * recs_cap : 64;
		recs = realloc(recs, recs_cap * sizeof(*recs));
		if (!recs)
			abort();
	}
	r = &recs[nrecs++];
	memset(r, 0, sizeof(*r));
	if (size < sizeof(r->hdr))
		return 0;
	memcpy(&r->hdr, data, sizeof(r->hdr));
	r->payload = malloc(size - sizeof(r->hdr) + 1);
	if (!r->payload)
		abort();
	memcpy(r->payload, (char *)data + sizeof(r->hdr), size - sizeof(r->hdr));
	return 0;
}

static void clear_records(void)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		free(recs[i].payload);
	nrecs = 0;
}

static void consume(void)
{
	clear_records();
	ring_buffer__consume(rb);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: the same cases on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A value of random magnitude, so that every bucket and wrap is met. */
static int64_t rnd_value(void)
{
	uint64_t r = rnd();

	switch (r & 7) {
	case 0:
		return (int64_t)rnd();
	case 1:
		return (int64_t)(rnd() % 21) - 10;
	case 2:
		return (int64_t)(rnd() >> (rnd() % 64)) * (rnd() & 1 ? -1 : 1);
	case 3:
		return ((r >> 8) & 1 ? INT64_MIN : INT64_MAX) +
		       (int64_t)(rnd() % 3) * ((r >> 8) & 1 ? 1 : -1);
	case 4:
		return (int64_t)(rnd() % 4000000) - 2000000;
	case 5:
		return (int64_t)(rnd() % 300) - 100;
	default:
		return (int64_t)(1ULL << (rnd() % 63)) + (int64_t)(rnd() % 3) - 1;
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* ---- strings ---- */

#define CANARY 0x5a

static char *const *str_outputs(size_t *n)
{
	static char *outs[10];

	outs[0] = g->io.copy;
	outs[1] = g->io.cat;
	outs[2] = g->io.cat_a;
	outs[3] = g->io.cat_b;
	outs[4] = g->io.cat_self;
	outs[5] = g->io.num;
	outs[6] = g->io.comm;
	outs[7] = g->io.user;
	outs[8] = g->io.kbad;
	outs[9] = g->io.ubad;
	*n = sizeof(outs) / sizeof(outs[0]);
	return outs;
}

/* The string s as the program must hold it: cut to maxlen - 1 bytes. */
static void cut(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)maxlen - 1)
		n = (size_t)maxlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

enum {
	V_COPY,
	V_CONCAT,
	V_CONCAT_ALIAS,
	V_CMP,
	V_CMP_CONST,
	V_CMP_LIT,
	V_LEN,
	V_FROM_LONG,
	V_READ_KERNEL,
	V_READ_USER,
	V_FAULT,
	V_BOUNDS,
	V_NSTR,
};

static struct verdict str_verdicts[V_NSTR] = {
    {.test = "str_copy"},      {.test = "str_concat"},     {.test = "str_concat_alias"},
    {.test = "str_cmp"},       {.test = "str_cmp_const"},  {.test = "str_cmp_literal"},
    {.test = "str_len"},       {.test = "str_from_long"},  {.test = "str_read_kernel"},
    {.test = "str_read_user"}, {.test = "str_read_fault"}, {.test = "str_bounds"},
};

/* s for a message: escaped, and cut after 40 bytes. */
static const char *shown(const char *s)
{
	static char bufs[4][4 * 40 + 8];
	static int next;
	char *buf = bufs[next++ % 4], *o = buf;
	size_t i;

	for (i = 0; s[i] && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= ' ' && c < 0x7f && c != '\\' && c != '"')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	strcpy(o, s[i] ? "..." : "");
	return buf;
}

/* Fills a string buffer past its NUL, as a reused buffer is. */
static void garbage_after(char *s)
{
	size_t i;

	for (i = strlen(s) + 1; i < (size_t)maxlen; i++)
		s[i] = (char)rnd();
}

static bool same_str(struct verdict *v, const char *what, const char *got, const char *exp,
                     long long rgot)
{
	return check(v, strcmp(got, exp) == 0 && rgot == (long long)strlen(exp),
	             "%s: got \"%s\" (length %zu, returned %lld), expected \"%s\" (length %zu)",
	             what, shown(got), strlen(got), rgot, shown(exp), strlen(exp));
}

static void str_case(const char *a_in, const char *b_in, int64_t v)
{
	struct verdict *vs = str_verdicts;
	static char a[TBT_STRBUF], b[TBT_STRBUF], exp[3 * TBT_STRBUF], cat[TBT_STRBUF];
	static char ustr[2 * TBT_STRBUF], comm[16];
	char *const *outs;
	size_t i, nouts;

	cut(a, a_in);
	cut(b, b_in);
	memcpy(g->io.a, a, strlen(a) + 1);
	memcpy(g->io.b, b, strlen(b) + 1);
	garbage_after(g->io.a);
	garbage_after(g->io.b);
	outs = str_outputs(&nouts);
	for (i = 0; i < nouts; i++)
		memset(outs[i], CANARY, TBT_STRBUF);
	g->io.v = v;
	/* a user string longer than any MAXSTRINGLEN, then b */
	snprintf(ustr, sizeof(ustr), "%s%s", b, b);
	g->io.uptr = (int64_t)(uintptr_t)ustr;
	trigger(TBT_OP_STR);

	same_str(&vs[V_COPY], "copy", g->io.copy, a, g->io.r_copy);
	snprintf(exp, sizeof(exp), "%s%s", a, b);
	cut(cat, exp);
	same_str(&vs[V_CONCAT], "a . b", g->io.cat, cat, g->io.r_cat);
	same_str(&vs[V_CONCAT_ALIAS], "x = a; x = x . b", g->io.cat_a, cat, g->io.r_cat_a);
	same_str(&vs[V_CONCAT_ALIAS], "x = b; x = a . x", g->io.cat_b, cat, g->io.r_cat_b);
	snprintf(exp, sizeof(exp), "%s%s", a, a);
	cut(cat, exp);
	same_str(&vs[V_CONCAT_ALIAS], "x = a; x = x . x", g->io.cat_self, cat, g->io.r_cat_self);
	check(&vs[V_CMP],
	      g->io.cmp_ab == sign(strcmp(a, b)) && g->io.cmp_ba == sign(strcmp(b, a)) &&
	          g->io.cmp_aa == 0,
	      "cmp(\"%s\", \"%s\") = %lld, reversed %lld, with itself %lld; expected %d, %d, 0",
	      shown(a), shown(b), (long long)g->io.cmp_ab, (long long)g->io.cmp_ba,
	      (long long)g->io.cmp_aa, sign(strcmp(a, b)), sign(strcmp(b, a)));
	check(&vs[V_CMP_CONST], g->io.cmp_const == sign(strcmp(a, "hello")),
	      "cmp_const(\"%s\", \"hello\") = %lld, expected %d", shown(a),
	      (long long)g->io.cmp_const, sign(strcmp(a, "hello")));
	check(&vs[V_CMP_LIT],
	      g->io.cmp_a_lit == sign(strcmp(a, "hello")) &&
	          g->io.cmp_lit_a == sign(strcmp("hello", a)) && g->io.cmp_lits == -1 &&
	          g->io.len_lit == 6,
	      "with literals: cmp(\"%s\", \"hello\") %lld, reversed %lld, cmp(\"abc\", \"abd\") "
	      "%lld, len(\"hello!\") %lld",
	      shown(a), (long long)g->io.cmp_a_lit, (long long)g->io.cmp_lit_a,
	      (long long)g->io.cmp_lits, (long long)g->io.len_lit);
	check(&vs[V_LEN], g->io.len_a == (int64_t)strlen(a) && g->io.len_b == (int64_t)strlen(b),
	      "len: %lld and %lld, expected %zu and %zu", (long long)g->io.len_a,
	      (long long)g->io.len_b, strlen(a), strlen(b));
	snprintf(exp, sizeof(exp), "%" PRId64, v);
	cut(cat, exp);
	same_str(&vs[V_FROM_LONG], "string(v)", g->io.num, cat, g->io.r_num);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	cut(cat, comm);
	same_str(&vs[V_READ_KERNEL], "current->comm", g->io.comm, cat, g->io.r_comm);
	cut(cat, ustr);
	same_str(&vs[V_READ_USER], "user string", g->io.user, cat, g->io.r_user);
	check(
	    &vs[V_FAULT],
	    g->io.r_kbad < 0 && g->io.kbad[0] == '\0' && g->io.r_ubad < 0 && g->io.ubad[0] == '\0',
	    "reads of address 16: kernel %lld \"%s\", user %lld \"%s\"; expected <0 and \"\"",
	    (long long)g->io.r_kbad, shown(g->io.kbad), (long long)g->io.r_ubad, shown(g->io.ubad));
	for (i = 0; i < nouts; i++) {
		size_t j;

		for (j = (size_t)maxlen; j < TBT_STRBUF; j++)
			if ((unsigned char)outs[i][j] != CANARY)
				break;
		check(&vs[V_BOUNDS], j == TBT_STRBUF,
		      "output %zu written at byte %zu, past TAPIR_MAXSTRINGLEN %d", i, j, maxlen);
	}
}

/* A random string of n bytes of 1..255. */
static void rnd_string(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)(1 + rnd() % 255);
	s[n] = '\0';
}

static void test_strings(void)
{
	static const char *const pairs[][2] = {
	    {"", ""},
	    {"a", ""},
	    {"", "b"},
	    {"hello", "hello"},
	    {"hello", "help"},
	    {"abc", "abcd"},
	    {"abcd", "abc"},
	    {"\x80", "\x7f"},
	    {"\xff", "a"},
	    {"hello!", "hellO"},
	    {"hell", "hello"},
	    {"abcdefgh", "abcdefgi"},
	    {"abcdefgh", "abcdefgh"},
	    {"abcdefghi", "abcdefgh"},
	};
	static const int64_t nums[] = {0,           1,         -1,         9,          10,
	                               -10,         INT64_MIN, INT64_MAX,  4294967295, 4294967296,
	                               -4294967297, 999999999, 1000000000, -1000000};
	static char a[TBT_STRBUF], b[TBT_STRBUF];
	size_t i, p, n = (size_t)maxlen - 1;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		str_case(pairs[i][0], pairs[i][1], nums[i % (sizeof(nums) / sizeof(nums[0]))]);
	memset(a, 'x', n);
	a[n] = '\0';
	memset(b, 'y', n);
	b[n] = '\0';
	str_case(a, b, INT64_MIN);
	/* a difference, or an end, at every position, across words and tail */
	for (p = 0; p < n; p++) {
		rnd_string(a, n);
		memcpy(b, a, n + 1);
		b[p] = (char)(1 + ((unsigned char)b[p] + rnd() % 254) % 255);
		str_case(a, b, rnd_value());
		b[p] = '\0';
		str_case(a, b, rnd_value());
		str_case(b, a, rnd_value());
	}
	for (i = 0; i < 300; i++) {
		rnd_string(a, rnd() % (n + 1));
		rnd_string(b, rnd() % (n + 1));
		str_case(a, b, rnd_value());
	}
	for (i = 0; i < V_NSTR; i++)
		done(&str_verdicts[i]);
}

/* ---- division ---- */

static void test_division(void)
{
	static const int64_t fixed[][2] = {
	    {7, 2},
	    {-7, 2},
	    {7, -2},
	    {-7, -2},
	    {INT64_MIN, -1},
	    {INT64_MIN, 1},
	    {INT64_MIN, 2},
	    {INT64_MIN, -2},
	    {INT64_MIN, INT64_MIN},
	    {INT64_MAX, INT64_MIN},
	    {INT64_MIN, INT64_MAX},
	    {5, 0},
	    {0, 0},
	    {INT64_MIN, 0},
	    {INT64_MAX, -1},
	    {-5, -1},
	    {5, 1},
	    {-5, 1},
	    {0, -3},
	    {1, INT64_MIN},
	    {-1, INT64_MAX},
	    {INT64_MAX, 3},
	    {INT64_MIN + 1, -1},
	};
	struct verdict vdiv = {.test = "div"}, vmod = {.test = "mod"},
	               verr = {.test = "div_by_zero_error"};
	int batch, i;

	for (batch = 0; batch < 64; batch++) {
		int64_t errors0 = g->st.errors, zeros = 0;
		size_t r, found = 0;

		for (i = 0; i < TBT_NDIV; i++) {
			int64_t a = rnd_value(), b = rnd_value();

			if (batch == 0 && i < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
				a = fixed[i][0];
				b = fixed[i][1];
			} else if (rnd() % 8 == 0) {
				b = (int64_t)(rnd() % 3) - 1; /* -1, 0, 1 */
			}
			g->io.div_a[i] = a;
			g->io.div_b[i] = b;
		}
		consume();
		trigger(TBT_OP_DIV);
		consume();
		for (i = 0; i < TBT_NDIV; i++) {
			int64_t a = g->io.div_a[i], b = g->io.div_b[i], q, m;

			if (b == 0) {
				zeros++;
				check(&verr,
				      g->io.div_qerr[i] && g->io.div_rerr[i] && !g->io.div_q[i] &&
				          !g->io.div_r[i],
				      "%" PRId64 " / 0: err %lld, %lld, values %lld, %lld", a,
				      (long long)g->io.div_qerr[i], (long long)g->io.div_rerr[i],
				      (long long)g->io.div_q[i], (long long)g->io.div_r[i]);
				continue;
			}
			q = b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b;
			m = b == -1 || b == 1 ? 0 : a % b;
			check(&vdiv, g->io.div_q[i] == q && !g->io.div_qerr[i],
			      "%" PRId64 " / %" PRId64 " = %lld (err %lld), expected %" PRId64, a,
			      b, (long long)g->io.div_q[i], (long long)g->io.div_qerr[i], q);
			check(&vmod, g->io.div_r[i] == m && !g->io.div_rerr[i],
			      "%" PRId64 " %% %" PRId64 " = %lld (err %lld), expected %" PRId64, a,
			      b, (long long)g->io.div_r[i], (long long)g->io.div_rerr[i], m);
		}
		for (r = 0; r < nrecs; r++) {
			struct record *rec = &recs[r];
			uint32_t id = rec->hdr.id;
			bool div = id >= 1000 && id < 1000 + TBT_NDIV;
			bool mod = id >= 2000 && id < 2000 + TBT_NDIV;

			if (check(&verr,
			          rec->hdr.kind == TAPIR_REC_ERROR && (div || mod) &&
			              g->io.div_b[id % 1000] == 0 && rec->hdr.len == 13 &&
			              memcmp(rec->payload, "division by 0", 13) == 0,
			          "unexpected record kind %u id %u len %u", rec->hdr.kind, id,
			          rec->hdr.len))
				found++;
		}
		check(&verr, found == (size_t)(2 * zeros) && g->st.errors - errors0 == 2 * zeros,
		      "%" PRId64 " divisions by 0 (each / and %%): %zu error records, errors "
		      "counted %" PRId64,
		      zeros, found, g->st.errors - errors0);
	}
	done(&vdiv);
	done(&vmod);
	done(&verr);
}

/* ---- histogram buckets ---- */

#define LINEAR_DESC(j, start_, interval_, buckets_)                                                \
	descs[j].type = RT_HIST_LINEAR;                                                            \
	descs[j].start = start_;                                                                   \
	descs[j].interval = interval_;                                                             \
	descs[j].buckets = buckets_;

static void test_buckets(void)
{
	static const int64_t fixed[] = {0,
	                                1,
	                                -1,
	                                2,
	                                -2,
	                                3,
	                                -3,
	                                4,
	                                7,
	                                8,
	                                -8,
	                                -9,
	                                9,
	                                10,
	                                100,
	                                INT64_MIN,
	                                INT64_MAX,
	                                INT64_MIN + 1,
	                                INT64_MAX - 1,
	                                (int64_t)1 << 62,
	                                -((int64_t)1 << 62),
	                                49,
	                                50,
	                                -51,
	                                -50,
	                                99,
	                                101,
	                                110,
	                                120,
	                                129,
	                                130,
	                                -1000000,
	                                999999,
	                                1000000,
	                                2047999,
	                                -2147483648LL,
	                                -2147483649LL,
	                                2147483647LL,
	                                4294967296LL,
	                                1073741823LL,
	                                1073741824LL};
	struct rt_stat_desc descs[TBT_NLINEARS];
	struct verdict vlog = {.test = "hist_log_bucket"}, vlin = {.test = "hist_linear_bucket"};
	int batch, i, j;

	memset(descs, 0, sizeof(descs));
	TBT_LINEARS(LINEAR_DESC)
	for (batch = 0; batch < 64; batch++) {
		for (i = 0; i < TBT_NHIST; i++) {
			int64_t v = rnd_value();

			if (batch == 0 && i < (int)(sizeof(fixed) / sizeof(fixed[0])))
				v = fixed[i];
			else if (rnd() % 4 == 0) /* at a linear bucket's edge */
				v = descs[rnd() % TBT_NLINEARS].start +
				    (int64_t)descs[0].interval * (int64_t)(rnd() % 20) - 1 +
				    (int64_t)(rnd() % 3);
			g->io.hv[i] = v;
		}
		trigger(TBT_OP_HIST);
		for (i = 0; i < TBT_NHIST; i++) {
			int64_t v = g->io.hv[i];

			check(&vlog, g->io.log_b[i] == rt_hist_log_bucket(v),
			      "log bucket of %" PRId64 ": %lld, expected %d", v,
			      (long long)g->io.log_b[i], rt_hist_log_bucket(v));
			for (j = 0; j < TBT_NLINEARS; j++)
				check(&vlin, g->io.lin_b[j][i] == rt_hist_bucket(&descs[j], v),
				      "linear %d bucket of %" PRId64 ": %lld, expected %d", j, v,
				      (long long)g->io.lin_b[j][i], rt_hist_bucket(&descs[j], v));
		}
	}
	done(&vlog);
	done(&vlin);
}

/* ---- statistics ---- */

struct stat_ref {
	const char *map;
	struct rt_stat_desc desc;
	int buckets;
	struct rt_stat *part; /* per CPU */
	int64_t *hist;        /* per CPU, desc.buckets each */
};

#define STAT_REF(i, kind, start, stop, interval, buckets_, shift_, variance)                       \
	do {                                                                                       \
		const char *err = "";                                                              \
		struct stat_ref *s = &refs[i];                                                     \
		s->map = "tbt_stat" #i;                                                            \
		if (rt_stat_desc_init(&s->desc, kind, start, stop, interval, &err) < 0 ||          \
		    s->desc.buckets != buckets_)                                                   \
			check(&vdesc, false, "statistic %d: buckets %d, expected %d (%s)", i,      \
			      s->desc.buckets, buckets_, err);                                     \
		s->desc.shift = shift_;                                                            \
		s->desc.ops = variance ? RT_STAT_VARIANCE : 0;                                     \
		s->buckets = buckets_;                                                             \
	} while (0);

static void test_stats(struct bpf_object *obj)
{
	struct stat_ref refs[TBT_NSTATS];
	struct verdict vdesc = {.test = "stat_buckets"}, vstat = {.test = "stat_add"};
	int ncpus = libbpf_num_possible_cpus(), cpu, i, k, used = 0;
	cpu_set_t set;

	memset(refs, 0, sizeof(refs));
	TBT_STATS(STAT_REF)
	done(&vdesc);
	if (ncpus < 1) {
		fail("stat_add", "libbpf_num_possible_cpus: %d", ncpus);
		return;
	}
	for (i = 0; i < TBT_NSTATS; i++) {
		refs[i].part = calloc((size_t)ncpus, sizeof(struct rt_stat));
		refs[i].hist = calloc((size_t)ncpus * (refs[i].buckets + 1), sizeof(int64_t));
		if (!refs[i].part || !refs[i].hist)
			abort();
	}
	/* two CPUs at most: each CPU's part must equal rt_stat_add's alone */
	for (cpu = 0; cpu < ncpus && used < 2; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			continue;
		used++;
		for (k = 0; k < 3000; k++) {
			int64_t v = rnd_value();

			if (k % 50 == 7) /* a run 2^31 from the mean: the int delta wraps */
				v = (int64_t)(rnd() % 5) * ((int64_t)1 << 31) +
				    (int64_t)(rnd() % 7);
			g->io.sv = v;
			trigger(TBT_OP_STAT);
			for (i = 0; i < TBT_NSTATS; i++)
				rt_stat_add(&refs[i].part[cpu],
				            refs[i].hist + (size_t)cpu * (refs[i].buckets + 1),
				            &refs[i].desc, v);
		}
	}
	sched_setaffinity(0, sizeof(set), &set); /* stay on the last CPU */
	for (i = 0; i < TBT_NSTATS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, refs[i].map);
		size_t vsize = sizeof(struct rt_stat) + (size_t)refs[i].buckets * 8;
		size_t stride = (vsize + 7) / 8 * 8;
		unsigned char *vals = calloc((size_t)ncpus, stride);
		uint32_t zero = 0;

		if (!vals)
			abort();
		if (!map || bpf_map__value_size(map) != vsize ||
		    bpf_map_lookup_elem(bpf_map__fd(map), &zero, vals) < 0) {
			check(&vstat, false, "map %s: missing, of %u bytes, or unreadable (%s)",
			      refs[i].map, map ? bpf_map__value_size(map) : 0, strerror(errno));
			free(vals);
			continue;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct rt_stat *got = (const void *)(vals + (size_t)cpu * stride);
			const struct rt_stat *exp = &refs[i].part[cpu];
			const int64_t *ghist = (const int64_t *)(got + 1);
			const int64_t *ehist = refs[i].hist + (size_t)cpu * (refs[i].buckets + 1);

			check(
			    &vstat, memcmp(got, exp, sizeof(*exp)) == 0,
			    "statistic %d cpu %d: count %lld sum %lld min %lld max %lld avg_s %lld "
			    "m2 %lld variance_s %lld; expected %lld %lld %lld %lld %lld %lld %lld",
			    i, cpu, (long long)got->count, (long long)got->sum, (long long)got->min,
			    (long long)got->max, (long long)got->avg_s, (long long)got->m2,
			    (long long)got->variance_s, (long long)exp->count, (long long)exp->sum,
			    (long long)exp->min, (long long)exp->max, (long long)exp->avg_s,
			    (long long)exp->m2, (long long)exp->variance_s);
			for (k = 0; k < refs[i].buckets; k++)
				check(&vstat, ghist[k] == ehist[k],
				      "statistic %d cpu %d bucket %d: %lld, expected %lld", i, cpu,
				      k, (long long)ghist[k], (long long)ehist[k]);
		}
		free(vals);
	}
	check(&vstat, used > 0, "could not run on any CPU");
	for (i = 0; i < TBT_NSTATS; i++) {
		free(refs[i].part);
		free(refs[i].hist);
	}
	done(&vstat);
}

/* ---- records ---- */

static int64_t get_s64(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool is_rec(const struct record *r, uint32_t kind, uint32_t id, const void *payload,
                   size_t len)
{
	return r->hdr.kind == kind && r->hdr.id == id && r->hdr.len == len &&
	       memcmp(r->payload, payload, len) == 0;
}

/* The (string a, long i) pairs of record 8, as tapir_rec_str cuts them. */
static bool pairs_ok(const struct record *r, const char *a)
{
	const uint32_t text_end = TAPIR_REC_MAX - 32 * 8 - 2;
	size_t la = strlen(a);
	uint32_t off = 0, n;
	int i;

	for (i = 0; i < TBT_REC_PAIRS; i++) {
		n = off < text_end ? text_end - off : 0;
		if (n > la)
			n = (uint32_t)la;
		if (off + 2 + n + 8 > r->hdr.len || get_u16(r->payload + off) != n ||
		    memcmp(r->payload + off + 2, a, n) != 0)
			return false;
		off += 2 + n;
		if (get_s64(r->payload + off) != i)
			return false;
		off += 8;
	}
	return off == r->hdr.len;
}

static void test_records(void)
{
	struct verdict v = {.test = "records"}, vdrop = {.test = "record_overflow"},
	               vmax = {.test = "maxerrors_stops_probes"};
	static unsigned char exp[TAPIR_REC_MAX];
	int64_t errors0, dropped0;
	size_t la, lb, off = 0;
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	memset(g->io.a, 'A', TBT_STRBUF);
	rnd_string(g->io.a, (size_t)maxlen - 1);
	strcpy(g->io.b, "the error message");
	la = strlen(g->io.a);
	lb = strlen(g->io.b);
	errors0 = g->st.errors;
	dropped0 = g->st.dropped;
	g->st.maxerrors = errors0 + 1; /* this run's error is the last allowed */
	consume();
	trigger(TBT_OP_REC);
	consume();
	check(&vmax, g->st.exiting == 0, "an error within MAXERRORS set exiting");
	if (!check(&v, nrecs == 6, "%zu records, expected 6", nrecs))
		goto out;
	memcpy(exp + off, &(int64_t){-5}, 8);
	off += 8;
	memcpy(exp + off, &(uint16_t){(uint16_t)la}, 2);
	memcpy(exp + off + 2, g->io.a, la);
	off += 2 + la;
	memcpy(exp + off, &(int64_t){INT64_MIN}, 8);
	off += 8;
	memcpy(exp + off, &(uint16_t){0}, 2);
	off += 2;
	memcpy(exp + off, &(uint16_t){(uint16_t)lb}, 2);
	memcpy(exp + off + 2, g->io.b, lb);
	off += 2 + lb;
	check(&v,
	      is_rec(&recs[0], TAPIR_REC_PRINTF, 7, exp, off) && recs[0].hdr.cpu == (uint32_t)cpu,
	      "printf record: kind %u id %u len %u cpu %u, expected %d 7 %zu %d", recs[0].hdr.kind,
	      recs[0].hdr.id, recs[0].hdr.len, recs[0].hdr.cpu, TAPIR_REC_PRINTF, off, cpu);
	check(&v, is_rec(&recs[1], TAPIR_REC_PRINT, 0, g->io.a, la), "print record");
	check(&v, is_rec(&recs[2], TAPIR_REC_WARN, 0, "a warning", 9), "warn record");
	check(&v, is_rec(&recs[3], TAPIR_REC_ERROR, 42, g->io.b, lb) && g->st.errors == errors0 + 1,
	      "error record, or errors not counted");
	check(&v, is_rec(&recs[4], TAPIR_REC_PRINT, 0, g->io.a, TBT_REC_BYTES),
	      "tapir_rec_bytes record: kind %u len %u", recs[4].hdr.kind, recs[4].hdr.len);
	check(&v,
	      recs[5].hdr.kind == TAPIR_REC_PRINTF && recs[5].hdr.id == 8 &&
	          recs[5].hdr.len <= TAPIR_REC_MAX && pairs_ok(&recs[5], g->io.a),
	      "record of %d string and long pairs: len %u, or not as cut", TBT_REC_PAIRS,
	      recs[5].hdr.len);
	check(&vdrop, g->st.dropped == dropped0 + 2,
	      "two overflowing records: dropped went from %lld to %lld", (long long)dropped0,
	      (long long)g->st.dropped);
	/* the error past MAXERRORS stops the kernel probes at once */
	trigger(TBT_OP_REC);
	consume();
	check(&vmax, g->st.exiting == 1, "the error past MAXERRORS did not set exiting");
out:
	g->st.exiting = 0;
	g->st.maxerrors = INT64_MAX;
	done(&v);
	done(&vdrop);
	done(&vmax);
}

static void test_nesting(void)
{
	static const int64_t exp_slots[6] = {0, 1, 2, 3, -1, 3};
	struct verdict v = {.test = "probe_nesting"};
	int64_t skipped0 = g->st.skipped;
	int i;

	consume();
	trigger(TBT_OP_NEST);
	consume();
	for (i = 0; i < 6; i++)
		check(&v, g->io.nest_slot[i] == exp_slots[i], "step %d: slot %lld, expected %lld",
		      i, (long long)g->io.nest_slot[i], (long long)exp_slots[i]);
	check(&v, g->io.nest_after == 0 && g->st.skipped == skipped0 + 1,
	      "after leaving: slot %lld, skipped %lld more", (long long)g->io.nest_after,
	      (long long)(g->st.skipped - skipped0));
	if (check(&v, nrecs == 2, "%zu records, expected 2", nrecs)) {
		int64_t inner[1] = {2}, outer[2] = {1, 3};

		check(&v,
		      is_rec(&recs[0], TAPIR_REC_PRINTF, 101, inner, 8) &&
		          is_rec(&recs[1], TAPIR_REC_PRINTF, 100, outer, 16),
		      "a nested record disturbed the one it interrupted");
	}
	done(&v);
}

/* Fill the ring buffer without reading it: what does not fit is counted. */
static void test_flood(void)
{
	struct verdict v = {.test = "ringbuf_full_dropped"};
	int64_t dropped0 = g->st.dropped, tried = 0, sent = 0;
	size_t la, i;
	int k;

	rnd_string(g->io.a, (size_t)maxlen - 1);
	la = strlen(g->io.a);
	consume();
	for (k = 0; k < 200 && g->st.dropped == dropped0; k++) {
		g->io.flood_n = TBT_FLOOD_MAX;
		trigger(TBT_OP_FLOOD);
		tried += TBT_FLOOD_MAX;
		sent += g->io.flood_sent;
	}
	consume();
	check(&v, g->st.dropped > dropped0, "%lld records sent, none dropped", (long long)tried);
	check(&v, sent + (g->st.dropped - dropped0) == tried && (int64_t)nrecs == sent,
	      "%lld tried, %lld sent, %lld dropped, %zu received", (long long)tried,
	      (long long)sent, (long long)(g->st.dropped - dropped0), nrecs);
	for (i = 0; i < nrecs; i++)
		check(&v, is_rec(&recs[i], TAPIR_REC_PRINT, 0, g->io.a, la), "record %zu differs",
		      i);
	done(&v);
}

static void test_exit(void)
{
	struct verdict v = {.test = "exit"};

	consume();
	trigger(TBT_OP_EXIT);
	consume();
	check(&v, nrecs == 1 && recs[0].hdr.kind == TAPIR_REC_EXIT && recs[0].hdr.len == 0,
	      "%zu records, the first of kind %u", nrecs, nrecs ? recs[0].hdr.kind : 0);
	check(&v, g->st.exiting == 1 && g->io.exit_enter == -1,
	      "exiting %lld, tapir_probe_enter() after exit() %lld", (long long)g->st.exiting,
	      (long long)g->io.exit_enter);
	done(&v);
}

/* ---- loading ---- */

static void print_verifier_counts(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint32_t base = 0;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) < 0)
			continue;
		if (strcmp(bpf_program__name(prog), "v_base") == 0)
			base = info.verified_insns;
		printf("  verifier %s: %-20s %7u insns verified", name, bpf_program__name(prog),
		       info.verified_insns);
		if (base && strncmp(bpf_program__name(prog), "v_", 2) == 0)
			printf(" (%+d over v_base)", (int)info.verified_insns - (int)base);
		putchar('\n');
	}
}

/* Sets the const volatile int var, as a skeleton would, before the load. */
static int set_rodata_int(struct bpf_object *obj, const char *var, int value)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t size;
	char *data;
	int id, i;

	if (!map || !btf)
		return -ENOENT;
	data = (char *)bpf_map__initial_value(map, &size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, (uint32_t)id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *t = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), var) == 0 &&
		    vs->size == sizeof(value) && vs->offset + sizeof(value) <= size) {
			memcpy(data + vs->offset, &value, sizeof(value));
			return 0;
		}
	}
	return -ENOENT;
}

static struct bpf_map *find_bss(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		const char *n = bpf_map__name(map);
		size_t len = strlen(n);

		if (len >= 4 && strcmp(n + len - 4, ".bss") == 0)
			return map;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_link *link = NULL;
	struct bpf_map *map;
	size_t size;
	bool verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
	int err;

	_Static_assert(sizeof(struct rt_stat) == 7 * 8, "struct tapir_stat mirrors struct rt_stat");
	_Static_assert(RT_HIST_NONE == 0 && RT_HIST_LOG == 1 && RT_HIST_LINEAR == 2,
	               "TAPIR_HIST_* mirror enum rt_hist_type");
	if (argc < 3) {
		fprintf(stderr, "usage: %s OBJ NAME [-v]\n", argv[0]);
		return 2;
	}
	name = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("SKIP: %s: loading BPF programs needs root\n", name);
		return 0;
	}
	libbpf_set_print(keep_libbpf_log);
	prctl(PR_SET_NAME, "tbt-loader", 0, 0, 0);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fail("open", "%s: %s", argv[1], strerror(errno));
		return 1;
	}
	if (set_rodata_int(obj, "tbt_pid", getpid()) < 0) {
		fail("open", "%s: no const volatile tbt_pid in .rodata", argv[1]);
		goto out;
	}
	err = bpf_object__load(obj);
	if (err) {
		fail("load", "the verifier or libbpf refused %s (%s); the end of its log:\n%s",
		     argv[1], strerror(-err), libbpf_log);
		goto out;
	}
	pass("load");
	if (verbose)
		print_verifier_counts(obj);
	/* libbpf 1.1 remaps .bss onto the map for skeletons only: map it */
	map = find_bss(obj);
	size = map ? bpf_map__value_size(map) : 0;
	g = size == sizeof(*g)
	        ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0)
	        : MAP_FAILED;
	if (g == MAP_FAILED) {
		fail("bss", "no .bss of %zu bytes to map (%zu): %s", sizeof(*g), size,
		     strerror(errno));
		g = NULL;
		goto out;
	}
	g->st.maxerrors = INT64_MAX; /* tests that raise errors go on */
	prog = bpf_object__find_program_by_name(obj, "tbt_main");
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fail("attach", "tp_btf/sys_enter: %s", strerror(errno));
		goto out;
	}
	map = bpf_object__find_map_by_name(obj, "tapir_events");
	rb = map ? ring_buffer__new(bpf_map__fd(map), on_record, NULL, NULL) : NULL;
	if (!rb) {
		fail("ringbuf", "tapir_events: %s", strerror(errno));
		goto out;
	}
	trigger(TBT_OP_NONE);
	if (g->io.hits != 1) {
		fail("attach", "the probe ran %lld times for one getppid()", (long long)g->io.hits);
		goto out;
	}
	maxlen = (int)g->io.maxstringlen;
	pass("attach");
	test_strings();
	test_division();
	test_buckets();
	test_stats(obj);
	test_records();
	test_nesting();
	test_flood();
	test_exit(); /* last: probes stop after it */
out:
	clear_records();
	free(recs);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	if (g)
		munmap(g, sizeof(*g));
	bpf_object__close(obj);
	return failures ? 1 : 0;
}
