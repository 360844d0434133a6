/* kfunc.c - kernel.function("NAME"), module("M").function("NAME"),
 * kprobe.function("NAME") and kprobe.statement(ADDR).absolute: kernel
 * functions from BTF and /proc/kallsyms (probes/kfunc_db.h). The backend
 * picks how to attach (fentry/fexit, else kprobe/kretprobe). */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/kfunc.h"
#include "probes/kfunc_db.h"

#define R KF_RETURN
#define X KF_EXPORTED
#define U KF_UNTYPED
#define M KF_MODULE

/* Each pattern's KF_* flags, by its index. */
static const int pattern_flags[] = {
	0, 0, R, X, X, X | R, X | R,
	M, M, M | R,
	U, U, U | R, U | M, U | M, U | M | R,
	U | KF_ABSOLUTE,
};

#undef R
#undef X
#undef U
#undef M

static const struct probe_pattern patterns[] = {
	{ "kernel.function(string)", PK_KFUNC },
	{ "kernel.function(string).call", PK_KFUNC },
	{ "kernel.function(string).return", PK_KFUNC },
	{ "kernel.function(string).exported", PK_KFUNC },
	{ "kernel.function(string).call.exported", PK_KFUNC },
	{ "kernel.function(string).return.exported", PK_KFUNC },
	{ "kernel.function(string).exported.return", PK_KFUNC },
	{ "module(string).function(string)", PK_KFUNC },
	{ "module(string).function(string).call", PK_KFUNC },
	{ "module(string).function(string).return", PK_KFUNC },
	{ "kprobe.function(string)", PK_KFUNC },
	{ "kprobe.function(string).call", PK_KFUNC },
	{ "kprobe.function(string).return", PK_KFUNC },
	{ "kprobe.module(string).function(string)", PK_KFUNC },
	{ "kprobe.module(string).function(string).call", PK_KFUNC },
	{ "kprobe.module(string).function(string).return", PK_KFUNC },
	{ "kprobe.statement(number).absolute", PK_KFUNC },
};

/* What one probe point asked for. */
struct kf_req {
	const struct probe_match *m;
	int flags;
	const char *module;   /* NULL: vmlinux */
	const char *pattern;  /* the function name or glob */
	bool glob;
};

static struct kfdb *open_db(struct elab *e, const struct probe_match *m)
{
	if (e->kfdb)
		return e->kfdb;
	if (kfdb_open(&e->kfdb, e->env->kernel_vr) < 0) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "cannot read the kernel's functions: %s",
			kfdb_errmsg(e->kfdb));
		kfdb_close(e->kfdb);
		e->kfdb = NULL;
	}
	return e->kfdb;
}

static const char *family(int flags)
{
	if (flags & KF_UNTYPED)
		return flags & KF_MODULE ? "kprobe.module" : "kprobe.function";
	return flags & KF_MODULE ? "module" : "kernel.function";
}

/* The canonical point: kernel.function("vfs_read").return */
static const char *point_name(struct elab *e, const struct kf_req *rq, const char *fn)
{
	const char *suffix = rq->flags & KF_RETURN ? ".return" : "";
	const char *exp = rq->flags & KF_EXPORTED ? ".exported" : "";

	if (rq->flags & KF_MODULE)
		return arena_printf(e->arena, "%smodule(\"%s\").function(\"%s\")%s",
				    rq->flags & KF_UNTYPED ? "kprobe." : "", rq->module, fn, suffix);
	return arena_printf(e->arena, "%s.function(\"%s\")%s%s",
			    rq->flags & KF_UNTYPED ? "kprobe" : "kernel", fn, exp, suffix);
}

static void suggest(struct elab *e, struct kfdb *db, const struct kf_req *rq)
{
	const char *close[3];
	int n = kfdb_suggest(db, rq->module, rq->pattern, close, 3);

	if (n == 1)
		diag_hint(e->diag, "did you mean \"%s\"?", close[0]);
	else if (n == 2)
		diag_hint(e->diag, "did you mean \"%s\" or \"%s\"?", close[0], close[1]);
	else if (n == 3)
		diag_hint(e->diag, "did you mean \"%s\", \"%s\" or \"%s\"?", close[0], close[1],
			  close[2]);
}

