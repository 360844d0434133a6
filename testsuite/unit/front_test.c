/* front_test.c - unit tests of pass 1's small pieces: the arena (interning,
 * scratch arenas), token words, the lexer's tokens and positions, the
 * lazy kernel configuration, and the token recycling of the preprocessor.
 * Prints PASS/FAIL lines for testsuite/run-tests (via
 * testsuite/suites/front-unit.sh); exits 1 if any test failed.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tapir.h"

static int failures;

static void report(const char *name, const char *why)
{
	if (why) {
		printf("FAIL: %s: %s\n", name, why);
		failures++;
	} else {
		printf("PASS: %s\n", name);
	}
}

/* The reason for a failure, in a static buffer (one test at a time). */
static const char *why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *why(const char *fmt, ...)
{
	static char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static const char *test_intern(void)
{
	struct arena *a = arena_new();
	const char *x = arena_intern(a, "probe_x", 5), *y;
	const char *err = NULL;
	char name[32];

	if (strcmp(x, "probe") != 0)
		err = why("interned text is '%s', not 'probe'", x);
	else if (arena_intern(a, "probe", 5) != x)
		err = "the same text interned twice gives two copies";
	else if (arena_intern(a, "prob", 4) == x)
		err = "a prefix shares the longer text";
	/* Enough names to make the table grow several times. */
	for (int i = 0; !err && i < 5000; i++) {
		snprintf(name, sizeof(name), "name%d", i);
		y = arena_intern(a, name, strlen(name));
		if (strcmp(y, name) != 0 || arena_intern(a, name, strlen(name)) != y)
			err = why("'%s' interned wrong", name);
	}
	if (!err && arena_intern(a, "probe", 5) != x)
		err = "the table lost a name when it grew";
	arena_free(a);
	return err;
}

static const char *test_scratch(void)
{
	struct arena *a = arena_new(), *s = arena_scratch(a);
	const char *err = NULL;
	unsigned char *p;

	if (arena_scratch(a) != s || s == a)
		return "arena_scratch is not one arena of its own";
	/* Dirty a few chunks' worth, reset, and look for the dirt. */
	for (int i = 0; i < 2000; i++)
		memset(arena_alloc(s, 1000), 0xab, 1000);
	arena_reset(s);
	for (int i = 0; !err && i < 2000; i++) {
		p = arena_alloc(s, 1000);
		for (int j = 0; j < 1000; j++) {
			if (p[j]) {
				err = why("allocation %d after arena_reset is not zeroed", i);
				break;
			}
		}
	}
	if (!err && ((uintptr_t)arena_alloc(a, 3) % 8 || (uintptr_t)arena_alloc(a, 8) % 8))
		err = "an allocation is not aligned to 8";
	arena_free(a); /* frees the scratch arena too (ASan would tell) */
	return err;
}

static const char *test_words(void)
{
	static const char *const texts[] = {
		"<<<", "<<=", ">>=", "%{", "%}", "%(", "%?", "%:", "%)", "==", "!=", "<=", ">=",
		"&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", ".=", "<<",
		">>", "->", "=~", "!~", "{", "}", "(", ")", "[", "]", ";", ",", ".", "+", "-", "*",
		"/", "%", "&", "|", "^", "~", "!", "<", ">", "=", "?", ":", "probe", "global",
		"function", "private", "if", "else", "for", "foreach", "in", "limit", "return",
		"delete", "while", "break", "continue", "next", "try", "catch", "string", "long",
	};
	const size_t n = sizeof(texts) / sizeof(texts[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (tok_word(texts[i]) == tok_word(texts[j]))
				return why("'%s' and '%s' have one word", texts[i], texts[j]);
		}
		if (!tok_word(texts[i]))
			return why("'%s' has no word", texts[i]);
	}
	if (TOK_WORD("<<<") != tok_word("<<<") || TOK_WORD("function") != tok_word("function") ||
	    TOK_WORD("{") != tok_word("{") || TOK_WORD("") != tok_word(""))
		return "TOK_WORD and tok_word differ";
	if (tok_word("functions") != 0 || tok_word("") != 0)
		return "a text longer than 8 bytes, or an empty one, has a word";
	return NULL;
}

/* The tokens of text as "kind:text@line:col" joined by spaces. */
static char *lex_all(const char *text, int *errors)
{
	struct arena *a = arena_new();
	FILE *devnull = fopen("/dev/null", "w");
	struct diag_ctx *d = diag_new(devnull);
	struct lexer *lx = lex_new(a, d, source_from_string(a, "<test>", text));
	struct strbuf sb = { 0 };

	for (struct token *t = lex_next(lx); t->kind != TOK_EOF; t = lex_next(lx))
		sb_printf(&sb, "%s%d:%s@%d:%d%s", sb.len ? " " : "", t->kind, t->text, t->loc.line,
			  t->loc.col, t->line_before ? "^" : t->space_before ? "_" : "");
	*errors = diag_errors(d);
	diag_free(d);
	fclose(devnull);
	arena_free(a);
	return sb.data ? sb.data : strdup("");
}

static const char *test_lexer(void)
{
	static const struct {
		const char *text, *tokens;
		int errors;
	} cases[] = {
		{ "a<<<=b", "1:a@1:1^ 4:<<<@1:2 4:=@1:5 1:b@1:6", 0 },
		{ "x\t+= 0x1F //c\n  foo$bar", "1:x@1:1^ 4:+=@1:3_ 2:0x1F@1:6_ 1:foo$bar@2:3^", 0 },
		{ "\"a\nb\" /* c\n */ $x$ @1", "3:a\nb@1:1^ 6:$x$@3:5^ 8:@1@3:9_", 0 },
		{ "%{ int x; %} %( %? %: %)", "5: int x; @1:1^ 4:%(@1:14_ 4:%?@1:17_ 4:%:@1:20_ 4:%)@1:23_", 0 },
		{ "1 08 0x 18446744073709551616", "2:1@1:1^ 2:08@1:3_ 2:0x@1:6_ 2:18446744073709551616@1:9_", 3 },
		{ "\"\\\"q\\\\\" 'x", "3:\"q\\@1:1^ 1:x@1:10", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int errors;
		char *got = lex_all(cases[i].text, &errors);
		const char *err = NULL;

		if (strcmp(got, cases[i].tokens) != 0)
			err = why("case %zu: tokens\n    %s\n  not\n    %s", i, got, cases[i].tokens);
		else if (errors != cases[i].errors)
			err = why("case %zu: %d errors, not %d", i, errors, cases[i].errors);
		free(got);
		if (err)
			return err;
	}
	return NULL;
}

static const char *test_kconfig(void)
{
	char path[] = "/tmp/front_test.XXXXXX";
	struct arena *a = arena_new();
	const char *err = NULL;
	struct kconfig *kc;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return "can't write a temporary file";
	fputs("# CONFIG_A is not set\nCONFIG_B=y\nCONFIG_C=\"x y\"\nCONFIG_D=64\n", f);
	fclose(f);
	if (kconfig_open(a, "/no/such/config"))
		err = "an unreadable configuration gives a handle";
	kc = kconfig_open(a, path);
	unlink(path); /* read at the first kconfig_get: that must fail now */
	if (!err && !kc)
		err = "kconfig_open refused a readable file";
	else if (!err && (strcmp(kconfig_get(kc, "CONFIG_B"), "") != 0))
		err = "the configuration was read before its first use";
	arena_free(a);
	if (err)
		return err;

	strcpy(path, "/tmp/front_test.XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return "can't write a temporary file";
	a = arena_new();
	fputs("# CONFIG_A is not set\nCONFIG_B=y\nCONFIG_C=\"x y\"\nCONFIG_D=64", f);
	fclose(f);
	kc = kconfig_open(a, path);
	if (strcmp(kconfig_get(kc, "CONFIG_B"), "y") != 0 ||
	    strcmp(kconfig_get(kc, "CONFIG_C"), "x y") != 0 ||
	    strcmp(kconfig_get(kc, "CONFIG_D"), "64") != 0 ||
	    strcmp(kconfig_get(kc, "CONFIG_A"), "") != 0 || strcmp(kconfig_get(NULL, "X"), "") != 0)
		err = "wrong values";
	unlink(path);
	arena_free(a);
	return err;
}

/* A declaration's tokens go at the next one; the peeked tokens survive. */
static const char *test_recycle(void)
{
	static const struct pp_env env = { .kernel_v = "6.1.0", .kernel_vr = "6.1.0-1",
					   .arch = "x86_64", .runtime = "kernel",
					   .systemtap_v = "4.8", .privilege = "stapdev" };
	struct arena *a = arena_new();
	FILE *devnull = fopen("/dev/null", "w");
	struct diag_ctx *d = diag_new(devnull);
	const char *text = "@define two %( 1 + 1 %)\n"
			   "probe begin { x = @two }\n"
			   "probe end { y = 2 }\n";
	struct preproc *pp = pp_new(a, d, &env, lex_new(a, d, source_from_string(a, "<t>", text)),
				    pp_macros_new(a), NULL);
	struct token *keep[2], *t;
	const char *err = NULL;

	/* Up to the '}' of the first probe, then peek two tokens. */
	for (t = pp_next(pp); t->kind != TOK_EOF && !TOK_IS(t, "}"); t = pp_next(pp))
		;
	keep[0] = pp_next(pp);
	keep[1] = pp_next(pp);
	if (t->kind == TOK_EOF)
		err = "no '}'";
	else if (!TOK_IS(keep[0], "probe") || !TOK_IS(keep[1], "end"))
		err = why("peeked '%s' '%s', not 'probe' 'end'", keep[0]->text, keep[1]->text);
	else if (!pp_recycle(pp, keep, 2))
		err = "pp_recycle refused between two declarations";
	else if (!TOK_IS(keep[0], "probe") || !TOK_IS(keep[1], "end") || keep[1]->loc.line != 3)
		err = "the kept tokens did not survive";
	else if (!TOK_IS(pp_next(pp), "{") || !TOK_IS(pp_next(pp), "y"))
		err = "the tokens after the kept ones are wrong";
	diag_free(d);
	fclose(devnull);
	arena_free(a);
	return err;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	report("arena-intern", test_intern());
	report("arena-scratch", test_scratch());
	report("token-words", test_words());
	report("lexer", test_lexer());
	report("kconfig", test_kconfig());
	report("pp-recycle", test_recycle());
	return failures ? 1 : 0;
}
