/* options.c - SystemTap's command line, for tapir.
 *
 * One table lists every option stap 4.8 has: what tapir does with it, the
 * pass it acts in (so that an option whose pass is missing is refused by
 * name, never ignored), or why tapir refuses it. getopt_long's tables are
 * built from it, and getopt_long permutes as stap's does, so options may
 * follow the script name: "tapir s.stp -v a" is "tapir -v s.stp a".
 * getopt's own messages are off: each error names its option, in tapir's
 * words, once, as "tapir: option -p: ...".
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "config.h"
#include "options.h"
#include "rt_outfiles.h"
#include "tapir.h"

/* Keys of the long-only options: past any short option's letter. */
enum {
	OPT_RUNTIME = 256,
	OPT_BPF,
	OPT_DUMP_FUNCTIONS,
	OPT_DUMP_PROBE_ALIASES,
	OPT_DUMP_PROBE_TYPES,
	OPT_VP,
	OPT_COMPATIBLE,
	OPT_PRIVILEGE,
	OPT_UNPRIVILEGED,
	OPT_COMPARE,
	OPT_COMPARE_RUNS,
	OPT_JSON,
	OPT_SVG,
	OPT_OTHER, /* the first of the options tapir refuses: all alike */
};

enum opt_status {
	OPT_DONE,  /* parsed into struct options */
	OPT_LATER, /* a SystemTap option that tapir will have: "not implemented yet" */
	OPT_NEVER, /* outside tapir's scope: refused with the reason */
};

struct opt_spec {
	int key;                /* short option letter, or a long-only key */
	const char *name;       /* long name, or NULL */
	int has_arg;            /* no_argument, required_argument, optional_argument */
	enum opt_status status;
	const char *why;        /* OPT_NEVER: what tapir does instead */
};

/* stap 4.8's options, in the order of its --help, then its long-only ones. */
static const struct opt_spec specs[] = {
	{ 'h', "help", no_argument, OPT_DONE, NULL },
	{ 'V', "version", no_argument, OPT_DONE, NULL },
	{ 'p', NULL, required_argument, OPT_DONE, NULL },
	{ 'v', NULL, no_argument, OPT_DONE, NULL },
	{ OPT_VP, "vp", required_argument, OPT_DONE, NULL },
	{ 'k', NULL, no_argument, OPT_DONE, NULL },
	{ 'u', NULL, no_argument, OPT_DONE, NULL },
	{ 'w', NULL, no_argument, OPT_DONE, NULL },
	{ 'W', NULL, no_argument, OPT_DONE, NULL },
	{ 'g', NULL, no_argument, OPT_DONE, NULL },
	{ 'P', NULL, no_argument, OPT_LATER, NULL },
	{ 'b', NULL, no_argument, OPT_DONE, NULL },
	{ 's', NULL, required_argument, OPT_DONE, NULL },
	{ 'I', NULL, required_argument, OPT_DONE, NULL },
	{ 'D', NULL, required_argument, OPT_DONE, NULL },
	{ 'B', NULL, required_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 0, "modinfo", required_argument, OPT_DONE, NULL },
	{ 'G', NULL, required_argument, OPT_DONE, NULL },
	{ 'R', NULL, required_argument, OPT_LATER, NULL },
	{ 'r', NULL, required_argument, OPT_DONE, NULL },
	{ 'a', NULL, required_argument, OPT_NEVER,
	  "tapir builds for the architecture it runs on" },
	{ 'm', NULL, required_argument, OPT_DONE, NULL },
	{ 'o', NULL, required_argument, OPT_DONE, NULL },
	{ 'e', NULL, required_argument, OPT_DONE, NULL },
	{ 'E', NULL, required_argument, OPT_DONE, NULL },
	{ 'c', NULL, required_argument, OPT_DONE, NULL },
	{ 'x', NULL, required_argument, OPT_DONE, NULL },
	{ 'F', NULL, no_argument, OPT_LATER, NULL },
	{ 'S', NULL, required_argument, OPT_DONE, NULL },
	{ 'd', NULL, required_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 1, "ldd", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 2, "all-modules", no_argument, OPT_DONE, NULL },
	{ 't', NULL, no_argument, OPT_DONE, NULL },
	{ 'T', NULL, required_argument, OPT_DONE, NULL },
	{ 'q', NULL, no_argument, OPT_NEVER, "tapset coverage reports are not part of tapir" },
	{ 'l', NULL, required_argument, OPT_DONE, NULL },
	{ 'L', NULL, required_argument, OPT_DONE, NULL },
	{ 'i', "interactive", no_argument, OPT_NEVER,
	  "tapir has no interactive mode; use -e SCRIPT or a script file" },
	{ OPT_RUNTIME, "runtime", required_argument, OPT_DONE, NULL },
	{ OPT_BPF, "bpf", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 3, "dyninst", no_argument, OPT_NEVER,
	  "tapir's runtimes are kmod and bpf" },
	{ OPT_OTHER + 4, "prologue-searching", optional_argument, OPT_LATER, NULL },
	{ OPT_PRIVILEGE, "privilege", required_argument, OPT_DONE, NULL },
	{ OPT_UNPRIVILEGED, "unprivileged", no_argument, OPT_DONE, NULL },
	{ OPT_COMPATIBLE, "compatible", required_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 5, "check-version", no_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 6, "skip-badvars", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 7, "suppress-handler-errors", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 8, "use-server", optional_argument, OPT_NEVER,
	  "tapir has no compile servers; it builds locally" },
	{ OPT_OTHER + 9, "list-servers", optional_argument, OPT_NEVER,
	  "tapir has no compile servers" },
	{ OPT_OTHER + 10, "trust-servers", optional_argument, OPT_NEVER,
	  "tapir has no compile servers" },
	{ OPT_OTHER + 11, "use-server-on-error", optional_argument, OPT_NEVER,
	  "tapir has no compile servers" },
	{ OPT_OTHER + 12, "remote", required_argument, OPT_NEVER,
	  "copy the artifact of -p4 to the other host and run it there" },
	{ OPT_OTHER + 13, "remote-prefix", no_argument, OPT_NEVER,
	  "tapir has no --remote" },
	{ OPT_OTHER + 14, "tmpdir", required_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 15, "download-debuginfo", optional_argument, OPT_NEVER,
	  "install debuginfo packages with the distribution's tools" },
	{ OPT_DUMP_PROBE_TYPES, "dump-probe-types", no_argument, OPT_DONE, NULL },
	{ OPT_DUMP_PROBE_ALIASES, "dump-probe-aliases", no_argument, OPT_DONE, NULL },
	{ OPT_DUMP_FUNCTIONS, "dump-functions", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 16, "sysroot", required_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 17, "sysenv", required_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 18, "suppress-time-limits", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 19, "save-uprobes", no_argument, OPT_NEVER,
	  "uprobes are built into every kernel tapir supports" },
	{ OPT_OTHER + 20, "target-namespace", required_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 21, "clean-cache", no_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 22, "disable-cache", no_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 23, "poison-cache", no_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 24, "color", optional_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 25, "colour", optional_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 26, "sign-module", optional_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 27, "monitor", optional_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 28, "example", no_argument, OPT_LATER, NULL },
	{ OPT_OTHER + 29, "no-global-var-display", no_argument, OPT_DONE, NULL },
	{ OPT_OTHER + 30, "rlimit-as", required_argument, OPT_NEVER, "use ulimit -v" },
	{ OPT_OTHER + 31, "rlimit-cpu", required_argument, OPT_NEVER, "use ulimit -t" },
	{ OPT_OTHER + 32, "rlimit-nproc", required_argument, OPT_NEVER, "use ulimit -u" },
	{ OPT_OTHER + 33, "rlimit-stack", required_argument, OPT_NEVER, "use ulimit -s" },
	{ OPT_OTHER + 34, "rlimit-fsize", required_argument, OPT_NEVER, "use ulimit -f" },
	/* tapir's own: run a script on each runtime and compare (compare.c). */
	{ OPT_COMPARE, "compare", no_argument, OPT_DONE, NULL },
	{ OPT_COMPARE_RUNS, "compare-runs", required_argument, OPT_DONE, NULL },
	{ OPT_JSON, "json", no_argument, OPT_DONE, NULL },
	{ OPT_SVG, "svg", required_argument, OPT_DONE, NULL },
};

