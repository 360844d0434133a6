/* kfunc_db.h - what kernel.function / kprobe.function probe points resolve
 * against: the running kernel's functions.
 *
 * Sources, cheapest first, none needing debuginfo:
 *   - BTF (/sys/kernel/btf/vmlinux, /sys/kernel/btf/<module>): which
 *     functions exist as functions, with their prototypes (parameter names
 *     and types);
 *   - /proc/kallsyms: which of them are real symbols in the running kernel
 *     (a BTF function without a symbol was inlined everywhere), their
 *     addresses, and __ksymtab_ entries for .exported;
 *   - tracefs available_filter_functions, when readable: which symbols
 *     ftrace (and so fentry and optimised kprobes) may attach to; a symbol
 *     missing there is notrace.
 * Kernel DWARF is not read: "func@file" filters need it and are refused
 * with a message saying so.
 *
 * Memory: everything handed out is owned by the database and lives until
 * kfdb_close(). Errors are negative errno values with kfdb_errmsg().
 */
#ifndef TAPIR_KFUNC_DB_H
#define TAPIR_KFUNC_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;
struct kfdb;

struct kfdb_func {
	const char *name;
	const char *module;      /* NULL: vmlinux */
	const struct btf *btf;   /* its BTF (a module's is split over vmlinux's);
				    NULL when only kallsyms knows it */
	__u32 proto;             /* its FUNC_PROTO, 0 without BTF */
	unsigned long long addr; /* kallsyms address, 0 when not a symbol */
	bool in_kallsyms;
	bool traceable;          /* in available_filter_functions, or that
				    list could not be read */
	bool exported;           /* EXPORT_SYMBOL'd (__ksymtab_ entry) */
	bool init;               /* __init code (_sinittext.._einittext),
				    freed after boot */
};

/* release: the kernel probes are for (-r), NULL or the running one's for
 * the running kernel; for another, its System.map and the BTF of its
 * vmlinux (TAPIR_VMLINUX, or libbpf's places) stand for kallsyms and
 * /sys/kernel/btf, the running kernel's where they are missing. */
int kfdb_open(struct kfdb **dbp, const char *release);
void kfdb_close(struct kfdb *db);
const char *kfdb_errmsg(const struct kfdb *db);
/* Which sources answered, for -v: "BTF /sys/kernel/btf/vmlinux (60123
 * functions), /proc/kallsyms (121787 text symbols), ..." */
const char *kfdb_sources(const struct kfdb *db);
/* Was available_filter_functions read (else traceable is a guess)? */
bool kfdb_has_filter_list(const struct kfdb *db);
/* Does the kernel export anything (has __ksymtab_ symbols)? */
bool kfdb_has_exports(const struct kfdb *db);
const struct btf *kfdb_vmlinux_btf(const struct kfdb *db);
/* The vmlinux (with its BTF) of release when that is another kernel than
 * the running one (TAPIR_VMLINUX, or libbpf's places), into buf; NULL for
 * the running kernel, or when none is found. */
const char *kfdb_other_vmlinux(const char *release, char *buf, size_t len);

/* The functions of module (NULL: vmlinux) whose names match the glob,
 * sorted by name. with_symbols: also functions only kallsyms knows (for
 * kprobe.function, which needs no types). *out is malloc'ed (free() it).
 * Returns the count, or a negative errno (a module without BTF, say). */
int kfdb_match(struct kfdb *db, const char *module, const char *pattern, bool with_symbols,
	       const struct kfdb_func ***out);
/* Up to max function names closest to a pattern that matched nothing. */
int kfdb_suggest(struct kfdb *db, const char *module, const char *pattern, const char **out,
		 int max);

#endif
