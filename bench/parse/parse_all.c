/* parse_all.c - parse a whole tapset library in one process, for the
 * pass-1 benchmark (bench/parse/run builds and runs it).
 *
 *   parse_all [-r RELEASE] [-s all|stap] [-m lex|pp|parse] [-q] TAPSET_DIR
 *
 * It parses each FILE as `tapir -p1 --runtime=R -r RELEASE FILE` would,
 * with the macros of TAPSET_DIR's macro libraries known, but all in one
 * process: for each runtime, it loads the macro libraries (.stpm) of the
 * runtime's folders (the root, then linux/ or bpf/), then parses every
 * file of that runtime. Files under bpf/ are parsed with runtime "bpf",
 * all others with "kernel".
 *
 *   -s all   every .stp and .stpm under TAPSET_DIR (the default);
 *   -s stap  only what `stap -p1` reads for the kernel runtime on this
 *            machine's architecture: the .stpm of linux/ and the root,
 *            the .stp of linux/ARCH, linux/, ARCH/ and the root.
 *   -m lex   only cut the .stp files into tokens;
 *   -m pp    only run them through the preprocessor (with the macros);
 *   -m parse parse them (the default). The macro libraries are parsed in
 *            every mode, so that the differences are the lexer's,
 *            the preprocessor's and the parser's shares.
 *
 * It prints one line: files parsed, errors, and the time from start to
 * end in milliseconds (directory walk, reading and parsing included).
 * The exit status is 1 if any file had an error.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tapir.h"

/* tapir's default language level (OPT_LANGUAGE_LEVEL in options.h). */
#define LANGUAGE_LEVEL "4.8"

enum set { SET_ALL, SET_STAP };
enum mode { MODE_LEX, MODE_PP, MODE_PARSE };

struct file_list {
	char **paths;
	int n, cap;
};

static struct file_list found; /* nftw has no user pointer */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F || !(has_suffix(path, ".stp") || has_suffix(path, ".stpm")))
		return 0;
	if (found.n == found.cap) {
		found.cap = found.cap ? 2 * found.cap : 256;
		found.paths = realloc(found.paths, sizeof(*found.paths) * (size_t)found.cap);
		if (!found.paths) {
			perror("parse_all");
			exit(2);
		}
	}
	found.paths[found.n++] = strdup(path);
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder of path, relative to root: "" for the root, "linux/x86_64" ... */
static const char *rel_dir(const char *root, const char *path, char *buf, size_t size)
{
	const char *rel = path + strlen(root);
	const char *slash;

	while (*rel == '/')
		rel++;
	slash = strrchr(rel, '/');
	snprintf(buf, size, "%.*s", slash ? (int)(slash - rel) : 0, rel);
	return buf;
}

static bool is_bpf_file(const char *dir)
{
	return strcmp(dir, "bpf") == 0 || strncmp(dir, "bpf/", 4) == 0;
}

/* Is a file of folder dir among those stap -p1 reads for the kernel runtime? */
static bool in_stap_set(const char *dir, const char *path, const char *arch)
{
	char linux_arch[256];

	snprintf(linux_arch, sizeof(linux_arch), "linux/%s", arch);
	if (has_suffix(path, ".stpm"))
		return !*dir || strcmp(dir, "linux") == 0;
	return !*dir || strcmp(dir, "linux") == 0 || strcmp(dir, arch) == 0 ||
	       strcmp(dir, linux_arch) == 0;
}

static bool in_macro_path(const char *dir, bool bpf)
{
	return !*dir || strcmp(dir, bpf ? "bpf" : "linux") == 0;
}

static struct source *load(struct arena *a, struct diag_ctx *d, const char *path)
{
	struct source *src = source_load(a, d, path, NULL);

	if (src)
		src->is_library = true;
	return src;
}

static void setup_env(struct arena *a, struct pp_env *env, const char *release,
		      const char *arch, bool bpf)
{
	char path[4096];

	memset(env, 0, sizeof(*env));
	env->kernel_vr = release;
	env->kernel_v = arena_strndup(a, release, strspn(release, "0123456789."));
	env->arch = arch;
	env->runtime = bpf ? "bpf" : "kernel";
	env->systemtap_v = LANGUAGE_LEVEL;
	env->privilege = "stapdev";
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	if (access(path, R_OK) != 0)
		snprintf(path, sizeof(path), "/lib/modules/%s/build/.config", release);
	if (access(path, R_OK) == 0)
		env->kconfig = kconfig_open(a, path);
}

struct counts {
	int stp, stpm, errors;
};

/* Parse the .stpm files of one folder of the tapset path into lib. */
static void load_macros(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
			struct macro_table *lib, const char *root, const char *want,
			struct counts *c)
{
	char dir[4096];

