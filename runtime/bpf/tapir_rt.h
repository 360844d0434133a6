/* tapir_rt.h - the contract between a generated BPF-backend program's user
 * side (prog.user.c, written by backends/bpf) and the executor library
 * (runtime/bpf/librtbpf.a) it is linked with.
 *
 * The artifact of pass 4 is one executable: the executor, the generated
 * user side (begin/end/error probes and the description below), and the
 * BPF object embedded as bytes. Its main() calls tapir_main().
 *
 * The BPF object's .bss holds exactly one variable, "tapir_G", whose type
 * begins with struct tapir_state (tapir_rec.h) and goes on with the
 * script's scalar globals; the executor maps it and hands its address to
 * the user side (tapir_globals()). Arrays and statistics are BPF maps,
 * named in the description so the user side can reach them by index.
 */
#ifndef TAPIR_RT_H
#define TAPIR_RT_H

#include <stddef.h>
#include <stdint.h>

#include "rt_format.h"
#include "rt_hist.h"
#include "rt_stats.h"
#include "tapir_rec.h"

enum tapir_attach {
	TAPIR_ATTACH_TP_BTF,  /* target: the tracepoint ("sched_switch") */
	TAPIR_ATTACH_RAW_TP,  /* target: the tracepoint */
	TAPIR_ATTACH_PERF_TP, /* target: "system:event" through perf_event_open */
	TAPIR_ATTACH_TIMER,   /* num[0]: period ns, num[1]: randomize ns; one CPU */
	TAPIR_ATTACH_PROFILE, /* num[0]: period ns; every online CPU */
	TAPIR_ATTACH_PERF,    /* num[0] type, num[1] config, num[2] period or
			       * frequency, num[3] 1 if frequency; every CPU */
	TAPIR_ATTACH_KFUNC,   /* target: kernel function (NULL: num[1] is an
			       * absolute address); num[0]: 1 for .return;
			       * prog: kprobe program, alt_prog: fentry/fexit
			       * one tried first, alt_entry: kprobe saving the
			       * arguments for a kretprobe (rt_exec_kfunc.c) */
	TAPIR_ATTACH_UPROBE,  /* target: the binary; num[0] file offset, num[1]
			       * pid (0 any, -1 the -c/-x target), num[2] the
			       * SDT semaphore's file offset (0: none), num[3] 1
			       * for a uretprobe */
};

/* One BPF program of the object and where to attach it. */
struct tapir_kprobe {
	const char *prog;     /* the program's function name in the object */
	enum tapir_attach attach;
	const char *target;
	long long num[4];
	const char *pp;       /* probe point, for messages and -v */
	const char *alt_prog; /* TAPIR_ATTACH_KFUNC only, or NULL */
	const char *alt_entry;
	const char *module;   /* NULL: vmlinux */
	/* TAPIR_ATTACH_KFUNC .return only, or NULL: the kprobe and fentry
	 * programs at the function's entry that save its @entry values */
	const char *entry_kprobe, *entry_fentry;
};

/* A probe that runs in user space: begin, end, error. */
struct tapir_uprobe {
	void (*fn)(void);
	long long priority;
	const char *pp;
};

/* A procfs("PATH").read or .write probe: runs in user space when a
 * reader opens the file's FIFO, or on what a writer wrote to it
 * (rt_exec_procfs.c); "__stdin" write probes take the standard input. */
struct tapir_procfs {
	void (*fn)(void);
	const char *path;     /* relative to the session's folder */
	int write;            /* 1: a write probe */
	long long maxsize;    /* bytes of $value: read buffer, write chunk */
	int umask;            /* procfs.umask(U), -1 for none */
	const char *pp;
};

/* How the statistics map number i is laid out, for aggregation. */
struct tapir_stat_map {
	const char *map;      /* map name in the object */
	struct rt_stat_desc desc;
	size_t key_size;      /* 0 for a scalar statistic (array map, key 0) */
};

/* -t: one probe of the "probe hit report", in SystemTap's stap_probes[]
 * order (its position is the report's "index:" and, for a kernel probe,
 * its slot in the tapir_timing map). */
struct tapir_timing_probe {
	int index;
	const char *pp;         /* the resolved probe point */
	const char *location;   /* file:line:col of the probe in the script */
	const char *derivation; /* " from: ..." as SystemTap prints it */
	const char *prog;       /* its BPF program, or NULL */
	void (*fn)(void);       /* or its user-space function, or NULL (never) */
};

struct tapir_program {
	const unsigned char *obj;
	size_t obj_len;
	const char *script;   /* the script's name, for messages */
	const struct tapir_kprobe *kprobes;
	int nkprobes;
	const struct tapir_uprobe *begin, *end, *error;
	int nbegin, nend, nerror;
	const char *const *fmts;       /* printf formats by id (TAPIR_REC_PRINTF) */
	int nfmts;
	const char *const *error_locs; /* "identifier 'x' at file:line:col" by id */
	int nerror_locs;
	const char *const *maps;       /* map names, by the index the user side uses */
	int nmaps;
	size_t globals_size;           /* sizeof the type of tapir_G */
	void (*init_globals)(void *g); /* initialisers; runs before begin probes */
	/* timer probes whose bodies need user space (sorted foreach, reading
	 * statistics, printing histograms): run by the executor every
	 * priority nanoseconds while the script runs. */
	const struct tapir_uprobe *utimers;
	int nutimers;
	const struct tapir_stat_map *stat_maps; /* statistics by stat index */
	int nstat_maps;
	int maxerrors;                 /* MAXERRORS (-D), 0 for SystemTap's default */
	const struct rt_hist_style *hist_style; /* -DHIST_WIDTH/-DHIST_ELISION; NULL: defaults */
	const struct tapir_timing_probe *timing; /* -t: built with timing, else NULL */
	int ntiming;
	const struct tapir_procfs *procfs;  /* procfs probes */
	int nprocfs;
	const char *module_name;        /* -m NAME, or NULL: tapir_PID */
};

