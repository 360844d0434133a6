/* emit_uprobe.h - process(...) probes in the BPF emitter (emit_uprobe.c). */
#ifndef TAPIR_BPF_EMIT_UPROBE_H
#define TAPIR_BPF_EMIT_UPROBE_H

#include "emit.h"

bool bpf_is_uprobe(const struct probe_target *t);
/* SEC("...") of its program. */
const char *bpf_uprobe_section(const struct probe_target *t);
/* Its struct tapir_kprobe initialiser. */
const char *bpf_uprobe_attach(struct em_file *f, const struct probe_target *t, int idx,
			      const char *quoted_pp);
/* A $var of a process(...) probe, as an s64 C expression. */
const char *em_uvar(struct em *m, struct ast *n, const struct ctx_var *v);
/* @cast and @var in a process(...) probe, as an s64 C expression. */
const char *em_ucast(struct em *m, struct ast *n);
/* The entry of .return probe rdp, for its companion program (emit_entry.c):
 * *dp and *t become a uprobe there; returns the program's initialiser. */
const char *bpf_uprobe_entry(struct em_file *f, const struct derived_probe *rdp,
			     struct derived_probe *dp, struct probe_target *t);
/* $$parms, $$locals, $$vars, $$return of a process(...) probe: a string. */
const char *em_uvar_set(struct em *m, struct ast *n);

#endif /* TAPIR_BPF_EMIT_UPROBE_H */