#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static const char *const pass_names[] = { "parse", "elaborate", "translate", "build", "run" };

/* Everything opt_parse allocates, in one block; a file-scope pointer keeps
 * it reachable (no leak report) when the driver exits without opt_free. */
static void *storage;

/* ---- messages ----------------------------------------------------------- */

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	fputs("tapir: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void hint_help(void)
{
	fputs("Try 'tapir --help' for more information, or see tapir(1).\n", stderr);
}

static const struct opt_spec *spec_of(int key)
{
	for (int i = 0; i < NSPECS; i++) {
		if (specs[i].key == key)
			return &specs[i];
	}
	return NULL;
}

/* "-p" or "--runtime": how the user wrote the option, near enough. */
static const char *spelling(const struct opt_spec *s)
{
	static char buf[64];

	if (s->key < 256)
		snprintf(buf, sizeof(buf), "-%c", s->key);
	else
		snprintf(buf, sizeof(buf), "--%s", s->name);
	return buf;
}

/* ---- getopt tables from specs -------------------------------------------- */

static const char *short_options(void)
{
	/* ':' first: a missing argument returns ':' rather than '?'. */
	static char buf[3 * NSPECS + 2];
	char *p = buf;

	if (*buf)
		return buf;
	*p++ = ':';
	for (int i = 0; i < NSPECS; i++) {
		if (specs[i].key >= 256)
			continue;
		*p++ = (char)specs[i].key;
		if (specs[i].has_arg != no_argument)
			*p++ = ':';
		if (specs[i].has_arg == optional_argument)
			*p++ = ':';
	}
	*p = '\0';
	return buf;
}

static const struct option *long_options(void)
{
	static struct option tab[NSPECS + 1];
	int n = 0;

	if (tab[0].name)
		return tab;
	for (int i = 0; i < NSPECS; i++) {
		if (!specs[i].name)
			continue;
		tab[n].name = specs[i].name;
		tab[n].has_arg = specs[i].has_arg;
		tab[n].flag = NULL;
		tab[n].val = specs[i].key;
		n++;
	}
	return tab;
}

/* ---- value checks ---------------------------------------------------------- */

/* A decimal integer, all of s, in [lo, hi]. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool is_alpha(char c)
{
	return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool is_word(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static bool is_ident(const char *s, size_t n)
{
	if (n == 0 || !is_alpha(s[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		if (!is_word(s[i]))
			return false;
	}
	return true;
}

/* What stap lets into the generated C through a -D value: -?[A-Za-z0-9_]+. */
static bool is_safe_value(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!is_word(*s))
			return false;
	}
	return true;
}

