/* kmod.h - the kernel-module backend: pass 3 (module C) and pass 4 (kbuild).
 *
 * The module C is one file, prog.c: the limits, the runtime headers
 * (runtime/kmod/tapir_*.h), the globals, a frame struct per probe and
 * function (locals and temporaries live in the per-CPU context's stack,
 * not on the kernel stack), the functions, the probe handlers, and the
 * module's init/start/stop. Expressions lower to a C expression plus
 * statements emitted before it, as in the BPF backend; an error sets
 * c->unwind and every statement that may fail is followed by a jump to
 * the current unwind label (the handler's end, a function's return, or
 * a try block's catch).
 */
#ifndef TAPIR_KMOD_BACKEND_H
#define TAPIR_KMOD_BACKEND_H

#include "elab.h"

/* A kernel function's argument slots in registers (x86-64 ABI): a
 * .return's kretprobe saves them first in its instance, @entry slots
 * after them (kmod_kprobe.c, kmod_entry.c); more are on the stack, and
 * kmod_ctxvar.c says so at the $var. */
#define KM_KARG_REGS 6

/* a tracepoint's arguments the context holds: tapir_kmod.h's too */
#define TAPIR_MAXTPARGS 16

struct kmod_opts {
	int maxstringlen, maxmapentries, maxerrors, maxaction, maxnesting, maxskipped;
	int bufsize_mb;            /* -s */
	const char *module_name;   /* -m, or NULL: tapir_<hash> */
	const char *const *defines; int ndefines; /* -D NAME=VALUE, passed to the C */
	bool timing;               /* -t */
	const char *const *sym_paths; int nsym_paths; /* -d */
	bool ldd;                  /* --ldd */
	const char *const *modinfo; int nmodinfo; /* --modinfo NAME=VALUE */
};

/* Facts about a global the emitter needs at each use. */
struct km_global {
	struct symbol *sym;
	int hist_type;             /* RT_HIST_* */
	int64_t start, stop, interval;
};

struct km_file {
	struct elab *e;
	const struct kmod_opts *o;
	struct strbuf decls, protos, funcs, probes, init, arm, disarm;
	struct vec globals;        /* struct km_global * */
	struct vec fmts;           /* const char * */
	struct vec done_funcs;     /* struct func * */
	int nlabels;
	int nprobes;
	bool failed;
	int nkprobes;              /* kernel-function probes (kmod_kprobe.c) */
	bool uses_types;           /* member chains: include tapir_ktypes.h */
	struct vec bitfields;      /* const char *: "TYPE.MEMBER" of each tapir_bfN */
	struct vec ubins;          /* const char *: the binaries uprobes are on */
	unsigned char *counters;   /* by position in prog.globals (kmod_counters.c) */
	struct vec *ctx_macros;    /* the embedded blocks' macros (kmod_ctxfree.c) */
	struct vec entries;        /* @entry kept in kretprobes (kmod_entry.c) */
};

struct km_loop {
	int label;
};

/* One body being lowered: a probe handler or a function. */
struct km {
	struct km_file *f;
	struct func *fn;
	struct derived_probe *dp;
	struct vec *locals;        /* struct symbol * */
	struct strbuf body, frame;
	/* a handler's long temporaries, each written before it is read: kept
	 * apart from the frame's zeroed part (locals, keys, strings) */
	struct strbuf scratch;
	/* a handler's first long temporaries as C locals (registers, which
	 * gcc can drop), declared at its top; the rest in the frame */
	struct strbuf ctemps;
	int nctemps;
	/* a handler's hoisted test (kmod_filter.c): it returns before the
	 * handler's entry */
	struct strbuf pre;
	bool split_frame;
	/* a light handler's body: no context ('c'); a map's overflow is
	 * reported by the map (kmod_handler.c) */
	bool lite;
	bool irqoff;               /* a light body adds to a statistic without its lock */
	size_t frame_bytes;        /* about: km_field() */
	bool reads_args;           /* a .return's body reads the saved arguments */
	int indent, ntemps;
	const char *unwind;        /* label an error jumps to */
	struct km_loop loops[64];
	int nloops;
};

/* kmod_expr.c */
const char *km_expr(struct km *m, struct ast *n);
/* kmod_locks.c: a readers/writers lock per global; the locks handler id
 * takes (tapir_locks_ID in the module), false when it uses no global. */
