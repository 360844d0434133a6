/* fuzz_elab.c - libFuzzer target for pass 2: an input that parses without
 * error is elaborated (symbols, aliases, probe providers, types, @cast and
 * member chains against the kernel's BTF, folding, auto-print) and its -p2
 * dump printed, next to a small library of its own that brings a function,
 * an alias, a global, a macro and an embedded-C function (built on each
 * input: elaboration writes into the library's AST).
 *
 * The input is the script only (no script arguments: fuzz_parse covers
 * them). Probe providers that read the running system (kernel.trace, @cast)
 * share one tracepoint database, opened on first use and kept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"
#include "probes/tracepoint_db.h"
#include "tapir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pp_env env = {
	.kernel_v = "6.18.0",
	.kernel_vr = "6.18.0",
	.arch = "x86_64",
	.runtime = "bpf",
	.systemtap_v = "4.8",
	.privilege = "stapdev",
	.guru_mode = false,
};

static const char library[] =
	"global lib_count, lib_names[16]\n"
	"@define twice(x) %( ((@x) * 2) %)\n"
	"function lib_add:long (n:long) { lib_count += n; return lib_count }\n"
	"function lib_name:string (i) { return lib_names[i] . \"!\" }\n"
	"function lib_c:long (x:long) %{ /* pure */ STAP_RETURN(STAP_ARG_x + 1); %}\n"
	"probe lib.tick = timer.ms(10) { tick_n = lib_add(1) }\n"
	"probe lib.sched = kernel.trace(\"sched:sched_switch\") ? { who = $next->pid }\n"
	"probe lib.either = lib.tick !, never { }\n";

static struct tpdb *shared_db;

static struct ast_file *parse(struct arena *a, struct diag_ctx *d, const char *name,
			      const char *text)
{
	struct source *src = source_from_string(a, name, text);
	struct ast_file *f = parse_file(a, d, &env, src, NULL);

	return f && diag_errors(d) == 0 ? f : NULL;
}

static void elaborate(const char *text)
{
	struct arena *a = arena_new();
	FILE *devnull = fopen("/dev/null", "w");
	struct diag_ctx *d = diag_new(devnull ? devnull : stderr);
	struct elab e = { .arena = a, .diag = d, .env = &env, .tpdb = shared_db };
	struct ast_file *user = parse(a, d, "<fuzz>", text);
	struct ast_file *lib = user ? parse(a, d, "<lib>", library) : NULL;

	e.opt.runtime = env.runtime;
	if (user && lib) {
		vec_push(a, &e.user_files, user);
		vec_push(a, &e.lib_files, lib);
		if (elab_run(&e) == 0 && devnull)
			elab_dump(&e, devnull, 2);
	}
	if (e.tpdb)
		shared_db = e.tpdb;
	diag_flush(d);
	diag_free(d);
	if (devnull)
		fclose(devnull);
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	elaborate(text);
	free(text);
	return 0;
}
