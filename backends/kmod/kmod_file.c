/* kmod_file.c - pass 3 of the kmod backend: the module's C file and Kbuild.
 *
 * prog.c is laid out as: limits and -D defines, the runtime headers, the
 * script's embedded C, globals (with their -G module parameters), frame
 * structs, prototypes, functions, probe handlers, then the session
 * (start: begin probes, arm; stop: disarm, end or error probes) and the
 * module's init and exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod.h"
#include "kmod_uprobe.h"
#include "probes/tracepoint_db.h"
#include "rt_format.h"
#include "rt_stats.h"

/* ---- globals ---------------------------------------------------------------------- */

static void global_hist(struct km_global *g)
{
	const struct ast *h = g->sym->hist;

	if (!h)
		return;
	if (strcmp(h->name, "@hist_log") == 0) {
		g->hist_type = RT_HIST_LOG;
	} else if (h->args.len == 3) {
		const struct ast *a = h->args.items[0], *b = h->args.items[1], *c = h->args.items[2];

		g->hist_type = RT_HIST_LINEAR;
		g->start = a->kind == AST_NUM ? a->num : 0;
		g->stop = b->kind == AST_NUM ? b->num : 0;
		g->interval = c->kind == AST_NUM ? c->num : 0;
	}
}

static void emit_key_struct(struct km_file *f, const struct symbol *s)
{
	sb_printf(&f->decls, "struct k_%s {\n", s->name);
	for (int i = 0; i < s->nkeys; i++)
		sb_printf(&f->decls, s->key_types[i] == TYPE_STRING ?
					     "\tchar k%d[TAPIR_MAXSTRINGLEN];\n" : "\tint64_t k%d;\n", i);
	sb_puts(&f->decls, "};\n");
}

static void emit_array(struct km_file *f, const struct symbol *s)
{
	const struct ast_global *d = s->decl;
	int size = d ? (int)d->max_size : 0;
	const char *vt = s->type == TYPE_STRING ? "TAPIR_V_STR" :
			 s->type == TYPE_STATS ? "TAPIR_V_STAT" : "TAPIR_V_LONG";
	const char *vlen = s->type == TYPE_STRING ? "TAPIR_MAXSTRINGLEN" :
			   s->type == TYPE_STATS ? "sizeof(struct tapir_stat)" : "sizeof(int64_t)";

	emit_key_struct(f, s);
	sb_printf(&f->decls, "static struct tapir_map_desc md_%s = {\n\t.name = \"%s\", .nkeys = %d,\n"
			     "\t.ktype = {", s->name, s->name, s->nkeys);
	for (int i = 0; i < s->nkeys; i++)
		sb_printf(&f->decls, " %d,", s->key_types[i] == TYPE_STRING);
	sb_puts(&f->decls, " },\n\t.koff = {");
	for (int i = 0; i < s->nkeys; i++)
		sb_printf(&f->decls, " offsetof(struct k_%s, k%d),", s->name, i);
	sb_printf(&f->decls, " },\n\t.klen = sizeof(struct k_%s), .vlen = %s, .vtype = %s,\n"
			     "\t.maxentries = %d, .size = %d, .wrap = %d, .sdesc = &sd_%s,\n};\n"
			     "static struct tapir_map *g_%s;\n\n",
		  s->name, vlen, vt, size > 0 ? size : f->o->maxmapentries, size,
		  d && d->wrap ? 1 : 0, s->type == TYPE_STATS ? s->name : "none", s->name);
	sb_printf(&f->init, "\tg_%s = tapir_map_new(&md_%s);\n\tif (!g_%s)\n\t\treturn -ENOMEM;\n",
		  s->name, s->name, s->name);
	if (s->type != TYPE_STATS)
		return;
	/* the CPUs' maps, and the scratch that one key is merged into */
	sb_printf(&f->decls, "static struct tapir_map **pm_%s;\n"
			     "static struct tapir_stat gs_%s __maybe_unused;\n\n",
		  s->name, s->name);
	sb_printf(&f->init, "\tpm_%s = tapir_pmap_new(&md_%s);\n\tif (!tapir_pmap_ok(pm_%s))\n"
			    "\t\treturn -ENOMEM;\n", s->name, s->name, s->name);
}

