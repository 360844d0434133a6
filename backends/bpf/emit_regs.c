/* emit_regs.c - the registers and the arguments of the probe that runs,
 * for the tapsets' int_arg() ... register() family and returnval()
 * (tapsets/bpf/regs-bpf.stp): a kernel probe stores them in CONTEXT as it
 * starts, when some function of the script reads CONTEXT->regs or
 * CONTEXT->args (or CONTEXT->user_mode_p: user_mode()).
 *
 *   probe                     regs                   args
 *   kernel function (kprobe)  its pt_regs            its arguments (TAPIR_KARG:
 *                                                    fentry slots, or the
 *                                                    entry's, saved, in .return)
 *   process(...) uprobe       its pt_regs (user)     the x86-64 call registers
 *   syscalls:sys_*            the syscall's pt_regs  the syscall's arguments
 *                             (user)                 (di si dx r10 r8 r9)
 *   timer.profile, perf.*     the sampled pt_regs    none
 *   other tracepoints, timers none                   none
 */
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"
#include "probes/kfunc.h"
#include "probes/tracepoint_db.h"

static bool reads_regs(const struct em_file *f)
{
	const struct program *p = &f->e->prog;

	for (int i = 0; i < p->functions.len; i++) {
		const struct func *fn = p->functions.items[i];
		const char *c = fn->decl->embedded;

		if (c && (strstr(c, "CONTEXT->regs") || strstr(c, "CONTEXT->args") ||
			  strstr(c, "CONTEXT->user_mode_p")))
			return true;
	}
	return false;
}

static const struct tpdb_event *syscall_event(const struct probe_target *t)
{
	const struct tpdb_event *ev = t->data;

	return t->kind == PK_TRACE && ev && ev->kind == TPDB_SYSCALL ? ev : NULL;
}

static void store_args(struct em *m, const char *fmt, int n)
{
	static const char *const sys_regs[] = { "di", "si", "dx", "r10", "r8", "r9" };
	static const char *const call_regs[] = { "di", "si", "dx", "cx", "r8", "r9" };

	for (int i = 0; i < n && i < 6; i++) {
		if (!strcmp(fmt, "sys"))
			em_line(m, "\t__c->args[%d] = ((struct pt_regs *)ctx[0])->%s;", i, sys_regs[i]);
		else if (!strcmp(fmt, "call"))
			em_line(m, "\t__c->args[%d] = ctx->%s;", i, call_regs[i]);
		else
			em_line(m, "\t__c->args[%d] = TAPIR_KARG(%d);", i, i);
	}
	em_line(m, "\t__c->nargs = %d;", n < 6 ? n : 6);
}

void em_ctx_regs(struct em *m, const struct derived_probe *dp)
{
	const struct probe_target *t = dp->target;
	const char *regs = "0", *user = "0";

	if (m->user || !reads_regs(m->f))
		return;
	em_line(m, "{");
	em_line(m, "\tstruct tapir_context *__c = CONTEXT;");
	if (t->kind == PK_KFUNC) {
		regs = "TAPIR_KREGS";
		/* a function without BTF: its arguments are what the registers hold */
		store_args(m, "karg", (t->num[3] & KF_UNTYPED) ? 6 : (int)t->num[1]);
	} else if (bpf_is_uprobe(t)) {
		regs = "ctx";
		user = "1";
		store_args(m, "call", 6);
	} else if (syscall_event(t)) {
		regs = "ctx[0]";
		store_args(m, "sys", 6);
	} else if (t->kind == PK_TIMER_PROFILE || t->kind == PK_PERF) {
		/* the interrupted registers: the kernel's context holds a
		 * pointer to them (tapir_regs_perf reads it and their cs) */
		store_args(m, "none", 0);
		em_line(m, "\ttapir_regs_perf((void *)ctx);");
		em_line(m, "}");
		return;
	} else {
		store_args(m, "none", 0);
	}
	em_line(m, "\t__c->regs = (struct pt_regs *)(%s);", regs);
	em_line(m, "\t__c->user_mode_p = %s;", user);
	em_line(m, "}");
}
