/* compare.c - tapir --compare [--runtime=bpf,kmod] [--compare-runs N]
 * [--json] [--svg FILE] SCRIPT -c WORKLOAD: what each runtime costs the
 * workload, measured the same way for all.
 *
 * tapir runs itself, one process per step, so that each runtime is
 * measured as a user runs it:
 *
 *   1. build: `tapir --runtime=R -p4 SCRIPT` into an empty private cache
 *      (TAPIR_CACHE), timed: the build time. A runtime whose build fails
 *      (not built into this tapir, no compiler...) is "unavailable" with
 *      the first line of what it said.
 *   2. count: `tapir --runtime=R -t SCRIPT -c WORKLOAD` once, for the
 *      kernel probe hits of one run of the workload (and a warm cache). A
 *      runtime that cannot load here is "unavailable" the same way.
 *   3. rounds: the untraced workload (`/bin/sh -c WORKLOAD`), then each
 *      runtime in turn, the order rotated from round to round, then one
 *      last untraced run: slow drift of the host falls on all alike.
 *      Traced runs are built without -t; the executor reports through
 *      TAPIR_STATS_FILE when the workload started and ended, drops,
 *      memory (runtime/bpf/rt_exec_stats.c).
 *
 * A runtime's overhead per hit in round i is its workload time minus the
 * mean of the untraced runs just before and after it, divided by the hits.
 * Everything the script prints goes to /dev/null, as a user's terminal
 * would take it, so its formatting is in the cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"

#define MAX_ARGS 4096

struct argvb {
	const char *v[MAX_ARGS];
	int n;
};

/* What one run of a step gave. */
struct step {
	int status;        /* exit status, or 128 + signal */
	double wall_ns;
	long long start_ns, workload_ns, dropped, hits, maxrss_kb, bpf_memlock;
	bool have_stats;
};

struct cmp_ctx {
	const struct options *o;
	char self[4096];
	char tmp[64];        /* private folder: cache, stats, logs */
	char **defines;      /* -D NAME=VALUE, as given */
	struct cmp_result r;
};

