// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_format_test.c - runtime/common's printf against what SystemTap prints.
 *
 * Expected outputs come from SystemTap's testsuite (the .exp files named
 * in the comments, under testsuite/systemtap.printf/) or, for the cases
 * it does not cover, from SystemTap 4.8's runtime/vsprintf.c conversions
 * driven as its translator's compiled printf drives them.
 *
 * Prints "PASS: name" or "FAIL: name: expected ... got ..." per case.
 */
#include <stdio.h>
#include <string.h>

#include "rt_format.h"

static int failures;

/* s as a C string literal body, into a static buffer. */
static const char *esc(const char *s, size_t n, int which)
{
	static char bufs[2][4096];
	char *b = bufs[which];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof(bufs[0]) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			k += (size_t)sprintf(b + k, "\\%c", c);
		else if (c == '\n')
			k += (size_t)sprintf(b + k, "\\n");
		else if (c < 32 || c >= 127)
			k += (size_t)sprintf(b + k, "\\%03o", c);
		else
			b[k++] = (char)c;
	}
	b[k] = '\0';
	return b;
}

static void pass(const char *name)
{
	printf("PASS: %s\n", name);
}

static void expect_text(const char *name, const char *exp, size_t explen, const char *got,
                        int gotlen)
{
	if (gotlen < 0) {
		failures++;
		printf("FAIL: %s: expected \"%s\" got error %d\n", name, esc(exp, explen, 0),
		       gotlen);
	} else if ((size_t)gotlen != explen || memcmp(exp, got, explen) != 0) {
		failures++;
		printf("FAIL: %s: expected \"%s\" got \"%s\"\n", name, esc(exp, explen, 0),
		       esc(got, (size_t)gotlen, 1));
	} else {
		pass(name);
	}
}

static void expect_int(const char *name, long long exp, long long got)
{
	if (exp == got) {
		pass(name);
		return;
	}
	failures++;
	printf("FAIL: %s: expected %lld got %lld\n", name, exp, got);
}

/* An expected text, with its length (it may hold NUL bytes). */
#define T(s) s, sizeof(s) - 1
#define NV(a) a, sizeof(a) / sizeof(a[0])

static int compile(struct rt_fmt *f, struct rt_fmt_dir *dirs, size_t max, const char *fmt)
{
	struct rt_fmt_error e;
	int rc = rt_fmt_compile(f, fmt, strlen(fmt), dirs, max, &e);

	if (rc < 0)
		printf("  (format \"%s\": %s at %zu)\n", fmt, e.msg, e.pos);
	return rc;
}

/* sprintf(fmt, ...) into a size-byte buffer, as SystemTap's sprintf. */
static void sp(const char *name, size_t size, const char *fmt, const struct rt_value *v, size_t n,
               const char *exp, size_t explen)
{
	struct rt_fmt_dir dirs[32];
	struct rt_fmt f;
	char buf[16384];
	int rc;

	rc = compile(&f, dirs, 32, fmt);
	if (rc == 0)
		rc = rt_fmt_sprint(&f, v, n, buf, size, NULL);
	expect_text(name, exp, explen, buf, rc);
}

/* printf(fmt, ...) to the output stream. */
static void pr(const char *name, const char *fmt, const struct rt_value *v, size_t n,
               const char *exp, size_t explen)
{
	static char buf[65536];
	struct rt_fmt_dir dirs[32];
	struct rt_sink s;
	struct rt_fmt f;
	int rc;

	rt_sink_init(&s, buf, sizeof(buf));
	rc = compile(&f, dirs, 32, fmt);
	if (rc == 0)
		rc = rt_fmt_print(&f, v, n, &s, NULL);
	if (rc >= 0 && (size_t)rc != s.len)
		rc = -1000;
	expect_text(name, exp, explen, buf, rc);
}

/* int1.exp: the values of int1.stp */
static const struct rt_value int1[] = {
    RT_LONG(1), RT_LONG(10), RT_LONG(9000000000000LL), RT_LONG(-1), RT_LONG(-1024),
};

