// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_stats.c - the run's own figures, for tapir --compare: with
 * TAPIR_STATS_FILE set in its environment the executor writes there, at
 * the end of the run, one "key=value" a line:
 *
 *   start_ns       CLOCK_MONOTONIC when -c's command was let go (probes attached)
 *   workload_ns    from then until it exited (0 without -c)
 *   dropped        records the ring buffer had no room for
 *   hits           kernel probe hits counted by -t (-1 without -t)
 *   maxrss_kb      the executor's peak resident memory
 *   bpf_memlock    bytes the kernel charges for the loaded maps and
 *                  programs (the "memlock:" of their fdinfo, as bpftool)
 *
 * Nothing of this is measured while the probes run.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rt_exec.h"

int64_t rt_exec_stats_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The "memlock:" of one descriptor's fdinfo, 0 if it has none. */
static long long fd_memlock(const char *name)
{
	char path[300], line[128];
	long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
		v = 0;
	}
	fclose(f);
	return v;
}

static long long bpf_memlock(void)
{
	DIR *d = opendir("/proc/self/fdinfo");
	struct dirent *e;
	long long sum = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			sum += fd_memlock(e->d_name);
	closedir(d);
	return sum;
}

void rt_exec_stats_write(struct rt_exec *x)
{
	const char *path = getenv("TAPIR_STATS_FILE");
	struct rusage ru;
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "w");
	if (!f) {
		rt_exec_note(x, "cannot write TAPIR_STATS_FILE '%s'", path);
		return;
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "start_ns=%lld\nworkload_ns=%lld\ndropped=%lld\nhits=%lld\nmaxrss_kb=%ld\n"
	        "bpf_memlock=%lld\n",
	        (long long)x->child_start_ns,
	        (long long)(x->child_end_ns > x->child_start_ns ? x->child_end_ns - x->child_start_ns : 0),
	        x->st ? (long long)x->st->dropped : 0LL, (long long)rt_exec_timing_hits(x),
	        ru.ru_maxrss, bpf_memlock());
	fclose(f);
}