static void push(struct argvb *a, const char *s)
{
	if (a->n < MAX_ARGS - 1)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the runtimes to compare --------------------------------------------- */

static const char *runtime_name(const char *s, size_t n)
{
	if ((n == 4 && strncmp(s, "kmod", 4) == 0) || (n == 6 && strncmp(s, "kernel", 6) == 0))
		return "kmod";
	if (n == 3 && strncmp(s, "bpf", 3) == 0)
		return "bpf";
	return NULL;
}

static bool add_runtime(struct cmp_result *r, const char *name)
{
	for (int i = 0; i < r->nrt; i++) {
		if (strcmp(r->rt[i].name, name) == 0)
			return true;
	}
	if (r->nrt == COMPARE_MAX_RUNTIMES)
		return false;
	r->rt[r->nrt].name = name;
	r->rt[r->nrt].hits = -1;
	r->rt[r->nrt].bpf_memlock = -1;
	r->nrt++;
	return true;
}

/* --runtime=A,B; one --runtime/--bpf; or, by default, every runtime. */
static int pick_runtimes(const struct options *o, struct cmp_result *r)
{
	const char *list = o->runtime_list;

	if (!list && o->runtime_given)
		list = o->runtime == RUNTIME_BPF ? "bpf" : "kmod";
	if (!list)
		list = "bpf,kmod";
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		const char *name = runtime_name(p, n);

		if (!name) {
			fprintf(stderr, "tapir: option --runtime: unknown runtime '%.*s' in '%s'; "
					"use kmod (or kernel) or bpf\n", (int)n, p, list);
			return -1;
		}
		add_runtime(r, name);
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* ---- running a step ------------------------------------------------------ */

static void push2(struct argvb *a, const char *opt, const char *arg)
{
	push(a, opt);
	push(a, arg);
}

/* The script and what shapes its translation, as the user gave them. */
static void script_args(const struct cmp_ctx *c, struct argvb *a)
{
	const struct options *o = c->o;

	for (int i = 0; i < o->ndefines; i++)
		push2(a, "-D", c->defines[i]);
	for (int i = 0; i < o->ninclude_dirs; i++)
		push2(a, "-I", o->include_dirs[i]);
	for (int i = 0; i < o->nglobals_set; i++)
		push2(a, "-G", o->globals_set[i]);
	if (o->guru)
		push(a, "-g");
	if (o->no_global_display)
		push(a, "--no-global-var-display");
	if (o->no_warnings)
		push(a, "-w");
	for (int i = 0; i < o->n_extra_scripts; i++)
		push2(a, "-E", o->extra_scripts[i]);
	if (o->script_text)
		push2(a, "-e", o->script_text);
	push(a, "--");
	if (!o->script_text)
		push(a, o->script_file);
	for (int i = 0; i < o->nargs; i++)
		push(a, o->args[i]);
}

static void child_exec(const char *const *argv, const char *out, const char *err,
		       const char *stats)
{
	int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0)
		dup2(fd, 1);
	fd = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		dup2(fd, 2);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	if (stats)
		setenv("TAPIR_STATS_FILE", stats, 1);
	else
		unsetenv("TAPIR_STATS_FILE");
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

static void read_stats(const char *path, struct step *s)
{
	FILE *f = fopen(path, "r");
	char key[32];
	long long v;

	if (!f)
		return;
	while (fscanf(f, "%31[a-z_]=%lld\n", key, &v) == 2) {
		s->have_stats = true;
		if (!strcmp(key, "start_ns"))
			s->start_ns = v;
		else if (!strcmp(key, "workload_ns"))
			s->workload_ns = v;
		else if (!strcmp(key, "dropped"))
			s->dropped = v;
		else if (!strcmp(key, "hits"))
			s->hits = v;
		else if (!strcmp(key, "maxrss_kb"))
			s->maxrss_kb = v;
		else if (!strcmp(key, "bpf_memlock"))
			s->bpf_memlock = v;
	}
	fclose(f);
	unlink(path);
}

/* Run argv to its end; out/err are files (NULL: /dev/null). */
static int run_step(struct cmp_ctx *c, const char *const *argv, const char *out, const char *err,
		    bool stats, struct step *s)
{
	char path[128];
	double t0;
	int status;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	s->hits = -1;
	snprintf(path, sizeof(path), "%s/stats", c->tmp);
	fflush(NULL);
	t0 = mono_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "tapir: --compare: cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_exec(argv, out, err, stats ? path : NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	s->wall_ns = mono_ns() - t0;
	s->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (stats)
		read_stats(path, s);
	if (s->have_stats && s->start_ns > 0)
		s->start_ns -= (long long)t0;
	return 0;
}

/* The first line a failed step printed, as the reason it failed. */
static void first_line(const char *path, char *buf, size_t size, int status)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, size, "exit status %d", status);
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void tapir_argv(struct cmp_ctx *c, struct argvb *a, const char *rt, const char *extra,
		       bool workload)
{
	a->n = 0;
	push(a, c->self);
	push(a, strcmp(rt, "bpf") ? "--runtime=kmod" : "--runtime=bpf");
	if (extra)
		push(a, extra);
	if (workload)
		push2(a, "-c", c->o->target_cmd);
	script_args(c, a);
}

/* ---- the steps ----------------------------------------------------------- */

static void build(struct cmp_ctx *c, struct cmp_runtime *rt)
{
	struct argvb a;
	struct step s;
	char err[128];

	snprintf(err, sizeof(err), "%s/err", c->tmp);
	tapir_argv(c, &a, rt->name, "-p4", false);
	if (run_step(c, a.v, NULL, err, false, &s) < 0)
		return;
	if (s.status != 0) {
		first_line(err, rt->reason, sizeof(rt->reason), s.status);
		return;
	}
	rt->build_ms = s.wall_ns / 1e6;
	tapir_argv(c, &a, rt->name, "-t", true);
	if (run_step(c, a.v, NULL, err, true, &s) < 0)
		return;
	if (s.status != 0) {
		first_line(err, rt->reason, sizeof(rt->reason), s.status);
		return;
	}
	rt->hits = s.hits;
	rt->available = true;
}

static int baseline(struct cmp_ctx *c)
{
	const char *argv[] = { "/bin/sh", "-c", c->o->target_cmd, NULL };
	struct cmp_series *b = &c->r.baseline_ns;
	struct step s;

	if (run_step(c, argv, NULL, NULL, false, &s) < 0)
		return -1;
	if (s.status != 0) {
		fprintf(stderr, "tapir: --compare: the workload '%s' failed untraced (exit status %d)\n",
			c->o->target_cmd, s.status);
		return -1;
	}
	b->v[b->n++] = s.wall_ns;
	return 0;
}

static void traced(struct cmp_ctx *c, struct cmp_runtime *rt)
{
	struct argvb a;
	struct step s;
	char err[128];

	snprintf(err, sizeof(err), "%s/err", c->tmp);
	tapir_argv(c, &a, rt->name, NULL, true);
	if (run_step(c, a.v, NULL, err, true, &s) < 0)
		return;
	if (s.status != 0) {
		first_line(err, rt->reason, sizeof(rt->reason), s.status);
		rt->available = false;
		return;
	}
	rt->workload_ns.v[rt->workload_ns.n++] = s.have_stats ? (double)s.workload_ns : s.wall_ns;
	if (s.have_stats)
		rt->start_ns.v[rt->start_ns.n++] = (double)s.start_ns;
	if (s.dropped > rt->dropped)
		rt->dropped = s.dropped;
	if (s.maxrss_kb > rt->maxrss_kb)
		rt->maxrss_kb = s.maxrss_kb;
	if (s.have_stats && s.bpf_memlock > rt->bpf_memlock)
		rt->bpf_memlock = s.bpf_memlock;
}

static void overheads(struct cmp_result *r)
{
	for (int k = 0; k < r->nrt; k++) {
		struct cmp_runtime *rt = &r->rt[k];

		for (int i = 0; i < rt->workload_ns.n && i + 1 < r->baseline_ns.n; i++) {
			double base = (r->baseline_ns.v[i] + r->baseline_ns.v[i + 1]) / 2;

			if (rt->hits > 0)
				rt->overhead_ns.v[rt->overhead_ns.n++] =
					(rt->workload_ns.v[i] - base) / (double)rt->hits;
		}
		cmp_series_finish(&rt->workload_ns);
		cmp_series_finish(&rt->start_ns);
		cmp_series_finish(&rt->overhead_ns);
	}
	cmp_series_finish(&r->baseline_ns);
}

static int rounds(struct cmp_ctx *c)
{
	struct cmp_result *r = &c->r;

	for (int i = 0; i < r->runs; i++) {
		if (baseline(c) < 0)
			return -1;
		for (int j = 0; j < r->nrt; j++) {
			struct cmp_runtime *rt = &r->rt[(i + j) % r->nrt];

			if (rt->available)
				traced(c, rt);
		}
	}
	return baseline(c);
}

/* ---- the mode ------------------------------------------------------------ */

static int check_usage(const struct options *o)
{
	if (!o->target_cmd) {
		fprintf(stderr, "tapir: --compare needs a workload: -c 'COMMAND'\n");
		return -1;
	}
	if (!o->script_file && !o->script_text) {
		fprintf(stderr, "tapir: --compare needs a script (a file or -e SCRIPT)\n");
		return -1;
	}
	if (o->list_pattern || o->target_pid || o->output_file || o->last_pass_given) {
		fprintf(stderr, "tapir: --compare runs the script itself: -l, -L, -x, -o and -p "
				"do not go with it\n");
		return -1;
	}
	return 0;
}

static int setup(struct cmp_ctx *c, const struct options *o)
{
	ssize_t n = readlink("/proc/self/exe", c->self, sizeof(c->self) - 1);
	int runs = o->compare_runs ? o->compare_runs : COMPARE_DEFAULT_RUNS;

	if (n <= 0) {
		fprintf(stderr, "tapir: --compare: cannot find tapir itself: %s\n", strerror(errno));
		return -1;
	}
	c->self[n] = '\0';
	snprintf(c->tmp, sizeof(c->tmp), "/tmp/tapir-compare-XXXXXX");
	if (!mkdtemp(c->tmp)) {
		fprintf(stderr, "tapir: --compare: cannot create a temporary folder: %s\n",
			strerror(errno));
		return -1;
	}
	setenv("TAPIR_CACHE", c->tmp, 1);
	c->o = o;
	c->defines = calloc((size_t)o->ndefines + 1, sizeof(char *));
	for (int i = 0; c->defines && i < o->ndefines; i++) {
		if (asprintf(&c->defines[i], "%s=%s", o->defines[i].name, o->defines[i].value) < 0)
			c->defines[i] = NULL;
	}
	c->r.runs = runs;
	c->r.script = o->script_text ? o->script_text : o->script_file;
	c->r.workload = o->target_cmd;
	c->r.baseline_ns.v = calloc((size_t)runs + 1, sizeof(double));
	for (int i = 0; i < c->r.nrt; i++) {
		c->r.rt[i].workload_ns.v = calloc((size_t)runs, sizeof(double));
		c->r.rt[i].start_ns.v = calloc((size_t)runs, sizeof(double));
		c->r.rt[i].overhead_ns.v = calloc((size_t)runs, sizeof(double));
	}
	return 0;
}

static void cleanup(struct cmp_ctx *c)
{
	char cmd[128];

	for (int i = 0; c->defines && c->o && i < c->o->ndefines; i++)
		free(c->defines[i]);
	free(c->defines);
	free(c->r.baseline_ns.v);
	for (int i = 0; i < c->r.nrt; i++) {
		free(c->r.rt[i].workload_ns.v);
		free(c->r.rt[i].start_ns.v);
		free(c->r.rt[i].overhead_ns.v);
	}
	if (c->tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "tapir: --compare: could not remove %s\n", c->tmp);
	}
}

int compare_main(const struct options *o)
{
	struct cmp_ctx *c = calloc(1, sizeof(*c));
	int rc = 1;

	if (!c)
		return 1;
	if (check_usage(o) < 0 || pick_runtimes(o, &c->r) < 0 || setup(c, o) < 0)
		goto out;
	for (int i = 0; i < c->r.nrt; i++)
		build(c, &c->r.rt[i]);
	if (rounds(c) < 0)
		goto out;
	overheads(&c->r);
	cmp_judge(&c->r);
	if (o->compare_json)
		cmp_print_json(&c->r, stdout);
	else
		cmp_print_table(&c->r, stdout);
	rc = 0;
	if (o->compare_svg && cmp_write_svg(&c->r, o->compare_svg) < 0)
		rc = 1;
	if (fflush(stdout) != 0)
		rc = 1;
out:
	cleanup(c);
	free(c);
	return rc;
}