static void test_int1(void)
{
	sp("int1 %d", 512, "%d,%d,%d,%d,%d", NV(int1), T("1,10,9000000000000,-1,-1024"));
	sp("int1 %2d", 512, "%2d,%2d,%2d,%2d,%2d", NV(int1), T(" 1,10,9000000000000,-1,-1024"));
	sp("int1 %16d", 512, "%16d,%16d,%16d,%16d,%16d", NV(int1),
	   T("               1,              10,   9000000000000,              -1,"
	     "           -1024"));
	sp("int1 %016d", 512, "%016d,%016d,%016d,%016d,%016d", NV(int1),
	   T("0000000000000001,0000000000000010,0009000000000000,-000000000000001,"
	     "-000000000001024"));
	sp("int1 %ld", 512, "%ld,%ld,%ld,%ld,%ld", NV(int1), T("1,10,9000000000000,-1,-1024"));
	sp("int1 %#d", 512, "%#d,%#d,%#d,%#d,%#d", NV(int1), T("1,10,9000000000000,-1,-1024"));
	sp("int1 %#ld", 512, "%#ld,%#ld,%#ld,%#ld,%#ld", NV(int1),
	   T("1,10,9000000000000,-1,-1024"));
	sp("int1 %u", 512, "%u,%u,%u,%u,%u", NV(int1),
	   T("1,10,9000000000000,18446744073709551615,18446744073709550592"));
	sp("int1 %2u", 512, "%2u,%2u,%2u,%2u,%2u", NV(int1),
	   T(" 1,10,9000000000000,18446744073709551615,18446744073709550592"));
	sp("int1 %16u", 512, "%16u,%16u,%16u,%16u,%16u", NV(int1),
	   T("               1,              10,   9000000000000,18446744073709551615,"
	     "18446744073709550592"));
	sp("int1 %016u", 512, "%016u,%016u,%016u,%016u,%016u", NV(int1),
	   T("0000000000000001,0000000000000010,0009000000000000,18446744073709551615,"
	     "18446744073709550592"));
	sp("int1 %#lu", 512, "%#lu,%#lu,%#lu,%#lu,%#lu", NV(int1),
	   T("1,10,9000000000000,18446744073709551615,18446744073709550592"));
	sp("int1 %x", 512, "%x,%x,%x,%x,%x", NV(int1),
	   T("1,a,82f79cd9000,ffffffffffffffff,fffffffffffffc00"));
	sp("int1 %2x", 512, "%2x,%2x,%2x,%2x,%2x", NV(int1),
	   T(" 1, a,82f79cd9000,ffffffffffffffff,fffffffffffffc00"));
	sp("int1 %16x", 512, "%16x,%16x,%16x,%16x,%16x", NV(int1),
	   T("               1,               a,     82f79cd9000,ffffffffffffffff,"
	     "fffffffffffffc00"));
	sp("int1 %016x", 512, "%016x,%016x,%016x,%016x,%016x", NV(int1),
	   T("0000000000000001,000000000000000a,0000082f79cd9000,ffffffffffffffff,"
	     "fffffffffffffc00"));
	sp("int1 %16X", 512, "%16X,%16X,%16X,%16X,%16X", NV(int1),
	   T("               1,               A,     82F79CD9000,FFFFFFFFFFFFFFFF,"
	     "FFFFFFFFFFFFFC00"));
	sp("int1 %016X", 512, "%016X,%016X,%016X,%016X,%016X", NV(int1),
	   T("0000000000000001,000000000000000A,0000082F79CD9000,FFFFFFFFFFFFFFFF,"
	     "FFFFFFFFFFFFFC00"));
	sp("int1 %lx", 512, "%lx,%lx,%lx,%lx,%lx", NV(int1),
	   T("1,a,82f79cd9000,ffffffffffffffff,fffffffffffffc00"));
	sp("int1 %#x", 512, "%#x,%#x,%#x,%#x,%#x", NV(int1),
	   T("0x1,0xa,0x82f79cd9000,0xffffffffffffffff,0xfffffffffffffc00"));
	sp("int1 %#lx", 512, "%#lx,%#lx,%#lx,%#lx,%#lx", NV(int1),
	   T("0x1,0xa,0x82f79cd9000,0xffffffffffffffff,0xfffffffffffffc00"));
	sp("int1 %o", 512, "%o,%o,%o,%o,%o", NV(int1),
	   T("1,12,202757163310000,1777777777777777777777,1777777777777777776000"));
	sp("int1 %2o", 512, "%2o,%2o,%2o,%2o,%2o", NV(int1),
	   T(" 1,12,202757163310000,1777777777777777777777,1777777777777777776000"));
	sp("int1 %16o", 512, "%16o,%16o,%16o,%16o,%16o", NV(int1),
	   T("               1,              12, 202757163310000,1777777777777777777777,"
	     "1777777777777777776000"));
	sp("int1 %016o", 512, "%016o,%016o,%016o,%016o,%016o", NV(int1),
	   T("0000000000000001,0000000000000012,0202757163310000,1777777777777777777777,"
	     "1777777777777777776000"));
	sp("int1 %#o", 512, "%#o,%#o,%#o,%#o,%#o", NV(int1),
	   T("01,012,0202757163310000,01777777777777777777777,01777777777777777776000"));
	sp("int1 %#lo", 512, "%#lo,%#lo,%#lo,%#lo,%#lo", NV(int1),
	   T("01,012,0202757163310000,01777777777777777777777,01777777777777777776000"));
}

