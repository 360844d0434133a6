/* kfunc.h - the kernel-function provider's target layout, shared by
 * translator/probes/kfunc*.c and the backends (PK_KFUNC in elab.h). */
#ifndef TAPIR_KFUNC_H
#define TAPIR_KFUNC_H

#include "elab.h"

/* probe_target.num[3] of a PK_KFUNC target. */
enum {
	KF_RETURN = 1,     /* .return */
	KF_EXPORTED = 2,   /* .exported */
	KF_UNTYPED = 4,    /* kprobe.*: no BTF, no $vars */
	KF_MODULE = 8,     /* module("m").function / kprobe.module */
	KF_ABSOLUTE = 16,  /* kprobe.statement(ADDR).absolute */
};

/* ctx_var.src of a PK_KFUNC variable. */
enum { KF_SRC_ARG, KF_SRC_RETURN };

struct kfdb_func;

/* The $vars of f (its parameters, and $return for a .return probe with a
 * non-void result) onto t; num[1] gets the argument slots. */
void kfunc_add_vars(struct elab *e, struct probe_target *t, const struct kfdb_func *f,
		    bool is_return);

#endif
