// SPDX-License-Identifier: GPL-2.0
/*
 * getppid_floor: load one of the floor programs, run a command under it,
 * print how many hits it counted.
 *
 *   getppid_floor [-a tp_btf|raw_tp|tp] [-m count|pid] [-n NR] [-v] -- CMD [ARG...]
 *   getppid_floor -a tp_btf -m empty|hist|printf|switch [-n NR] -- CMD [ARG...]
 *   getppid_floor -a kprobe -m count|pid|empty|hist -- CMD [ARG...]
 *   getppid_floor -a uprobe|usdt -m count -b BINARY -- CMD [ARG...]
 *
 * -n NR filters system call NR instead of getppid (the pread64 loop).
 * -b BINARY is the program a uprobe (its bench_uprobe_target) or a USDT
 * probe (its bench:tick marker) is attached to, in every process.
 * -m empty prints hits=-1 (an empty handler counts nothing); -m hist the
 * latency histogram's total; -m printf prints one line per hit, as a
 * tracer's printf would, then the count; -m switch counts sched_switch.
 *
 * The probe is attached before CMD is started, so every call CMD makes is
 * seen.  Prints "floor attach=A map=M hits=N" after CMD ends and exits
 * with CMD's status.  RLIMIT_MEMLOCK is left alone: libbpf 1.x needs no
 * raise on kernels that charge BPF memory to the memory cgroup (>= 5.11).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "getppid_floor.skel.h"

static int verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: getppid_floor [-a tp_btf|raw_tp|tp|kprobe] "
			"[-m count|pid|empty|hist|printf|switch] [-n NR] [-b BINARY] [-v] "
			"-- CMD [ARG...]\n");
	exit(2);
}

static unsigned long long printed;

/* Whole lines only, as a tracer's output buffer: stdio would cut a line
 * where its buffer fills, and the command shares our stdout. */
static char outbuf[1 << 16];
static size_t outlen;

static void out_flush(void)
{
	if (outlen && write(1, outbuf, outlen) < 0)
		perror("getppid_floor: write");
	outlen = 0;
}

static int print_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)size;
	if (outlen > sizeof(outbuf) - 16)
		out_flush();
	outlen += (size_t)snprintf(outbuf + outlen, sizeof(outbuf) - outlen, "%u\n",
				   *(const __u32 *)data);
	printed++;
	return 0;
}

static unsigned long long hist_hits(struct getppid_floor_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus();
	unsigned long long sum = 0;
	__u64 vals[1024];

	if (ncpus <= 0 || ncpus > 1024)
		return 0;
	for (__u32 b = 0; b < 64; b++) {
		if (bpf_map__lookup_elem(skel->maps.lat_hist, &b, sizeof(b), vals,
					 sizeof(vals[0]) * ncpus, 0))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
	}
	return sum;
}

/* The program named ATTACH_MAP, e.g. tp_btf_count; NULL if none. */
static struct bpf_program *floor_program(struct getppid_floor_bpf *skel,
					 const char *attach, const char *map)
{
	char want[64];
	struct bpf_program *prog;

	snprintf(want, sizeof(want), "%s_%s", attach, map);
	bpf_object__for_each_program(prog, skel->obj)
		if (strcmp(bpf_program__name(prog), want) == 0)
			return prog;
	return NULL;
}

static unsigned long long pid_hits(struct getppid_floor_bpf *skel, pid_t pid)
{
	__u32 key = (__u32)pid;
	__u64 val = 0;

	if (bpf_map__lookup_elem(skel->maps.per_pid, &key, sizeof(key),
				 &val, sizeof(val), 0))
		return 0;
	return val;
}

/* Attaches PROG as ATTACH says: the user-space ones to BINARY. */
static struct bpf_link *attach_floor(struct bpf_program *prog,
				     const char *attach, const char *binary)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .func_name = "bench_uprobe_target");

	if (strcmp(attach, "uprobe") && strcmp(attach, "usdt"))
		return bpf_program__attach(prog);
	if (!binary) {
		fprintf(stderr, "getppid_floor: -a %s needs -b BINARY\n", attach);
		errno = EINVAL;
		return NULL;
	}
	if (strcmp(attach, "usdt") == 0)
		return bpf_program__attach_usdt(prog, -1, binary, "bench", "tick", NULL);
	return bpf_program__attach_uprobe_opts(prog, -1, binary, 0, &uopts);
}

