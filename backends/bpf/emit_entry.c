/* emit_entry.c - @entry(expr) in a .return probe: the value expr had when
 * the function (or system call) was entered.
 *
 * A .return probe that uses @entry gets a companion program at the entry,
 * which evaluates each @entry expression there and stores the values in an
 * LRU hash keyed by thread; the return probe reads them back (0 if the
 * entry was missed, as when tracing began inside the call). Recursion sees
 * the innermost call's values.
 *
 *   process(...).return       the parameters, read by a uprobe at the
 *                             function (emit_uprobe.c)
 *   syscalls:sys_exit_X,      any expression, evaluated by a tp_btf program
 *   raw_syscalls:sys_exit     on sys_enter (for the first, of syscall X):
 *                             the syscall.*.return aliases here
 *   kernel.function().return  the parameters, which fexit (or probe_N_ke)
 *                             has at the return (emit_kfunc.c)
 */
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"
#include "../../translator/probes/tracepoint_db.h"

struct entry_save {
	struct derived_probe *dp;
	struct ast *nodes[EM_ENTRY_MAX];
	int n;
};

static struct {
	const struct em_file *f;
	struct entry_save *saves;
	int n;
} entries;

static struct entry_save *entry_save_of(struct em *m)
{
	struct entry_save *s;

	if (entries.f != m->f) {
		entries.f = m->f;
		entries.saves = NULL;
		entries.n = 0;
	}
	for (int i = 0; i < entries.n; i++) {
		if (entries.saves[i].dp == m->dp)
			return &entries.saves[i];
	}
	s = arena_alloc(m->f->e->arena, sizeof(*s) * (size_t)(entries.n + 1));
	if (entries.n)
		memcpy(s, entries.saves, sizeof(*s) * (size_t)entries.n);
	entries.saves = s;
	s = &entries.saves[entries.n++];
	s->dp = m->dp;
	s->n = 0;
	sb_printf(&m->f->kern_decls,
		  "struct {\n\t__uint(type, BPF_MAP_TYPE_LRU_HASH);\n\t__uint(max_entries, 10240);\n"
		  "\t__type(key, u64);\n\t__type(value, s64[%d]);\n} tapir_entry_%d SEC(\".maps\");\n\n",
		  EM_ENTRY_MAX, m->dp->index);
	return s;
}

const char *em_entry_read(struct em *m, struct ast *n)
{
	struct entry_save *s = entry_save_of(m);
	const char *t = em_tmp_long(m);
	int k = s->n;

	for (int i = 0; i < s->n; i++) {
		if (s->nodes[i] == n)
			k = i;
	}
	if (k == EM_ENTRY_MAX) {
		em_error(m, n->loc, "more than %d @entry values in one probe", EM_ENTRY_MAX);
		return "0";
	}
	if (k == s->n)
		s->nodes[s->n++] = n;
	em_line(m, "%s = 0;", t);
	em_line(m, "{");
	em_line(m, "\tu64 __tid = bpf_get_current_pid_tgid();");
	em_line(m, "\ts64 *__ev = bpf_map_lookup_elem(&tapir_entry_%d, &__tid);", m->dp->index);
	em_line(m, "\tif (__ev)\n\t\t%s = __ev[%d];", t, k);
	em_line(m, "}");
	return t;
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

/* Does e read the probe's context ($var, @var, @entry), which the
 * companion program does not have? */
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
	if (m->dp && bpf_is_uprobe(m->dp->target) && n->lhs->kind == AST_TARGET)
		return em_expr(m, n->lhs); /* its parameters are saved at the entry */
	if (m->user || !m->dp || !syscall_exit_of(m->dp->target))
		return em_kfunc_entry(m, n);
	if (n->lhs->type != TYPE_LONG) {
		em_error(m, n->loc, "@entry of a string is not supported on the bpf runtime yet");
		return "0";
	}
	if (reads_context(n->lhs)) {
		em_error(m, n->loc, "@entry(...) in a system call's return reads no context "
			 "variables on the bpf runtime yet");
		return "0";
	}
	return em_entry_read(m, n);
}

/* The companion of a syscall-exit probe: a tp_btf program on sys_enter. */
static void emit_syscall_entry(struct em_file *f, struct entry_save *s)
{
	const struct tpdb_event *ev = s->dp->target->data;
	struct em m = { .f = f, .dp = s->dp };
	int idx = s->dp->index;
	const char *filter = "";

	m.frame_type = arena_printf(f->e->arena, "fr_entry_%d", idx);
	if (ev->kind == TPDB_SYSCALL)
		filter = arena_printf(f->e->arena, "\tif ((long)ctx[1] != %d)\n\t\treturn 0;\n",
				      ev->syscall_nr);
	for (int i = 0; i < s->n; i++) {
		const char *v = em_long(&m, s->nodes[i]->lhs);

		em_line(&m, "__ev[%d] = %s;", i, v);
	}
	sb_printf(&f->kern, "struct fr_entry_%d {\n\tchar __pad;\n%s};\n\n"
			    "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, TAPIR_NEST_MAX);\n"
			    "\t__type(key, u32);\n\t__type(value, struct fr_entry_%d);\n} fm_entry_%d SEC(\".maps\");\n\n",
		  idx, m.frame.data ? m.frame.data : "", idx, idx);
	sb_printf(&f->kern, "SEC(\"tp_btf/sys_enter\")\nint probe_%d_entry(u64 *ctx)\n{\n"
			    "\tstruct fr_entry_%d *F;\n\tu64 __tid = bpf_get_current_pid_tgid();\n"
			    "\ts64 __ev[%d] = { 0 };\n\tu32 slot;\n\tint nest;\n%s%s"
			    "\tnest = tapir_probe_enter();\n\tif (nest < 0)\n\t\treturn 0;\n\tslot = nest;\n"
			    "\tF = bpf_map_lookup_elem(&fm_entry_%d, &slot);\n\tif (!F)\n\t\tgoto tapir_out;\n%s"
			    "\tbpf_map_update_elem(&tapir_entry_%d, &__tid, __ev, BPF_ANY);\n"
			    "tapir_out: __attribute__((unused));\n\ttapir_probe_leave();\n\treturn 0;\n}\n\n",
		  idx, idx, EM_ENTRY_MAX, m.cvars.data ? m.cvars.data : "", filter, idx,
		  m.body.data ? m.body.data : "", idx);
	vec_push(f->e->arena, &f->kprobes,
		 (void *)arena_printf(f->e->arena,
				      "{ \"probe_%d_entry\", TAPIR_ATTACH_TP_BTF, \"sys_enter\", { 0 }, \"%s (entry)\" }",
				      idx, ev->full));
	sb_free(&m.body);
	sb_free(&m.cvars);
	sb_free(&m.frame);
}

void bpf_emit_entries(struct em_file *f)
{
	if (entries.f != f)
		return;
	for (int i = 0; i < entries.n; i++) {
		struct entry_save *s = &entries.saves[i];

		if (bpf_is_uprobe(s->dp->target))
			bpf_uprobe_emit_entry(f, s->dp, s->nodes, s->n);
		else
			emit_syscall_entry(f, s);
	}
	entries.f = NULL;
}
