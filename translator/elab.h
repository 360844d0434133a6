/* elab.h - pass 2: the elaborated program that both backends translate.
 *
 * Elaboration turns the parsed files (the user's and the tapset library's)
 * into: the globals with their types, the functions that are called, and
 * the derived probes, each a concrete attach target from a provider with
 * its own copy of the body (alias prologues and epilogues folded in).
 */
#ifndef TAPIR_ELAB_H
#define TAPIR_ELAB_H

#include "tapir.h"

enum sym_kind { SYM_GLOBAL, SYM_LOCAL, SYM_PARAM };

/* The most keys an array may have: the parser's foreach takes 9 (struct
 * ast_foreach's key_sort), and so does every array here. SystemTap has no
 * such limit. */
#define ELAB_MAX_KEYS 9

struct symbol {
	enum sym_kind kind;
	const char *name;
	struct loc loc;            /* declaration, or first use for a local */
	enum ast_type type;        /* value type; element type for arrays */
	struct loc type_loc;       /* where the type was first inferred */
	bool is_array;
	bool is_scalar;            /* used without an index somewhere */
	struct loc arity_loc;      /* where is_array/is_scalar was first decided */
	bool reported;             /* an error named it: don't repeat it at each use */
	const struct ast *hist;    /* its first @hist_log/@hist_linear: one kind a statistic */
	int nkeys;                 /* -1 until known */
	enum ast_type key_types[ELAB_MAX_KEYS];
	struct ast_global *decl;   /* globals */
	const struct source *src;  /* declaring file (private globals) */
	bool is_private;
	/* How the script uses it, as SystemTap's varuse counts: ++, -- and
	 * op= are writes only (PR6954), delete is a read and a write. A
	 * global's initialiser is neither. */
	bool read, written;
	bool updated;              /* ++, -- or op=: read-modify-write */
	bool from_library;
	bool used;                 /* referenced at all after optimisation */
	int index;                 /* order of declaration */
};

struct func {
	const char *name;
	struct ast_decl *decl;
	const struct source *src;
	struct vec params;         /* struct symbol * */
	struct vec locals;         /* struct symbol * */
	enum ast_type ret;
	struct loc ret_loc;
	bool used;
	bool resolved;             /* symbols bound */
	bool from_library;
};

/* ---- probe providers (translator/probes/) ------------------------------ */

struct elab;
struct probe_target;
struct derived_probe;
struct tpdb;
struct kfdb;
struct btf;

/* What a target is, for the backends (probe_target.kind). */
enum probe_kind {
	PK_BEGIN, PK_END, PK_ERROR, PK_NEVER,
	PK_TIMER,          /* num[0]: period ns, num[1]: randomize ns (0: none) */
	PK_TIMER_PROFILE,  /* every CPU, at the scheduler tick */
	PK_PERF,           /* num[0]: type, num[1]: config, num[2]: period or
			    * frequency, num[3]: 1 when num[2] is a frequency */
	PK_TRACE,          /* data: const struct tpdb_event * */
	PK_KFUNC,          /* kernel function (probes/kfunc.c): str[0] function,
			    * str[1] module or NULL, num[0] 1 for .return,
			    * num[1] argument slots (-1: untyped), num[2]
			    * absolute address or 0, num[3] KF_* flags;
			    * data: const struct kfdb_func * or NULL */
	PK_UPROBE,         /* process(...): str[0] binary, num[0] file offset, num[1]
			    * pid (0: any, -1: target()), num[2] semaphore's file
			    * offset (0: none), num[3] link-time address */
	PK_URETPROBE,      /* process(...).return: as PK_UPROBE, but num[2] is the
			    * file offset where its parameters are read (@entry) */
	PK_PROCFS_READ,    /* procfs("PATH").read: str[0] PATH, num[0] maxsize (0:
			    * the runtime's default), num[1] umask (-1: none) */
	PK_PROCFS_WRITE,   /* procfs("PATH").write: as PK_PROCFS_READ */
};

/* A context variable a probe offers ($prev, $count ...). */
struct ctx_var {
	const char *name;          /* without '$' */
	const char *type_name;     /* C spelling: "struct task_struct *" */
	enum ast_type type;        /* how a script sees it: long or string */
	int btf_id;                /* 0 when unknown */
	int src;                   /* provider's own: where the value comes from */
	int index;                 /* provider's own: argument slot */
	const struct btf *btf;     /* the BTF btf_id is in; NULL: the
				    * tracepoint database's (vmlinux) */
	void *data;                /* provider's own: process(...)'s struct uvar */
};

/* One concrete attach target a provider resolved a probe point to. */
struct probe_target {
	const struct provider *prov;
	const char *name;          /* canonical probe point: timer.ms(100) */
	int kind;                  /* provider's own sub-kind */
	int64_t num[4];            /* provider's own parameters */
	const char *str[2];
	void *data;
	struct vec vars;           /* struct ctx_var * */
	int64_t priority;          /* begin/end/error(N) */
	struct loc loc;
};