/* -G NAME=VALUE sets a global of the script through a module parameter
 * named after it; not one of a tapset's, and not one whose name the
 * kernel's headers take for a macro (VM_FAULT_OOM). */
static void emit_param(struct km_file *f, const struct symbol *s)
{
	if (s->from_library)
		return;
	sb_printf(&f->decls, "#ifndef %s\n", s->name);
	if (s->type == TYPE_STRING)
		sb_printf(&f->decls, "module_param_string(%s, g_%s, TAPIR_MAXSTRINGLEN, 0);\n",
			  s->name, s->name);
	else
		sb_printf(&f->decls, "module_param_cb(%s, &tapir_param_s64, &g_%s, 0);\n", s->name,
			  s->name);
	sb_puts(&f->decls, "#endif\n\n");
}

static void emit_scalar(struct km_file *f, const struct symbol *s)
{
	const struct ast *init = s->decl ? s->decl->init : NULL;
	struct arena *a = f->e->arena;

	if (s->type == TYPE_STRING) {
		sb_printf(&f->decls, "static char g_%s[TAPIR_MAXSTRINGLEN] = %s;\n", s->name,
			  km_quote(a, init && init->kind == AST_STR ? init->str : ""));
		emit_param(f, s);
	} else if (s->type == TYPE_STATS) {
		/* the CPUs' parts, and their aggregate */
		sb_printf(&f->decls, "static struct tapir_stat g_%s __maybe_unused;\n"
				     "static struct tapir_stat __percpu *p_%s;\n\n", s->name, s->name);
		sb_printf(&f->init, "\tp_%s = alloc_percpu(struct tapir_stat);\n\tif (!p_%s)\n"
				    "\t\treturn -ENOMEM;\n", s->name, s->name);
	} else {
		long long v = init && init->kind == AST_NUM ? (long long)init->num : 0;

		sb_printf(&f->decls, "static int64_t g_%s = %lldLL;\n", s->name, v);
		emit_param(f, s);
	}
}

static void emit_globals(struct km_file *f)
{
	struct program *p = &f->e->prog;

	sb_puts(&f->decls, "static struct rt_stat_desc sd_none __maybe_unused;\n");
	for (int i = 0; i < p->globals.len; i++) {
		struct symbol *s = p->globals.items[i];
		struct km_global *g = arena_alloc(f->e->arena, sizeof(*g));

		g->sym = s;
		vec_push(f->e->arena, &f->globals, g);
		if (s->type == TYPE_STATS) {
			global_hist(g);
			sb_printf(&f->decls, "static struct rt_stat_desc sd_%s;\n", s->name);
			sb_printf(&f->init, "\tif (rt_stat_desc_init(&sd_%s, %d, %lld, %lld, %lld, &err) < 0) {\n"
					    "\t\tpr_err(\"%%s: %s: %%s\\n\", KBUILD_MODNAME, err);\n"
					    "\t\treturn -EINVAL;\n\t}\n",
				  s->name, g->hist_type, (long long)g->start, (long long)g->stop,
				  (long long)g->interval, s->name);
		}
		if (s->is_array)
			emit_array(f, s);
		else
			emit_scalar(f, s);
	}	km_locks_decls(f);
}

/* ---- probes ------------------------------------------------------------------------- */

static void emit_timer(struct km_file *f, const struct probe_target *t, int id)
{
	sb_printf(&f->probes, "static void probe_%d_timer(struct pt_regs *regs)\n{\n"
			      "\tprobe_%d(regs, NULL);\n}\n"
			      "static struct tapir_timer timer_%d = { .period_ns = %lldULL, "
			      ".randomize_ns = %lldULL, .handler = probe_%d_timer };\n\n",
		  id, id, id, (long long)t->num[0], (long long)t->num[1], id);
	sb_printf(&f->arm, "\trc = rc ? rc : tapir_timer_register(&timer_%d);\n", id);
	sb_printf(&f->disarm, "\ttapir_timer_unregister(&timer_%d);\n", id);
}

