/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_exec.h - the executor's parts, shared by runtime/bpf/rt_exec_*.c.
 *
 * The executor is what staprun and stapio are to a SystemTap module: it
 * loads the BPF object of a generated program, runs its begin probes,
 * attaches its kernel probes, formats what they send through the ring
 * buffer, ends the run, runs the end (or error) probes and frees
 * everything.  A process runs one program, so its state is one object,
 * rt_exec_run, which the tapir_*() functions of the generated user side
 * reach without a handle.
 *
 * Memory: the executor allocates at load (tables sized by the program's
 * description) and in user-space probes (foreach keys, statistics
 * buffers); nothing is allocated per record except a format's first use.
 * Allocations that a probe's error could skip the freeing of (tapir_error
 * longjmps) are registered as scratch and freed when the probe ends.
 */
#ifndef RT_EXEC_H
#define RT_EXEC_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "rt_hist.h"
#include "rt_outfiles.h"
#include "rt_sink.h"
#include "tapir_rt.h"

struct bpf_link;
struct bpf_object;
struct ring_buffer;

/*
 * SystemTap's session states.  Each kind of user probe runs only in its
 * own state: begin probes while STARTING, end probes while STOPPING,
 * error probes in ERROR (entered when errors pass MAXERRORS), so that a
 * run that failed runs its error probes instead of its end probes.
 */
enum rt_exec_state {
	RT_EXEC_STARTING,
	RT_EXEC_RUNNING,
	RT_EXEC_STOPPING,
	RT_EXEC_ERROR,
};

/* The options the artifact is run with (stapio's). */
struct rt_exec_opts {
	const char *output; /* -o FILE */
	const char *rotate; /* -S SIZE[,N] (with -o) */
	const char *cmd;    /* -c CMD */
	long long target;   /* -x PID */
	double timeout;     /* -T SECS; 0: none */
	int verbose;        /* -v, repeatable */
	bool no_warnings;   /* -w */
};

/* A BPF map of the description (tapir_program.maps or .stat_maps). */
struct rt_exec_map {
	int fd;
	unsigned int type; /* enum bpf_map_type */
	size_t key_size, value_size;
	unsigned int max_entries;
};

/* A printf format, compiled on its first use. */
struct rt_exec_fmt {
	struct rt_fmt f;
	struct rt_fmt_dir *dirs;
	struct rt_value *args; /* f.nargs decoded arguments */
	int state;             /* 0: not yet compiled, 1: ready, -1: bad */
};

/* A perf event whose period user space re-draws (timer.randomize). */
struct rt_exec_timer {
	int fd;
	long long period, spread; /* ns */
};

/* Freed when the running user probe ends, however it ends. */
struct rt_exec_scratch {
	struct rt_exec_scratch *next;
	void *ptr;
};

struct rt_exec {
	const struct tapir_program *p;
	struct rt_exec_opts opt;

	/* the loaded object (rt_exec_load.c) */
	struct bpf_object *obj;
	void *bss; /* the .bss map, mmapped */
	size_t bss_size;
	void *globals; /* tapir_G in it */
	struct tapir_state *st;
	struct rt_exec_map *maps;      /* by tapir_program.maps index */
	struct rt_exec_map *stat_maps; /* by tapir_program.stat_maps index */
	int ncpus;                     /* possible CPUs: per-CPU map values */
	char *log;                     /* libbpf's messages while loading */
	size_t log_len, log_cap;
	bool log_capture;

	/* attachments (rt_exec_attach.c) */
	struct bpf_link **links;
	int nlinks;
	struct rt_exec_timer *timers;
	int ntimers;

	/* records and output (rt_exec_rec.c, rt_exec_out.c) */
	struct ring_buffer *rb;
	struct rt_sink out;
	char *outbuf;
	int out_fd;
	bool out_broken; /* a write failed: output is discarded */
	struct rt_outfiles files; /* -o's files: switch_file(), -S */
	bool out_flushing; /* an explicit flush: write partial lines too */
	struct rt_exec_fmt *fmts;
	void *warned; /* tsearch() tree of the warnings printed once */
	unsigned int nwarned;
	long long bad_records;

