/* fuzz_parse.c - libFuzzer target for pass 1: lexer, preprocessor, parser
 * and the -p1 printer, on one script.
 *
 * The input is split at its first NUL byte, if any: before it, the script;
 * after it, script arguments separated by NULs (so that $1 @1 $# @# and
 * %( $# ... %) get exercised too). The environment the %( %) conditions
 * see is fixed, so that a crash replays.
 *
 * When the parse succeeds, the printed script is parsed again and must
 * parse without error and print the same text: the round-trip property of
 * -p1, checked on every input that parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir.h"

#define MAX_ARGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pp_env base_env = {
	.kernel_v = "6.1.0",
	.kernel_vr = "6.1.0-56-amd64",
	.arch = "x86_64",
	.runtime = "kernel",
	.systemtap_v = "4.8",
	.privilege = "stapdev",
	.guru_mode = true,
};

/* Parse text; print the result into out (a heap string) when error-free. */
static bool parse_and_print(const char *text, const struct pp_env *env, char **out)
{
	struct arena *a = arena_new();
	FILE *devnull = fopen("/dev/null", "w");
	struct diag_ctx *d = diag_new(devnull ? devnull : stderr);
	struct source *src = source_from_string(a, "<fuzz>", text);
	struct ast_file *f = parse_file(a, d, env, src, NULL);
	bool ok = f && diag_errors(d) == 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	/* Print even after errors: a recovered AST must print without crashing. */
	mem = open_memstream(&buf, &len);
	if (f && mem)
		print_file(mem, f);
	if (mem)
		fclose(mem);
	diag_flush(d);
	diag_free(d);
	if (devnull)
		fclose(devnull);
	arena_free(a);
	if (ok) {
		*out = buf;
	} else {
		free(buf);
		*out = NULL;
	}
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *args[MAX_ARGS];
	char *first = NULL, *second = NULL;
	struct pp_env env = base_env;
	size_t script_len;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	script_len = strlen(text);
	/* The rest after the first NUL: NUL-separated script arguments. */
	for (size_t pos = script_len + 1; pos <= size && env.nargs < MAX_ARGS;) {
		args[env.nargs++] = text + pos;
		pos += strlen(text + pos) + 1;
	}
	env.args = args;
	if (parse_and_print(text, &env, &first)) {
		/* The printed script holds no $N: the same arguments do no harm. */
		if (!parse_and_print(first, &env, &second)) {
			fprintf(stderr, "-p1 output does not parse again:\n%s\n", first);
			abort();
		}
		if (strcmp(first, second) != 0) {
			fprintf(stderr, "-p1 output prints differently when parsed again:\n"
					"--- first\n%s\n--- second\n%s\n", first, second);
			abort();
		}
	}
	free(first);
	free(second);
	free(text);
	return 0;
}
