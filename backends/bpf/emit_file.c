/* emit_file.c - the two generated files of a BPF-backend program:
 * prog.bpf.c (globals, maps, one BPF program per kernel probe) and
 * prog.user.c (begin/end/error probes and the description the executor
 * runs, see runtime/bpf/tapir_rt.h). */
#include <errno.h>
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"
#include "probes/tracepoint_db.h"
#include "rt_stats.h"

/* ---- globals: which are maps, which statistics, which histogram -------- */

static void scan_hist(struct em_file *f, struct ast *n);

static void scan_vec(struct em_file *f, struct vec *v)
{
	for (int i = 0; i < v->len; i++)
		scan_hist(f, v->items[i]);
}

/* Record the histogram kind each statistic is printed with. */
static void scan_hist(struct em_file *f, struct ast *n)
{
	if (!n)
		return;
	if (n->kind == AST_STAT_OP && strcmp(n->name, "@variance") == 0) {
		struct ast *x = n->lhs;
		const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
		struct em_global *g = s ? em_global_of(f, s) : NULL;

		if (g) {
			g->variance = true;
			if (n->args.len && ((struct ast *)n->args.items[0])->kind == AST_NUM)
				g->shift = (int)((struct ast *)n->args.items[0])->num;
		}
	}
	if (n->kind == AST_HIST) {
		struct ast *x = n->lhs;
		const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
		struct em_global *g = s ? em_global_of(f, s) : NULL;

		if (g && strcmp(n->name, "@hist_log") == 0) {
			g->hist_type = RT_HIST_LOG;
		} else if (g && n->args.len == 3) {
			const struct ast *a = n->args.items[0], *b = n->args.items[1],
					 *c = n->args.items[2];

			if (a->kind != AST_NUM || b->kind != AST_NUM || c->kind != AST_NUM) {
				diag_at(f->e->diag, DIAG_ERROR, n->loc,
					"@hist_linear needs number literals for its range");
				f->failed = true;
			}
			g->hist_type = RT_HIST_LINEAR;
			g->start = (int)a->num;
			g->stop = (int)b->num;
			g->interval = (int)c->num;
		}
	}
	scan_hist(f, n->lhs);
	scan_hist(f, n->rhs);
	scan_hist(f, n->cond);
	scan_hist(f, n->then);
	scan_hist(f, n->els);
	scan_hist(f, n->init);
	scan_hist(f, n->inc);
	scan_hist(f, n->body);
	scan_vec(f, &n->args);
	if (n->fe)
		scan_hist(f, n->fe->array);
}

static void collect_globals(struct em_file *f)
{
	struct program *p = &f->e->prog;

	for (int i = 0; i < p->globals.len; i++) {
		struct em_global *g = arena_alloc(f->e->arena, sizeof(*g));

		g->sym = p->globals.items[i];
		g->map_index = g->stat_index = -1;
		vec_push(f->e->arena, &f->globals, g);
	}
	for (int i = 0; i < p->probes.len; i++)
		scan_hist(f, ((struct derived_probe *)p->probes.items[i])->body);
	for (int i = 0; i < p->functions.len; i++) {
		const struct func *fn = p->functions.items[i];

		scan_hist(f, fn->decl->body);
		if (fn->decl->embedded && strstr(fn->decl->embedded, "CONTEXT"))
			f->uses_context = true;
	}
	for (int i = 0; i < f->globals.len; i++) {
		struct em_global *g = f->globals.items[i];
		struct rt_stat_desc d;
		const char *err = NULL;

		if (g->sym->is_array || g->sym->type == TYPE_STATS) {
			g->map_index = f->map_names.len;
			vec_push(f->e->arena, &f->map_names,
				 arena_printf(f->e->arena, "m_%s", g->sym->name));
		}
		if (g->sym->type != TYPE_STATS)
			continue;
		g->stat_index = f->nstat++;
		if (rt_stat_desc_init(&d, (enum rt_hist_type)g->hist_type, g->start, g->stop,
				      g->interval, &err) < 0) {
			diag_at(f->e->diag, DIAG_ERROR, g->sym->loc, "statistic '%s': %s",
				g->sym->name, err ? err : "bad histogram");
			f->failed = true;
		}
		g->buckets = d.buckets;
	}
}

/* ---- declarations both sides share --------------------------------------- */

/* "s64 name;" or "char name[TAPIR_MAXSTRINGLEN];" */
static void field_decl(struct strbuf *out, enum ast_type t, const char *name)
{
	if (t == TYPE_STRING)
		sb_printf(out, "\tchar %s[TAPIR_MAXSTRINGLEN];\n", name);
	else
		sb_printf(out, "\ts64 %s;\n", name);
}

static void emit_stat_types(struct em_file *f, struct strbuf *out)
{
	for (int i = 0; i < f->globals.len; i++) {
		const struct em_global *g = f->globals.items[i];

		if (g->sym->type != TYPE_STATS)
			continue;
		if (g->buckets > 0)
			sb_printf(out, "struct sv_%s {\n\tstruct tapir_stat st;\n\ts64 hist[%d];\n};\n\n",
				  g->sym->name, g->buckets);
		else
			sb_printf(out, "struct sv_%s {\n\tstruct tapir_stat st;\n};\n\n", g->sym->name);
	}
}

