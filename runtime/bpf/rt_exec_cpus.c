// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_cpus.c - the online CPUs, where timer.profile and perf probes
 * open one perf event each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_exec.h"

#define ONLINE_CPUS "/sys/devices/system/cpu/online"

/* Adds lo..hi to *cpus, growing it. */
static int add_range(int **cpus, int *n, int *cap, int lo, int hi)
{
	int c;

	for (c = lo; c <= hi; c++) {
		if (*n == *cap) {
			int ncap = *cap ? *cap * 2 : 16;
			int *p = realloc(*cpus, (size_t)ncap * sizeof(**cpus));

			if (!p)
				return -ENOMEM;
			*cpus = p;
			*cap = ncap;
		}
		(*cpus)[(*n)++] = c;
	}
	return 0;
}

/* "0-3,5,7-8": the kernel's cpulist format. */
static int parse_list(FILE *f, int **cpus)
{
	int n = 0, cap = 0, lo, hi, c, rc = 0;

	*cpus = NULL;
	while (rc == 0 && fscanf(f, "%d", &lo) == 1) {
		hi = lo;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%d", &hi) != 1)
				rc = -EINVAL;
			c = fgetc(f);
		}
		if (rc == 0 && (lo < 0 || hi < lo))
			rc = -EINVAL;
		if (rc == 0)
			rc = add_range(cpus, &n, &cap, lo, hi);
		if (c != ',')
			break;
	}
	if (rc == 0 && n == 0)
		rc = -EINVAL;
	if (rc < 0) {
		free(*cpus);
		*cpus = NULL;
		return rc;
	}
	return n;
}

/* The online CPUs' numbers in *cpus (to free); their count or -errno. */
int rt_exec_online_cpus(int **cpus)
{
	FILE *f = fopen(ONLINE_CPUS, "re");
	int n;

	if (!f)
		return -errno;
	n = parse_list(f, cpus);
	fclose(f);
	return n;
}