	/* the session (rt_exec_probe.c) */
	enum rt_exec_state state;
	bool end;          /* the main loop must stop */
	int errors;        /* reported, user and kernel */
	int kernel_errors; /* of them, ERROR records */
	int status;        /* the exit status so far */
	jmp_buf *probe_jmp;
	struct rt_exec_scratch *scratch;

	/* -c CMD (rt_exec_child.c) */
	pid_t child;
	int child_gate; /* write end of the pipe the child waits on */
	bool child_done;

	/* the main loop (rt_exec_loop.c) */
	int sig_fd, timer_fd;

	/* -t (rt_exec_timing.c): NULL unless the program was built with it */
	struct rt_exec_timing *timing;

	/* procfs probes (rt_exec_procfs.c): NULL unless the program has them */
	struct rt_exec_procfs *procfs;

	/* TAPIR_STATS_FILE (rt_exec_stats.c): when -c's command ran, CLOCK_MONOTONIC ns */
	int64_t child_start_ns, child_end_ns;
};

extern struct rt_exec rt_exec_run;

/* rt_exec_procfs.c: the files of procfs probes, made before the -c
 * command starts and removed with the session; the main loop polls the
 * fds they give, hands back their events, and ticks for readers every
 * rt_exec_procfs_wait() ms (-1: never). */
struct pollfd;
int rt_exec_procfs_start(struct rt_exec *x);
void rt_exec_procfs_stop(struct rt_exec *x);
int rt_exec_procfs_fds(const struct rt_exec *x, struct pollfd *fds, int max);
void rt_exec_procfs_events(struct rt_exec *x, const struct pollfd *fds, int n);
void rt_exec_procfs_tick(struct rt_exec *x);
int rt_exec_procfs_wait(const struct rt_exec *x);

/* rt_exec_opts.c */
int rt_exec_parse_opts(struct rt_exec_opts *o, int argc, char **argv);