/* The globals and key types; the user side also gets struct tapir_str,
 * which the kernel side has from tapir.bpf.h. */
static void emit_shared_types(struct em_file *f, struct strbuf *out, bool user)
{
	if (user)
		sb_puts(out, "struct tapir_str { char s[TAPIR_MAXSTRINGLEN]; };\n\n");
	sb_puts(out, "struct tapir_globals {\n\tstruct tapir_state st;\n");
	for (int i = 0; i < f->globals.len; i++) {
		const struct symbol *s = ((struct em_global *)f->globals.items[i])->sym;
		char field[256];

		if (s->is_array || s->type == TYPE_STATS)
			continue;
		snprintf(field, sizeof(field), "g_%s", s->name);
		field_decl(out, s->type, field);
	}
	sb_puts(out, "};\n\n");
	for (int i = 0; i < f->globals.len; i++) {
		const struct em_global *g = f->globals.items[i];
		const struct symbol *s = g->sym;

		if (s->is_array) {
			sb_printf(out, "struct k_%s {\n", s->name);
			for (int k = 0; k < s->nkeys; k++) {
				char field[16];

				snprintf(field, sizeof(field), "k%d", k);
				field_decl(out, s->key_types[k], field);
			}
			sb_puts(out, "};\n\n");
		}
	}
	if (user)
		emit_stat_types(f, out);
}

/* ---- kernel side ------------------------------------------------------------ */

static const char *value_type(const struct symbol *s)
{
	return s->type == TYPE_STRING ? "struct tapir_str" : "s64";
}

static bool is_wrap(const struct symbol *s)
{
	return s->decl && s->decl->wrap;
}

/* A % array is an LRU hash: when full, an update replaces the entry
 * used least recently, and never overflows. */
static const char *map_type_of(const struct symbol *s)
{
	return is_wrap(s) ? "BPF_MAP_TYPE_LRU_HASH" : "BPF_MAP_TYPE_HASH";
}

static void emit_kern_stat_map(struct em_file *f, const struct em_global *g, int entries)
{
	const struct symbol *s = g->sym;
	struct strbuf *o = &f->kern_decls;
	bool scalar = !s->is_array;

	sb_printf(o, "struct {\n\t__uint(type, %s);\n\t__uint(max_entries, %d);\n"
		     "\t__type(key, %s);\n\t__type(value, struct sv_%s);\n} m_%s SEC(\".maps\");\n"
		     "static const struct sv_%s sv_%s_zero;\n\n",
		  scalar ? "BPF_MAP_TYPE_PERCPU_ARRAY" : "BPF_MAP_TYPE_PERCPU_HASH",
		  scalar ? 1 : entries, scalar ? "u32" : arena_printf(f->e->arena, "struct k_%s", s->name),
		  s->name, s->name, s->name, s->name);
	sb_printf(o, "static __attribute__((always_inline)) inline int add_%s(const void *k, s64 v)\n{\n"
		     "\tstruct sv_%s *p = bpf_map_lookup_elem(&m_%s, k);\n\n"
		     "\tif (!p) {\n\t\tif (bpf_map_update_elem(&m_%s, k, &sv_%s_zero, BPF_NOEXIST) < 0 &&\n"
		     "\t\t    !bpf_map_lookup_elem(&m_%s, k)) {\n"
		     "\t\t\treturn -1;\n\t\t}\n"
		     "\t\tp = bpf_map_lookup_elem(&m_%s, k);\n\t\tif (!p)\n\t\t\treturn 0;\n\t}\n"
		     "\tTAPIR_STAT_ADD(p, %d, %d, %d, %d, %d, %d, %s, v);\n\treturn 0;\n}\n\n",
		  s->name, s->name, s->name, s->name, s->name, s->name, s->name,
		  g->hist_type, g->start, g->stop, g->interval, g->buckets, g->shift,
		  g->variance ? "true" : "false");
	if (scalar)
		return;
	sb_printf(o, "static __attribute__((always_inline)) inline int has_%s(const struct k_%s *k)\n{\n"
		     "\treturn bpf_map_lookup_elem(&m_%s, k) != NULL;\n}\n\n"
		     "static __attribute__((always_inline)) inline void del_%s(const struct k_%s *k)\n{\n"
		     "\tbpf_map_delete_elem(&m_%s, k);\n}\n\n",
		  s->name, s->name, s->name, s->name, s->name, s->name);
}

/* set_X and add_X return -1 when the array is full: the caller raises
 * the overflow error (emit_expr.c). */