/* ptr-1.3.exp: %p is %#x of the 64-bit value since SystemTap 1.3 */
static const struct rt_value ptr13[] = {
    RT_LONG(0),
    RT_LONG(1),
    RT_LONG(0x12345678),
    RT_LONG(0x12345678abcdef00LL),
    RT_LONG(0x0000000012345678),
};

static void test_ptr(void)
{
	sp("ptr-1.3 %p", 512, "%p|%p|%p|%p|%p", NV(ptr13),
	   T("0x0|0x1|0x12345678|0x12345678abcdef00|0x12345678"));
	sp("ptr-1.3 %20pX", 512, "%20pX%20pX%20pX%20pX%20pX", NV(ptr13),
	   T("                 0x0X                 0x1X          0x12345678X"
	     "  0x12345678abcdef00X          0x12345678X"));
	sp("ptr-1.3 %-20pX", 512, "%-20pX%-20pX%-20pX%-20pX%-20pX", NV(ptr13),
	   T("0x0                 X0x1                 X0x12345678          X"
	     "0x12345678abcdef00  X0x12345678          X"));
	sp("ptr-1.3 %.20pX", 512, "%.20pX%.20pX%.20pX%.20pX%.20pX", NV(ptr13),
	   T("0x00000000000000000000X0x00000000000000000001X0x00000000000012345678X"
	     "0x000012345678abcdef00X0x00000000000012345678X"));
	sp("ptr-1.3 %20.8pX", 512, "%20.8pX%20.8pX%20.8pX%20.8pX%20.8pX", NV(ptr13),
	   T("          0x00000000X          0x00000001X          0x12345678X"
	     "  0x12345678abcdef00X          0x12345678X"));
	sp("ptr-1.3 %-20.8pX", 512, "%-20.8pX%-20.8pX%-20.8pX%-20.8pX%-20.8pX", NV(ptr13),
	   T("0x00000000          X0x00000001          X0x12345678          X"
	     "0x12345678abcdef00  X0x12345678          X"));
	sp("ptr-1.3 %8p", 512, "%8p|%8p|%8p|%8p|%8p", NV(ptr13),
	   T("     0x0|     0x1|0x12345678|0x12345678abcdef00|0x12345678"));
	sp("ptr-1.3 %-8pX", 512, "%-8pX%-8pX%-8pX%-8pX%-8pX", NV(ptr13),
	   T("0x0     X0x1     X0x12345678X0x12345678abcdef00X0x12345678X"));
	sp("ptr-1.3 %.8p", 512, "%.8p|%.8p|%.8p|%.8p|%.8p", NV(ptr13),
	   T("0x00000000|0x00000001|0x12345678|0x12345678abcdef00|0x12345678"));
	sp("ptr-1.3 %8.20p", 512, "%8.20p|%8.20p|%8.20p|%8.20p|%8.20p", NV(ptr13),
	   T("0x00000000000000000000|0x00000000000000000001|0x00000000000012345678|"
	     "0x000012345678abcdef00|0x00000000000012345678"));
	sp("ptr-1.3 %-8.20pX", 512, "%-8.20pX%-8.20pX%-8.20pX%-8.20pX%-8.20pX", NV(ptr13),
	   T("0x00000000000000000000X0x00000000000000000001X0x00000000000012345678X"
	     "0x000012345678abcdef00X0x00000000000012345678X"));
}