/* 12, 1.5, .25: a plain decimal number, no sign, exponent, hex or inf. */
static bool is_decimal(const char *s)
{
	size_t digits = strspn(s, "0123456789"), frac = 0;

	s += digits;
	if (*s == '.') {
		frac = strspn(s + 1, "0123456789");
		s += 1 + frac;
	}
	return *s == '\0' && digits + frac > 0;
}

static bool is_version(const char *s)
{
	for (;;) {
		size_t n = strspn(s, "0123456789");

		if (n == 0)
			return false;
		s += n;
		if (*s == '\0')
			return true;
		if (*s++ != '.')
			return false;
	}
}

/* ---- parsing state ------------------------------------------------------- */

struct parse_state {
	struct options *o;
	char *pool;             /* copies of parts of argv (-D names, -m) */
	const char *script_opt; /* "-e", "-l" or "-L": which option gave the script */
	const char *mode_opt;   /* "-l", "-L", "--dump-...": the listing mode */
	bool privilege_given;
};

static char *pool_copy(struct parse_state *st, const char *s, size_t n)
{
	char *p = st->pool;

	memcpy(p, s, n);
	p[n] = '\0';
	st->pool += n + 1;
	return p;
}

/* A second -e, -l or -L: stap takes one script from the command line. */
static int take_script(struct parse_state *st, const char *opt)
{
	if (st->script_opt) {
		say("option %s: only one script may be given on the command line, and %s gave one",
		    opt, st->script_opt);
		return 1;
	}
	st->script_opt = opt;
	return 0;
}

static int take_mode(struct parse_state *st, const char *opt)
{
	if (st->mode_opt) {
		say("option %s: only one of -l, -L, --dump-functions, --dump-probe-aliases and "
		    "--dump-probe-types may be given, and %s already was", opt, st->mode_opt);
		return 1;
	}
	st->mode_opt = opt;
	return 0;
}

static int opt_pass(struct options *o, const char *arg)
{
	long v;

	if (!parse_int(arg, 1, 5, &v)) {
		say("option -p: pass number must be 1 to 5, not '%s'", arg);
		return 1;
	}
	o->last_pass = (int)v;
	o->last_pass_given = true;
	return 0;
}

/* -m NAME: a kernel module name, [A-Za-z0-9_], shorter than the kernel's
 * MODULE_NAME_LEN (64 - sizeof(long)); a trailing ".ko" goes, as in stap. */
static int opt_module(struct parse_state *st, const char *arg)
{
	size_t n = strlen(arg);

	if (n > 3 && strcmp(arg + n - 3, ".ko") == 0)
		n -= 3;
	if (n == 0) {
		say("option -m: the module name is empty");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_word(arg[i])) {
			say("option -m: module name '%s' may hold only letters, digits and '_'", arg);
			return 1;
		}
	}
	if (n > 55) {
		say("option -m: module name '%s' is longer than the kernel's 55 characters", arg);
		return 1;
	}
	st->o->module_name = pool_copy(st, arg, n);
	return 0;
}

static int opt_pid(struct options *o, const char *arg)
{
	long v;

	/* The kernel's PID_MAX_LIMIT on 64-bit machines is 4194304. */
	if (!parse_int(arg, 1, 4194304, &v)) {
		say("option -x: '%s' is not a process id (a number from 1 to 4194304)", arg);
		return 1;
	}
	o->target_pid = (int)v;
	return 0;
}

/* -D NAME or -D NAME=VALUE, a C macro for the generated code. */
static int opt_macro(struct parse_state *st, const char *arg)
{
	struct options *o = st->o;
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	struct opt_define *d;

	if (n == 0) {
		say("option -D: a macro name is needed, as in -D NAME=VALUE, not '%s'", arg);
		return 1;
	}
	if (!is_ident(arg, n)) {
		say("option -D: '%.*s' is not a C macro name", (int)n, arg);
		return 1;
	}
	if (eq && !is_safe_value(eq + 1)) {
		say("option -D: the value of %.*s must be a number or a name (letters, digits, "
		    "'_', a leading '-'), not '%s'", (int)n, arg, eq + 1);
		return 1;
	}
	d = &o->defines[o->ndefines++];
	d->name = pool_copy(st, arg, n);
	d->value = eq ? eq + 1 : "1";
	return 0;
}

/* NAME=VALUE, NAME an identifier, onto list (-G, --modinfo); 'what'
 * names NAME in the message. */
static int take_name_value(const char **list, int *n, const char *opt, const char *what,
			   const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !is_ident(arg, (size_t)(eq - arg))) {
		say("option %s: %s and value are needed, as in %s NAME=VALUE, not '%s'", opt, what,
		    opt, arg);
		return 1;
	}
	list[(*n)++] = arg;
	return 0;
}

/* -B OPTION: one more argument of kbuild's make (kmod runtime), as
 * NAME=VALUE or a make option; shell quotes are refused, as the command
 * goes through sh. */
static int opt_kbuild(struct options *o, const char *arg)
{
	if (!*arg || strpbrk(arg, "'\"\\`$;&|<>\n")) {
		say("option -B: '%s' is not a make argument tapir passes on (NAME=VALUE, or an option "
		    "without quotes or shell characters)", arg);
		return 1;
	}
	o->kbuild_opts[o->nkbuild_opts++] = arg;
	return 0;
}

/* -S SIZE[,N]: -o's output goes on in the next file past SIZE megabytes,
 * and only the last N files are kept (the executors do it). */