static void emit_kern_map(struct em_file *f, const struct em_global *g)
{
	const struct symbol *s = g->sym;
	struct strbuf *o = &f->kern_decls;
	int entries = s->decl && s->decl->max_size > 0 ? (int)s->decl->max_size : f->o->maxmapentries;
	if (s->type == TYPE_STATS) {
		emit_kern_stat_map(f, g, entries);
		return;
	}
	sb_printf(o, "struct {\n\t__uint(type, %s);\n\t__uint(max_entries, %d);\n"
		     "\t__type(key, struct k_%s);\n\t__type(value, %s);\n} m_%s SEC(\".maps\");\n\n",
		  map_type_of(s), entries, s->name, value_type(s), s->name);
	sb_printf(o, "static __attribute__((always_inline)) inline int get_%s(const struct k_%s *k, %s *out)\n{\n"
		     "\t%s *v = bpf_map_lookup_elem(&m_%s, k);\n\n"
		     "\tif (!v) {\n\t\tTAPIR_ZERO(out, sizeof(*out));\n\t\treturn -1;\n\t}\n"
		     "\tTAPIR_COPY(out, v, sizeof(*out));\n\treturn 0;\n}\n\n",
		  s->name, s->name, value_type(s), value_type(s), s->name);
	sb_printf(o, "static __attribute__((always_inline)) inline int set_%s(const struct k_%s *k, const %s *v)\n{\n"
		     "\treturn bpf_map_update_elem(&m_%s, k, v, BPF_ANY) < 0 ? -1 : 0;\n}\n\n",
		  s->name, s->name, value_type(s), s->name);
	if (s->type == TYPE_LONG)
		sb_printf(o, "static __attribute__((always_inline)) inline int add_%s(const struct k_%s *k, s64 d, s64 *old)\n{\n"
			     "\ts64 *v = bpf_map_lookup_elem(&m_%s, k);\n\n"
			     "\t*old = 0;\n"
			     "\tif (v) {\n\t\t*old = __sync_fetch_and_add(v, d);\n\t\treturn 0;\n\t}\n"
			     "\tif (bpf_map_update_elem(&m_%s, k, &d, BPF_NOEXIST) == 0)\n\t\treturn 0;\n"
			     "\tv = bpf_map_lookup_elem(&m_%s, k);\n"
			     "\tif (v) {\n\t\t*old = __sync_fetch_and_add(v, d);\n\t\treturn 0;\n\t}\n"
			     "\treturn -1;\n}\n\n",
			  s->name, s->name, s->name, s->name, s->name);
	sb_printf(o, "static __attribute__((always_inline)) inline int has_%s(const struct k_%s *k)\n{\n"
		     "\treturn bpf_map_lookup_elem(&m_%s, k) != NULL;\n}\n\n"
		     "static __attribute__((always_inline)) inline void del_%s(const struct k_%s *k)\n{\n"
		     "\tbpf_map_delete_elem(&m_%s, k);\n}\n\n",
		  s->name, s->name, s->name, s->name, s->name, s->name);
}

static const char *section_of(struct em_file *f, const struct probe_target *t)
{
	if (t->kind == PK_TRACE) {
		const struct tpdb_event *ev = t->data;

		return arena_printf(f->e->arena, "tp_btf/%s", ev->tp_name);
	}
	if (bpf_is_uprobe(t))
		return bpf_uprobe_section(t);
	return "perf_event";
}

/* syscalls:sys_{enter,exit}_X run on sys_enter/sys_exit: keep only X. */
static void emit_filter(struct em *m, const struct probe_target *t)
{
	const struct tpdb_event *ev = t->data;

	if (t->kind != PK_TRACE || ev->kind != TPDB_SYSCALL)
		return;
	if (ev->syscall_exit)
		em_line(m, "if (((struct pt_regs *)ctx[0])->orig_ax != %d) return 0;", ev->syscall_nr);
	else
		em_line(m, "if ((long)ctx[1] != %d) return 0;", ev->syscall_nr);
}

static void frame_locals(struct em *m, const struct vec *locals)
{
	for (int i = 0; i < locals->len; i++) {
		const struct symbol *s = locals->items[i];

		if (s->type == TYPE_STRING)
			sb_printf(&m->frame, "\tchar l_%s[TAPIR_MAXSTRINGLEN];\n", s->name);
		else if (m->user || m->longs_in_frame)
			sb_printf(&m->frame, "\ts64 l_%s;\n", s->name);
		else
			sb_printf(&m->cvars, "\ts64 l_%s = 0;\n", s->name);
	}
}

static const char *kprobe_attach(struct em_file *f, const struct probe_target *t, int idx)
{
	struct arena *a = f->e->arena;
	const char *q = arena_printf(a, "\"%s\"", t->name);

	for (char *p = (char *)q + 1; p[1]; p++) {
		if (*p == '"')
			*p = '\'';
	}
	if (bpf_is_uprobe(t))
		return bpf_uprobe_attach(f, t, idx, q);
	switch (t->kind) {
	case PK_KFUNC:
		return em_kfunc_attach(f, t, idx);
	case PK_TRACE:
		return arena_printf(a, "{ \"probe_%d\", TAPIR_ATTACH_TP_BTF, \"%s\", { 0 }, %s }", idx,
				    ((const struct tpdb_event *)t->data)->tp_name, q);
	case PK_TIMER:
		return arena_printf(a, "{ \"probe_%d\", TAPIR_ATTACH_TIMER, NULL, { %lldLL, %lldLL }, %s }",
				    idx, (long long)t->num[0], (long long)t->num[1], q);
	case PK_TIMER_PROFILE:
		return arena_printf(a, "{ \"probe_%d\", TAPIR_ATTACH_PROFILE, NULL, { %lldLL }, %s }",
				    idx, 1000000000LL / 250, q);
	default:
		return arena_printf(a, "{ \"probe_%d\", TAPIR_ATTACH_PERF, NULL, { %lldLL, %lldLL, %lldLL, %lldLL }, %s }",
				    idx, (long long)t->num[0], (long long)t->num[1],
				    (long long)t->num[2], (long long)t->num[3], q);
	}
}

