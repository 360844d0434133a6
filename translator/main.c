/* main.c - the driver: options, the session, and the pass table. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "options.h"
#include "bpf_backend.h"
#include "compare.h"
#include "kmod_backend.h"
#include "elab.h"
#include "probes/kfunc_db.h"
#include "probes/tracepoint_db.h"
#include "tapir.h"

struct session {
	struct options opt;
	struct arena *arena;
	struct diag_ctx *diag;
	struct pp_env env;
	struct macro_table *lib_macros; /* from the .stpm files of the tapset path */
	struct vec tapset_dirs;         /* const char *, searched in order */
	struct vec user_files;          /* struct ast_file *: the script, then -E */
	struct vec lib_files;           /* struct ast_file *: the tapset library */
	int library_files;
	struct elab elab;
	const char *build_dir;          /* pass 3's temporary folder */
	const char *artifact;           /* pass 4's runnable */
	bool artifact_cached;
};

/* The last pass this build implements, per runtime; options needing later
 * ones are refused. */
#define LAST_IMPLEMENTED_PASS_KMOD 5
#define LAST_IMPLEMENTED_PASS_BPF 5

/* ---- pass timing, for -v ----------------------------------------------- */

struct pass_clock {
	struct rusage ru;
	struct timespec wall;
};

static void clock_start(struct pass_clock *c)
{
	getrusage(RUSAGE_SELF, &c->ru);
	clock_gettime(CLOCK_MONOTONIC, &c->wall);
}

static long tv_ms(struct timeval a, struct timeval b)
{
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000;
}

/* "using 12345virt/6789res memory in 1usr/0sys/2real ms." as stap prints it */
static void clock_report(const struct pass_clock *c, FILE *out)
{
	struct pass_clock now;
	long virt = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	clock_start(&now);
	if (f) {
		if (fscanf(f, "%ld %ld", &virt, &res) != 2)
			virt = res = 0;
		fclose(f);
	}
	virt *= sysconf(_SC_PAGESIZE) / 1024;
	res *= sysconf(_SC_PAGESIZE) / 1024;
	fprintf(out, "using %ldvirt/%ldres memory in %ldusr/%ldsys/%ldreal ms.\n", virt, res,
		tv_ms(c->ru.ru_utime, now.ru.ru_utime), tv_ms(c->ru.ru_stime, now.ru.ru_stime),
		(long)((now.wall.tv_sec - c->wall.tv_sec) * 1000 +
		       (now.wall.tv_nsec - c->wall.tv_nsec) / 1000000));
}

/* ---- the kernel the script is for -------------------------------------- */

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* kernel_v is the release without its local suffix: "6.1.0-56-amd64" -> "6.1.0" */
static const char *version_of(struct arena *a, const char *release)
{
	size_t n = strspn(release, "0123456789.");

	return arena_strndup(a, release, n);
}

static const char *read_build_release(struct arena *a, const char *dir)
{
	char path[4096], line[256];
	FILE *f;
	const char *rel = NULL;

	snprintf(path, sizeof(path), "%s/include/config/kernel.release", dir);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		rel = arena_strdup(a, line);
	}
	fclose(f);
	return rel;
}

static void load_kconfig(struct session *s, const char *release)
{
	const char *cands[3];
	int n = 0;

	if (s->opt.kernel_build_dir)
		cands[n++] = arena_printf(s->arena, "%s/.config", s->opt.kernel_build_dir);
	cands[n++] = arena_printf(s->arena, "/boot/config-%s", release);
	cands[n++] = arena_printf(s->arena, "/lib/modules/%s/build/.config", release);
	for (int i = 0; i < n; i++) {
		if (is_file(cands[i])) {
			s->env.kconfig = kconfig_open(s->arena, cands[i]);
			return;
		}
	}
}