/* The parameters a probe point gave, matched against a provider pattern. */
struct probe_match {
	const struct ast_probe_point *pp;
	const struct probe_pattern *pattern;
	const struct ast *args[8]; /* per pattern component: its literal or NULL */
	int nargs;
};

/* A provider pattern: "timer.ms(number).randomize(number)" — components
 * joined by '.', each "name", "name(number)" or "name(string)". */
struct probe_pattern {
	const char *text;
	int kind;                  /* handed back to the provider */
};

struct provider {
	const char *family;        /* for messages and -v: "timer", "kernel.trace" */
	const struct probe_pattern *patterns;
	int npatterns;
	/* Resolve a matched point into targets (none is "no match"). Errors go
	 * to diag at m->pp->loc; returns -1 after an error, else 0. */
	int (*resolve)(struct elab *e, const struct probe_match *m, struct vec *targets);
	/* Optional: adjust a probe derived from one of its targets, its body
	 * already a private copy (procfs rewrites $value). */
	void (*derive)(struct elab *e, struct derived_probe *dp);
};

extern const struct provider probe_begin_provider, probe_timer_provider, probe_perf_provider,
	probe_trace_provider, probe_kfunc_provider,
	probe_process_provider, probe_procfs_provider;

/* The registry: every provider, in the order their patterns are tried. */
extern const struct provider *const probe_providers[];
extern const int probe_nproviders;

/* Match a point against a pattern; fills m on success. */
bool probe_pattern_match(const struct probe_pattern *pat, const struct ast_probe_point *pp,
			 struct probe_match *m);
/* The literal's value as a number/string, or report at its location. */
bool probe_arg_num(struct elab *e, const struct probe_match *m, int i, int64_t *out);
const char *probe_arg_str(struct elab *e, const struct probe_match *m, int i);
struct probe_target *probe_target_new(struct elab *e, const struct provider *prov,
				      const struct probe_match *m, const char *name);

/* ---- the elaborated program -------------------------------------------- */

struct derived_probe {
	struct probe_target *target;
	struct ast *body;          /* BLOCK, private copy */
	struct ast *cond;          /* conditions of the point and its aliases, ANDed */
	struct vec locals;         /* struct symbol * */
	const char *origin;        /* the user's probe point list, for the -p2 comment */
	const char *listed;        /* -l: the alias name the user's point named, or NULL */
	struct vec aliases;        /* struct ast_decl *: the aliases it was expanded
				    * through, the one the probe named first */
	struct ast_decl *decl;     /* the user's probe */
	const struct source *src;
	int index;
	bool synthetic;            /* the auto-print end probe */
};

struct program {
	struct vec globals;        /* struct symbol * */
	struct vec functions;      /* struct func *, those used */
	struct vec probes;         /* struct derived_probe * */
	struct vec embeds;         /* struct ast_decl * DECL_EMBEDDED in used files */
};

struct elab_options {
	bool guru;
	bool unoptimized;          /* -u */
	bool list_mode;            /* -l/-L: resolve points only */
	bool list_vars;            /* -L: and type the aliases' locals */
	const char *runtime;       /* "kernel" or "bpf" */
	int verbose;               /* -v: providers say which source answered */
	const char *target_cmd;    /* -c: process(...) without a path probes it */
	int target_pid;            /* -x */
	bool skip_badvars;         /* an unreadable $var is 0 with a warning */
	const char *const *globals_set; int nglobals_set; /* -G NAME=VALUE */
	bool no_global_display;    /* --no-global-var-display: autoprint none */
	bool suppress_handler_errors; /* --suppress-handler-errors */
};

struct elab {
	struct arena *arena;
	struct diag_ctx *diag;
	const struct pp_env *env;
	struct elab_options opt;
	struct vec user_files;     /* struct ast_file * */
	struct vec lib_files;      /* struct ast_file * */
	struct vec used_files;     /* files pulled into the program */
	/* indexes over all files, built once */
	struct vec all_functions;  /* struct func * (one per declaration) */
	struct vec all_aliases;    /* struct ast_decl * */
	struct vec all_globals;    /* struct symbol * */
	struct program prog;
	int probe_counter;
	struct tpdb *tpdb;         /* tracepoint database, opened on first use */
	struct kfdb *kfdb;         /* kernel functions (probes/kfunc_db.h), likewise */
	struct vec globals_passed; /* const char *: the -G the kmod loader passes on */
};

/* Pass 2 entry point: returns 0, or -1 when errors were reported. */
int elab_run(struct elab *e);
/* -p2 output. */
void elab_dump(const struct elab *e, FILE *out, int verbose); /* bodies at -vv */
void elab_dump_functions(const struct elab *e, FILE *out);
void elab_dump_aliases(const struct elab *e, FILE *out);
void elab_dump_probe_types(FILE *out);
/* -l / -L: print the probe points (and variables) a pattern resolves to. */
int elab_list(struct elab *e, const char *pattern, bool vars, FILE *out);

