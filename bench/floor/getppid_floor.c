// SPDX-License-Identifier: GPL-2.0
/*
 * getppid_floor: load one of the floor programs, run a command under it,
 * print how many hits it counted.
 *
 *   getppid_floor [-a tp_btf|raw_tp|tp] [-m count|pid] [-v] -- CMD [ARG...]
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
	fprintf(stderr, "usage: getppid_floor [-a tp_btf|raw_tp|tp] "
			"[-m count|pid] [-v] -- CMD [ARG...]\n");
	exit(2);
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

static int run_command(char **argv, pid_t *child)
{
	int status;

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
	if (waitpid(*child, &status, 0) < 0) {
		perror("getppid_floor: waitpid");
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	const char *attach = "tp_btf", *map = "count";
	struct getppid_floor_bpf *skel = NULL;
	struct bpf_program *prog, *chosen;
	struct bpf_link *link = NULL;
	unsigned long long hits;
	int opt, err, rc = 1;
	pid_t child;

	while ((opt = getopt(argc, argv, "a:m:v")) != -1) {
		switch (opt) {
		case 'a': attach = optarg; break;
		case 'm': map = optarg; break;
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
				"(attach: tp_btf raw_tp tp; map: count pid)\n",
			attach, map);
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == chosen);
	skel->rodata->target_nr = SYS_getppid;

	err = getppid_floor_bpf__load(skel);
	if (err) {
		fprintf(stderr, "getppid_floor: load: %s\n", strerror(-err));
		goto out;
	}
	link = bpf_program__attach(chosen);
	if (!link) {
		fprintf(stderr, "getppid_floor: prog '%s': attach: %s\n",
			bpf_program__name(chosen), strerror(errno));
		goto out;
	}

	rc = run_command(argv + optind, &child);
	if (rc < 0) {
		rc = 1;
		goto out;
	}
	hits = strcmp(map, "pid") == 0 ? pid_hits(skel, child)
				       : skel->bss->hits;
	printf("floor attach=%s map=%s hits=%llu\n", attach, map, hits);
out:
	bpf_link__destroy(link);
	getppid_floor_bpf__destroy(skel);
	return rc;
}