static int opt_rotate(struct options *o, const char *arg)
{
	struct rt_outfiles f = { 0 };

	if (rt_outfiles_parse(&f, arg) < 0) {
		say("option -S: SIZE[,N] is needed (megabytes a file holds, at least 1, and how many "
		    "files are kept), not '%s'", arg);
		return 1;
	}
	o->rotate = arg;
	return 0;
}

/* --tmpdir DIR: an existing folder, where pass 3 makes its own. */
static int take_dir(const char **field, const char *opt, const char *arg)
{
	struct stat st;

	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
		say("option %s: '%s' is not a folder", opt, arg);
		return 1;
	}
	*field = arg;
	return 0;
}

static void set_release(struct options *o, const char *arg)
{
	o->kernel_release = arg;
	o->kernel_build_dir = strchr(arg, '/') ? arg : NULL;
}

static int opt_timeout(struct options *o, const char *arg)
{
	double secs = is_decimal(arg) ? strtod(arg, NULL) : 0;

	if (!(secs > 0)) {
		say("option -T: the timeout must be a positive number of seconds, not '%s'", arg);
		return 1;
	}
	if (secs > INT_MAX) {
		say("option -T: the timeout '%s' is too long (at most %d seconds)", arg, INT_MAX);
		return 1;
	}
	o->timeout_ms = (int64_t)(secs * 1000 + 0.999);
	o->timeout_secs = (int)((o->timeout_ms + 999) / 1000);
	return 0;
}

static int opt_bufsize(struct options *o, const char *arg)
{
	long v;

	if (!parse_int(arg, 1, 4095, &v)) {
		say("option -s: the buffer size must be 1 to 4095 megabytes, not '%s'", arg);
		return 1;
	}
	o->bufsize_mb = (int)v;
	return 0;
}

static int opt_runtime(struct options *o, const char *arg)
{
	o->runtime_given = true;
	/* --compare --runtime=bpf,kmod: checked and used by compare.c */
	if (strchr(arg, ',')) {
		o->runtime_list = arg;
		return 0;
	}
	if (strcmp(arg, "kmod") == 0 || strcmp(arg, "kernel") == 0) {
		o->runtime = RUNTIME_KMOD;
	} else if (strcmp(arg, "bpf") == 0) {
		o->runtime = RUNTIME_BPF;
	} else if (strcmp(arg, "dyninst") == 0) {
		say("option --runtime: tapir has no dyninst runtime; use kmod (or kernel) or bpf");
		return 1;
	} else {
		say("option --runtime: unknown runtime '%s'; use kmod (or kernel) or bpf", arg);
		return 1;
	}
	return 0;
}

static int opt_compare_runs(struct options *o, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > 1000) {
		say("option --compare-runs: the number of runs must be 1 to 1000, not '%s'", arg);
		return 1;
	}
	o->compare_runs = (int)v;
	return 0;
}

