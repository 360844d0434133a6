/* emit_entry.c - @entry(expr) in a .return probe: the value expr had when
 * the function (or system call) was entered.
 *
 * A .return probe that uses @entry gets a companion program at the entry,
 * which evaluates each @entry expression there (a long or a string) into
 * a record, stored in an LRU hash keyed by thread and nesting depth (a
 * per-thread counter the companion raises and the return lowers), as
 * SystemTap keeps them per kretprobe instance: a recursive call's return
 * sees its own values. The return probe, first thing, takes its record
 * into its frame (zeros and empty strings if the entry was missed, as
 * when tracing began inside the call), and reads the values there.
 *
 *   process(...).return       a uprobe at the function (after the
 *                             prologue, where the parameters are in place)
 *   syscalls:sys_exit_X,      a tp_btf program on sys_enter (for the
 *   raw_syscalls:sys_exit     first, of syscall X): the syscall.*.return
 *                             aliases here; no context variables
 *   kernel.function().return  a kprobe, and an fentry program, at the
 *                             function: the executor attaches the one of
 *                             the way it attaches the return (fexit or
 *                             kretprobe). An expression of the parameters
 *                             (no member chains), constants and operators
 *                             needs none: it is evaluated at the return on
 *                             the parameters saved at the entry
 *                             (emit_kfunc.c).
 */
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"
#include "../../translator/probes/tracepoint_db.h"

struct entry_save {
	struct derived_probe *dp;
	struct ast *nodes[EM_ENTRY_MAX]; /* an AST_ENTRY, or a uprobe's $param */
	int n;
};

static struct {
	const struct em_file *f;
	struct entry_save *saves;
	int n;
} entries;

static struct entry_save *find_save(const struct em_file *f, int probe_index)
{
	if (entries.f != f)
		return NULL;
	for (int i = 0; i < entries.n; i++) {
		if (entries.saves[i].dp->index == probe_index)
			return &entries.saves[i];
	}
	return NULL;
}

static struct entry_save *entry_save_of(struct em *m)
{
	struct entry_save *s = find_save(m->f, m->dp->index);

	if (s)
		return s;
	if (entries.f != m->f) {
		entries.f = m->f;
		entries.saves = NULL;
		entries.n = 0;
	}
	s = arena_alloc(m->f->e->arena, sizeof(*s) * (size_t)(entries.n + 1));
	if (entries.n)
		memcpy(s, entries.saves, sizeof(*s) * (size_t)entries.n);
	entries.saves = s;
	s = &entries.saves[entries.n++];
	s->dp = m->dp;
	s->n = 0;
	return s;
}

bool em_entry_saves(const struct em_file *f, int probe_index)
{
	const struct entry_save *s = find_save(f, probe_index);

	return s && s->n > 0;
}

/* The expression a saved node stands for, evaluated at the entry. */
static struct ast *saved_expr(struct ast *n)
{
	return n->kind == AST_ENTRY ? n->lhs : n;
}

const char *em_entry_read(struct em *m, struct ast *n)
{
	struct entry_save *s = entry_save_of(m);
	int k = s->n;

	for (int i = 0; i < s->n; i++) {
		if (s->nodes[i] == n)
			k = i;
	}
	if (k == EM_ENTRY_MAX) {
		em_error(m, n->loc, "more than %d @entry values in one probe", EM_ENTRY_MAX);
		return "0";
	}
	if (k == s->n) {
		if (s->n == 0)
			sb_printf(&m->frame, "\tstruct tapir_entry_%d __entry;\n", m->dp->index);
		s->nodes[s->n++] = n;
	}
	return arena_printf(m->f->e->arena, "F->__entry.v%d", k);
}

