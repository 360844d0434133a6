/* kmod_uprobe.h - process(...) probes in the kmod emitter (kmod_uprobe.c). */
#ifndef TAPIR_KMOD_UPROBE_H
#define TAPIR_KMOD_UPROBE_H

#include "kmod.h"

/* @entry values a .return probe may read (TAPIR_ENTRY_MAX of the runtime). */
#define TAPIR_KM_ENTRY_MAX 16

bool km_is_uprobe(const struct probe_target *t);
/* Is n an expression of a process(...) probe that km_uprobe_expr lowers:
 * $var, $$vars, @cast, @var, @entry($var)? */
bool km_uprobe_claims(const struct km *m, const struct ast *n);
const char *km_uprobe_expr(struct km *m, struct ast *n);
/* After emit_handler: the uprobe (and its @entry companion) of probe id. */
int km_uprobe_emit(struct km_file *f, struct derived_probe *dp, int id);

#endif /* TAPIR_KMOD_UPROBE_H */