/* Number corners, where SystemTap's runtime differs from C's printf. */
static void test_number_quirks(void)
{
	struct rt_value v[] = {
	    RT_LONG(0), RT_LONG(0), RT_LONG(42),  RT_LONG(42),  RT_LONG(7), RT_LONG(7), RT_LONG(7),
	    RT_LONG(0), RT_LONG(0), RT_LONG(255), RT_LONG(255), RT_LONG(8), RT_LONG(8),
	};
	struct rt_value w[] = {
	    RT_LONG(-42), RT_LONG(255), RT_LONG(255), RT_LONG(255), RT_LONG(-42), RT_LONG(-1),
	};
	struct rt_value s[] = {
	    RT_LONG(-7), RT_LONG(-7),        RT_LONG(0),         RT_LONG(0),
	    RT_LONG(3),  RT_LONG(INT64_MIN), RT_LONG(INT64_MAX),
	};

	sp("precision keeps the 0 digit, '0' pads despite precision, # on 0", 512,
	   "%.0d|%.0u|%05.3d|%-05d|%+d|% d|%+u|%#o|%#x|%#X|%#5x|%#8o|%-8o|", NV(v),
	   T("0|0|00042|42   |+7| 7|7|00|0x0|0XFF| 0xff|     010|10      |"));
	sp("zero padding after the sign", 512, "%05d|%05x|%-5x|%5.3x|%08.3d|%.10d", NV(w),
	   T("-0042|000ff|ff   |  0ff|-0000042|-0000000001"));
	sp("signs and 64-bit extremes", 512, "%+d|% d|%+d|% i|%+5d|%d|%d", NV(s),
	   T("-7|-7|+0| 0|   +3|-9223372036854775808|9223372036854775807"));
}

/* '*' takes a long; SystemTap cuts it to an int and clamps it to >= 0. */
static void test_dynamic(void)
{
	struct rt_value v[] = {
	    RT_LONG(-5),
	    RT_LONG(42),
	    RT_LONG(-5),
	    RT_LONG(42),
	    RT_LONG(-3),
	    RT_LONG(42),
	    RT_LONG(0x100000005LL),
	    RT_LONG(0x100000003LL),
	    RT_LONG(42),
	};
	struct rt_value s[] = {
	    RT_LONG(6), RT_STR("abc"), RT_LONG(2), RT_STR("abc"), RT_LONG(-1), RT_STR("abc"),
	};

	sp("negative * width does not left-justify; * cut to int", 512, "%*d|%-*d|%.*d|%*.*d",
	   NV(v), T("42|42|42|  042"));
	sp("* with %s", 512, "%*s|%.*s|%.*s|", NV(s), T("   abc|ab||"));
}

/* string1.exp, string2.exp and %s corners */
static void test_string(void)
{
	struct rt_value s1[] = {RT_STR("Foobar!")};
	struct rt_value s2[] = {
	    RT_STR("XYZZY"),
	    RT_STR("Foobar!"),
	    RT_STR("XYZZY"),
	    RT_STR("Foobar!"),
	};
	struct rt_value s3[] = {RT_LONG(7), RT_STR("12345678901234567890")};
	struct rt_value q[] = {
	    RT_STR("ab"), RT_STR("abc"), RT_STR("abcdef"), RT_STR("ab"), RT_STR("xyz"),
	};
	struct rt_value n[] = {{.s = NULL}, {.s = "abcdef", .len = 3}};

	sp("string1 <%s>", 512, "The string is <%s>\n", NV(s1), T("The string is <Foobar!>\n"));
	sp("string1 %s%s%s%s", 512, "%s%s%s%s\n", NV(s2), T("XYZZYFoobar!XYZZYFoobar!\n"));
	sp("string2 %2d: %s", 512, "%2d: %s\n", NV(s3), T(" 7: 12345678901234567890\n"));
	sp("%0s adds a NUL, %.0s prints nothing, precision and width", 512,
	   "%05s|%.0s|%.3s|%-6s|%6.2s|", NV(q), T("   ab\0||abc|ab    |    xy|"));
	sp("a NULL string and a counted one", 512, "%s|%s", NV(n), T("<NULL>|abc"));
}