/* The return probe's first statements: its record, taken off the map. */
void em_entry_take(struct em *m)
{
	const struct entry_save *s = m->dp ? find_save(m->f, m->dp->index) : NULL;
	struct strbuf pre = { 0 };
	int i;

	if (!s || s->n == 0)
		return;
	i = s->dp->index;
	sb_printf(&pre, "\t{\n\t\tu32 __t = (u32)bpf_get_current_pid_tgid();\n"
			"\t\tu32 *__dp = bpf_map_lookup_elem(&tapir_edepth_%d, &__t);\n"
			"\t\tstruct tapir_entry_%d *__e = NULL;\n\t\tu64 __k = 0;\n\n"
			"\t\tif (__dp && *__dp) {\n\t\t\t__k = ((u64)*__dp << 32) | __t;\n"
			"\t\t\t*__dp -= 1;\n\t\t\t__e = bpf_map_lookup_elem(&tapir_entry_%d, &__k);\n\t\t}\n"
			"\t\tif (__e) {\n\t\t\tbpf_probe_read_kernel(&F->__entry, sizeof(F->__entry), __e);\n"
			"\t\t\tbpf_map_delete_elem(&tapir_entry_%d, &__k);\n\t\t} else {\n",
		  i, i, i, i);
	for (int k = 0; k < s->n; k++)
		sb_printf(&pre, "\t\t\tF->__entry.v%d%s = 0;\n", k,
			  s->nodes[k]->type == TYPE_STRING ? "[0]" : "");
	sb_printf(&pre, "\t\t}\n\t}\n%s", m->body.data ? m->body.data : "");
	sb_free(&m->body);
	m->body = pre;
}

/* The tracepoint event of a syscall-exit probe, or NULL. */
static const struct tpdb_event *syscall_exit_of(const struct probe_target *t)
{
	const struct tpdb_event *ev = t->data;

	if (t->kind != PK_TRACE || !ev || !ev->tp_name || ev->attach != TPDB_ATTACH_TP_BTF)
		return NULL;
	if (ev->kind == TPDB_SYSCALL)
		return ev->syscall_exit && ev->syscall_nr >= 0 ? ev : NULL;
	return strcmp(ev->tp_name, "sys_exit") == 0 ? ev : NULL;
}

static bool is_kfunc_return(const struct probe_target *t)
{
	return t->kind == PK_KFUNC && t->num[0];
}

/* Does e read the probe's context ($var, @var, @entry), which the
 * companion program on sys_enter does not have? */
static bool reads_context(const struct ast *e)
{
	if (!e)
		return false;
	if (e->kind == AST_TARGET || e->kind == AST_ATVAR || e->kind == AST_ENTRY)
		return true;
	if (reads_context(e->lhs) || reads_context(e->rhs) || reads_context(e->cond) ||
	    reads_context(e->then) || reads_context(e->els))
		return true;
	for (int i = 0; i < e->args.len; i++) {
		if (reads_context(e->args.items[i]))
			return true;
	}
	return false;
}

const char *em_entry(struct em *m, struct ast *n)
{
	const struct probe_target *t = m->dp ? m->dp->target : NULL;

	if (m->user || !t ||
	    !(t->kind == PK_URETPROBE || syscall_exit_of(t) || is_kfunc_return(t))) {
		em_error(m, n->loc, "@entry is only available in a .return probe of a kernel "
			 "function, a system call or a process on the bpf runtime");
		return "0";
	}
	/* the parameters: a uprobe's are saved at the entry one by one (as
	 * the plain $param of the return), a kernel function's all at once */
	if ((t->kind == PK_URETPROBE && n->lhs->kind == AST_TARGET) ||
	    (is_kfunc_return(t) && entry_params_only(n->lhs)))
		return em_expr(m, n->lhs);
	if (syscall_exit_of(t) && reads_context(n->lhs)) {
		em_error(m, n->loc, "@entry(...) in a system call's return reads no context "
			 "variables on the bpf runtime yet");
		return "0";
	}
	return em_entry_read(m, n);
}

/* ---- the companion programs --------------------------------------------- */

/* How a companion program of the probe is attached and what it has. */
struct companion {
	const char *section, *name, *ctx_type;
	const char *pre;       /* before the program: macros its body reads */
	const char *filter;    /* its first statements */
};