/* --vp ABCDE: verbosity added to passes 1 to 5, one digit each. */
static int opt_perpass(struct options *o, const char *arg)
{
	size_t n = strlen(arg);

	if (n < 1 || n > 5 || strspn(arg, "0123456789") != n) {
		say("option --vp: expected 1 to 5 digits, one per pass (as in --vp 0002), not '%s'",
		    arg);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		o->perpass_verbose[i] += arg[i] - '0';
	return 0;
}

/* stap lets the privilege level be given twice only if both agree. */
static int opt_privilege(struct parse_state *st, const char *arg)
{
	if (strcmp(arg, "stapusr") && strcmp(arg, "stapsys") && strcmp(arg, "stapdev")) {
		say("option --privilege: unknown level '%s'; use stapusr, stapsys or stapdev", arg);
		return 1;
	}
	if (st->privilege_given && strcmp(st->o->privilege, arg)) {
		say("option --privilege: the level is already '%s'; it may be set only once",
		    st->o->privilege);
		return 1;
	}
	st->o->privilege = arg;
	st->privilege_given = true;
	return 0;
}

static int opt_compatible(struct options *o, const char *arg)
{
	if (!is_version(arg)) {
		say("option --compatible: expected a SystemTap version such as 4.8, not '%s'", arg);
		return 1;
	}
	o->compatible = arg;
	return 0;
}

static int refuse(const struct opt_spec *s)
{
	if (s->status == OPT_NEVER)
		say("option %s: not supported (%s)", spelling(s), s->why);
	else
		say("option %s: not implemented yet", spelling(s));
	return 1;
}

/* The options that only turn something on. */
static bool *flag_of(struct options *o, int key)
{
	switch (key) {
	case 'k':
		return &o->keep_tmp;
	case 'u':
		return &o->unoptimized;
	case 'w':
		return &o->no_warnings;
	case 'W':
		return &o->warnings_as_errors;
	case 'g':
		return &o->guru;
	case OPT_OTHER + 6:
		return &o->skip_badvars;
	case OPT_OTHER + 29:
		return &o->no_global_display;
	case OPT_OTHER + 1:
		return &o->ldd;
	case OPT_OTHER + 2:
		return &o->all_modules;
	case OPT_OTHER + 7:
		return &o->suppress_handler_errors;
	case OPT_OTHER + 18:
		return &o->suppress_time_limits;
	case 'b':
		return &o->bulk;
	case 't':
		return &o->timing;
	case OPT_DUMP_FUNCTIONS:
		return &o->dump_functions;
	case OPT_DUMP_PROBE_ALIASES:
		return &o->dump_probe_aliases;
	case OPT_DUMP_PROBE_TYPES:
		return &o->dump_probe_types;
	case OPT_COMPARE:
		return &o->compare;
	case OPT_JSON:
		return &o->compare_json;
	}
	return NULL;
}

/* -I, -r, -o, -c: a name that an empty argument ('') cannot be. */
static int take_text(const char **field, char opt, const char *what, const char *arg)
{
	if (!*arg) {
		say("option -%c: the %s is empty", opt, what);
		return 1;
	}
	*field = arg;
	return 0;
}

/* -l PATTERN, -L PATTERN. As stap: a listing is quiet, and -L keeps the
 * variables that the optimizer would drop, so that it can list them. */
static int opt_list(struct parse_state *st, int key, const char *arg)
{
	const char *opt = key == 'l' ? "-l" : "-L";

	st->o->list_pattern = arg;
	st->o->list_vars = key == 'L';
	st->o->no_warnings = true;
	st->o->unoptimized |= key == 'L';
	return take_script(st, opt) || take_mode(st, opt);
}

/* The options with an argument, or with more to do than set a flag. */
static int apply_value(struct parse_state *st, int key, const char *arg)
{
	struct options *o = st->o;

	switch (key) {
	case 'p':
		return opt_pass(o, arg);
	case OPT_VP:
		return opt_perpass(o, arg);
	case 's':
		return opt_bufsize(o, arg);
	case 'I':
		return take_text(&o->include_dirs[o->ninclude_dirs++], 'I', "directory name", arg);
	case 'D':
		return opt_macro(st, arg);
	case 'G': /* a global's value at the start (translator/gopt.c checks it) */
		return take_name_value(o->globals_set, &o->nglobals_set, "-G", "a global's name", arg);
	case 'B':
		return opt_kbuild(o, arg);
	case 'd':
		return take_text(&o->sym_paths[o->nsym_paths++], 'd', "binary or module name", arg);
	case OPT_OTHER + 0: /* a MODULE_INFO of the kmod runtime's module */
		return take_name_value(o->modinfo, &o->nmodinfo, "--modinfo", "a name", arg);
	case 'S':
		return opt_rotate(o, arg);
	case OPT_OTHER + 14:
		return take_dir(&o->tmpdir, "--tmpdir", arg);
	case 'r':
		if (take_text(&o->kernel_release, 'r', "kernel release or build directory", arg))
			return 1;
		set_release(o, arg);
		return 0;
	case 'm':
		return opt_module(st, arg);
	case 'o':
		return take_text(&o->output_file, 'o', "file name", arg);
	case 'e':
		o->script_text = arg;
		return take_script(st, "-e");
	case 'E':
		o->extra_scripts[o->n_extra_scripts++] = arg;
		return 0;
	case 'c':
		return take_text(&o->target_cmd, 'c', "command", arg);
	case 'x':
		return opt_pid(o, arg);
	case 'T':
		return opt_timeout(o, arg);
	case 'l':
	case 'L':
		return opt_list(st, key, arg);
	case OPT_RUNTIME:
		return opt_runtime(o, arg);
	case OPT_PRIVILEGE:
		return opt_privilege(st, arg);
	case OPT_UNPRIVILEGED:
		return opt_privilege(st, "stapusr");
	case OPT_COMPATIBLE:
		return opt_compatible(o, arg);
	case OPT_COMPARE_RUNS:
		return opt_compare_runs(o, arg);
	case OPT_SVG:
		if (!*arg) {
			say("option --svg: the file name is empty");
			return 1;
		}
		o->compare_svg = arg;
		return 0;
	}
	say("option %d: no handler (internal error)", key);
	return 1;
}

/* One option from getopt_long. Returns 0, 1 for an error printed, or -1
 * after --help or --version (exit 0). */
static int apply(struct parse_state *st, int key, const char *arg)
{
	static const char *const dumps[] = { "--dump-functions", "--dump-probe-aliases",
					     "--dump-probe-types" };
	const struct opt_spec *s = spec_of(key);
	bool *flag = flag_of(st->o, key);

	if (s && s->status != OPT_DONE)
		return refuse(s);
	if (key == 'h' || key == 'V') {
		(key == 'h' ? opt_usage : opt_version)(stdout);
		return -1;
	}
	if (key == 'v') {
		st->o->verbose++;
		for (int i = 0; i < 5; i++)
			st->o->perpass_verbose[i]++;
		return 0;
	}
	if (key == OPT_BPF) {
		st->o->runtime = RUNTIME_BPF;
		st->o->runtime_given = true;
		return 0;
	}
	if (!flag)
		return apply_value(st, key, arg);
	*flag = true;
	if (key >= OPT_DUMP_FUNCTIONS && key <= OPT_DUMP_PROBE_TYPES)
		return take_mode(st, dumps[key - OPT_DUMP_FUNCTIONS]);
	return 0;
}

/* ---- getopt's error returns ------------------------------------------------ */

static void list_matches(const char *name, size_t n)
{
	const char *sep = "";

	fputs("tapir: it may be", stderr);
	for (int i = 0; i < NSPECS; i++) {
		if (specs[i].name && strncmp(specs[i].name, name, n) == 0) {
			fprintf(stderr, "%s --%s", sep, specs[i].name);
			sep = ",";
		}
	}
	fputc('\n', stderr);
}

/* "did you mean" for a mistyped long option. */
static void suggest(const char *name, size_t n)
{
	const char *names[NSPECS], *best;
	char typed[64];
	int k = 0;

	if (n >= sizeof(typed))
		return;
	memcpy(typed, name, n);
	typed[n] = '\0';
	for (int i = 0; i < NSPECS; i++) {
		if (specs[i].name)
			names[k++] = specs[i].name;
	}
	best = diag_closest(typed, names, k);
	if (best)
		fprintf(stderr, "tapir: did you mean '--%s'?\n", best);
}

/* '?' from getopt_long: an unknown short option (optopt is its letter), an
 * unknown or ambiguous long option (optopt 0, argv[optind-1] is it), or a
 * long option given an argument it does not take (optopt is its key). */
static void bad_option(char **argv)
{
	const struct opt_spec *s = optopt ? spec_of(optopt) : NULL;
	const char *arg = argv[optind - 1];

	if (optopt && !s) {
		say("unknown option -%c", optopt);
	} else if (s) {
		say("option --%s takes no argument", s->name);
	} else {
		const char *name = arg + 2;
		size_t n = strcspn(name, "=");
		int matches = 0;

		for (int i = 0; i < NSPECS; i++)
			matches += specs[i].name && strncmp(specs[i].name, name, n) == 0;
		if (matches > 1) {
			say("option '--%.*s' is ambiguous", (int)n, name);
			list_matches(name, n);
			return;
		}
		say("unknown option '--%.*s'", (int)n, name);
		suggest(name, n);
	}
	hint_help();
}

static void missing_argument(void)
{
	const struct opt_spec *s = spec_of(optopt);

	if (s)
		say("option %s needs an argument", spelling(s));
	else
		say("an option needs an argument");
	hint_help();
}

/* ---- after the options: script, arguments, combinations ------------------- */

static int take_operands(struct parse_state *st, int argc, char **argv)
{
	struct options *o = st->o;
	int i = optind;

	if (!st->script_opt && st->mode_opt && i < argc) {
		say("option %s: lists the tapsets and takes no script, but '%s' was given",
		    st->mode_opt, argv[i]);
		return 1;
	}
	if (!st->script_opt && !st->mode_opt) {
		if (i >= argc) {
			say("no script given: name a script file, '-' for standard input, "
			    "or use -e SCRIPT");
			hint_help();
			return 1;
		}
		o->script_file = argv[i++];
	}
	for (; i < argc; i++)
		o->args[o->nargs++] = argv[i];
	return 0;
}

static int check_combinations(struct parse_state *st)
{
	struct options *o = st->o;

	if (st->mode_opt && o->last_pass_given) {
		say("option -p: cannot be used with %s, which always stops after pass 2",
		    st->mode_opt);
		return 1;
	}
	if (st->mode_opt)
		o->last_pass = 2;
	if (o->runtime_list && !o->compare) {
		say("option --runtime=%s: a list of runtimes needs --compare", o->runtime_list);
		return 1;
	}
	if ((o->compare_runs || o->compare_json || o->compare_svg) && !o->compare) {
		say("options --compare-runs, --json and --svg need --compare");
		return 1;
	}
	if (o->target_cmd && o->target_pid) {
		say("options -c and -x cannot be used together: -c starts the target process, "
		    "-x names one that runs");
		return 1;
	}
	if (o->rotate && !o->output_file) {
		say("option -S: rotates the files of -o FILE, and there is no -o");
		return 1;
	}
	if (o->guru && strcmp(o->privilege, "stapdev")) {
		say("option -g: guru mode needs the stapdev privilege, not --privilege=%s",
		    o->privilege);
		return 1;
	}
	return 0;
}

/* ---- entry points ---------------------------------------------------------- */

static void init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->last_pass = 5;
	o->runtime = RUNTIME_KMOD;
	o->compatible = OPT_LANGUAGE_LEVEL;
	o->privilege = "stapdev";
}