/* What a kernel probe's program gets as its context. */
static const char *ctx_type(const struct probe_target *t)
{
	if (t->kind == PK_TRACE)
		return "u64";
	return bpf_is_uprobe(t) ? "struct pt_regs" : "struct bpf_perf_event_data";
}

/* Before a kernel function: clang's BTF line info names the file of the
 * function with every line of its body, so the function must be in the
 * script for the body's #line directives (em_line) to name the script. */
void em_line_at(struct em_file *f, struct strbuf *o, struct loc loc)
{
	if (loc.src && loc.line > 0)
		sb_printf(o, "#line %d %s\n", loc.line, em_quote(&(struct em){ .f = f }, loc.src->name));
}

/* Does a probe's body build a record in the nesting slot's scratch? Only
 * a printf of numbers, written in place in the ring buffer
 * (tapir_rec_reserve(TAPIR_REC_PRINTF...) and tapir_rec_commit()), does not. */
static bool rec_scratch(const char *body)
{
	static const char reserve[] = "tapir_rec_reserve(", commit[] = "tapir_rec_commit(";
	const size_t nres = sizeof(reserve) - 1;

	for (const char *p = body; (p = strstr(p, "TAPIR_REC")); p++) {
		if (p - body < (long)nres || strncmp(p - nres, reserve, nres))
			return true;
	}
	for (const char *p = body; (p = strstr(p, "tapir_rec_")); p++) {
		if (strncmp(p, reserve, nres) && strncmp(p, commit, sizeof(commit) - 1))
			return true;
	}
	return false;
}