/* The record's type and its two maps, before every program. */
static void declare_record(struct em_file *f, const struct entry_save *s)
{
	int i = s->dp->index;

	sb_printf(&f->kern_decls, "struct tapir_entry_%d {\n", i);
	for (int k = 0; k < s->n; k++)
		sb_printf(&f->kern_decls, s->nodes[k]->type == TYPE_STRING ?
			  "\tchar v%d[TAPIR_MAXSTRINGLEN];\n" : "\ts64 v%d;\n", k);
	sb_printf(&f->kern_decls,
		  "};\n\nstruct {\n\t__uint(type, BPF_MAP_TYPE_LRU_HASH);\n\t__uint(max_entries, 10240);\n"
		  "\t__type(key, u64);\n\t__type(value, struct tapir_entry_%d);\n} tapir_entry_%d SEC(\".maps\");\n\n"
		  "struct {\n\t__uint(type, BPF_MAP_TYPE_LRU_HASH);\n\t__uint(max_entries, 10240);\n"
		  "\t__type(key, u32);\n\t__type(value, u32);\n} tapir_edepth_%d SEC(\".maps\");\n\n",
		  i, i, i);
}

/* The values, lowered once in the context of the probe dp (a copy of the
 * return probe's, made to look like its entry), printed into each of the
 * companions cs[0..nc). */
static void emit_companions(struct em_file *f, const struct entry_save *s,
			    struct derived_probe *dp, const struct companion *cs, int nc)
{
	struct em m = { .f = f, .dp = dp };
	int idx = s->dp->index;

	m.frame_type = arena_printf(f->e->arena, "fr_entry_%d", idx);
	for (int k = 0; k < s->n; k++) {
		struct ast *x = saved_expr(s->nodes[k]);

		if (s->nodes[k]->type == TYPE_STRING)
			em_line(&m, "tapir_str_copy(F->__ev.v%d, %s);", k, em_expr(&m, x));
		else
			em_line(&m, "F->__ev.v%d = %s;", k, em_long(&m, x));
	}
	sb_printf(&f->kern, "struct fr_entry_%d {\n\tchar __pad;\n%s\tstruct tapir_entry_%d __ev;\n};\n\n"
			    "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, TAPIR_NEST_MAX);\n"
			    "\t__type(key, u32);\n\t__type(value, struct fr_entry_%d);\n} fm_entry_%d SEC(\".maps\");\n\n",
		  idx, m.frame.data ? m.frame.data : "", idx, idx, idx);
	for (int c = 0; c < nc; c++) {
		sb_puts(&f->kern, cs[c].pre);
		/* the depth is raised first: a record the program fails to
		 * store leaves the return empty values, not its caller's */
		sb_printf(&f->kern, "SEC(\"%s\")\nint %s(%s *ctx)\n{\n"
				    "\tstruct fr_entry_%d *F;\n\tu32 __t = (u32)bpf_get_current_pid_tgid(), __d = 1;\n"
				    "\tu32 *__dp, slot;\n\tu64 __k;\n\tint nest;\n%s%s"
				    "\t__dp = bpf_map_lookup_elem(&tapir_edepth_%d, &__t);\n"
				    "\tif (__dp)\n\t\t__d = *__dp += 1;\n"
				    "\telse\n\t\tbpf_map_update_elem(&tapir_edepth_%d, &__t, &__d, BPF_ANY);\n"
				    "\tnest = tapir_probe_enter();\n\tif (nest < 0)\n\t\treturn 0;\n\tslot = nest;\n"
				    "\tF = bpf_map_lookup_elem(&fm_entry_%d, &slot);\n\tif (!F)\n\t\tgoto tapir_out;\n%s"
				    "\t__k = ((u64)__d << 32) | __t;\n"
				    "\tbpf_map_update_elem(&tapir_entry_%d, &__k, &F->__ev, BPF_ANY);\n"
				    "tapir_out: __attribute__((unused));\n\ttapir_probe_leave();\n\treturn 0;\n}\n\n",
			  cs[c].section, cs[c].name, cs[c].ctx_type, idx,
			  m.cvars.data ? m.cvars.data : "", cs[c].filter, idx, idx, idx,
			  m.body.data ? m.body.data : "", idx);
	}
	sb_free(&m.body);
	sb_free(&m.cvars);
	sb_free(&m.frame);
}

