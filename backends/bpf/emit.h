/* emit.h - the BPF backend's C emitter (pass 3), shared by its files.
 *
 * One lowering serves both sides of a generated program: the kernel side
 * (prog.bpf.c, BPF C for clang -target bpf) and the user side
 * (prog.user.c: begin/end/error probes, run by the executor). Expressions
 * lower to a C expression plus statements emitted before it; the two sides
 * differ only in their preludes (runtime/bpf/tapir_gen_{kern,user}.h) and
 * in where locals live (kernel: long locals are C variables the verifier
 * can track, strings live in a per-CPU frame; user: everything in a
 * static frame, so that foreach bodies can run as callbacks).
 */
#ifndef TAPIR_BPF_EMIT_H
#define TAPIR_BPF_EMIT_H

#include "elab.h"

struct bpf_opts {
	int maxstringlen;      /* -D MAXSTRINGLEN, 128 by default */
	int maxmapentries;     /* -D MAXMAPENTRIES, 2048 by default */
	int maxerrors;
	const char *tapir_rt_dir; /* where runtime/bpf and runtime/common are */
	bool timing;           /* -t: keep each probe's own time (emit_timing.c) */
	int maxaction;         /* -D MAXACTION: statements a user-side probe run may */
	int maxaction_interruptible; /* ... begin/end/error probes: 10 x MAXACTION */
	int maxnesting;        /* -D MAXNESTING: depth of recursive calls */
	const char *module_name; /* -m NAME, or NULL */
};

/* Per-global facts the emitter computes once. */
struct em_global {
	struct symbol *sym;
	int map_index;          /* user-side map index (arrays, stats), or -1 */
	int stat_index;         /* statistics index, or -1 */
	int hist_type;          /* RT_HIST_* used by @hist_* on it */
	int start, stop, interval, buckets;
	bool variance;          /* @variance is read: keep its running sums */
	int shift;              /* @variance(s, shift) */
};

struct em_file {
	struct elab *e;
	const struct bpf_opts *o;
	struct strbuf kern, user;         /* the two files */
	struct strbuf kern_decls, user_decls; /* types and maps, emitted first */
	struct vec globals;               /* struct em_global * */
	struct vec fmts;                  /* const char *: printf formats by id */
	struct vec error_locs;            /* const char * */
	struct vec map_names;             /* const char * (user side indexes) */
	struct vec kprobes;               /* const char *: tapir_kprobe initialisers */
	struct vec user_probes[4];        /* begin, end, error, user timers */
	struct vec procfs;                /* const char *: tapir_procfs initialisers */
	struct vec done_funcs[2];         /* struct func * emitted, per side */
	int nstat;
	bool uses_context;                /* some embedded C reads CONTEXT */
	struct vec *frame_macros;         /* %{ %} macros that reach a frame (emit_inline.c) */
	bool failed;
};

/* The lowering of one probe or function body on one side. */
struct em {
	struct em_file *f;
	bool user;                 /* user side */
	bool in_function;
	struct func *fn;
	struct derived_probe *dp;
	struct strbuf body;        /* statements */
	struct strbuf frame;       /* fields of the frame struct */
	struct vec fields;         /* struct em_field *: its temporaries, reused (em_field) */
	int stmt_depth;
	struct strbuf cvars;       /* kernel side: C locals */
	int indent;
	int ntemps;
	int loop_depth;
	const char *frame_type;    /* struct name of the frame */
	struct loc stmt;           /* kernel side: the statement being lowered */
	bool longs_in_frame;       /* kernel side: long locals in the frame (emit_kforeach.c) */
};