/* The artifact's main: parses the executor's options (-o FILE, -c CMD,
 * -x PID, -T SECS, -v, -w, -t), loads and attaches, runs begin probes,
 * streams records, ends on exit()/SIGINT/SIGTERM/-T/-c's end, runs end
 * probes (error probes instead when errors passed MAXERRORS), detaches
 * and frees everything. Returns the process exit status: 1 after any
 * error, a failed -c command or a failed load, else 0. */
int tapir_main(const struct tapir_program *p, int argc, char **argv);

/* ---- for the generated user side (begin/end/error probes) -------------- */

void *tapir_globals(void);                /* the mapped tapir_G */
int tapir_map_fd(int map_index);
/* printf/print from a user-space probe: formatted at once to the output. */
void tapir_printf(int fmt_id, const struct rt_value *args, int nargs);
void tapir_print(const char *s, size_t len);
/* sprintf into buf (MAXSTRINGLEN bytes). */
void tapir_sprintf(char *buf, size_t size, int fmt_id, const struct rt_value *args, int nargs);
void tapir_exit(void);
/* A run-time error in a user-space probe: "ERROR: msg near LOC", counted
 * (past MAXERRORS the run ends, and error probes run instead of end
 * probes, as in SystemTap); the current probe is abandoned by longjmp. */
void tapir_error(int loc_id, const char *msg) __attribute__((noreturn));
void tapir_warn(const char *msg);
long long tapir_target(void);             /* -c/-x pid, 0 if none */
/* system(), printk(), switch_file() of a user-space probe: done at once,
 * after the output so far (rt_exec_cmd.c). */
void tapir_system(const char *cmd);
/* $value of the procfs probe that runs: a copy into buf (size bytes), or
 * set to s (append: added to its end, up to the file's maxsize). */
void tapir_procfs_get(char *buf, size_t size);
void tapir_procfs_set(const char *s, int append);
void tapir_printk(long level, const char *msg);
void tapir_switch_file(void);
/* Reads size bytes (str: a string, at most size - 1 and a NUL) of kernel
 * memory at addr into dst, as bpf_probe_read_kernel(_str) would in a
 * kernel probe: its result (bytes of a string, 0, or -errno on a fault). */
long tapir_kread(void *dst, uint32_t size, uint64_t addr, int str);
/* The address of the calling thread's task_struct, 0 if it can't be had. */
long long tapir_current_task(void);
/* Replaces the stack and symbol markers in buf (size bytes) by what they
 * name (runtime/bpf/rt_exec_sym.c), cut to size - 1 bytes. */
void tapir_sym_resolve(char *buf, size_t size);

/* Map access from user space: 0, or -ENOENT when absent. */
int tapir_map_get(int map_index, const void *key, void *value);
int tapir_map_set(int map_index, const void *key, const void *value);
int tapir_map_delete(int map_index, const void *key);
int tapir_map_clear(int map_index);
/* Aggregate statistic i (index into tapir_stat_maps) for key (NULL for a
 * scalar) over all CPUs; hist (may be NULL) gets desc.buckets counts.
 * -ENOENT if absent or empty (count 0), *out then zero. */
int tapir_stat_get(int stat_index, const void *key, struct rt_agg *out, int64_t *hist);
/* print(@hist_*(s)): bytes written, or -ENODATA for an empty histogram
 * (SystemTap's "empty aggregate" error, for the caller to raise). */
int tapir_hist_print(int stat_index, const struct rt_agg *agg, const int64_t *hist);
/* stat <<< v in a user-space probe. */
int tapir_stat_add(int stat_index, const void *key, int64_t v);

/* Iterate a map's keys in an order: sort 0 (map order), +1/-1 by key
 * column col (0-based, or -1 for the value, or the aggregate named by agg
 * for a statistics map: "@count" "@sum" "@min" "@max" "@avg"; NULL is
 * @count), at most limit entries (< 0 for all). Long columns and values
 * are int64; string ones are char arrays (NUL-terminated unless full).
 * Equal sort values keep their keys' order (each column ascending). The
 * callback gets each key; it returns non-zero to stop (break), and
 * tapir_foreach returns that value, 0 after the last key, or -errno
 * (-EINVAL for an iterator that does not fit the map). */
struct tapir_key_col {
	size_t offset;
	int is_string;
};
struct tapir_iter {
	int map_index;
	int stat_index;                /* >= 0 for a statistics map */
	size_t key_size, value_size;
	int value_is_string;           /* sort by value: strcmp, not numbers */
	const struct tapir_key_col *cols;
	int ncols;
	int sort;                      /* 0, +1, -1 */
	int sort_col;                  /* -1: the value (or agg) */
	const char *agg;
	long long limit;
};
int tapir_foreach(const struct tapir_iter *it, int (*fn)(const void *key, void *ctx), void *ctx);

#endif /* TAPIR_RT_H */