/* The options' lists of strings, each with room for argc entries. */
#define OPT_NLISTS 7
static void lists_of(struct options *o, const char ***lists[OPT_NLISTS])
{
	lists[0] = &o->extra_scripts;
	lists[1] = &o->args;
	lists[2] = &o->include_dirs;
	lists[3] = &o->globals_set;
	lists[4] = &o->kbuild_opts;
	lists[5] = &o->sym_paths;
	lists[6] = &o->modinfo;
}

/* Room for every list, sized by argc, and for copies of argv's strings. */
static bool alloc_storage(struct parse_state *st, int argc, char **argv)
{
	struct options *o = st->o;
	size_t n = (size_t)argc + 1, chars = 0;
	const char ***lists[OPT_NLISTS];
	char *p;

	for (int i = 0; i < argc; i++)
		chars += strlen(argv[i]) + 1;
	free(storage);
	storage = malloc(n * sizeof(struct opt_define) + OPT_NLISTS * n * sizeof(char *) + chars);
	if (!storage) {
		say("out of memory");
		return false;
	}
	p = storage;
	o->defines = (struct opt_define *)(void *)p;
	p += n * sizeof(struct opt_define);
	lists_of(o, lists);
	for (int i = 0; i < OPT_NLISTS; i++) {
		*lists[i] = (const char **)(void *)p;
		p += n * sizeof(char *);
	}
	st->pool = p;
	return true;
}

static int finish(int status, bool *exit_now)
{
	*exit_now = true;
	return status;
}