/* emit_expr.c */
const char *em_expr(struct em *m, struct ast *n);
const char *em_long(struct em *m, struct ast *n);   /* as an s64 C expression */
void em_line(struct em *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *em_tmp_long(struct em *m);
const char *em_tmp_str(struct em *m);
const char *em_field(struct em *m, const char *prefix, const char *decl);
void em_fields_release(struct em *m, int depth);
void em_error(struct em *m, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct em_global *em_global_of(struct em_file *f, const struct symbol *s);
const char *em_quote(struct em *m, const char *s);
int em_fmt_id(struct em_file *f, const char *fmt);
int em_loc_id(struct em_file *f, const char *what, struct loc loc);
void em_assign_to(struct em *m, struct ast *lhs, const char *val, enum ast_type t);
const char *em_local_ref(struct em *m, const struct symbol *s);
void em_key(struct em *m, const struct symbol *arr, struct vec *args, const char **key_out);
const char *em_overflow_msg(struct em_file *f, const struct symbol *s);

/* emit_cast.c: @cast(...)->chain, or its address */
const char *em_cast(struct em *m, struct ast *n, bool address);

/* emit_stmt.c */
void em_stmt(struct em *m, struct ast *n);
const char *em_call(struct em *m, struct ast *n);
/* emit_inline.c: can a call of fn be written in place, and its value. */
bool em_fn_inline(struct em *m, const struct func *fn);
const char *em_call_inline(struct em *m, struct ast *n);
const char *em_take_callbacks(struct em_file *f);
void em_reset_locals(struct em *m, const struct vec *locals);
void em_add_callback(const char *text);

/* emit_try.c */
void em_raise(struct em *m, const char *loc, const char *msg);
void em_call_check(struct em *m, const char *frame);
void em_try(struct em *m, struct ast *n, int label);
void em_try_jump(struct em *m);
bool em_try_active(void);
struct em_try_saved {
	int base, depth;
};
struct em_try_saved em_try_suspend(void);
void em_try_resume(struct em_try_saved saved);
void em_try_callback_begin(void);
void em_try_callback_end(void);

/* emit_slice.c */
bool em_has_star(const struct vec *args);
const char **em_slice_values(struct em *m, const struct symbol *arr, struct vec *args);
void em_slice_match(struct em *m, const struct symbol *arr, const struct vec *args,
		    const char **vals, const char *miss);
const char *em_in_slice(struct em *m, struct ast *n);
void em_delete_slice(struct em *m, struct ast *x);

/* emit_hist.c */
int em_hist_buckets(struct em *m, struct ast *h);
const char *em_hist_bucket(struct em *m, struct ast *n);

/* emit_kstat.c: statistics read in a kernel probe, merged over CPUs */
const char *em_kstat_op(struct em *m, struct ast *n);
const char *em_kstat_bucket(struct em *m, struct ast *n);
void em_kstat_clear(struct em *m, const struct symbol *s);
void em_kstat_hist_print(struct em *m, struct ast *h);
void em_kstat_walks(struct em_file *f, const struct em_global *g);

/* emit_kforeach.c: foreach and delete of a whole array in kernel probes */
bool em_kwalks(const struct ast *n);
bool em_kloops(const struct ast *n);
void em_kact(struct em *m, int cost, struct loc loc);
void em_kforeach(struct em *m, struct ast *n);
bool em_kloop_ok(const struct em *m);
void em_kloop(struct em *m, struct ast *n);
void em_kdelete_all(struct em *m, const struct symbol *s);
void em_kwalk_begin(struct em *m, int id, const char *limit);
void em_kwalk_end(struct em *m);
const char *em_kin_slice(struct em *m, struct ast *n);
void em_kdelete_slice(struct em *m, struct ast *x);
/* emit_ksort.c: sorted foreach in kernel probes */
void em_ksorted(struct em *m, struct ast *n, int id, const char *limit);
/* emit_stmt.c: are break/continue/next/return lowered for a callback? */
bool em_enter_callback(bool on);
bool em_in_callback(void);

/* emit_timing.c: -t; each is empty (or does nothing) without it */
void em_timing_kern_decls(struct em_file *f);
const char *em_timing_begin(const struct em_file *f);
const char *em_timing_end(const struct em_file *f, const struct derived_probe *dp);
void em_timing_user_table(struct em_file *f, const bool *user);
const char *em_timing_fields(const struct em_file *f);

/* emit_kfunc.c: kernel-function probes (PK_KFUNC), one program per way
 * to attach (variant 0: kprobe, 1: fentry); em_kfunc_variant prints the
 * macros the body reads arguments through and fills in the program. */
struct em_kfunc_prog {
	const char *section, *name, *ctx_type;
	const char *pre;           /* statements before the body */
};
int em_kfunc_nvariants(const struct derived_probe *dp);
void em_kfunc_variant(struct em_file *f, const struct derived_probe *dp, int v, struct strbuf *o,
		      struct em_kfunc_prog *p);
/* the tapir_kprobe initialiser, the point quoted as the script wrote it */
const char *em_kfunc_attach(struct em_file *f, const struct probe_target *t, int idx);
const char *em_kfunc_target(struct em *m, struct ast *n);
const char *em_kfunc_addr(struct em *m, struct ast *n);
struct btf;
const char *em_read_chain(struct em *m, struct ast *n, const char *base, const struct btf *btf,
			  uint32_t id, bool address);
const char *em_hex_list(struct em *m, struct ast *n, int count, const char *const *names,
			const char *const *vals);
/* emit_tpchain.c: the operator of a tracepoint member step ("->" or ".") */
const char *em_tp_chain_step(struct em *m, uint32_t *id, const char *member, bool *bitfield);
/* emit_regex.c: s =~ "re", s !~ "re" */
const char *em_regex(struct em *m, struct ast *n);
/* emit_entry.c: @entry(e) in a .return probe; the value saved at the
 * entry for node n (its slot in the companion program's record); the
 * statements that take the record, at the start of the return probe's
 * body; does probe N have companions; the companion programs, after
 * every probe. */
#define EM_ENTRY_MAX 16 /* @entry values a probe keeps */
const char *em_entry(struct em *m, struct ast *n);
const char *em_entry_read(struct em *m, struct ast *n);
void em_entry_take(struct em *m);
bool em_entry_saves(const struct em_file *f, int probe_index);
void bpf_emit_entries(struct em_file *f);

/* emit_regs.c: CONTEXT's registers and arguments, at a kernel probe's start */
void em_ctx_regs(struct em *m, const struct derived_probe *dp);

/* emit_file.c */
void em_line_at(struct em_file *f, struct strbuf *o, struct loc loc);
int bpf_emit(struct elab *e, const struct bpf_opts *o, const char *dir);

#endif /* TAPIR_BPF_EMIT_H */