	for (int i = 0; i < found.n; i++) {
		const char *p = found.paths[i];
		struct source *src;

		if (!has_suffix(p, ".stpm") || strcmp(rel_dir(root, p, dir, sizeof(dir)), want) != 0)
			continue;
		if ((src = load(a, d, p)) != NULL) {
			parse_macro_file(a, d, env, src, lib);
			c->stpm++;
		}
	}
}

/* One library script, as far as mode says. */
static void parse_script(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
			 const struct source *src, const struct macro_table *lib, enum mode mode)
{
	struct preproc *pp;
	struct lexer *lx;

	switch (mode) {
	case MODE_LEX:
		lx = lex_new(a, d, src);
		while (lex_next(lx)->kind != TOK_EOF)
			;
		break;
	case MODE_PP:
		pp = pp_new(a, d, env, lex_new(a, d, src), pp_macros_new(a), lib);
		while (pp_next(pp)->kind != TOK_EOF)
			;
		break;
	case MODE_PARSE:
		parse_file(a, d, env, src, lib);
		break;
	}
	/* The tokens are dead once read: free them, as the parser does at
	 * each declaration (pp_recycle), so that the modes compare. */
	if (mode != MODE_PARSE)
		arena_reset(arena_scratch(a));
}

/* One runtime: its macro libraries, then its scripts, as tapir -p1 would. */
static void parse_runtime(const char *root, const char *release, const char *arch, bool bpf,
			  enum set set, enum mode mode, struct counts *c)
{
	struct arena *a = arena_new();
	struct diag_ctx *d = diag_new(stderr);
	struct macro_table *lib = pp_macros_new(a);
	struct pp_env env;
	char dir[4096];

	setup_env(a, &env, release, arch, bpf);
	/* The macro libraries first: the root's, then the runtime folder's
	 * (where both define a macro, the later definition wins). */
	load_macros(a, d, &env, lib, root, "", c);
	load_macros(a, d, &env, lib, root, bpf ? "bpf" : "linux", c);
	for (int i = 0; i < found.n; i++) {
		const char *p = found.paths[i];
		struct source *src;

		rel_dir(root, p, dir, sizeof(dir));
		if (is_bpf_file(dir) != bpf)
			continue;
		if (set == SET_STAP && !in_stap_set(dir, p, arch))
			continue;
		if (has_suffix(p, ".stpm")) {
			if (in_macro_path(dir, bpf))
				continue; /* loaded above */
			if ((src = load(a, d, p)) != NULL) {
				parse_macro_file(a, d, &env, src, pp_macros_new(a));
				c->stpm++;
			}
			continue;
		}
		if ((src = load(a, d, p)) != NULL) {
			parse_script(a, d, &env, src, lib, mode);
			c->stp++;
		}
	}
	c->errors += diag_errors(d);
	diag_flush(d);
	diag_free(d);
	arena_free(a);
}

static void usage(void)
{
	fprintf(stderr, "usage: parse_all [-r RELEASE] [-s all|stap] [-m lex|pp|parse] [-q] "
			"TAPSET_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double start = now_ms();
	const char *release = NULL, *root;
	enum set set = SET_ALL;
	enum mode mode = MODE_PARSE;
	struct counts c = { 0 };
	struct utsname u;
	bool quiet = false;
	int opt;

	while ((opt = getopt(argc, argv, "r:s:m:q")) != -1) {
		if (opt == 'r')
			release = optarg;
		else if (opt == 's' && strcmp(optarg, "all") == 0)
			set = SET_ALL;
		else if (opt == 's' && strcmp(optarg, "stap") == 0)
			set = SET_STAP;
		else if (opt == 'm' && strcmp(optarg, "lex") == 0)
			mode = MODE_LEX;
		else if (opt == 'm' && strcmp(optarg, "pp") == 0)
			mode = MODE_PP;
		else if (opt == 'm' && strcmp(optarg, "parse") == 0)
			mode = MODE_PARSE;
		else if (opt == 'q')
			quiet = true;
		else
			usage();
	}
	if (optind != argc - 1)
		usage();
	root = argv[optind];
	uname(&u);
	if (!release)
		release = u.release;
	if (nftw(root, collect, 16, FTW_PHYS) != 0) {
		perror(root);
		return 2;
	}
	qsort(found.paths, (size_t)found.n, sizeof(*found.paths), path_cmp);
	parse_runtime(root, release, u.machine, false, set, mode, &c);
	if (set == SET_ALL)
		parse_runtime(root, release, u.machine, true, set, mode, &c);
	if (!quiet)
		printf("parsed %d files (%d .stp, %d .stpm) with %d errors in %.1f ms\n",
		       c.stp + c.stpm, c.stp, c.stpm, c.errors, now_ms() - start);
	for (int i = 0; i < found.n; i++)
		free(found.paths[i]);
	free(found.paths);
	return c.errors ? 1 : 0;
}