static void setup_env(struct session *s)
{
	struct utsname u;
	const char *release;

	uname(&u);
	release = s->opt.kernel_release ? s->opt.kernel_release : u.release;
	if (s->opt.kernel_build_dir) {
		release = read_build_release(s->arena, s->opt.kernel_build_dir);
		if (!release)
			release = u.release;
	}
	s->env.kernel_vr = arena_strdup(s->arena, release);
	s->env.kernel_v = version_of(s->arena, release);
	s->env.arch = strcmp(u.machine, "x86_64") == 0 ? "x86_64" : arena_strdup(s->arena,
										   u.machine);
	s->env.runtime = opt_runtime_name(s->opt.runtime);
	s->env.systemtap_v = s->opt.compatible ? s->opt.compatible : OPT_LANGUAGE_LEVEL;
	s->env.privilege = s->opt.privilege ? s->opt.privilege : "stapdev";
	s->env.guru_mode = s->opt.guru;
	s->env.nargs = s->opt.nargs;
	s->env.args = (char **)s->opt.args;
	load_kconfig(s, release);
}

/* ---- the tapset path ---------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A tapset root contributes its runtime overlay first, then itself. Both
 * tapir's layout (kmod/, bpf/) and SystemTap's (linux/, bpf/) are known. */
static void add_tapset_root(struct session *s, const char *root)
{
	const char *rt = s->opt.runtime == RUNTIME_BPF ? "bpf" : "kmod";
	const char *overlays[] = {
		arena_printf(s->arena, "%s/%s", rt, s->env.arch),
		rt,
		s->opt.runtime == RUNTIME_BPF ? NULL : arena_printf(s->arena, "linux/%s", s->env.arch),
		s->opt.runtime == RUNTIME_BPF ? NULL : "linux",
		s->env.arch,
	};

	for (size_t i = 0; i < sizeof(overlays) / sizeof(overlays[0]); i++) {
		const char *dir;

		if (!overlays[i])
			continue;
		dir = arena_printf(s->arena, "%s/%s", root, overlays[i]);
		if (is_dir(dir))
			vec_push(s->arena, &s->tapset_dirs, (void *)dir);
	}
	vec_push(s->arena, &s->tapset_dirs, (void *)root);
}

static void setup_tapset_path(struct session *s)
{
	const char *env = getenv("TAPIR_TAPSETS");
	const char *builtin = TAPIR_SRCDIR "/tapsets";

	for (int i = 0; i < s->opt.ninclude_dirs; i++)
		add_tapset_root(s, s->opt.include_dirs[i]);
	if (env && *env)
		add_tapset_root(s, env);
	else if (is_dir(builtin))
		add_tapset_root(s, builtin);
	else
		add_tapset_root(s, TAPIR_DATADIR "/tapsets");
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && strcmp(name + n - m, suffix) == 0;
}

static void load_library_file(struct session *s, const char *dir, const char *name)
{
	const char *path = arena_printf(s->arena, "%s/%s", dir, name);
	struct source *src = source_load(s->arena, s->diag, path, NULL);

	if (!src)
		return;
	src->is_library = true;
	s->library_files++;
	if (has_suffix(name, ".stpm"))
		parse_macro_file(s->arena, s->diag, &s->env, src, s->lib_macros);
	else
		vec_push(s->arena, &s->lib_files,
			 parse_file(s->arena, s->diag, &s->env, src, s->lib_macros));
}

/* Load the files of one folder with the given suffix, in name order so
 * that runs are stable. */
static void load_library_dir(struct session *s, const char *dir, const char *suffix)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (has_suffix(name, suffix))
			load_library_file(s, dir, name);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* The macro libraries first (every file may use them), then the tapsets,
 * most specific folder first. */
static void load_library(struct session *s)
{
	s->lib_macros = pp_macros_new(s->arena);
	for (int i = 0; i < s->tapset_dirs.len; i++)
		load_library_dir(s, s->tapset_dirs.items[i], ".stpm");
	for (int i = 0; i < s->tapset_dirs.len; i++)
		load_library_dir(s, s->tapset_dirs.items[i], ".stp");
}