/* char1.exp, char2.exp */
static void test_char(void)
{
	struct rt_value c1[] = {RT_LONG(115), RT_LONG(116), RT_LONG(97), RT_LONG(112)};
	struct rt_value c2[] = {
	    RT_LONG(0), RT_LONG(033), RT_LONG(0177), RT_LONG(0222), RT_LONG(0333), RT_LONG(0377),
	};
	struct rt_value c3[] = {
	    RT_LONG('\a'), RT_LONG('\b'), RT_LONG('\f'), RT_LONG('\n'), RT_LONG('\r'),
	    RT_LONG('\t'), RT_LONG('\v'), RT_LONG('\''), RT_LONG('\\'),
	};
	struct rt_value c4[] = {
	    RT_LONG('a'), RT_LONG('b'), RT_LONG('c'), RT_LONG('-'),
	    RT_LONG('A'), RT_LONG(' '), RT_LONG('1'), RT_LONG('!'),
	};
	struct rt_value w[] = {
	    RT_LONG(65), RT_LONG(66), RT_LONG(67), RT_LONG(10), RT_LONG(0x1ff), RT_LONG(0x141),
	};

	sp("char1 %c", 512, "%c%c%c%c\n", NV(c1), T("stap\n"));
	sp("char2 %#c octal", 512, "%#c%#c%#c%#c%#c%#c", NV(c2),
	   T("\\000\\033\\177\\222\\333\\377"));
	sp("char2 %#c escapes", 512, "%#c%#c%#c%#c%#c%#c%#c%#c%#c", NV(c3),
	   T("\\a\\b\\f\\n\\r\\t\\v\\'\\\\"));
	sp("char2 %#c printable", 512, "%#c%#c%#c%#c%#c%#c%#c%#c", NV(c4), T("abc-A 1!"));
	sp("%c widths, the low byte", 512, "%c|%5c|%-5c|%#5c|%#c|%c", NV(w),
	   T("A|    B|C    |   \\n|\\377|A"));
}

/* bin5.exp, bin6.stp: %b writes the value's bytes (here: little-endian) */
static void test_binary(void)
{
	const int64_t be = 0x6465616462656566LL; /* "deadbeef" as bin6.stp */
	struct rt_value one[] = {RT_LONG(be)};
	struct rt_value four[] = {RT_LONG(be), RT_LONG(be), RT_LONG(be), RT_LONG(be)};
	struct rt_value dyn[] = {
	    RT_LONG(1), RT_LONG(8), RT_LONG(be), RT_LONG(2), RT_LONG(4), RT_LONG(be),
	    RT_LONG(4), RT_LONG(2), RT_LONG(be), RT_LONG(8), RT_LONG(1), RT_LONG(be),
	};
	struct rt_value b5[] = {RT_LONG(0x12), RT_LONG(0x34)};

	sp("bin6 default width and precision", 512, ":%b:", NV(one), T(":feebdaed:"));
	sp("bin6 static width", 512, ":%1b:%2b:%4b:%8b:", NV(four), T(":f:fe:feeb:feebdaed:"));
	sp("bin6 static precision", 512, ":%.8b:%.4b:%.2b:%.1b:", NV(four),
	   T(":feebdaed:feeb:fe:f:"));
	sp("bin6 static width and precision", 512, ":%1.8b:%2.4b:%4.2b:%8.1b:", NV(four),
	   T(":feebdaed:feeb:\0\0fe:\0\0\0\0\0\0\0f:"));
	sp("bin6 dynamic width and precision", 512, ":%*.*b:%*.*b:%*.*b:%*.*b:", NV(dyn),
	   T(":feebdaed:feeb:\0\0fe:\0\0\0\0\0\0\0f:"));
	sp("%b left-justified, odd sizes fall back", 512, ":%-4.2b:%3b:%-8.1b:%.3b:", NV(four),
	   T(":fe\0\0:feebdaed:f\0\0\0\0\0\0\0:feebdaed:"));
	sp("bin5 %8b", 512, "%8b%8b", NV(b5), T("\x12\0\0\0\0\0\0\0\x34\0\0\0\0\0\0\0"));
}

/* memory1.stp's %m and %M cases, on "/usr/bin/true" */
static char mem[64] = "/usr/bin/true\0\x01\x02\xff\x80XYZ";