/* A syscall-exit probe's: a tp_btf program on sys_enter. */
static void syscall_companion(struct em_file *f, struct entry_save *s)
{
	const struct tpdb_event *ev = s->dp->target->data;
	int idx = s->dp->index;
	struct companion c = {
		"tp_btf/sys_enter", arena_printf(f->e->arena, "probe_%d_entry", idx), "u64", "", ""
	};

	if (ev->kind == TPDB_SYSCALL)
		c.filter = arena_printf(f->e->arena, "\tif ((long)ctx[1] != %d)\n\t\treturn 0;\n",
					ev->syscall_nr);
	emit_companions(f, s, s->dp, &c, 1);
	vec_push(f->e->arena, &f->kprobes,
		 (void *)arena_printf(f->e->arena,
				      "{ \"probe_%d_entry\", TAPIR_ATTACH_TP_BTF, \"sys_enter\", { 0 }, \"%s (entry)\" }",
				      idx, ev->full));
}

/* A process(...).return probe's: a uprobe at the function. */
static void uprobe_companion(struct em_file *f, struct entry_save *s)
{
	struct probe_target t;
	struct derived_probe dp;
	int idx = s->dp->index;
	struct companion c = { "uprobe", arena_printf(f->e->arena, "probe_%d_entry", idx),
			       "struct pt_regs", "", "" };
	const char *attach = bpf_uprobe_entry(f, s->dp, &dp, &t);

	emit_companions(f, s, &dp, &c, 1);
	vec_push(f->e->arena, &f->kprobes, (void *)attach);
}

/* A kernel function's .return probe's: a kprobe (probe_N_xe) and, where
 * the function may have an fentry program, one (probe_N_xfe); the
 * executor takes them by name with the return's (em_kfunc_attach). */
static void kfunc_companion(struct em_file *f, struct entry_save *s)
{
	struct probe_target t = *s->dp->target;
	struct derived_probe dp = *s->dp;
	struct arena *a = f->e->arena;
	int idx = s->dp->index;
	struct companion c[2] = {
		{ "kprobe", arena_printf(a, "probe_%d_xe", idx), "struct pt_regs",
		  "#undef TAPIR_KARG\n#undef TAPIR_KRET\n#undef TAPIR_KREGS\n"
		  "#define TAPIR_KARG(i) tapir_kp_arg(ctx, (i))\n#define TAPIR_KRET 0\n"
		  "#define TAPIR_KREGS ctx\n", "" },
		{ arena_printf(a, "fentry/%s", t.str[0]), arena_printf(a, "probe_%d_xfe", idx), "u64",
		  "#undef TAPIR_KARG\n#undef TAPIR_KRET\n#undef TAPIR_KREGS\n"
		  "#define TAPIR_KARG(i) (ctx[(i)])\n#define TAPIR_KRET 0\n#define TAPIR_KREGS 0\n", "" },
	};

	t.num[0] = 0; /* the entry: no $return */
	dp.target = &t;
	emit_companions(f, s, &dp, c, em_kfunc_nvariants(s->dp));
}

void bpf_emit_entries(struct em_file *f)
{
	if (entries.f != f)
		return;
	for (int i = 0; i < entries.n; i++) {
		struct entry_save *s = &entries.saves[i];

		if (s->n == 0)
			continue;
		declare_record(f, s);
		if (bpf_is_uprobe(s->dp->target))
			uprobe_companion(f, s);
		else if (is_kfunc_return(s->dp->target))
			kfunc_companion(f, s);
		else
			syscall_companion(f, s);
	}
	entries.f = NULL;
}