/* ---- passes -------------------------------------------------------------- */

static void parse_one(struct session *s, struct source *src)
{
	struct ast_file *f;

	if (!src)
		return;
	f = parse_file(s->arena, s->diag, &s->env, src, s->lib_macros);
	vec_push(s->arena, &s->user_files, f);
}

/* Pass 1: the macro libraries, then the user's script(s). */
static int pass_parse(struct session *s)
{
	const struct options *o = &s->opt;

	load_library(s);
	if (o->list_pattern)
		parse_one(s, source_from_string(s->arena, "<listing>",
						arena_printf(s->arena, "probe %s {}", o->list_pattern)));
	else if (o->script_text)
		parse_one(s, source_from_string(s->arena, "<input>", o->script_text));
	else if (o->script_file)
		parse_one(s, source_load(s->arena, s->diag, o->script_file,
					 strcmp(o->script_file, "-") == 0 ? "<stdin>" : NULL));
	for (int i = 0; i < o->n_extra_scripts; i++)
		parse_one(s, source_from_string(s->arena, "<input>", o->extra_scripts[i]));
	return diag_errors(s->diag) ? -1 : 0;
}

static void pass_parse_report(struct session *s, FILE *out)
{
	fprintf(out, "Pass 1: parsed user script and %d library scripts ", s->library_files);
}

static void pass_parse_print(struct session *s, FILE *out)
{
	for (int i = 0; i < s->user_files.len; i++)
		print_file(out, s->user_files.items[i]);
}

static void elab_setup(struct session *s)
{
	struct elab *e = &s->elab;

	e->arena = s->arena;
	e->diag = s->diag;
	e->env = &s->env;
	e->opt.guru = s->opt.guru;
	e->opt.unoptimized = s->opt.unoptimized;
	e->opt.runtime = s->env.runtime;
	e->opt.verbose = s->opt.verbose;
	e->opt.target_cmd = s->opt.target_cmd;
	e->opt.target_pid = s->opt.target_pid;
	e->opt.skip_badvars = s->opt.skip_badvars;
	e->opt.globals_set = s->opt.globals_set;
	e->opt.nglobals_set = s->opt.nglobals_set;
	e->opt.no_global_display = s->opt.no_global_display;
	e->opt.suppress_handler_errors = s->opt.suppress_handler_errors;
	e->user_files = s->user_files;
	e->lib_files = s->lib_files;
}

/* Pass 2: elaborate; or, for -l/-L and --dump-*, list instead. */
static int pass_elaborate(struct session *s)
{
	const struct options *o = &s->opt;

	elab_setup(s);
	if (o->dump_functions || o->dump_probe_aliases || o->dump_probe_types) {
		sym_index_files(&s->elab);
		return 0;
	}
	if (o->list_pattern)
		return elab_list(&s->elab, o->list_pattern, o->list_vars, stdout);
	return elab_run(&s->elab);
}

static void pass_elaborate_report(struct session *s, FILE *out)
{
	const struct program *p = &s->elab.prog;

	fprintf(out, "Pass 2: analyzed script: %d probe%s, %d function%s, %d embed%s, %d global%s ",
		p->probes.len, p->probes.len == 1 ? "" : "s", p->functions.len,
		p->functions.len == 1 ? "" : "s", p->embeds.len, p->embeds.len == 1 ? "" : "s",
		p->globals.len, p->globals.len == 1 ? "" : "s");
}

static void pass_elaborate_print(struct session *s, FILE *out)
{
	const struct options *o = &s->opt;

	if (o->dump_functions)
		elab_dump_functions(&s->elab, out);
	else if (o->dump_probe_aliases)
		elab_dump_aliases(&s->elab, out);
	else if (o->dump_probe_types)
		elab_dump_probe_types(out);
	else if (!o->list_pattern)
		elab_dump(&s->elab, out, o->verbose);
}

