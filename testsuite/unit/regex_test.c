/* regex_test.c - translator/regex_dfa.c against the C library's POSIX
 * extended regular expressions: for each pattern and string, the DFA's
 * answer (run here as the emitted C runs it) must be regexec()'s. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "../../translator/regex_dfa.h"

static int dfa_step(const struct regex_dfa *d, unsigned *st, unsigned sym)
{
	*st = d->next[*st * (unsigned)d->nclasses + d->cls[sym]];
	return d->accept[*st];
}

static int dfa_match(const struct regex_dfa *d, const char *s)
{
	unsigned st = 0;

	if (d->accept[0] || dfa_step(d, &st, REGEX_BOS))
		return 1;
	for (; *s; s++) {
		if (dfa_step(d, &st, (unsigned char)*s))
			return 1;
	}
	return dfa_step(d, &st, REGEX_EOS);
}

static const char *const patterns[] = {
	"abc", "^abc", "abc$", "^abc$", "a|b", "^(a|bc)+$", "a*", "^a*$", "x+y", "colou?r",
	"[0-9]+", "^[^0-9]*$", "[[:alpha:]]+[[:digit:]]", "a.c", "^.$", "(ab){2}", "^(ab){2,}$",
	"^a{1,3}$", "^a{0,1}b$", "\\.so$", "^/usr/(lib|bin)/", "sys_(read|write)", "[a-c-]x",
	"^$", "()", "^(a|)b", "[]a]", "[^]a]b", "x[[:space:]]y", "(a|b)*c(d|e)?f",
	"^[[:upper:]][[:lower:]]*$", "ab|cd|^ef", "(^a|b$)", "a\\+b", "\\(x\\)",
};

static const char *const strings[] = {
	"", "a", "b", "abc", "xabcx", "abcabc", "bc", "abab", "ababab", "aaa", "aaaa", "ab",
	"color", "colour", "colouur", "xy", "xxy", "123", "ab12", "abc1", "a.c", "axc", "a\nc",
	"/usr/lib/libc.so", "libc.so.6", "sys_read", "sys_open", "-x", "bx", "]", "]b", "x y",
	"x\ty", "cf", "abcdf", "Hello", "hello", "ef", "xef", "a+b", "(x)", "b", "ba",
};

int main(void)
{
	struct arena *a = arena_new();
	int failed = 0, checks = 0;
	char err[128];
	struct regex_dfa d;

	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		regex_t re;

		if (regcomp(&re, patterns[p], REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		if (regex_compile(a, patterns[p], &d, err, sizeof(err)) < 0) {
			printf("FAIL: regex /%s/ does not compile: %s\n", patterns[p], err);
			failed++;
			regfree(&re);
			continue;
		}
		for (size_t s = 0; s < sizeof(strings) / sizeof(strings[0]); s++) {
			int want = regexec(&re, strings[s], 0, NULL, 0) == 0;

			checks++;
			if (dfa_match(&d, strings[s]) != want) {
				printf("FAIL: regex /%s/ on \"%s\": %d, regexec says %d\n", patterns[p],
				       strings[s], !want, want);
				failed++;
			}
		}
		regfree(&re);
	}
	static const char *const bad[] = { "a(b", "a)b", "[ab", "*a", "a{2,1}", "[[:nope:]]", "a\\" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		checks++;
		if (regex_compile(a, bad[i], &d, err, sizeof(err)) == 0) {
			printf("FAIL: regex /%s/ compiles, it should not\n", bad[i]);
			failed++;
		}
	}
	if (!failed)
		printf("PASS: regex: %d pattern/string checks agree with regexec\n", checks);
	arena_free(a);
	return failed != 0;
}