static void test_memory(void)
{
	struct rt_value m[9];
	struct rt_value dyn[] = {
	    RT_LONG(5),
	    RT_LONG((intptr_t)mem),
	    RT_LONG(15),
	    RT_LONG((intptr_t)mem),
	    RT_LONG(4),
	    RT_LONG(13),
	    RT_LONG((intptr_t)mem),
	    RT_LONG(14),
	    RT_LONG(6),
	    RT_LONG((intptr_t)mem),
	};
	struct rt_value z[] = {
	    RT_LONG((intptr_t)mem + 13),
	    RT_LONG((intptr_t)mem + 14),
	    RT_LONG((intptr_t)mem + 14),
	};
	int i;

	for (i = 0; i < 9; i++)
		m[i] = (struct rt_value){.n = 0, .s = mem, .len = sizeof(mem)};
	sp("memory1 %m widths and precisions", 512,
	   "%m|%.5m|%5m|%4.5m|%15.5m|%-6.2m|%.3M|%14.6M|%-8.2M|", NV(m),
	   T("/|/usr/|    /|/usr/|          /usr/|/u    |2f7573|  2f7573722f62|2f75    |"));
	/* these read memory through an address: no rt_fmt_env, so give bytes */
	for (i = 0; i < 10; i++)
		if (dyn[i].n == (intptr_t)mem)
			dyn[i] = (struct rt_value){.n = 0, .s = mem, .len = sizeof(mem)};
	sp("memory1 dynamic", 512, "%.*m|%*.5m|%*.*m|%*.*M", NV(dyn),
	   T("/usr/|          /usr/|/usr/bin/true|  2f7573722f62"));
	for (i = 0; i < 3; i++)
		z[i] = (struct rt_value){.n = 0, .s = mem + 13 + (i > 0), .len = 8};
	sp("%m copies NULs, %0m adds one", 512, "%#m|%0.2m|%.4M", NV(z),
	   T("\0|\x01\x02\0|0102ff80"));
}

/* sprintf results are cut at their buffer, widths clamped to what is left */
static void test_truncation(void)
{
	struct rt_value n[] = {RT_LONG(123456789)};
	struct rt_value s[] = {RT_STR("ab"), RT_STR("cd")};
	struct rt_value w[] = {RT_LONG(1)};
	struct rt_value b4[] = {RT_LONG(0x41424344)};
	struct rt_value b2[] = {RT_LONG(0x4142)};
	struct rt_value m[] = {{.s = mem, .len = sizeof(mem)}};

	sp("sprint cut at 8 bytes", 8, "%d", NV(n), T("1234567"));
	sp("sprint cut inside padding", 8, "%5s%5s", NV(s), T("   ab c"));
	sp("sprint width clamped to the room", 8, "%20d", NV(w), T("       "));
	sp("%b written whole, then cut", 6, "ab%4b", NV(b4), T("abDCB"));
	sp("%b fits", 6, "ab%2b", NV(b2), T("abBA"));
	sp("%M writes whole byte pairs (6)", 6, "%.4M", NV(m), T("2f757"));
	sp("%M writes whole byte pairs (7)", 7, "%.4M", NV(m), T("2f7573"));
	sp("sprint into 1 byte", 1, "%d", NV(n), T(""));
}

static void test_literals(void)
{
	struct rt_value v[] = {RT_LONG(5)};

	sp("%% and text", 512, "a%%b%%%%c%d%%", NV(v), T("a%b%%c5%"));
	sp("empty format", 512, "", NULL, 0, T(""));
	sp("text only", 512, "hello, world\n", NULL, 0, T("hello, world\n"));
}

/* printf to the stream: one print buffer (8192 bytes) at most */
static void test_stream(void)
{
	static char big[8193];
	struct rt_value w[] = {RT_LONG(1)};
	struct rt_value w2[] = {RT_LONG(1), RT_LONG(2)};
	struct rt_value b[] = {RT_LONG(8190), RT_LONG(1), RT_LONG(8), RT_LONG(0x41424344)};

	memset(big, ' ', sizeof(big));
	big[8191] = '1';
	pr("printf width clamped to the print buffer", "%9000d", NV(w), big, 8192);
	big[8191] = ' ';
	big[8190] = '1';
	big[8191] = '2';
	pr("printf cut at the print buffer", "%8191d%5d", NV(w2), big, 8192);
	/*
	 * SystemTap sizes this as 8190 + 1 + 1 bytes, then clamps %b's
	 * precision of 8 to the 2 bytes left: a valid size, so 2 bytes.
	 */
	memset(big, ' ', 8189);
	big[8189] = '1';
	big[8190] = 'D';
	big[8191] = 'C';
	pr("%b precision clamped to the room left", "%*d%.*b", NV(b), big, 8192);
	pr("printf plain", "x=%d y=%s\n", (struct rt_value[]){RT_LONG(3), RT_STR("s")}, 2,
	   T("x=3 y=s\n"));
}

struct parse_case {
	const char *fmt;
	size_t pos;
	const char *msg_start;
};