static int define_int(const struct options *o, const char *name, int dflt, int lo, int hi)
{
	const char *v = opt_define(o, name);
	long n = v ? strtol(v, NULL, 0) : dflt;

	return n < lo ? lo : n > hi ? hi : (int)n;
}

/* Pass 3: the backend writes its sources into a temporary folder. */
static int pass_translate(struct session *s)
{
	struct bpf_opts bo = { 0 };
	const char *env = getenv("TMPDIR");
	const char *dir = s->opt.tmpdir ? s->opt.tmpdir : env && *env ? env : "/tmp";
	char *tmpl = arena_printf(s->arena, "%s/tapirXXXXXX", dir);

	if (!mkdtemp(tmpl)) {
		diag_plain(s->diag, DIAG_ERROR, "cannot create a temporary folder in %s: %s", dir,
			   strerror(errno));
		return -1;
	}
	s->build_dir = arena_strdup(s->arena, tmpl);
	if (s->opt.runtime == RUNTIME_KMOD)
		return kmod_translate(&s->elab, &s->opt, s->build_dir);
	bo.maxstringlen = define_int(&s->opt, "MAXSTRINGLEN", 128, 16, 1024);
	bo.maxmapentries = define_int(&s->opt, "MAXMAPENTRIES", 2048, 1, 1 << 24);
	bo.maxerrors = define_int(&s->opt, "MAXERRORS", 0, 0, 1 << 30);
	bo.timing = s->opt.timing;
	bo.maxaction = define_int(&s->opt, "MAXACTION", 1000, 1, 1 << 30);
	bo.maxaction_interruptible = define_int(&s->opt, "MAXACTION_INTERRUPTIBLE",
						bo.maxaction < (1 << 30) / 10 ? bo.maxaction * 10 : 1 << 30,
						1, 1 << 30);
	bo.maxnesting = define_int(&s->opt, "MAXNESTING", 10, 1, 1 << 20);
	bo.module_name = s->opt.module_name;
	return bpf_emit(&s->elab, &bo, s->build_dir);
}

static void pass_translate_report(struct session *s, FILE *out)
{
	fprintf(out, "Pass 3: translated to C into \"%s\" ", s->build_dir);
}

static void cat_file(const char *path, FILE *out)
{
	FILE *in = fopen(path, "r");
	char buf[65536];
	size_t n;

	if (!in)
		return;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
}

static void pass_translate_print(struct session *s, FILE *out)
{
	if (s->opt.runtime == RUNTIME_KMOD) {
		cat_file(arena_printf(s->arena, "%s/prog.c", s->build_dir), out);
		return;
	}
	cat_file(arena_printf(s->arena, "%s/prog.bpf.c", s->build_dir), out);
	cat_file(arena_printf(s->arena, "%s/prog.user.c", s->build_dir), out);
}

/* Pass 4: build (or find in the cache) the runnable artifact. */
static int pass_build(struct session *s)
{
	if (s->opt.runtime == RUNTIME_KMOD)
		return kmod_pass_build(s->arena, s->diag, &s->opt, s->build_dir, &s->artifact,
				       &s->artifact_cached);
	return bpf_build(s->arena, s->diag, s->build_dir, s->opt.verbose, &s->artifact,
			 &s->artifact_cached);
}

static void pass_build_report(struct session *s, FILE *out)
{
	fprintf(out, "Pass 4: %s \"%s\" ", s->artifact_cached ? "using cached" :
		s->opt.runtime == RUNTIME_KMOD ? "compiled C into" : "compiled BPF program into",
		s->artifact);
}

static void pass_build_print(struct session *s, FILE *out)
{
	fprintf(out, "%s\n", s->artifact);
}

static void remove_build_dir(struct session *s);

