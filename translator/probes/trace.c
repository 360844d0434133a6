/* trace.c - kernel.trace("SUBSYS:NAME"): tracepoints from tracefs and BTF. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"
#include "probes/kfunc_db.h"
#include "probes/tracepoint_db.h"

static const struct probe_pattern patterns[] = {
	{ "kernel.trace(string)", PK_TRACE },
};

/* The trace events of this host's tracefs, their arguments and the types
 * @cast names from the BTF of the kernel the script is for: with -r another
 * kernel, its vmlinux (struct layouts and tracepoint prototypes differ
 * between releases), else the running kernel's. NULL when tracefs can't be
 * read; *why (if not NULL) then says why. Opened once. */
struct tpdb *trace_db(struct elab *e, const char **why)
{
	char vml[PATH_MAX];
	const char *btf;
	int err;

	if (e->tpdb)
		return e->tpdb;
	btf = kfdb_other_vmlinux(e->env->kernel_vr, vml, sizeof(vml));
	err = tpdb_open(&e->tpdb, NULL, btf);
	if (err < 0 && btf) { /* an unreadable vmlinux: the running kernel's BTF */
		tpdb_close(e->tpdb);
		err = tpdb_open(&e->tpdb, NULL, NULL);
	}
	if (err < 0) {
		if (why)
			*why = arena_strdup(e->arena, tpdb_errmsg(e->tpdb));
		tpdb_close(e->tpdb);
		e->tpdb = NULL;
	}
	return e->tpdb;
}

static struct tpdb *open_db(struct elab *e, const struct probe_match *m)
{
	const char *why = NULL;

	if (!trace_db(e, &why)) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "cannot read the kernel's trace events: %s",
			why);
		diag_hint(e->diag, "is tracefs mounted? mount -t tracefs tracefs /sys/kernel/tracing");
	}
	return e->tpdb;
}

static void add_vars(struct elab *e, struct probe_target *t, const struct tpdb_event *ev)
{
	for (int i = 0; i < ev->nr_args; i++) {
		struct ctx_var *v = arena_alloc(e->arena, sizeof(*v));

		v->name = ev->args[i].name;
		v->type_name = ev->args[i].c_type;
		v->type = TYPE_LONG;
		v->btf_id = (int)ev->args[i].btf_id;
		v->src = (int)ev->args[i].src;
		v->index = ev->args[i].index;
		vec_push(e->arena, &t->vars, v);
	}
}

static void suggest(struct elab *e, struct tpdb *db, const char *pattern)
{
	const char *close[3];
	int n = tpdb_suggest(db, pattern, close, 3);

	if (n == 1)
		diag_hint(e->diag, "did you mean \"%s\"?", close[0]);
	else if (n == 2)
		diag_hint(e->diag, "did you mean \"%s\" or \"%s\"?", close[0], close[1]);
	else if (n == 3)
		diag_hint(e->diag, "did you mean \"%s\", \"%s\" or \"%s\"?", close[0], close[1],
			  close[2]);
}

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	const char *pattern = probe_arg_str(e, m, 1);
	const struct tpdb_event **evs = NULL;
	struct tpdb *db;
	int n;

	if (!pattern || !(db = open_db(e, m)))
		return -1;
	if (tpdb_check_pattern(db, pattern) < 0) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "%s", tpdb_errmsg(db));
		return -1;
	}
	n = tpdb_match(db, pattern, &evs);
	if (n < 0) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "%s", tpdb_errmsg(db));
		return -1;
	}
	if (n == 0 && !m->pp->optional) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "no trace event matches \"%s\"", pattern);
		suggest(e, db, pattern);
	}
	for (int i = 0; i < n; i++) {
		struct probe_target *t = probe_target_new(
			e, &probe_trace_provider, m,
			arena_printf(e->arena, "kernel.trace(\"%s\")", evs[i]->full));

		t->data = (void *)evs[i];
		add_vars(e, t, evs[i]);
		vec_push(e->arena, targets, t);
	}
	free(evs);
	return n == 0 && !m->pp->optional ? -1 : 0;
}

const struct provider probe_trace_provider = {
	.family = "kernel.trace",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};

/* The target of the event "SYSTEM:NAME", as kernel.trace("SYSTEM:NAME")
 * resolves it, for a probe pass 2 makes (entry.c); NULL when the event
 * is not in this kernel. */
struct probe_target *trace_target(struct elab *e, const char *system, const char *name,
				  struct loc loc)
{
	const struct tpdb_event *ev;
	struct probe_target *t;

	if (!trace_db(e, NULL))
		return NULL;
	ev = tpdb_lookup(e->tpdb, system, name);
	if (!ev)
		return NULL;
	t = arena_alloc(e->arena, sizeof(*t));
	t->prov = &probe_trace_provider;
	t->kind = PK_TRACE;
	t->name = arena_printf(e->arena, "kernel.trace(\"%s\")", ev->full);
	t->loc = loc;
	t->data = (void *)ev;
	add_vars(e, t, ev);
	return t;
}