static void emit_probe(struct em_file *f, struct derived_probe *dp, bool user)
{
	struct em m = { .f = f, .user = user, .dp = dp };
	struct strbuf *o = user ? &f->user : &f->kern;
	int idx = dp->index;
	const char *filter = "";

	m.frame_type = arena_printf(f->e->arena, "fr_probe_%d", idx);
	m.longs_in_frame = !user && em_kwalks(dp->body);
	frame_locals(&m, &dp->locals);
	if (!user && dp->target->kind == PK_TRACE &&
	    ((const struct tpdb_event *)dp->target->data)->attach != TPDB_ATTACH_TP_BTF) {
		/* no btf_trace_<name>: its arguments are only known from the
		 * format file, for a perf tracepoint program */
		em_error(&m, dp->decl ? dp->decl->loc : dp->body->loc, "probe %s: the kernel's BTF "
			 "has no type for this event: perf tracepoints are not supported on the bpf "
			 "runtime yet", dp->target->name);
		sb_free(&m.frame);
		sb_free(&m.cvars);
		return;
	}
	if (!user) {
		emit_filter(&m, dp->target);
		filter = arena_strdup(f->e->arena, m.body.data ? m.body.data : "");
		m.body.len = 0;
		if (m.body.data)
			m.body.data[0] = '\0';
	}
	if (!user) /* the frame map keeps the last hit's strings */
		em_reset_locals(&m, &dp->locals);
	if (!user && em_kloops(dp->body)) /* MAXACTION of this run */
		em_line(&m, "tapir_kact_reset();");
	if (user) /* begin, end and error may run longer, as in SystemTap */
		em_line(&m, "tapir_actions = %s;\n\ttapir_nesting = 0;",
			dp->target->kind == PK_TIMER ? "TAPIR_MAXACTION" : "TAPIR_MAXACTION_INTERRUPTIBLE");
	if (f->uses_context || user)
		em_line(&m, "TAPIR_SET_PP(%s);", em_quote(&m, dp->target->name));
	if (f->uses_context && !user) /* addr(), user_mode(): the probe's registers */
		em_line(&m, "TAPIR_SET_REGS(ctx, %d);", bpf_is_uprobe(dp->target) ? 1 : 0);
	em_ctx_regs(&m, dp);
	/* 'probe P if (cond)': SystemTap arms and disarms the probe as the
	 * globals change; testing the condition on every hit is the same. */
	if (dp->cond)
		em_line(&m, "if (!(%s)) goto tapir_out;", em_long(&m, dp->cond));
	em_stmt(&m, dp->body);
	em_entry_take(&m);
	sb_printf(o, "struct fr_probe_%d {\n\tchar __pad;\n%s};\n\n", idx, m.frame.data ? m.frame.data : "");
	if (!user) /* foreach bodies of a kernel probe (emit_kforeach.c) */
		sb_puts(o, em_take_callbacks(f));
	if (user) {
		sb_printf(o, "static struct fr_probe_%d fr_probe_%d_storage;\n\n%s", idx, idx,
			  em_take_callbacks(f));
		sb_printf(o, "static void probe_%d(void)\n{\n\tstruct fr_probe_%d *F = &fr_probe_%d_storage;\n\n"
			     "\t__builtin_memset(F, 0, sizeof(*F));\n%s\ttapir_out: __attribute__((unused));\n\treturn;\n}\n\n",
			  idx, idx, idx, m.body.data ? m.body.data : "");
	} else {
		/* A body with no frame and no records but those written in
		 * place needs no nesting slot: it only checks that the script
		 * is still running. */
		const char *body = m.body.data ? m.body.data : "";
		bool light = m.frame.len == 0 && !rec_scratch(body) && !strstr(body, "slot") &&
			     !strstr(body, "tapir_error") && !strstr(body, "TAPIR_ERROR") &&
			     !strstr(body, "add_");

		/* one frame per nesting level: a probe may interrupt itself */
		if (!light)
			sb_printf(o, "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, TAPIR_NEST_MAX);\n"
				     "\t__type(key, u32);\n\t__type(value, struct fr_probe_%d);\n} fm_probe_%d SEC(\".maps\");\n\n",
				  idx, idx);
		for (int v = 0; v < (dp->target->kind == PK_KFUNC ? em_kfunc_nvariants(dp) : 1); v++) {
			struct em_kfunc_prog kp = {
				section_of(f, dp->target), arena_printf(f->e->arena, "probe_%d", idx),
				ctx_type(dp->target), ""
			};

			if (dp->target->kind == PK_KFUNC)
				em_kfunc_variant(f, dp, v, o, &kp);
			em_line_at(f, o, dp->body ? dp->body->loc : (struct loc){ 0 });
			if (light) {
				sb_printf(o, "SEC(\"%s\")\nint %s(%s *ctx)\n{\n%s%s\n%s"
					     "\tif (tapir_G.st.exiting)\n\t\treturn 0;\n%s%s"
					     "tapir_out: __attribute__((unused));\n%s\treturn 0;\n}\n\n",
					  kp.section, kp.name, kp.ctx_type,
					  m.cvars.data ? m.cvars.data : "", kp.pre, filter,
					  em_timing_begin(f), body, em_timing_end(f, dp));
				continue;
			}
			sb_printf(o, "SEC(\"%s\")\nint %s(%s *ctx)\n{\n\tstruct fr_probe_%d *F = NULL;\n\tu32 slot;\n\tint nest;\n%s%s\n%s"
				     "\tnest = tapir_probe_enter();\n\tif (nest < 0)\n\t\treturn 0;\n\tslot = nest;\n"
				     "%s%s%s"
				     "tapir_out: __attribute__((unused));\n%s\ttapir_probe_leave();\n\treturn 0;\n}\n\n",
				  kp.section, kp.name, kp.ctx_type,
				  idx, m.cvars.data ? m.cvars.data : "", kp.pre, filter, em_timing_begin(f),
				  m.frame.len ? arena_printf(f->e->arena, "\tF = bpf_map_lookup_elem(&fm_probe_%d, &slot);\n"
								 "\tif (!F)\n\t\tgoto tapir_out;\n", idx) :
						"\t(void)F;\n\t(void)slot;\n",
				  m.body.data ? m.body.data : "", em_timing_end(f, dp));
		}
		vec_push(f->e->arena, &f->kprobes, (void *)kprobe_attach(f, dp->target, idx));
	}
	sb_free(&m.frame);
	sb_free(&m.cvars);
	sb_free(&m.body);
}

/* Does a body use what only user space can do: sorted foreach, reading
 * statistics, printing histograms, sprintf, deleting a whole array? */
static bool needs_user(const struct ast *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case AST_FOREACH:
	case AST_STAT_OP:
	case AST_HIST:
		return true;
	case AST_PRINT:
		if (n->name[0] == 's')
			return true;
		break;
	case AST_DELETE:
		if (n->lhs->kind == AST_VAR && n->lhs->sym &&
		    (n->lhs->sym->is_array || n->lhs->sym->type == TYPE_STATS))
			return true;
		break;
	case AST_CALL: {
		static int depth; /* a recursive function is looked at once */
		bool r = false;

		if (n->fn && n->fn->decl->body && depth < 16) {
			depth++;
			r = needs_user(n->fn->decl->body);
			depth--;
		}
		if (r)
			return true;
		break;
	}
	default:
		break;
	}
	if (needs_user(n->lhs) || needs_user(n->rhs) || needs_user(n->cond) ||
	    needs_user(n->then) || needs_user(n->els) || needs_user(n->init) ||
	    needs_user(n->inc) || needs_user(n->body))
		return true;
	for (int i = 0; i < n->args.len; i++) {
		if (needs_user(n->args.items[i]))
			return true;
	}
	return false;
}