/* Steps of pass 2, one file each, in the order elaborate.c runs them. */
void sym_index_files(struct elab *e);                     /* symbols.c */
int alias_derive_probes(struct elab *e);                  /* alias.c */
void alias_derive_file(struct elab *e, struct ast_file *f); /* a used tapset's probes */
int sym_resolve_program(struct elab *e);                  /* symbols.c */
int types_infer(struct elab *e);                          /* types.c */
void opt_program(struct elab *e);                         /* optimize.c */
void autoprint_add(struct elab *e);                       /* autoprint.c */
int gopt_apply(struct elab *e);                           /* gopt.c: -G */
bool gopt_type_globals(struct elab *e);                   /* gopt.c: true if one was typed */

/* ctxvar.c: a $var's ->member/[index] chain against its BTF type. With
 * report, a step that does not resolve is an error at it; *type (if not
 * NULL) gets the type the chain ends at. */
enum ctx_chain {
	CTX_CHAIN_OK,
	CTX_CHAIN_AGGREGATE, /* ends at a struct or union: no value to read */
	CTX_CHAIN_BAD,
};
enum ctx_chain ctx_chain_check(struct elab *e, const struct ctx_var *v, const struct ast *target,
			       bool report, const char **type);
/* The same walk from the kernel BTF type id, from step from on, the
 * chain's start written as prefix in messages. out->plan gets what each
 * step does and what the chain ends at, for the emitters: a step through
 * a pointer loads it first; an index right after @cast() indexes the cast
 * pointer itself. */
enum { CTX_STEP_IN_PLACE = '.', CTX_STEP_LOAD = 'l', CTX_STEP_CAST_INDEX = 'i' };
enum { CTX_END_VALUE = 'v', CTX_END_ARRAY = 'a', CTX_END_AGGREGATE = 's', CTX_END_POINTER = 'p' };
struct ctx_walk_out {
	const struct btf *btf; /* the BTF id is in (NULL: the kernel's) */
	char *plan;            /* chain.len + 2 chars, or NULL */
	const char *type;      /* the type the chain ends at */
	int64_t size;          /* its size in bytes (<0: unknown) */
	int64_t offset;        /* bytes from the start, while offset_known: */
	bool offset_known;     /* no step went through a pointer, every index
				  was a constant (set it before the walk) */
	int64_t *steps;        /* chain.len entries, or NULL: each member's byte
				  offset in its aggregate, each index's element size */
	bool is_signed;        /* the end is a signed integer or enum */
	int bit_offset, bit_size; /* the end is a bitfield: bits past its byte */
};
enum ctx_chain ctx_chain_walk(struct elab *e, unsigned id, const struct ast *target, int from,
			      const char *prefix, bool report, struct ctx_walk_out *out);

/* cast.c: @cast(ptr, "type" [, "module"]) against the kernel's BTF: sets
 * n->str to the type's C spelling and n->plan; false (with report, after
 * an error) when the type or the chain doesn't resolve. cast_address():
 * &@cast(N, ...)->chain as a constant when no step reads memory. */
bool cast_resolve(struct elab *e, struct ast *n, bool report, bool in_addrof);
bool cast_address(const struct ast *n, int64_t *value);

/* Helpers shared by the steps. */
struct func *sym_find_function(struct elab *e, const char *name, int nargs);
void elab_use_file(struct elab *e, const struct source *src);

/* probes/unsupported.c: why a known probe family is not resolved, or NULL. */
const char *probe_unsupported_reason(const char *point);
/* procfs files probed twice in a way the runtime can't serve (one read
 * probe a file; with fifo, not read and written): errors, -1. */
int procfs_check_files(struct elab *e, bool fifo);
/* probes/trace.c: the target of event SYSTEM:NAME, or NULL if absent. */
/* The tracepoint database (probes/trace.c), opened on first use with the
 * BTF of the kernel the script is for; NULL (and *why) if it can't be. */
struct tpdb *trace_db(struct elab *e, const char **why);
struct probe_target *trace_target(struct elab *e, const char *system, const char *name,
				  struct loc loc);
/* entry.c: @entry(EXPR) in return probes, for the kmod runtime, as a
 * probe on the entry that saves EXPR per thread. */
void entry_synthesize(struct elab *e);
/* Is e made of parameters, constants and operators only, so that its
 * value at the return, over the parameters saved at the entry, is its
 * value at the entry? (Memory a member chain reads may have changed.) */
bool entry_params_only(const struct ast *e);

/* embed_names.c: does an embedded-C text name one of names[0..n), as a
 * C identifier, or a macro of macros (made by embed_macros() from the
 * program's %{ %} blocks, each marked when it names one of names,
 * directly or through another)? */
bool embed_names_any(const char *text, size_t len, const char *const *names, size_t n,
		     const struct vec *macros);
struct vec *embed_macros(struct arena *a, const struct vec *embeds, const char *const *names,
			 size_t n);

#endif /* TAPIR_ELAB_H */
