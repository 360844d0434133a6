/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_outfiles.h - the names of the -o output files, shared by the two
 * executors (the bpf runtime's, and tapir-load, a program of one file):
 * header-only.
 *
 * Without -S, FILE, then FILE.1, FILE.2... at each switch_file(). With
 * -S SIZE[,N] (SystemTap's), FILE.0, FILE.1...: the output goes on in the
 * next file when a write would take the current one past SIZE megabytes
 * (a file holds one write at least), and past N files the oldest is
 * removed (N = 0: none is).
 */
#ifndef RT_OUTFILES_H
#define RT_OUTFILES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct rt_outfiles {
	const char *base;    /* -o FILE */
	long long max_bytes; /* -S SIZE, in bytes; 0 without -S */
	int keep;            /* -S ...,N; 0: every file */
	int num;             /* the file being written */
	long long size;      /* what it holds */
};

/* "SIZE[,N]" of -S: 0, or -1 when it is not that. */
static inline int rt_outfiles_parse(struct rt_outfiles *o, const char *arg)
{
	char *end;
	long long mb = strtoll(arg, &end, 10);
	long keep = 0;

	if (end == arg || mb < 1 || mb > (1LL << 40))
		return -1;
	if (*end == ',') {
		const char *n = end + 1;

		keep = strtol(n, &end, 10);
		if (end == n || keep < 0 || keep > 1000000)
			return -1;
	}
	if (*end)
		return -1;
	o->max_bytes = mb << 20;
	o->keep = (int)keep;
	return 0;
}

/* The name of file number k. */
static inline void rt_outfiles_path(const struct rt_outfiles *o, int k, char *buf, size_t size)
{
	if (o->max_bytes || k > 0)
		snprintf(buf, size, "%s.%d", o->base, k);
	else
		snprintf(buf, size, "%s", o->base);
}

/* Before a write of n bytes: must the output go on in the next file? */
static inline bool rt_outfiles_full(const struct rt_outfiles *o, size_t n)
{
	return o->max_bytes && o->size > 0 && o->size + (long long)n > o->max_bytes;
}

/* To the next file: its name in buf; the oldest one removed past -S's N. */
static inline void rt_outfiles_next(struct rt_outfiles *o, char *buf, size_t size)
{
	o->num++;
	o->size = 0;
	rt_outfiles_path(o, o->num, buf, size);
	if (o->max_bytes && o->keep && o->num >= o->keep) {
		char old[4096];

		rt_outfiles_path(o, o->num - o->keep, old, sizeof(old));
		unlink(old);
	}
}

#endif /* RT_OUTFILES_H */