/* begin/end/error run in user space, and so do timer probes that report:
 * a timer's body doesn't need the context of the CPU it fires on, and in
 * user space it can sort, read statistics and print histograms. */
static bool runs_in_user(const struct derived_probe *dp)
{
	int k = dp->target->kind;

	if (k == PK_TIMER && !dp->target->num[1] && needs_user(dp->body))
		return true;
	return k == PK_BEGIN || k == PK_END || k == PK_ERROR || k == PK_NEVER ||
	       k == PK_PROCFS_READ || k == PK_PROCFS_WRITE;
}

static void emit_prelude(struct em_file *f, struct strbuf *o, bool user)
{
	sb_printf(o, "/* Generated by tapir: the %s side of the script. */\n", user ? "user" : "BPF");
	if (user) {
		sb_puts(o, "#define STAP_BPF_USER 1\n#define _GNU_SOURCE\n#include <stdio.h>\n#include <stdlib.h>\n"
			   "#include <string.h>\n#include <unistd.h>\n#include <time.h>\n#include <sys/prctl.h>\n"
			   "#include <sys/syscall.h>\n#include <stddef.h>\n");
	} else {
		sb_puts(o, "#include \"vmlinux.h\"\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_tracing.h>\n"
			   "#include <bpf/bpf_core_read.h>\n");
	}
	sb_printf(o, "#define TAPIR_MAXSTRINGLEN %d\n#define MAXSTRINGLEN %d\n#define TAPIR_MAXMAPENTRIES %d\n",
		  f->o->maxstringlen, f->o->maxstringlen, f->o->maxmapentries);
	if (!user) /* loops and foreach in kernel probes count too */
		sb_printf(o, "#define TAPIR_MAXACTION %d\n", f->o->maxaction > 0 ? f->o->maxaction : 1000);
	if (user)
		sb_printf(o, "#define TAPIR_MAXACTION %d\n#define TAPIR_MAXACTION_INTERRUPTIBLE %d\n"
			     "#define TAPIR_MAXNESTING %d\n", f->o->maxaction > 0 ? f->o->maxaction : 1000,
			  f->o->maxaction_interruptible > 0 ? f->o->maxaction_interruptible : 10000,
			  f->o->maxnesting > 0 ? f->o->maxnesting : 10);
	sb_puts(o, "#include \"tapir_rec.h\"\n");
	if (user)
		sb_puts(o, "#include \"tapir_rt.h\"\n#include \"tapir_gen_user.h\"\n\n");
	else
		sb_puts(o, "#include \"tapir_gen_kern_types.h\"\n\n");
	emit_shared_types(f, o, user);
	if (user) {
		sb_puts(o, "#define GLOB(x) (((struct tapir_globals *)tapir_globals())->x)\n\n");
	} else {
		sb_puts(o, "struct tapir_globals tapir_G SEC(\".bss\");\n#define GLOB(x) (tapir_G.x)\n\n"
			   "#include \"tapir.bpf.h\"\n#include \"tapir_gen_kern.h\"\n\n");
		emit_stat_types(f, o);
	}
}

/* ---- user side ------------------------------------------------------------------ */

static void emit_user_map(struct em_file *f, const struct em_global *g)
{
	const struct symbol *s = g->sym;
	struct strbuf *o = &f->user_decls;

	sb_printf(o, "#define MAP_%s %d\n", s->name, g->map_index);
	if (!s->is_array)
		return;
	sb_printf(o, "static const struct tapir_key_col cols_%s[] = {\n", s->name);
	for (int k = 0; k < s->nkeys; k++)
		sb_printf(o, "\t{ offsetof(struct k_%s, k%d), %d },\n", s->name, k,
			  s->key_types[k] == TYPE_STRING);
	sb_puts(o, "};\n\n");
	if (s->type == TYPE_STATS) {
		/* a key is in a statistics array while it has values */
		sb_printf(o, "static int has_%s(const struct k_%s *k)\n{\n\tstruct rt_agg a;\n\n"
			     "\treturn tapir_stat_get(%d, k, &a, NULL) == 0;\n}\n\n"
			     "static void del_%s(const struct k_%s *k)\n{\n\ttapir_map_delete(MAP_%s, k);\n}\n\n",
			  s->name, s->name, g->stat_index, s->name, s->name, s->name);
		return;
	}
	sb_printf(o, "static int get_%s(const struct k_%s *k, %s *out)\n{\n"
		     "\tif (tapir_map_get(MAP_%s, k, out) < 0) {\n\t\tmemset(out, 0, sizeof(*out));\n"
		     "\t\treturn -1;\n\t}\n\treturn 0;\n}\n\n"
		     "static int set_%s(const struct k_%s *k, const %s *v)\n{\n"
		     "\treturn tapir_map_set(MAP_%s, k, v) < 0 ? -1 : 0;\n}\n\n"
		     "static int has_%s(const struct k_%s *k)\n{\n\t%s v;\n\n"
		     "\treturn tapir_map_get(MAP_%s, k, &v) == 0;\n}\n\n"
		     "static void del_%s(const struct k_%s *k)\n{\n\ttapir_map_delete(MAP_%s, k);\n}\n\n",
		  s->name, s->name, value_type(s), s->name, s->name, s->name, value_type(s), s->name,
		  s->name, s->name, value_type(s), s->name, s->name, s->name, s->name);
}

