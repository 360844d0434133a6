/* tracepoint_db.h - resolution of kernel.trace("SUBSYS:NAME") probe points.
 *
 * The database lists the trace events of tracefs (available_events), matches
 * SystemTap patterns against them, and describes each match the way pass 2
 * and the backends need it: what to attach to (a tracepoint through tp_btf or
 * raw_tp, or the trace event through perf), and which $variables a script
 * sees, with their C types as SystemTap spells them and their BTF type ids.
 *
 * Sources: tracefs for the event list, ids and format files; vmlinux BTF for
 * the TP_PROTO arguments (the btf_trace_<tp> typedef gives the types, the
 * __traceiter_<tp> function the names, since the typedef's parameters are
 * anonymous); a built-in x86-64 syscall table for syscalls:sys_{enter,exit}_X
 * (see tpdb_syscall_nr).
 *
 * Memory: everything an event points to is owned by the database and lives
 * until tpdb_close(). Errors are negative errno values; tpdb_errmsg() says
 * what failed, naming the file, event or pattern.
 */
#ifndef TAPIR_TRACEPOINT_DB_H
#define TAPIR_TRACEPOINT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct tpdb;

enum tpdb_kind {
	TPDB_TRACEPOINT, /* a kernel tracepoint: the event is the tracepoint */
	TPDB_SYSCALL,    /* syscalls:sys_{enter,exit}_X: a view of raw_syscalls
			    filtered on the syscall number */
	TPDB_EVENT,      /* a trace event with no tracepoint behind it in BTF
			    (kprobe/uprobe/synthetic events, or no BTF at all) */
};

enum tpdb_attach {
	TPDB_ATTACH_TP_BTF, /* tp_btf (or raw_tp) on tp_name; args by BTF */
	TPDB_ATTACH_PERF,   /* perf tracepoint on the event id; args from the
			       format fields */
};

/* Where a $variable's value comes from, for the attach method chosen. */
enum tpdb_src {
	TPDB_SRC_TP_ARG,      /* TP_PROTO argument #index (0-based, after the
				 hidden void *__data): raw_tp ctx slot index */
	TPDB_SRC_SYSCALL_ARG, /* syscall argument #index, read from the pt_regs
				 that is TP_PROTO argument 0 of sys_enter
				 (x86-64: di si dx r10 r8 r9), cast to c_type */
	TPDB_SRC_FIELD,       /* format field #index of the trace record */
};

/* One field of the event's tracefs format file (common_* fields left out). */
struct tpdb_field {
	const char *name;
	const char *decl;   /* the type as tracefs prints it: "char *",
			       "__data_loc char[]", "u8" (array size in array_len) */
	int offset, size;   /* in the trace record, bytes */
	int array_len;      /* N for "type name[N]", -1 when N is not a number
			       ("[sizeof(...)]": size has the bytes), else 0 */
	bool is_signed;
	bool data_loc;      /* __data_loc/__rel_loc: a u32, len << 16 | offset
			       (from the record's start; __rel_loc: from the
			       end of this field) */
};

/* One $variable of a probe. */
struct tpdb_arg {
	const char *name;   /* without the '$' */
	const char *c_type; /* SystemTap's spelling: "struct task_struct*",
			       "char const*", "long int", "bool" */
	__u32 btf_id;       /* vmlinux BTF type id, 0 when not known */
	int size;           /* bytes of the value (8 for pointers) */
	bool is_signed;
	bool is_ptr;        /* pointer or array: a script can dereference it */
	enum tpdb_src src;
	int index;
};

struct tpdb_event {
	const char *system;   /* "sched" */
	const char *name;     /* "sched_switch" */
	const char *full;     /* "sched:sched_switch" */
	enum tpdb_kind kind;
	enum tpdb_attach attach;
	int id;               /* tracefs event id (perf config), -1 if unreadable */
	/* Tracepoint to attach tp_btf/raw_tp to: the event name, or "sys_enter"
	 * / "sys_exit" for syscalls:*. NULL for TPDB_EVENT. */
	const char *tp_name;
	bool has_btf;         /* btf_trace_<tp_name> is in vmlinux BTF */
	__u32 btf_proto_id;   /* its FUNC_PROTO (first param void *__data) */
	bool names_guessed;   /* BTF had no parameter names: args are arg1.. */
	/* The $variables, in TP_PROTO order (tracepoints) or format order. */
	struct tpdb_arg *args;
	int nr_args;
	/* The TP_PROTO arguments of tp_name, i.e. the tp_btf/raw_tp program's
	 * arguments: the same array as args for a tracepoint, (regs, id) or
	 * (regs, ret) for syscalls:*; none when !has_btf. */
	struct tpdb_arg *tp_args;
	int nr_tp_args;
	struct tpdb_field *fields; /* the format file's fields */
	int nr_fields;
	/* TPDB_SYSCALL only. The kernel emits these events for native syscalls
	 * only (not for compat/ia32 tasks); a tp_btf program should do the same. */
	bool syscall_exit;
	const char *syscall;  /* "getppid", "newfstat": the SYSCALL_DEFINE name */
	int syscall_nr;       /* native syscall number, -1 if not known */
	/* C expression over tp_name's arguments giving the syscall number to
	 * compare with syscall_nr: "id" on sys_enter, "regs->orig_ax" on
	 * sys_exit (x86-64). NULL when not known for this architecture. */
	const char *syscall_nr_expr;
};