static void emit_perf(struct km_file *f, const struct probe_target *t, int id)
{
	bool profile = t->kind == PK_TIMER_PROFILE;

	sb_printf(&f->probes, "static void probe_%d_perf(struct pt_regs *regs)\n{\n"
			      "\tprobe_%d(regs, NULL);\n}\n", id, id);
	if (profile)
		sb_printf(&f->probes, "static struct tapir_perf perf_%d = { .type = PERF_TYPE_SOFTWARE, "
				      ".config = PERF_COUNT_SW_CPU_CLOCK, .period = TICK_NSEC, "
				      ".handler = probe_%d_perf };\n\n", id, id);
	else
		sb_printf(&f->probes, "static struct tapir_perf perf_%d = { .type = %lld, .config = %lldULL, "
				      ".period = %lldULL, .freq = %d, .handler = probe_%d_perf };\n\n",
			  id, (long long)t->num[0], (long long)t->num[1], (long long)t->num[2],
			  t->num[3] ? 1 : 0, id);
	sb_printf(&f->arm, "\trc = rc ? rc : tapir_perf_register(&perf_%d);\n", id);
	sb_printf(&f->disarm, "\ttapir_perf_unregister(&perf_%d);\n", id);
}

/* A tracepoint's probe takes (void *data, TP_PROTO args): each argument
 * is a register-sized value on x86-64, so all are taken as u64. */
static int emit_trace(struct km_file *f, const struct probe_target *t, int id)
{
	const struct tpdb_event *ev = t->data;
	int n;

	if (!ev || !ev->tp_name || !ev->has_btf) {
		diag_at(f->e->diag, DIAG_ERROR, t->loc, "%s: the kmod runtime needs the tracepoint's "
			"prototype from BTF, which this event lacks", t->name);
		return -1;
	}
	n = km_tp_nargs(t);
	if (n > TAPIR_MAXTPARGS) {
		diag_at(f->e->diag, DIAG_ERROR, t->loc, "%s: the kmod runtime takes tracepoints of "
			"up to %d arguments, this one has %d", t->name, TAPIR_MAXTPARGS, n);
		return -1;
	}
	sb_printf(&f->probes, "static void probe_%d_tp(void *data", id);
	for (int i = 0; i < n; i++)
		sb_printf(&f->probes, ", u64 a%d", i);
	sb_puts(&f->probes, ")\n{\n");
	if (ev->kind == TPDB_SYSCALL && ev->syscall_nr >= 0) {
		if (ev->syscall_exit)
			sb_printf(&f->probes, "\tif (((struct pt_regs *)a0)->orig_ax != %d)\n"
					      "\t\treturn;\n", ev->syscall_nr);
		else
			sb_printf(&f->probes, "\tif ((long)a1 != %d)\n\t\treturn;\n",
				  ev->syscall_nr);
	}
	/* a system call's events carry its pt_regs first: the user's
	 * registers, where int_arg() & co. find its arguments */
	sb_printf(&f->probes, "\tprobe_%d(%s", id, ev->kind == TPDB_SYSCALL ? "(struct pt_regs *)a0" : "NULL");
	for (int i = 0; i < n; i++)
		sb_printf(&f->probes, ", a%d", i);
	sb_printf(&f->probes, ");\n}\n"
			      "static struct tapir_tp tp_%d = { .name = \"%s\", .probe = probe_%d_tp };\n\n",
		  id, ev->tp_name, id);
	sb_printf(&f->arm, "\trc = rc ? rc : tapir_tp_register(&tp_%d);\n", id);
	sb_printf(&f->disarm, "\ttapir_tp_unregister(&tp_%d);\n", id);
	return 0;
}

static int cmp_priority(const void *a, const void *b)
{
	const struct derived_probe *x = *(struct derived_probe *const *)a;
	const struct derived_probe *y = *(struct derived_probe *const *)b;

	if (x->target->priority != y->target->priority)
		return x->target->priority < y->target->priority ? -1 : 1;
	return x->index - y->index;
}

