/* tapir_gen_kern_types.h - types a generated BPF program declares before
 * its globals: the per-CPU statistics record (struct rt_stat's layout) and
 * the probe context the tapsets' embedded C reads as CONTEXT. */
#ifndef TAPIR_GEN_KERN_TYPES_H
#define TAPIR_GEN_KERN_TYPES_H

struct tapir_context {
	const char *probe_point;
	struct pt_regs *regs;
	long user_mode_p;
	/* the probe's arguments, for int_arg() ... (backends/bpf/emit_regs.c) */
	long long args[6];
	long nargs;
};

#endif