/* Open the database. tracefs: the tracefs mount (NULL: /sys/kernel/tracing,
 * then /sys/kernel/debug/tracing); btf_path: a BTF file (NULL: the running
 * kernel's vmlinux BTF; "" to run without BTF). A missing BTF is not an
 * error (every event then attaches through perf); a missing tracefs is.
 * *dbp is set even on failure, to hold the message: tpdb_close() it. */
int tpdb_open(struct tpdb **dbp, const char *tracefs, const char *btf_path);
void tpdb_close(struct tpdb *db);
const char *tpdb_errmsg(const struct tpdb *db);
bool tpdb_has_btf(const struct tpdb *db);
/* The vmlinux BTF the database reads (NULL without one), for the type ids
 * of struct tpdb_arg; owned by the database. */
struct btf;
const struct btf *tpdb_btf(const struct tpdb *db);
/* A BTF type as SystemTap spells it ("struct task_struct*") into buf. */
void tpdb_type_text(const struct tpdb *db, __u32 id, char *buf, size_t len);
int tpdb_event_count(const struct tpdb *db);

/* Check a kernel.trace pattern: "SUBSYS:NAME" or "NAME", each part a glob
 * with * ? and [...] as fnmatch(3) has them. 0 or -EINVAL (tpdb_errmsg). */
int tpdb_check_pattern(struct tpdb *db, const char *pattern);

/* The events matching pattern, resolved, sorted by "system:name" (strcmp
 * order, which is also the order of SystemTap's listings). *evsp is a
 * malloc'ed array (free() it; the events stay the database's). Returns the
 * count, 0 when nothing matches, or a negative errno. */
int tpdb_match(struct tpdb *db, const char *pattern,
	       const struct tpdb_event ***evsp);

/* One event by exact system and name, resolved; NULL if absent. */
const struct tpdb_event *tpdb_lookup(struct tpdb *db, const char *system,
				     const char *name);

/* The probe point as SystemTap prints it: -l gives
 *   kernel.trace("sched:sched_switch")
 * and -L (with_vars) appends " $name:c_type" for each argument. No newline. */
void tpdb_print_probe(FILE *out, const struct tpdb_event *ev, bool with_vars);

/* stap -l / -L for one pattern: one line per match, sorted. Returns the
 * number of lines or a negative errno. */
int tpdb_list(struct tpdb *db, const char *pattern, bool with_vars, FILE *out);

/* For a pattern that matched nothing: up to max "system:name" event names
 * closest to it (edit distance, where the pattern's wildcards match for
 * free), best first. The strings are the database's. Returns the count. */
int tpdb_suggest(struct tpdb *db, const char *pattern, const char **out,
		 int max);

/* tpdb_type_text for any BTF (a module's split BTF, say). */
void tpdb_btf_type_text(const struct btf *btf, __u32 id, char *buf, size_t len);

/* tpdb_suggest over any list of names: up to max of names closest to the
 * glob pattern, best first. Returns the count. */
int tpdb_suggest_names(const char *pattern, const char *const *names, int nr, const char **out,
		       int max);

/* The native syscall number of a syscall by its SYSCALL_DEFINE name, as the
 * syscalls:sys_enter_<name> events spell it ("newfstat", "umount"), or by
 * its ABI name ("fstat", "umount2"); -1 if unknown. Built in for x86-64
 * (syscall numbers are ABI and never change); other architectures: -1. */
int tpdb_syscall_nr(const char *name);
/* The ABI name of syscall nr ("fstat" for 5 on x86-64), NULL if none. */
const char *tpdb_syscall_name(int nr);

#endif