void km_locks_decls(struct km_file *f);
bool km_locks_emit(struct km_file *f, const struct derived_probe *dp, int id);
/* kmod_regex.c: s =~ "re", s !~ "re" */
const char *km_regex(struct km *m, struct ast *n);
void km_line(struct km *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void km_error(struct km *m, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void km_field(struct km *m, bool scratch, size_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
size_t km_key_bytes(const struct km *m, const struct symbol *arr);
const char *km_tmp_long(struct km *m);
const char *km_tmp_long_zeroed(struct km *m);
const char *km_tmp_str(struct km *m);
const char *km_near(struct km *m, const char *what, struct loc loc);
/* kmod_usyms.c: the symbols of the binaries uprobes are on */
void km_usyms_note(struct km_file *f, const char *path);
void km_usyms_emit(struct km_file *f, struct strbuf *out);
/* -d's binaries and, with --ldd, the libraries of those and the probed
 * ones: noted after the probes' binaries, before km_usyms_emit(). */
void km_usyms_extra(struct km_file *f);
const char *km_quote(struct arena *a, const char *s);
void km_check(struct km *m);
void km_stat_variance(struct km *m, const struct symbol *s);
void km_pmap_agg(struct km *m, const struct symbol *arr, struct loc loc);
const char *km_var_ref(struct km *m, const struct symbol *s);
const char *km_key(struct km *m, const struct symbol *arr, struct vec *args);
const char *km_kargs(struct km *m, const char *key);
const char *km_map_set(struct km *m, const char *map, const char *key, const char *near);
void km_assign_to(struct km *m, struct ast *lhs, const char *val, enum ast_type t);
struct km_global *km_global_of(struct km_file *f, const struct symbol *s);
const char *km_stat_ref(struct km *m, struct ast *x, bool create, const char *near);
int km_agg_index(const char *name);

/* kmod_stmt.c */
const char *km_arg_value(struct km *m, struct ast *a);
void km_stmt(struct km *m, struct ast *n);
const char *km_call(struct km *m, struct ast *n);
const char *km_print(struct km *m, struct ast *n);
void km_emit_function(struct km_file *f, struct func *fn);

/* kmod_kprobe.c: a PK_KFUNC target's kprobe or kretprobe (whose entry
 * handler saves the argument registers if args, and runs the @entry
 * saver probe_SAVER, if not -1, over nslots zeroed slots after them:
 * kmod_entry.c); the check at the end of tapir_arm() that one at least
 * was armed. */
int km_emit_kprobe(struct km_file *f, const struct probe_target *t, int id, bool args,
		   int saver, int nslots);
/* kmod_counters.c: is s a counter, a global only added to (but where
 * it runs alone), a long or a statistic? An addition statement to one, emitted as an atomic
 * addition: true if stmt was one. */
bool km_is_counter(struct km_file *f, const struct symbol *s);
bool km_counter_stmt(struct km *m, const struct ast *stmt);
/* kmod_filter.c: a probe's leading test, hoisted before its handler's
 * entry: `if (test) next` (leave when it holds) and the statements after
 * it, or a body `if (test) S` (leave when it fails) and S. */
struct km_filter {
	struct ast *test_if;       /* the if statement */
	bool leave_when_true;
	struct ast *rest;
};
bool km_filter_split(struct km_file *f, struct derived_probe *dp, struct km_filter *flt);
/* kmod_ctxfree.c: can fn (embedded C) be called with no context? */
bool km_fn_ctxfree(struct km_file *f, const struct func *fn);
/* kmod_handler.c: the handler of one derived probe (light, or with a
 * context), true if it may read a .return's saved arguments; a
 * tracepoint's argument count. */
bool km_emit_handler(struct km_file *f, struct derived_probe *dp, int id);
int km_tp_nargs(const struct probe_target *t);
/* kmod_procfs.c: the files of the procfs probes, after their handlers. */
void km_procfs_emit(struct km_file *f);
void km_kprobe_arm_end(struct km_file *f, struct strbuf *arm);

/* kmod_ctxvar.c: $var (chains, &, $$vars...) of kernel probes, @cast. */
const char *km_ctx_target(struct km *m, struct ast *n, bool address);
const char *km_cast(struct km *m, struct ast *n, bool address);

/* kmod_entry.c: @entry in a kernel function's .return: the saver that
 * evaluates them at the entry (NULL if none needs one; made before the
 * return probe's handler), whether dp is one, the u64 slots they take
 * after the saved arguments, an @entry's value. */
struct derived_probe *km_entry_saver(struct km_file *f, struct derived_probe *dp);
bool km_entry_is_saver(const struct km_file *f, const struct derived_probe *dp);
int km_entry_slots(const struct km_file *f, const struct derived_probe *dp);
const char *km_entry(struct km *m, struct ast *n);

/* kmod_slice.c: '*' in an index (foreach, in, delete). */
bool km_has_star(const struct vec *args);
const char *km_slice_match(struct km *m, const struct symbol *arr, struct vec *args,
			   const char *kv);
const char *km_slice_in(struct km *m, struct ast *n);
void km_slice_delete(struct km *m, struct ast *x);

/* kmod_timing.c: -t, the probe hit report's hooks (empty without -t). */
void km_timing_decls(struct km_file *f, struct strbuf *out);
const char *km_timing_decl(const struct km_file *f);
const char *km_timing_begin(const struct km_file *f);
const char *km_timing_end(const struct km_file *f, int id);
const char *km_timing_cleanup(const struct km_file *f);

/* kmod_file.c: pass 3, writes dir/prog.c. */
int kmod_emit(struct elab *e, const struct kmod_opts *o, const char *dir);

struct options; /* translator/options.h */
/* kmod_build.c: pass 4, kbuild into a cached .ko; kdir the build tree
 * (-m names the module, -B adds make arguments, -v says more). */
int kmod_build(struct arena *a, struct diag_ctx *d, const char *src_dir, const char *kdir,
	       const struct options *o, const char **artifact, bool *cached);
/* runtime/common's files a module is built from (NULL-terminated) */
extern const char *const kmod_rt_common[];
int kmod_copy_file(struct diag_ctx *d, const char *from, const char *to);
/* kmod_rtcache.c: runtime/common's objects, built once per kbuild tree. */
uint64_t kmod_rt_hash(struct arena *a, const char *kdir, const char *margs);
const char *kmod_rt_dir(struct arena *a, const char *kdir, const char *margs);
bool kmod_rt_cached(struct arena *a, const char *dir);
int kmod_rt_stage(struct arena *a, struct diag_ctx *d, const char *dir, const char *work);
void kmod_rt_store(struct arena *a, const char *dir, const char *work);
/* The kbuild tree for -r (a release or a folder), or the running kernel's;
 * NULL with an error reported when there is none. */
const char *kmod_kbuild_dir(struct arena *a, struct diag_ctx *d, const char *release_or_dir,
			    const char *running_release);

#endif
