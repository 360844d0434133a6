/* kmod_kprobe.c - kernel-function probes (PK_KFUNC) in the kmod backend:
 * kernel.function, module().function, kprobe.function (.call, .return,
 * .exported) and kprobe.statement(ADDR).absolute become kprobes and
 * kretprobes (runtime/kmod/tapir_probes.h).
 *
 * An entry probe reads $param from the argument registers of its pt_regs
 * (c->regs). A .return probe reads them from u64 slots (c->targs), as a
 * tracepoint's arguments come: those its kretprobe's entry handler saved
 * in the instance's data, since SystemTap's $param and @entry() in a
 * .return probe are values at entry. $return is the return register, read
 * from the kretprobe's pt_regs.
 */
#include <string.h>

#include "kmod.h"
#include "probes/kfunc.h"

/* The symbol a kprobe is registered on: "mod:func" for a module's. */
static const char *kp_symbol(struct km_file *f, const struct probe_target *t)
{
	if (t->str[1])
		return arena_printf(f->e->arena, "%s:%s", t->str[1], t->str[0]);
	return t->str[0];
}

/* The argument registers as slots, each read by its constant index (a
 * load apiece; a loop over regs_get_kernel_argument() looks each up). */
static void emit_args(struct km_file *f, const char *dst)
{
	for (int i = 0; i < KM_KARG_REGS; i++)
		sb_printf(&f->probes, "\t%s[%d] = regs_get_kernel_argument(regs, %d);\n", dst, i, i);
}

/* An entry's arguments are read from its registers where the script reads
 * them (kmod_ctxvar.c, _tapir_arg): nothing to copy on each hit. */
static void emit_entry(struct km_file *f, int id)
{
	sb_printf(&f->probes, "static int probe_%d_kp(struct kprobe *p, struct pt_regs *regs)\n{\n"
			      "\tprobe_%d(regs, NULL);\n\treturn 0;\n}\n", id, id);
}

/* Does a .return's kretprobe keep data: the arguments, @entry slots? */
static bool has_data(bool args, int saver)
{
	return args || saver >= 0;
}

/* A .return's handler, and the entry handler that saves the argument
 * registers for it (args: it reads them), zeroes the @entry slots after
 * them and runs their saver (kmod_entry.c); none when there is nothing
 * to keep. */
static void emit_return(struct km_file *f, int id, bool args, int saver, int nslots)
{
	if (has_data(args, saver)) {
		sb_printf(&f->probes, "static int probe_%d_ke(struct kretprobe_instance *ri, "
				      "struct pt_regs *regs)\n{\n\tu64 *args = (u64 *)ri->data;\n\n", id);
		if (args)
			emit_args(f, "args");
		if (saver >= 0)
			sb_printf(&f->probes, "\tmemset(args + %d, 0, %d * sizeof(u64));\n"
					      "\tprobe_%d(regs, args);\n", KM_KARG_REGS, nslots, saver);
		sb_puts(&f->probes, "\treturn 0;\n}\n");
	}
	sb_printf(&f->probes,
		  "static int probe_%d_kr(struct kretprobe_instance *ri, struct pt_regs *regs)\n{\n"
		  "\tprobe_%d(regs, %s);\n\treturn 0;\n}\n",
		  id, id, has_data(args, saver) ? "(const u64 *)ri->data" : "NULL");
}

int km_emit_kprobe(struct km_file *f, const struct probe_target *t, int id, bool args,
		   int saver, int nslots)
{
	struct arena *a = f->e->arena;
	bool ret = t->num[0] != 0;

	if (ret && (t->num[3] & KF_ABSOLUTE)) {
		diag_at(f->e->diag, DIAG_ERROR, t->loc, "%s: an absolute address has no .return",
			t->name);
		return -1;
	}
	if (ret)
		emit_return(f, id, args, saver, nslots);
	else
		emit_entry(f, id);
	sb_printf(&f->probes, "static struct tapir_kprobe kp_%d = {\n", id);
	if (t->num[3] & KF_ABSOLUTE)
		sb_printf(&f->probes, "\t.kp = { .addr = (kprobe_opcode_t *)0x%llxULL },\n",
			  (unsigned long long)t->num[2]);
	else
		sb_printf(&f->probes, "\t.symbol = %s,\n", km_quote(a, kp_symbol(f, t)));
	if (ret && has_data(args, saver))
		sb_printf(&f->probes, "\t.ret = true,\n\t.krp = { .entry_handler = probe_%d_ke, "
				      ".data_size = %d * sizeof(u64) },\n", id, KM_KARG_REGS + nslots);
	else if (ret)
		sb_puts(&f->probes, "\t.ret = true,\n");
	sb_puts(&f->probes, "};\n\n");
	sb_printf(&f->arm, "\ttapir_kprobe_arm(&kp_%d, %s, %s, %s, &nkprobes);\n", id,
		  ret ? "NULL" : arena_printf(a, "probe_%d_kp", id),
		  ret ? arena_printf(a, "probe_%d_kr", id) : "NULL", km_quote(a, t->name));
	sb_printf(&f->disarm, "\ttapir_kprobe_unregister(&kp_%d);\n", id);
	f->nkprobes++;
	return 0;
}

/* The end of tapir_arm(): the session fails when no kernel-function probe
 * could be armed; those that could not were warned about one by one. */
void km_kprobe_arm_end(struct km_file *f, struct strbuf *arm)
{
	if (!f->nkprobes)
		return;
	sb_printf(arm, "\tif (!rc && nkprobes == 0)\n\t\trc = -ENOENT;\n");
}