/* The formats SystemTap's parser refuses (stap -p2 says so for each). */
static void test_parse_errors(void)
{
	static const struct parse_case cases[] = {
	    {"%-+5d", 2, "more than one flag"},
	    {"%0-5d", 2, "more than one flag"},
	    {"%lld", 2, "more than one 'l'"},
	    {"%5%", 2, "invalid or missing conversion"},
	    {"abc%", 3, "'%' at the end"},
	    {"%", 0, "'%' at the end"},
	    {"%q", 1, "invalid or missing conversion"},
	    {"%hd", 1, "invalid or missing conversion"},
	    {"%n", 1, "invalid or missing conversion"},
	    {"%f", 1, "invalid or missing conversion"},
	    {"x%-", 3, "trailing incomplete"},
	    {"%5", 2, "trailing incomplete"},
	    {"%5.", 3, "trailing incomplete"},
	    {"%.*", 3, "trailing incomplete"},
	    {"%l", 2, "trailing incomplete"},
	    {"%d %", 3, "'%' at the end"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		struct rt_fmt_error e = {0, NULL};
		char name[64];
		int rc;

		snprintf(name, sizeof(name), "parse error \"%s\"", c->fmt);
		rc = rt_fmt_parse(c->fmt, strlen(c->fmt), NULL, 0, &e);
		if (rc != -EINVAL || !e.msg || strncmp(e.msg, c->msg_start, strlen(c->msg_start)) ||
		    e.pos != c->pos) {
			failures++;
			printf("FAIL: %s: expected -EINVAL \"%s...\" at %zu got %d \"%s\" at %zu\n",
			       name, c->msg_start, c->pos, rc, e.msg ? e.msg : "", e.pos);
		} else {
			pass(name);
		}
	}
}

static void kinds_text(char *out, const enum rt_arg_kind *k, int n)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = k[i] == RT_ARG_STRING ? 's' : 'l';
	out[n < 0 ? 0 : n] = '\0';
}

/* What the translator checks printf's arguments against. */
static void test_check(void)
{
	static const struct {
		const char *fmt;
		const char *kinds;
	} cases[] = {
	    {"%d %s", "ls"},
	    {"%*d", "ll"},
	    {"%.*s", "ls"},
	    {"%*.*s|%c|%b|%p|%m|%M|%x|%%", "llsllllll"},
	    {"no args%%", ""},
	    {"%-*.*M", "lll"},
	    {"%ld%li%lu%lo%lx%lX%lc%ls%lp%lb%lm%lM", "lllllllsllll"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum rt_arg_kind kinds[32];
		struct rt_fmt_error e;
		char name[80], got[40];
		int n = rt_fmt_check(cases[i].fmt, strlen(cases[i].fmt), kinds, 32, &e);

		snprintf(name, sizeof(name), "check \"%s\"", cases[i].fmt);
		kinds_text(got, kinds, n);
		if (n < 0 || strcmp(got, cases[i].kinds)) {
			failures++;
			printf("FAIL: %s: expected \"%s\" got %d \"%s\"\n", name, cases[i].kinds, n,
			       got);
		} else {
			pass(name);
		}
	}
	expect_int("check counts past the kinds array", 5,
	           rt_fmt_check("%d%d%d%d%s", 10, NULL, 0, NULL));
}

static void test_compile(void)
{
	struct rt_fmt_dir dirs[4];
	struct rt_fmt_error e;
	struct rt_fmt f;

	expect_int("parse counts directives", 5, rt_fmt_parse("a%db%%c%s", 9, NULL, 0, NULL));
	expect_int("compile refuses too few directives", -ENOSPC,
	           rt_fmt_compile(&f, "%d%d%d%d%d", 10, dirs, 4, &e));
	expect_int("compile", 0, rt_fmt_compile(&f, "%*d=%s", 6, dirs, 4, &e));
	expect_int("compile nargs", 3, f.nargs);
	expect_int("compile ndirs", 3, f.ndirs);
	expect_int("print refuses a wrong argument count", -EINVAL,
	           rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(1)}, 1, (char[8]){0}, 8, NULL));
}

static int fail_at;

static int read_fake(void *ctx, uint64_t addr, void *dst, size_t n, bool user)
{
	const char *base = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((int64_t)(addr + i) == fail_at)
			return -EFAULT;
		((char *)dst)[i] = user ? 'U' : base[(addr + i) % 64];
	}
	return 0;
}