/* Pass 5: run the artifact, handing it the run's options. */
static int pass_run(struct session *s)
{
	const struct options *o = &s->opt;
	const char *argv[OPT_RUN_ARGS + 2];
	int n = 0;

	if (o->runtime == RUNTIME_KMOD) {
		remove_build_dir(s);
		return kmod_pass_run(s->arena, s->diag, o, s->artifact,
				     (const char *const *)s->elab.globals_passed.items,
				     s->elab.globals_passed.len);
	}
	argv[n++] = s->artifact;
	n += opt_run_args(o, s->arena, argv + n);
	argv[n] = NULL;
	remove_build_dir(s);
	fflush(NULL);
	execv(s->artifact, (char *const *)argv);
	diag_plain(s->diag, DIAG_ERROR, "cannot run '%s': %s", s->artifact, strerror(errno));
	return -1;
}

static void pass_run_report(struct session *s, FILE *out)
{
	(void)s;
	fputs("Pass 5: run completed ", out);
}

static void pass_run_print(struct session *s, FILE *out)
{
	(void)s;
	(void)out;
}

/* The pass table: run in order, each after the previous succeeded. */
static const struct pass {
	int (*run)(struct session *);
	void (*report)(struct session *, FILE *); /* -v line, before the clock */
	void (*print)(struct session *, FILE *);  /* output of -pN */
} passes[] = {
	{ pass_parse, pass_parse_report, pass_parse_print },
	{ pass_elaborate, pass_elaborate_report, pass_elaborate_print },
	{ pass_translate, pass_translate_report, pass_translate_print },
	{ pass_build, pass_build_report, pass_build_print },
	{ pass_run, pass_run_report, pass_run_print },
};

static int run_passes(struct session *s)
{
	int last = s->opt.last_pass;
	int n = (int)(sizeof(passes) / sizeof(passes[0]));

	for (int i = 0; i < n && i < last; i++) {
		struct pass_clock c;
		int rc;

		clock_start(&c);
		rc = passes[i].run(s);
		diag_flush(s->diag);
		if (s->opt.verbose > 0 && rc == 0) {
			passes[i].report(s, stderr);
			clock_report(&c, stderr);
		}
		if (rc != 0) {
			fprintf(stderr, "Pass %d: analysis failed.  [man error::pass%d]\n", i + 1,
				i + 1);
			return 1;
		}
		if (i + 1 == last) {
			passes[i].print(s, stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		}
	}
	return 0;
}

static void remove_build_dir(struct session *s)
{
	if (!s->build_dir)
		return;
	if (s->opt.keep_tmp) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->build_dir);
		return;
	}
	unlink(arena_printf(s->arena, "%s/prog.bpf.c", s->build_dir));
	unlink(arena_printf(s->arena, "%s/prog.user.c", s->build_dir));
	unlink(arena_printf(s->arena, "%s/prog.c", s->build_dir));
	rmdir(s->build_dir);
	s->build_dir = NULL;
}

int main(int argc, char **argv)
{
	struct session s = { 0 };
	bool exit_now = false;
	int rc = opt_parse(argc, argv, &s.opt, &exit_now);

	if (exit_now)
		return rc;
	if (s.opt.compare) {
		rc = compare_main(&s.opt);
		opt_free(&s.opt);
		return rc;
	}
	if (opt_check_implemented(&s.opt, s.opt.runtime == RUNTIME_BPF ? LAST_IMPLEMENTED_PASS_BPF :
									   LAST_IMPLEMENTED_PASS_KMOD)) {
		opt_free(&s.opt);
		return 1;
	}
	s.arena = arena_new();
	s.diag = diag_new(stderr);
	diag_set_warnings(s.diag, !s.opt.no_warnings);
	diag_set_werror(s.diag, s.opt.warnings_as_errors);
	setup_env(&s);
	setup_tapset_path(&s);
	rc = run_passes(&s);
	remove_build_dir(&s);
	tpdb_close(s.elab.tpdb);
	kfdb_close(s.elab.kfdb);
	diag_free(s.diag);
	arena_free(s.arena);
	opt_free(&s.opt);
	return rc;
}