static int run_command(char **argv, pid_t *child, struct ring_buffer *rb)
{
	int status;
	pid_t w;

	*child = fork();
	if (*child < 0) {
		perror("getppid_floor: fork");
		return -1;
	}
	if (*child == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "getppid_floor: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	/* With a ring buffer, print its records while CMD runs. */
	while (rb && (w = waitpid(*child, &status, WNOHANG)) == 0)
		ring_buffer__poll(rb, 50);
	if (rb) {
		ring_buffer__consume(rb);
		out_flush();
		if (w < 0) {
			perror("getppid_floor: waitpid");
			return -1;
		}
	} else if (waitpid(*child, &status, 0) < 0) {
		perror("getppid_floor: waitpid");
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	const char *attach = "tp_btf", *map = "count", *binary = NULL;
	struct getppid_floor_bpf *skel = NULL;
	struct bpf_program *prog, *chosen, *exit_prog = NULL;
	struct bpf_link *link = NULL, *exit_link = NULL;
	struct ring_buffer *rb = NULL;
	long nr = SYS_getppid;
	unsigned long long hits;
	int opt, err, rc = 1;
	pid_t child;

	while ((opt = getopt(argc, argv, "a:b:m:n:v")) != -1) {
		switch (opt) {
		case 'a': attach = optarg; break;
		case 'b': binary = optarg; break;
		case 'm': map = optarg; break;
		case 'n': nr = atol(optarg); break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	libbpf_set_print(print_libbpf);

	skel = getppid_floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "getppid_floor: open: %s\n", strerror(errno));
		goto out;
	}
	chosen = floor_program(skel, attach, map);
	if (!chosen) {
		fprintf(stderr, "getppid_floor: no program '%s_%s' "
				"(attach: tp_btf raw_tp tp kprobe uprobe usdt; map: count pid ...)\n",
			attach, map);
		goto out;
	}
	if (strcmp(map, "hist") == 0)
		exit_prog = floor_program(skel, attach, "hist_exit");
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == chosen || prog == exit_prog);
	skel->rodata->target_nr = nr;

	err = getppid_floor_bpf__load(skel);
	if (err) {
		fprintf(stderr, "getppid_floor: load: %s\n", strerror(-err));
		goto out;
	}
	link = attach_floor(chosen, attach, binary);
	if (!link) {
		fprintf(stderr, "getppid_floor: prog '%s': attach: %s\n",
			bpf_program__name(chosen), strerror(errno));
		goto out;
	}

	if (exit_prog && !(exit_link = bpf_program__attach(exit_prog))) {
		fprintf(stderr, "getppid_floor: prog '%s': attach: %s\n",
			bpf_program__name(exit_prog), strerror(errno));
		goto out;
	}
	if (strcmp(map, "printf") == 0 &&
	    !(rb = ring_buffer__new(bpf_map__fd(skel->maps.events), print_event, NULL, NULL))) {
		fprintf(stderr, "getppid_floor: ring buffer: %s\n", strerror(errno));
		goto out;
	}

	rc = run_command(argv + optind, &child, rb);
	if (rc < 0) {
		rc = 1;
		goto out;
	}
	if (strcmp(map, "pid") == 0)
		hits = pid_hits(skel, child);
	else if (strcmp(map, "hist") == 0)
		hits = hist_hits(skel);
	else if (strcmp(map, "printf") == 0)
		hits = printed;
	else if (strcmp(map, "empty") == 0)
		hits = (unsigned long long)-1;
	else
		hits = skel->bss->hits;
	if (strcmp(map, "empty") == 0) {
		printf("floor attach=%s map=%s hits=-1\n", attach, map);
		goto out;
	}
	printf("floor attach=%s map=%s hits=%llu\n", attach, map, hits);
out:
	ring_buffer__free(rb);
	bpf_link__destroy(exit_link);
	bpf_link__destroy(link);
	getppid_floor_bpf__destroy(skel);
	return rc;
}