/* rt_exec_msg.c: stderr, stdout flushed first so that 2>&1 reads in order */
void rt_exec_errorf(struct rt_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_exec_note(struct rt_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_exec_warn_msg(struct rt_exec *x, const char *msg, size_t len);
void rt_exec_warn_free(struct rt_exec *x);
/* A run-time error of a probe: "ERROR: msg near loc", counted. */
void rt_exec_probe_error(struct rt_exec *x, const char *msg, size_t len, int loc_id);

/* rt_exec_out.c */
int rt_exec_out_open(struct rt_exec *x);
void rt_exec_out_flush(struct rt_exec *x);
void rt_exec_out_close(struct rt_exec *x);
struct rt_exec_fmt *rt_exec_fmt_get(struct rt_exec *x, int id);
void rt_exec_fmt_free(struct rt_exec *x);
void rt_exec_fmt_failed(struct rt_exec *x, int id, int rc);
int rt_exec_print_args(struct rt_exec *x, const struct rt_fmt *f, const struct rt_value *args,
                       size_t nargs, char *buf, size_t size);
void rt_exec_print_raw(struct rt_exec *x, const char *s, size_t len);

/* rt_exec_log.c: libbpf's messages, the verifier's reason */
void rt_exec_log_start(struct rt_exec *x);
void rt_exec_log_stop(struct rt_exec *x);
void rt_exec_log_report(struct rt_exec *x, int err);
void rt_exec_log_unhook(void);

/* rt_exec_load.c */
int rt_exec_load(struct rt_exec *x);
void rt_exec_unload(struct rt_exec *x);

/* rt_exec_kread.c: frees the kernel reader, if a probe made it */
void rt_exec_kread_free(void);

/* rt_exec_cpus.c */
int rt_exec_online_cpus(int **cpus);

/* rt_exec_attach.c */
int rt_exec_attach(struct rt_exec *x);
void rt_exec_detach(struct rt_exec *x);
/* rt_exec_uprobe.c: NULL after a message */
struct bpf_program;
struct bpf_link *rt_exec_attach_uprobe(struct rt_exec *x, const struct tapir_kprobe *k,
                                       struct bpf_program *prog);
void rt_exec_timers_redraw(struct rt_exec *x);

/* rt_exec_rec.c */
int rt_exec_rec_open(struct rt_exec *x);
void rt_exec_rec_drain(struct rt_exec *x);
void rt_exec_rec_close(struct rt_exec *x);

/* rt_exec_cmd.c: system(), printk(), switch_file() */
void rt_exec_system(struct rt_exec *x, const char *cmd, size_t len);
void rt_exec_printk(struct rt_exec *x, int level, const char *msg, size_t len);
void rt_exec_switch_file(struct rt_exec *x);

/* rt_exec_child.c */
int rt_exec_child_fork(struct rt_exec *x, const sigset_t *mask);
int rt_exec_child_release(struct rt_exec *x);
void rt_exec_child_kill(struct rt_exec *x);
bool rt_exec_child_reap(struct rt_exec *x);

/* rt_exec_loop.c */
int rt_exec_signals_block(struct rt_exec *x, sigset_t *old);
void rt_exec_signals_restore(struct rt_exec *x, const sigset_t *old);
int rt_exec_loop(struct rt_exec *x);

/* rt_exec_probe.c */
void rt_exec_request_end(struct rt_exec *x);
void rt_exec_run_uprobes(struct rt_exec *x, const struct tapir_uprobe *u, int n,
                         enum rt_exec_state want);
void rt_exec_run_init(struct rt_exec *x);
void rt_exec_run_utimer(struct rt_exec *x, const struct tapir_uprobe *u);
/* One run of a user-space probe's function fn (a procfs probe), while
 * the session runs; its output is flushed by the caller. */
void rt_exec_run_fn(struct rt_exec *x, void (*fn)(void));
void *rt_exec_scratch_alloc(struct rt_exec *x, size_t size);
void rt_exec_scratch_free(struct rt_exec *x, void *ptr);
void rt_exec_scratch_free_all(struct rt_exec *x);

/* rt_exec_maps.c */
struct rt_exec_map *rt_exec_map_get(struct rt_exec *x, int map_index);
struct rt_exec_map *rt_exec_stat_map_get(struct rt_exec *x, int stat_index);
int rt_exec_stat_merge(struct rt_exec *x, int stat_index, const void *key, struct rt_agg *a,
                       int64_t *hist);

/* rt_exec_timing.c: -t; each does nothing for a program built without */
struct bpf_prog_info;
void rt_exec_timing_start(struct rt_exec *x);
int64_t rt_exec_timing_clock(const struct rt_exec *x);
void rt_exec_timing_user(struct rt_exec *x, void (*fn)(void), int64_t t0);
int rt_exec_timing_prog_info(struct rt_exec *x, const char *prog, struct bpf_prog_info *info);
void rt_exec_timing_report(struct rt_exec *x);
int64_t rt_exec_timing_hits(struct rt_exec *x); /* kernel probes' hits, -1 without -t */
void rt_exec_timing_free(struct rt_exec *x);

/* rt_exec_stats.c: the run's figures for tapir --compare */
int64_t rt_exec_stats_clock(void);
void rt_exec_stats_write(struct rt_exec *x);

/* rt_exec_kfunc.c: kernel functions, fentry/fexit else kprobe/kretprobe;
 * prepare before the object loads (it picks the programs to load). */
int rt_exec_kfunc_prepare(struct rt_exec *x, const struct tapir_kprobe *k);
int rt_exec_kfunc_attach(struct rt_exec *x, const struct tapir_kprobe *k);
void rt_exec_kfunc_free(void);

/* rt_exec_sym.c, rt_exec_ksym.c, rt_exec_usym.c: the markers of the stack
 * and symbol functions, replaced by symbols where output is made. */
struct rt_exec_sym {
	const char *name, *module;
	uint64_t offset, size;
};
bool rt_exec_ksym_lookup(uint64_t addr, struct rt_exec_sym *out);
bool rt_exec_usym_lookup(int pid, uint64_t addr, struct rt_exec_sym *out);
void rt_exec_ksym_free(void);
void rt_exec_usym_free(void);
bool rt_exec_sym_marked(const char *s, size_t len);
char *rt_exec_sym_expand(const char *s, size_t len, size_t *out_len);
void rt_exec_sym_args(struct rt_value *v, size_t n, char **owned);
void rt_exec_sym_args_free(char **owned, size_t n);
void rt_exec_sym_free(void);

#endif /* RT_EXEC_H */