static void emit_table(struct strbuf *o, const char *type, const char *name, const struct vec *v,
		       bool quote)
{
	sb_printf(o, "static const %s %s[] = {\n", type, name);
	for (int i = 0; i < v->len; i++) {
		if (!quote) {
			sb_printf(o, "\t%s,\n", (const char *)v->items[i]);
			continue;
		}
		sb_puts(o, "\t\"");
		for (const unsigned char *p = v->items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_printf(o, "\\%c", *p);
			else if (*p < 32 || *p >= 127)
				sb_printf(o, "\\%03o", *p);
			else
				sb_putc(o, (char)*p);
		}
		sb_puts(o, "\",\n");
	}
	if (v->len == 0)
		sb_puts(o, quote ? "\tNULL,\n" : "\t{ 0 },\n");
	sb_puts(o, "};\n\n");
}

static void emit_init_globals(struct em_file *f)
{
	struct strbuf *o = &f->user;

	sb_puts(o, "static void init_globals(void *g)\n{\n\tstruct tapir_globals *G = g;\n\n"
		   "\tG->st.target = tapir_target();\n");
	for (int i = 0; i < f->globals.len; i++) {
		const struct symbol *s = ((struct em_global *)f->globals.items[i])->sym;
		const struct ast *init = s->decl ? s->decl->init : NULL;

		if (!init)
			continue;
		if (init->kind == AST_NUM)
			sb_printf(o, "\tG->g_%s = %lldLL;\n", s->name, (long long)init->num);
		else
			sb_printf(o, "\tsnprintf(G->g_%s, sizeof(G->g_%s), \"%%s\", %s);\n", s->name,
				  s->name, em_quote(&(struct em){ .f = f }, init->str));
	}
	sb_puts(o, "}\n\n");
}

static void emit_stat_maps(struct em_file *f)
{
	struct strbuf *o = &f->user;

	sb_puts(o, "static const struct tapir_stat_map stat_maps[] = {\n");
	for (int i = 0; i < f->globals.len; i++) {
		const struct em_global *g = f->globals.items[i];

		if (g->stat_index < 0)
			continue;
		sb_printf(o, "\t{ \"m_%s\", { .type = %d, .start = %d, .stop = %d, .interval = %d, "
			     ".buckets = %d, .shift = %d, .ops = %s }, %s },\n",
			  g->sym->name, g->hist_type, g->start, g->stop, g->interval, g->buckets,
			  g->shift, g->variance ? "RT_STAT_VARIANCE" : "0",
			  g->sym->is_array ? arena_printf(f->e->arena, "sizeof(struct k_%s)", g->sym->name) : "0");
	}
	if (f->nstat == 0)
		sb_puts(o, "\t{ 0 },\n");
	sb_puts(o, "};\n\n");
}

static void emit_description(struct em_file *f)
{
	struct strbuf *o = &f->user;
	static const char *const kinds[] = { "begin", "end", "error", "timer" };

	emit_init_globals(f);
	emit_stat_maps(f);
	emit_table(o, "struct tapir_kprobe", "kprobes", &f->kprobes, false);
	for (int k = 0; k < 4; k++)
		emit_table(o, "struct tapir_uprobe", arena_printf(f->e->arena, "%s_probes", kinds[k]),
			   &f->user_probes[k], false);
	emit_table(o, "struct tapir_procfs", "procfs_probes", &f->procfs, false);
	emit_table(o, "char *const", "fmts", &f->fmts, true);
	emit_table(o, "char *const", "error_locs", &f->error_locs, true);
	emit_table(o, "char *const", "maps", &f->map_names, true);
	sb_printf(o, "extern const unsigned char tapir_obj[];\nextern const size_t tapir_obj_len;\n\n"
		     "static const struct tapir_program program = {\n"
		     "\t.obj = tapir_obj,\n\t.obj_len = 0,\n\t.script = %s,\n"
		     "\t.kprobes = kprobes, .nkprobes = %d,\n"
		     "\t.begin = begin_probes, .nbegin = %d,\n\t.end = end_probes, .nend = %d,\n"
		     "\t.error = error_probes, .nerror = %d,\n"
		     "\t.utimers = timer_probes, .nutimers = %d,\n"
		     "\t.fmts = fmts, .nfmts = %d,\n\t.error_locs = error_locs, .nerror_locs = %d,\n"
		     "\t.maps = maps, .nmaps = %d,\n\t.globals_size = sizeof(struct tapir_globals),\n"
		     "\t.init_globals = init_globals,\n\t.stat_maps = stat_maps, .nstat_maps = %d,\n"
		     "\t.maxerrors = %d,\n\t.procfs = procfs_probes, .nprocfs = %d,\n"
		     "\t.module_name = %s,\n%s};\n\n"
		     "int main(int argc, char **argv)\n{\n\tstruct tapir_program p = program;\n\n"
		     "\tp.obj_len = tapir_obj_len;\n\treturn tapir_main(&p, argc, argv);\n}\n",
		  em_quote(&(struct em){ .f = f }, f->e->user_files.len ?
			   ((struct ast_file *)f->e->user_files.items[0])->src->name : "<input>"),
		  f->kprobes.len, f->user_probes[0].len, f->user_probes[1].len, f->user_probes[2].len,
		  f->user_probes[3].len,
		  f->fmts.len, f->error_locs.len, f->map_names.len, f->nstat, f->o->maxerrors,
		  f->procfs.len,
		  f->o->module_name ? em_quote(&(struct em){ .f = f }, f->o->module_name) : "NULL",
		  em_timing_fields(f));
}