/* %m and %M through a reader, and their errors */
static void test_memory_env(void)
{
	struct rt_fmt_env env = {.read = read_fake, .ctx = mem};
	struct rt_fmt_dir dirs[8];
	struct rt_fmt f;
	char buf[64];
	int rc;

	fail_at = -1;
	compile(&f, dirs, 8, "%.5m|%#.3m|%.2M");
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(0), RT_LONG(0), RT_LONG(1)}, 3, buf, 64,
	                   &env);
	expect_text("%m reads through the env, %#m as user memory", T("/usr/|UUU|7573"), buf, rc);

	fail_at = 3;
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(0), RT_LONG(0), RT_LONG(1)}, 3, buf, 64,
	                   &env);
	expect_int("%m fault is -EFAULT", -EFAULT, rc);
	expect_int("%m fault address", 3, (long long)env.fault_addr);

	compile(&f, dirs, 8, "a%.*m");
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(4097), RT_LONG(0)}, 2, buf, 64, &env);
	expect_int("memory dump over a page is -E2BIG", -E2BIG, rc);
	expect_int("-E2BIG length", 4097, env.bad_len);
	compile(&f, dirs, 8, "a%.5000M");
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(0)}, 1, buf, 64, &env);
	expect_int("static precision over a page is -E2BIG", -E2BIG, rc);
	compile(&f, dirs, 8, "%.*m|");
	fail_at = -1;
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(-7), RT_LONG(0)}, 2, buf, 64, &env);
	expect_text("negative memory length passes, prints 1 byte", T("/|"), buf, rc);
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(3), RT_LONG(0)}, 2, buf, 64, NULL);
	expect_int("no reader and no bytes is -EFAULT", -EFAULT, rc);
	rc = rt_fmt_sprint(&f, (struct rt_value[]){RT_LONG(3), {.n = 100, .s = "ab", .len = 2}}, 2,
	                   buf, 64, &env);
	expect_int("too few bytes given is -EFAULT", -EFAULT, rc);
	expect_int("too few bytes fault address", 102, (long long)env.fault_addr);
}

/* A print that fails takes back what it wrote. */
static void test_print_rollback(void)
{
	struct rt_fmt_env env = {.read = read_fake, .ctx = mem};
	struct rt_fmt_dir dirs[8];
	struct rt_sink s;
	struct rt_fmt f;
	char buf[64];
	int rc;

	rt_sink_init(&s, buf, sizeof(buf));
	rt_sink_write(&s, "keep", 4);
	compile(&f, dirs, 8, "xyz%.8m");
	fail_at = 5;
	rc = rt_fmt_print(&f, (struct rt_value[]){RT_LONG(0)}, 1, &s, &env);
	expect_int("failed print returns -EFAULT", -EFAULT, rc);
	expect_text("failed print leaves the sink as it was", T("keep"), buf, (int)s.len);
	fail_at = -1;
}

struct chunks {
	char all[256];
	size_t len;
	int calls;
};

static int flush_chunks(struct rt_sink *s)
{
	struct chunks *c = s->ctx;

	memcpy(c->all + c->len, s->buf, s->len);
	c->len += s->len;
	c->calls++;
	s->len = 0;
	return 0;
}

static void test_sink_flush(void)
{
	struct chunks c = {.len = 0};
	struct rt_fmt_dir dirs[8];
	struct rt_sink s;
	struct rt_fmt f;
	char small[7];
	int rc;

	rt_sink_init(&s, small, sizeof(small));
	s.flush = flush_chunks;
	s.ctx = &c;
	compile(&f, dirs, 8, "%s-%020d\n");
	rc = rt_fmt_print(&f, (struct rt_value[]){RT_STR("through a 7-byte sink"), RT_LONG(-5)}, 2,
	                  &s, NULL);
	rt_sink_flush(&s);
	expect_text("printf through a flushing sink",
	            T("through a 7-byte sink--0000000000000000005\n"), c.all, (int)c.len);
	expect_int("printf through a flushing sink returns its length", 43, rc);
	expect_int("sink counts flushed bytes", 43, (long long)s.flushed);

	rt_sink_init(&s, small, sizeof(small));
	compile(&f, dirs, 8, "%s");
	rt_fmt_print(&f, (struct rt_value[]){RT_STR("0123456789")}, 1, &s, NULL);
	expect_int("a full sink without flush counts lost bytes", 3, (long long)s.lost);
}

int main(void)
{
	test_int1();
	test_ptr();
	test_number_quirks();
	test_dynamic();
	test_string();
	test_char();
	test_binary();
	test_memory();
	test_truncation();
	test_literals();
	test_stream();
	test_parse_errors();
	test_check();
	test_compile();
	test_memory_env();
	test_print_rollback();
	test_sink_flush();
	return failures ? 1 : 0;
}