int opt_parse(int argc, char **argv, struct options *o, bool *exit_now)
{
	struct parse_state st = { .o = o };
	const char *env;
	int key, rc;

	*exit_now = false;
	init(o);
	if (!alloc_storage(&st, argc, argv))
		return finish(1, exit_now);
	env = getenv("SYSTEMTAP_RELEASE");
	if (env && *env)
		set_release(o, env);
	opterr = 0;
	optind = 0; /* glibc: start afresh, even after an earlier parse */
	while ((key = getopt_long(argc, argv, short_options(), long_options(), NULL)) != -1) {
		if (key == '?') {
			bad_option(argv);
			return finish(1, exit_now);
		}
		if (key == ':') {
			missing_argument();
			return finish(1, exit_now);
		}
		rc = apply(&st, key, optarg);
		if (rc)
			return finish(rc < 0 ? 0 : rc, exit_now);
	}
	if (take_operands(&st, argc, argv) || check_combinations(&st))
		return finish(1, exit_now);
	return 0;
}

const char *opt_define(const struct options *o, const char *name)
{
	for (int i = o->ndefines - 1; i >= 0; i--) {
		if (strcmp(o->defines[i].name, name) == 0)
			return o->defines[i].value;
	}
	/* what the --suppress-* options lift, unless a -D says otherwise */
	if (o->suppress_time_limits &&
	    (strcmp(name, "MAXACTION") == 0 || strcmp(name, "MAXACTION_INTERRUPTIBLE") == 0))
		return "1073741824";
	if (o->suppress_handler_errors && strcmp(name, "MAXSKIPPED") == 0)
		return "1073741824";
	return NULL;
}

int opt_run_args(const struct options *o, struct arena *a, const char **argv)
{
	int n = 0;

	if (o->output_file) {
		argv[n++] = "-o";
		argv[n++] = o->output_file;
	}
	if (o->rotate) {
		argv[n++] = "-S";
		argv[n++] = o->rotate;
	}
	if (o->target_cmd) {
		argv[n++] = "-c";
		argv[n++] = o->target_cmd;
	}
	if (o->target_pid) {
		argv[n++] = "-x";
		argv[n++] = arena_printf(a, "%d", o->target_pid);
	}
	if (o->timeout_ms) {
		argv[n++] = "-T";
		argv[n++] = arena_printf(a, "%.3f", o->timeout_ms / 1000.0);
	}
	for (int i = 0; i < o->verbose && i < 3; i++)
		argv[n++] = "-v";
	return n;
}

const char *opt_runtime_name(enum opt_runtime r)
{
	return r == RUNTIME_BPF ? "bpf" : "kernel";
}

void opt_free(struct options *o)
{
	const char ***lists[OPT_NLISTS];

	free(storage);
	storage = NULL;
	o->defines = NULL;
	lists_of(o, lists);
	for (int i = 0; i < OPT_NLISTS; i++)
		*lists[i] = NULL;
	o->ndefines = o->n_extra_scripts = o->nargs = o->ninclude_dirs = o->nglobals_set = 0;
	o->nkbuild_opts = o->nsym_paths = o->nmodinfo = 0;
}

/* ---- which passes exist ---------------------------------------------------- */

static void say_missing(const char *what, int pass, int last_implemented)
{
	if (last_implemented == 1)
		say("%s: not implemented yet (it needs pass %d, %s; this tapir has pass 1, parse, "
		    "only)", what, pass, pass_names[pass - 1]);
	else
		say("%s: not implemented yet (it needs pass %d, %s; this tapir has passes 1 to %d)",
		    what, pass, pass_names[pass - 1], last_implemented);
}

int opt_check_implemented(const struct options *o, int last_implemented)
{
	/* Options that act in a given pass, each with the pass. */
	const struct {
		bool given;
		const char *name;
		int pass;
	} uses[] = {
		{ o->list_pattern && !o->list_vars, "option -l", 2 },
		{ o->list_vars, "option -L", 2 },
		{ o->dump_functions, "option --dump-functions", 2 },
		{ o->dump_probe_aliases, "option --dump-probe-aliases", 2 },
		{ o->dump_probe_types, "option --dump-probe-types", 2 },
		{ o->target_cmd != NULL, "option -c", 5 },
		{ o->target_pid != 0, "option -x", 5 },
		{ o->output_file != NULL, "option -o", 5 },
		{ o->timeout_ms != 0, "option -T", 5 },
		{ o->bufsize_mb != 0, "option -s", 5 },
		{ o->bulk, "option -b", 5 },
		{ o->timing, "option -t", 3 },
		{ o->keep_tmp, "option -k", 3 },
		{ o->module_name != NULL, "option -m", 3 },
		{ o->ndefines > 0, "option -D", 3 },
		{ o->unoptimized, "option -u", 2 },
	};
	char what[32];

	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		if (uses[i].given && uses[i].pass > last_implemented &&
		    uses[i].pass <= o->last_pass) {
			say_missing(uses[i].name, uses[i].pass, last_implemented);
			return 1;
		}
	}
	if (o->last_pass > last_implemented) {
		if (o->last_pass_given)
			snprintf(what, sizeof(what), "option -p %d", o->last_pass);
		else
			snprintf(what, sizeof(what), "running a script");
		say_missing(what, o->last_pass, last_implemented);
		if (!o->last_pass_given)
			fprintf(stderr, "tapir: use -p%d to stop after pass %d\n", last_implemented,
				last_implemented);
		return 1;
	}
	return 0;
}

/* ---- --help and --version -------------------------------------------------- */

void opt_version(FILE *out)
{
	fprintf(out, "tapir %s (SystemTap-compatible; language level %s)\n", PACKAGE_VERSION,
		OPT_LANGUAGE_LEVEL);
	fputs("runtimes: kmod (a kernel module, the default), bpf (eBPF programs)\n", out);
}