static int probe_pos(const struct program *p, const struct derived_probe *dp)
{
	for (int j = 0; j < p->probes.len; j++) {
		if (p->probes.items[j] == dp)
			return j;
	}
	return -1;
}

/* begin, end and error probes by priority, then order: one runner each. */
static void emit_runners(struct km_file *f, struct vec *lists)
{
	static const char *const names[] = { "begin", "end", "error" };

	for (int k = 0; k < 3; k++) {
		struct vec *l = &lists[k];

		if (l->len)
			qsort(l->items, (size_t)l->len, sizeof(void *), cmp_priority);
		sb_printf(&f->probes, "static void tapir_run_%s(void)\n{\n", names[k]);
		for (int i = 0; i < l->len; i++)
			sb_printf(&f->probes, "\tprobe_%d(NULL, NULL);\n",
				  probe_pos(&f->e->prog, l->items[i]));
		sb_puts(&f->probes, "}\n\n");
	}
}

static int emit_probes(struct km_file *f)
{
	struct program *p = &f->e->prog;
	struct vec lists[3] = { { 0 } };
	int rc = 0;

	for (int i = 0; i < p->probes.len; i++) {
		struct derived_probe *dp = p->probes.items[i];
		const struct probe_target *t = dp->target;

		if (t->kind == PK_NEVER)
			continue;
		/* an @entry saver is made before the handler that reads it */
		struct derived_probe *saver = t->kind == PK_KFUNC ? km_entry_saver(f, dp) : NULL;
		bool args = km_emit_handler(f, dp, i);
		int sid = p->probes.len + i;

		if (saver && km_emit_handler(f, saver, sid))
			args = true;
		switch (t->kind) {
		case PK_BEGIN:
		case PK_END:
		case PK_ERROR:
			vec_push(f->e->arena, &lists[t->kind == PK_BEGIN ? 0 : t->kind == PK_END ? 1 : 2],
				 dp);
			break;
		case PK_TIMER:
			emit_timer(f, t, i);
			break;
		case PK_TIMER_PROFILE:
		case PK_PERF:
			emit_perf(f, t, i);
			break;
		case PK_TRACE:
			rc |= emit_trace(f, t, i);
			break;
		case PK_KFUNC:
			rc |= km_emit_kprobe(f, t, i, args, saver ? sid : -1,
					     km_entry_slots(f, dp));
			break;
		case PK_UPROBE:
		case PK_URETPROBE:
			rc |= km_uprobe_emit(f, dp, i);
			break;
		case PK_PROCFS_READ:
		case PK_PROCFS_WRITE:
			break; /* km_procfs_emit, after the loop */
		default:
			diag_at(f->e->diag, DIAG_ERROR, t->loc, "probe point '%s' is not supported on "
				"the kmod runtime yet", t->name);
			rc = -1;
		}
	}
	km_procfs_emit(f);
	emit_runners(f, lists);
	return rc;
}

/* ---- the module ------------------------------------------------------------------------ */

static void emit_formats(struct km_file *f, struct strbuf *out)
{
	int n = f->fmts.len;

	sb_printf(out, "static struct rt_fmt tapir_fmt[%d] __maybe_unused;\n", n ? n : 1);
	for (int i = 0; i < n; i++) {
		const char *s = f->fmts.items[i];
		struct rt_fmt_error err;
		int nd = rt_fmt_parse(s, strlen(s), NULL, 0, &err);

		sb_printf(out, "static struct rt_fmt_dir tapir_fmt_dirs%d[%d];\n", i, nd > 0 ? nd : 1);
		sb_printf(&f->init, "\tif (rt_fmt_compile(&tapir_fmt[%d], %s, %zu, tapir_fmt_dirs%d, %d, &ferr) < 0)\n"
				    "\t\treturn -EINVAL;\n",
			  i, km_quote(f->e->arena, s), strlen(s), i, nd > 0 ? nd : 1);
	}
}