static int write_file(struct elab *e, const char *dir, const char *name, const struct strbuf *a,
		      const struct strbuf *b)
{
	char *path = arena_printf(e->arena, "%s/%s", dir, name);
	FILE *out = fopen(path, "w");

	if (!out) {
		diag_plain(e->diag, DIAG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (a->data)
		fputs(a->data, out);
	if (b->data)
		fputs(b->data, out);
	return fclose(out) == 0 ? 0 : -1;
}

/* Top-level %{ %} of the tapsets the program uses: helpers their embedded
 * functions call, placed before any function. */
static void emit_embeds(struct em_file *f, struct strbuf *out)
{
	for (int i = 0; i < f->e->prog.embeds.len; i++) {
		const struct ast_decl *d = f->e->prog.embeds.items[i];

		sb_printf(out, "/* from %s:%d */\n%s\n\n", d->loc.src->name, d->loc.line, d->embedded);
	}
}

int bpf_emit(struct elab *e, const struct bpf_opts *o, const char *dir)
{
	struct em_file f = { .e = e, .o = o };
	struct strbuf khead = { 0 }, uhead = { 0 };
	bool *user_side;
	int rc;

	collect_globals(&f);
	em_timing_kern_decls(&f);
	emit_prelude(&f, &khead, false);
	emit_prelude(&f, &uhead, true);
	for (int i = 0; i < f.globals.len; i++) {
		const struct em_global *g = f.globals.items[i];

		if (g->map_index >= 0) {
			emit_kern_map(&f, g);
			emit_user_map(&f, g);
		}
	}
	user_side = arena_alloc(e->arena, (size_t)e->prog.probes.len + 1);
	for (int i = 0; i < e->prog.probes.len; i++) {
		struct derived_probe *dp = e->prog.probes.items[i];
		bool user = runs_in_user(dp);

		user_side[i] = user;
		emit_probe(&f, dp, user);
		if (dp->target->kind == PK_PROCFS_READ || dp->target->kind == PK_PROCFS_WRITE) {
			const struct probe_target *t = dp->target;

			vec_push(e->arena, &f.procfs,
				 arena_printf(e->arena, "{ probe_%d, %s, %d, %lldLL, %d, %s }", dp->index,
					      em_quote(&(struct em){ .f = &f }, t->str[0]),
					      t->kind == PK_PROCFS_WRITE,
					      (long long)(t->num[0] ? t->num[0] : f.o->maxstringlen),
					      (int)t->num[1], em_quote(&(struct em){ .f = &f }, t->name)));
		} else if (user && dp->target->kind == PK_TIMER) {
			vec_push(e->arena, &f.user_probes[3],
				 arena_printf(e->arena, "{ probe_%d, %lldLL, \"%s\" }", dp->index,
					      (long long)dp->target->num[0], dp->target->name));
		} else if (user && dp->target->kind != PK_NEVER) {
			int k = dp->target->kind == PK_BEGIN ? 0 : dp->target->kind == PK_END ? 1 : 2;

			vec_push(e->arena, &f.user_probes[k],
				 arena_printf(e->arena, "{ probe_%d, %lldLL%s, \"%s\" }", dp->index,
					      (long long)dp->target->priority + (dp->target->priority == INT64_MIN),
					      dp->target->priority == INT64_MIN ? " - 1" : "",
					      dp->target->name));
		}
	}
	em_timing_user_table(&f, user_side);
	bpf_emit_entries(&f);
	emit_description(&f);
	emit_embeds(&f, &khead);
	emit_embeds(&f, &uhead);
	sb_puts(&khead, f.kern_decls.data ? f.kern_decls.data : "");
	sb_puts(&uhead, f.user_decls.data ? f.user_decls.data : "");
	rc = f.failed ? -1 : 0;
	if (rc == 0 && (write_file(e, dir, "prog.bpf.c", &khead, &f.kern) < 0 ||
			write_file(e, dir, "prog.user.c", &uhead, &f.user) < 0))
		rc = -1;
	sb_free(&khead);
	sb_free(&uhead);
	sb_free(&f.kern);
	sb_free(&f.user);
	sb_free(&f.kern_decls);
	sb_free(&f.user_decls);
	return rc;
}