void opt_usage(FILE *out)
{
	struct utsname u;
	const char *env = getenv("SYSTEMTAP_RELEASE");
	char tree[512];

	/* The default of -r, as stap shows it: the kernel's build tree. */
	if (env && strchr(env, '/'))
		snprintf(tree, sizeof(tree), "%s", env);
	else
		snprintf(tree, sizeof(tree), "/lib/modules/%s/build",
			 env && *env ? env : uname(&u) == 0 ? u.release : "RELEASE");
	fprintf(out,
		"Usage: tapir [OPTIONS] FILE [ARGS]      run the script in FILE\n"
		"   or: tapir [OPTIONS] - [ARGS]         run the script read from standard input\n"
		"   or: tapir [OPTIONS] -e SCRIPT [ARGS] run SCRIPT, given here\n"
		"   or: tapir [OPTIONS] -l PROBE         list the probe points matching PROBE\n"
		"   or: tapir [OPTIONS] -L PROBE         list them with their context variables\n"
		"   or: tapir [OPTIONS] --dump-probe-types    list the kinds of probe point\n"
		"   or: tapir [OPTIONS] --dump-probe-aliases  list the tapsets' probe aliases\n"
		"   or: tapir [OPTIONS] --dump-functions      list the tapsets' functions\n"
		"\n"
		"tapir runs SystemTap scripts as a kernel module or as eBPF programs. ARGS\n"
		"are the script's arguments, read in it as $1 or @1 (number or string), $#.\n"
		"Options may also follow FILE; '--' ends them.\n"
		"\n"
		"Options:\n"
		"  --             end of tapir's options: the script and its ARGS follow\n"
		"  -h, --help     print this help, then exit\n"
		"  -V, --version  print tapir's version, then exit\n"
		"\n"
		"Passes:\n"
		"  -p NUM         stop after pass NUM, 1 to 5, and print what it made:\n"
		"                 1 parse, 2 elaborate, 3 translate, 4 build, 5 run (default)\n"
		"  -v             say more about every pass (repeat: -vv, -vvv)\n"
		"  --vp DIGITS    say more about some passes: --vp 0002 adds 2 to pass 4\n"
		"  -k             keep the temporary directory of passes 3 and 4\n"
		"  -u             unoptimized: keep unused code and skip optimizations\n"
		"  -w             print no warnings\n"
		"  -W             treat warnings as errors\n"
		"  -g             guru mode: allow embedded C and writes to kernel data\n"
		"  --compatible=VERSION\n"
		"                 accept the language of SystemTap VERSION, not of %s\n"
		"  --privilege=LEVEL\n"
		"                 refuse what LEVEL may not do: stapusr, stapsys or stapdev\n"
		"                 (the default)\n"
		"  --unprivileged same as --privilege=stapusr\n"
		"\n"
		"Script:\n"
		"  -e SCRIPT      run SCRIPT instead of a file's\n"
		"  -E SCRIPT      run SCRIPT too, beside the main script (repeatable)\n"
		"  -I DIR         look for tapsets in DIR too, as well as in tapir's own\n"
		"  -D NAME=VALUE  define the C macro NAME in the generated code (MAXACTION,\n"
		"                 MAXSTRINGLEN, MAXMAPENTRIES ...); -D NAME defines it as 1\n"
		"  -G NAME=VALUE  start the script's global NAME with VALUE\n"
		"  -B NAME=VALUE  pass NAME=VALUE to kbuild's make (kmod runtime)\n"
		"  -d BINARY      the symbols of BINARY too, for user backtraces (kmod)\n"
		"  --ldd          the symbols of the probed binaries' libraries too (kmod)\n"
		"\n"
		"Target:\n"
		"  --runtime=MODE run on MODE: kmod (or kernel), the default, or bpf\n"
		"  --bpf          same as --runtime=bpf\n"
		"  -r DIR         build for the kernel whose build tree is DIR, or\n"
		"  -r RELEASE     for the kernel in /lib/modules/RELEASE/build, instead of\n"
		"                 %s\n"
		"  -m NAME        name the module or program NAME and keep it here\n"
		"\n"
		"Run:\n"
		"  -c CMD         start the probes, run CMD, and stop when it ends;\n"
		"                 target() is its process id\n"
		"  -x PID         set target() to PID\n"
		"  -o FILE        write the script's output to FILE, not standard output\n"
		"  -T SECS        stop the script after SECS seconds\n"
		"  -s NUM         use NUM megabytes of output buffer per CPU (1 to 4095)\n"
		"  -b             bulk mode: one output file per CPU\n"
		"  -t             report how often each probe ran and how long it took\n"
		"\n"
		"Compare (tapir's own; see tapir(1)):\n"
		"  --compare      run the -c workload untraced and under each runtime, in\n"
		"                 turn, and print what each costs it\n"
		"  --runtime=A,B  the runtimes to compare (default: bpf,kmod)\n"
		"  --compare-runs N  runs per runtime (default 5)\n"
		"  --json         print the comparison as JSON\n"
		"  --svg FILE     also draw it as an SVG chart into FILE\n"
		"\n"
		"Listing (stops after pass 2):\n"
		"  -l PROBE       list the probe points that PROBE matches\n"
		"  -L PROBE       list them with their context variables\n"
		"  --dump-probe-types    list the kinds of probe point\n"
		"  --dump-probe-aliases  list the probe aliases the tapsets define\n"
		"  --dump-functions      list the tapsets' functions and their types\n"
		"\n"
		"SystemTap's other options are known and refused with the reason.\n"
		"See tapir(1) for the passes, the runtimes and what is not implemented yet.\n",
		OPT_LANGUAGE_LEVEL, tree);
}