static const char session_c[] =
	"static int tapir_start(void)\n{\n\tint rc = 0;\n\n"
	"\tatomic_set(&tapir_session, TAPIR_STARTING);\n\ttapir_run_begin();\n"
	"\tif (atomic_cmpxchg(&tapir_session, TAPIR_STARTING, TAPIR_RUNNING) != TAPIR_STARTING)\n"
	"\t\treturn 0;\n\trc = tapir_arm();\n\tif (rc) {\n"
	"\t\tchar msg[96];\n\t\tint n = scnprintf(msg, sizeof(msg), \"ERROR: cannot arm the probes (errno %d)\\n\", -rc);\n\n"
	"\t\ttapir_ring_write(TAPIR_REC_ERR, msg, n);\n\t\tatomic_inc(&tapir_nerrors);\n"
	"\t\tatomic_set(&tapir_session, TAPIR_ERRORED);\n\t\ttapir_ring_write(TAPIR_REC_EXIT, NULL, 0);\n\t}\n"
	"\treturn 0;\n}\n\n"
	"static void tapir_stop(void)\n{\n\tint s;\n\tchar status;\n\n"
	"\tmutex_lock(&tapir_stop_mutex);\n\ttapir_skip_report();\n\ts = atomic_read(&tapir_session);\n"
	"\tif (s == TAPIR_DONE || s == TAPIR_LOADED) {\n\t\tmutex_unlock(&tapir_stop_mutex);\n\t\treturn;\n\t}\n"
	"\tif (s == TAPIR_RUNNING || s == TAPIR_STARTING)\n"
	"\t\tatomic_cmpxchg(&tapir_session, s, TAPIR_STOPPING);\n"
	"\ttapir_disarm();\n"
	"\tif (atomic_read(&tapir_session) == TAPIR_STOPPING)\n\t\ttapir_run_end();\n"
	"\tif (atomic_read(&tapir_session) == TAPIR_ERRORED)\n\t\ttapir_run_error();\n"
	"\tatomic_set(&tapir_session, TAPIR_DONE);\n"
	"\tstatus = atomic_read(&tapir_nerrors) ? 1 : 0;\n"
	"\ttapir_ring_write(TAPIR_REC_DONE, &status, 1);\n\tmutex_unlock(&tapir_stop_mutex);\n}\n\n";

static void emit_module(struct km_file *f, struct strbuf *out)
{
	struct program *p = &f->e->prog;

	sb_puts(out, "static DEFINE_MUTEX(tapir_stop_mutex);\n\n");
	km_kprobe_arm_end(f, &f->arm);
	sb_printf(out, "static int tapir_arm(void)\n{\n\tint rc = 0;\n%s\n%s\treturn rc;\n}\n\n",
		  f->nkprobes ? "\tint nkprobes = 0;\n" : "", f->arm.data ? f->arm.data : "");
	sb_printf(out, "static void tapir_disarm(void)\n{\n%s\ttracepoint_synchronize_unregister();\n}\n\n",
		  f->disarm.data ? f->disarm.data : "");
	sb_puts(out, session_c);
	sb_printf(out, "static void tapir_cleanup(void)\n{\n\ttapir_stop();\n\ttapir_transport_exit();\n"
		  "\ttapir_ctxs_free();\n%s", km_timing_cleanup(f));
	for (int i = 0; i < p->globals.len; i++) {
		const struct symbol *s = p->globals.items[i];

		if (s->is_array)
			sb_printf(out, "\ttapir_map_free(g_%s);\n", s->name);
		if (s->is_array && s->type == TYPE_STATS)
			sb_printf(out, "\ttapir_pmap_free(pm_%s);\n", s->name);
		else if (s->type == TYPE_STATS)
			sb_printf(out, "\tfree_percpu(p_%s);\n", s->name);
	}
	sb_puts(out, "}\n\n");
	sb_printf(out, "static int tapir_setup(void)\n{\n\tconst char *err = NULL;\n"
		  "\tstruct rt_fmt_error ferr;\n\n\t(void)err;\n\t(void)ferr;\n"
		  "\tif (tapir_ctxs_alloc() || tapir_transport_init())\n\t\treturn -ENOMEM;\n%s"
		  "\treturn 0;\n}\n\n", f->init.data ? f->init.data : "");
	sb_puts(out, "static int __init tapir_init(void)\n{\n\tint rc = tapir_setup();\n\n"
		     "\tif (rc)\n\t\ttapir_cleanup();\n\treturn rc;\n}\n\n"
		     "static void __exit tapir_exit(void)\n{\n\ttapir_cleanup();\n}\n\n"
		     "module_init(tapir_init);\nmodule_exit(tapir_exit);\n"
		     "MODULE_LICENSE(\"GPL\");\nMODULE_DESCRIPTION(\"tapir script\");\n");
	for (int i = 0; i < f->o->nmodinfo; i++) {
		const char *m = f->o->modinfo[i], *eq = strchr(m, '=');

		sb_printf(out, "MODULE_INFO(%.*s, %s);\n", (int)(eq - m), m,
			  km_quote(f->e->arena, eq + 1));
	}
}