/* "func@file", "func:line", "func+off" need the kernel's DWARF. */
static bool check_pattern(struct elab *e, const struct kf_req *rq)
{
	size_t n = strcspn(rq->pattern, "@:+");

	if (!rq->pattern[n])
		return true;
	diag_at(e->diag, DIAG_ERROR, rq->m->pp->loc,
		"'%s' in \"%s\" needs the kernel's DWARF debuginfo, which tapir does not read: "
		"BTF and kallsyms know functions, not their source files or lines",
		rq->pattern + n, rq->pattern);
	diag_hint(e->diag, "name the function alone: \"%.*s\"", (int)n, rq->pattern);
	return false;
}

/* Why f can't be probed, or NULL. */
static const char *unusable(struct kfdb *db, const struct kf_req *rq, const struct kfdb_func *f)
{
	if (!f->in_kallsyms)
		return "it is in BTF but not a symbol of the running kernel: the compiler inlined "
		       "it everywhere (or renamed it, as NAME.isra.0)";
	if (f->init)
		return "it is __init code, freed once the kernel has booted";
	if (!f->traceable)
		return "it is not in available_filter_functions: the function is notrace";
	if ((rq->flags & KF_EXPORTED) && !f->exported)
		return kfdb_has_exports(db) ? "it is not exported" :
					      "this kernel exports no symbols (no __ksymtab_ "
					      "entries in /proc/kallsyms)";
	return NULL;
}

static struct probe_target *make_target(struct elab *e, const struct kf_req *rq,
					const struct kfdb_func *f)
{
	struct probe_target *t = probe_target_new(e, &probe_kfunc_provider, rq->m,
						  point_name(e, rq, f->name));

	t->str[0] = f->name;
	t->str[1] = rq->module;
	t->num[0] = (rq->flags & KF_RETURN) != 0;
	t->num[3] = rq->flags;
	t->data = (void *)f;
	/* a symbol BTF does not know: probed by kprobe, without $vars */
	if ((rq->flags & KF_UNTYPED) || !f->btf) {
		t->num[1] = -1;
		t->num[3] |= KF_UNTYPED;
	} else {
		kfunc_add_vars(e, t, f, rq->flags & KF_RETURN);
	}
	return t;
}

static void verbose_note(struct elab *e, struct kfdb *db, const struct kf_req *rq, int n,
			 int skipped)
{
	if (e->opt.verbose <= 0)
		return;
	fprintf(stderr, "%s(\"%s\"): %d function%s (%d skipped: inlined, notrace%s) from %s\n",
		family(rq->flags), rq->pattern, n, n == 1 ? "" : "s", skipped,
		rq->flags & KF_EXPORTED ? " or not exported" : "", kfdb_sources(db));
}

/* The matches of rq onto targets; explicit names that can't be probed are
 * errors (unless '?'), wildcard matches that can't are left out. */
static int add_matches(struct elab *e, struct kfdb *db, const struct kf_req *rq,
		       const struct kfdb_func **fs, int n, struct vec *targets)
{
	int added = 0, skipped = 0;
	const char *why = NULL;

	for (int i = 0; i < n; i++) {
		const char *w = unusable(db, rq, fs[i]);

		if (w) {
			skipped++;
			why = w;
			continue;
		}
		vec_push(e->arena, targets, make_target(e, rq, fs[i]));
		added++;
	}
	verbose_note(e, db, rq, added, skipped);
	if (added || rq->m->pp->optional)
		return 0;
	if (!rq->glob && why)
		diag_at(e->diag, DIAG_ERROR, rq->m->pp->loc, "cannot probe kernel function '%s': %s",
			rq->pattern, why);
	else
		diag_at(e->diag, DIAG_ERROR, rq->m->pp->loc,
			"no probeable kernel function matches \"%s\" (%d matched, none can be "
			"probed: the last because %s)",
			rq->pattern, n, why ? why : "?");
	return -1;
}