static void emit_prelude(struct km_file *f, struct strbuf *out)
{
	const struct kmod_opts *o = f->o;

	sb_puts(out, "/* Generated by tapir: a SystemTap script as a kernel module. */\n");
	for (int i = 0; i < o->ndefines; i++)
		sb_printf(out, "#define %s\n", o->defines[i]);
	sb_printf(out, "#define TAPIR_MAXSTRINGLEN %d\n#define TAPIR_MAXACTION %d\n"
		       "#define TAPIR_MAXNESTING %d\n#define TAPIR_MAXERRORS %d\n"
		       "#define TAPIR_MAXSKIPPED %d\n",
		  o->maxstringlen, o->maxaction, o->maxnesting, o->maxerrors, o->maxskipped);
	if (o->bufsize_mb)
		sb_printf(out, "#define TAPIR_BUFSIZE (%d * 1024 * 1024)\n", o->bufsize_mb);
	sb_puts(out, "#include \"tapir_kmod.h\"\n#include \"tapir_map.h\"\n"
		     "#include \"tapir_transport.h\"\n#include \"tapir_probes.h\"\n"
		     "#include \"tapir_uprobe.h\"\n#include \"tapir_procfs.h\"\n"
		     "#include \"tapir_usyms.h\"\n\n");
	km_usyms_extra(f);
	km_usyms_emit(f, out);
	if (f->uses_types)
		sb_puts(out, "#include \"tapir_ktypes.h\"\n\n");
	for (int i = 0; i < f->e->prog.embeds.len; i++) {
		const struct ast_decl *d = f->e->prog.embeds.items[i];

		if (d->loc.src)
			sb_printf(out, "/* %s:%d */\n", d->loc.src->name, d->loc.line);
		sb_printf(out, "%s\n", d->embedded ? d->embedded : "");
	}
	sb_puts(out, "\n");
}

static int write_file(struct diag_ctx *d, const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
		diag_plain(d, DIAG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		if (fp)
			fclose(fp);
		return -1;
	}
	return 0;
}

int kmod_emit(struct elab *e, const struct kmod_opts *o, const char *dir)
{
	struct km_file f = { .e = e, .o = o };
	struct strbuf out = { 0 };
	int rc;

	emit_globals(&f);
	rc = emit_probes(&f);
	emit_prelude(&f, &out);
	km_timing_decls(&f, &out);
	sb_puts(&out, f.decls.data ? f.decls.data : "");
	emit_formats(&f, &out);
	sb_puts(&out, "\n");
	sb_puts(&out, f.protos.data ? f.protos.data : "");
	sb_puts(&out, "\n");
	sb_puts(&out, f.funcs.data ? f.funcs.data : "");
	sb_puts(&out, f.probes.data ? f.probes.data : "");
	emit_module(&f, &out);
	if (rc == 0 && !f.failed) {
		rc = write_file(e->diag, arena_printf(e->arena, "%s/prog.c", dir), out.data);
	} else {
		rc = -1;
	}
	sb_free(&out);
	sb_free(&f.decls);
	sb_free(&f.protos);
	sb_free(&f.funcs);
	sb_free(&f.probes);
	sb_free(&f.init);
	sb_free(&f.arm);
	sb_free(&f.disarm);
	return rc;
}