static int resolve_absolute(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	int64_t addr;
	struct probe_target *t;

	if (!probe_arg_num(e, m, 1, &addr))
		return -1;
	if (!e->opt.guru) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc,
			"kprobe.statement(ADDRESS).absolute needs guru mode");
		diag_hint(e->diag, "run with -g: the address is not checked");
		return -1;
	}
	t = probe_target_new(e, &probe_kfunc_provider, m,
			     arena_printf(e->arena, "kprobe.statement(0x%llx).absolute",
					  (unsigned long long)addr));
	t->num[1] = -1;
	t->num[2] = addr;
	t->num[3] = KF_UNTYPED | KF_ABSOLUTE;
	vec_push(e->arena, targets, t);
	return 0;
}

static bool read_request(struct elab *e, const struct probe_match *m, struct kf_req *rq)
{
	int fi = (rq->flags & KF_MODULE) ? ((rq->flags & KF_UNTYPED) ? 2 : 1) : 1;

	if (rq->flags & KF_MODULE) {
		if (!(rq->module = probe_arg_str(e, m, fi - 1)))
			return false;
	}
	if (!(rq->pattern = probe_arg_str(e, m, fi)))
		return false;
	rq->glob = strpbrk(rq->pattern, "*?[") != NULL;
	return check_pattern(e, rq);
}

/* The functions of one module (or vmlinux) that rq names. */
static int resolve_in(struct elab *e, struct kfdb *db, const struct kf_req *rq,
		      struct vec *targets)
{
	const struct probe_match *m = rq->m;
	const struct kfdb_func **fs = NULL;
	int n = kfdb_match(db, rq->module, rq->pattern, true, &fs), rc;

	if (n < 0) {
		if (m->pp->optional)
			return 0;
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "%s", kfdb_errmsg(db));
		return -1;
	}
	if (n == 0) {
		free(fs);
		if (m->pp->optional)
			return 0;
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "no kernel function matches \"%s\"%s",
			rq->pattern,
			rq->module ? arena_printf(e->arena, " in module '%s'", rq->module) : "");
		suggest(e, db, rq);
		return -1;
	}
	rc = add_matches(e, db, rq, fs, n, targets);
	free(fs);
	return rc;
}

/* module("dccp*"): each loaded module with BTF whose name matches. */
static int resolve_modules(struct elab *e, struct kfdb *db, struct kf_req *rq,
			   struct vec *targets)
{
	const char *glob = rq->module;
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *de;
	int found = 0, rc = 0;

	while (d && (de = readdir(d)) && rc == 0) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "vmlinux") == 0 ||
		    fnmatch(glob, de->d_name, 0) != 0)
			continue;
		rq->module = arena_strdup(e->arena, de->d_name);
		rc = resolve_in(e, db, rq, targets);
		found++;
	}
	if (d)
		closedir(d);
	rq->module = glob;
	if (found || rc < 0 || rq->m->pp->optional)
		return rc;
	diag_at(e->diag, DIAG_ERROR, rq->m->pp->loc,
		"no loaded module matches \"%s\" (modules with BTF are in /sys/kernel/btf)", glob);
	return -1;
}

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	struct kf_req rq = { .m = m, .flags = pattern_flags[m->pattern - patterns] };
	struct kfdb *db;

	if (rq.flags & KF_ABSOLUTE)
		return resolve_absolute(e, m, targets);
	if (!read_request(e, m, &rq) || !(db = open_db(e, m)))
		return -1;
	if (rq.module && strpbrk(rq.module, "*?["))
		return resolve_modules(e, db, &rq, targets);
	return resolve_in(e, db, &rq, targets);
}

const struct provider probe_kfunc_provider = {
	.family = "kernel.function",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};
