// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_msg.c - what the executor says on stderr, in stapio's words:
 * "ERROR: ...", "WARNING: ..." (each distinct warning once, as stapio
 * prints them unless -v), and -v's notes.
 */
#define _GNU_SOURCE /* tdestroy */
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_exec.h"

/* stapio stops remembering warnings after this many. */
#define MAX_STORED_WARNINGS 1024

/* Our stdout first, so that output and messages interleave as they happened. */
static void before_stderr(struct rt_exec *x)
{
	rt_exec_out_flush(x);
}

void rt_exec_errorf(struct rt_exec *x, const char *fmt, ...)
{
	va_list ap;

	before_stderr(x);
	fputs("ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	x->status = 1;
}

void rt_exec_note(struct rt_exec *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->opt.verbose)
		return;
	before_stderr(x);
	fputs("tapir: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static size_t chomp(const char *msg, size_t len)
{
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	return len;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* True the first time msg is seen (or when it can no longer be remembered). */
static bool first_time(struct rt_exec *x, const char *msg, size_t len)
{
	char *copy;
	void *found;

	if (x->opt.verbose || x->nwarned >= MAX_STORED_WARNINGS)
		return true;
	copy = strndup(msg, len);
	if (!copy)
		return true;
	found = tsearch(copy, &x->warned, cmp_str);
	if (!found) {
		free(copy);
		return true;
	}
	if (*(char **)found != copy) {
		free(copy);
		return false;
	}
	x->nwarned++;
	return true;
}

void rt_exec_warn_msg(struct rt_exec *x, const char *msg, size_t len)
{
	len = chomp(msg, len);
	if (x->opt.no_warnings || !first_time(x, msg, len))
		return;
	before_stderr(x);
	fprintf(stderr, "WARNING: %.*s\n", (int)len, msg);
}

void rt_exec_warn_free(struct rt_exec *x)
{
	if (x->warned)
		tdestroy(x->warned, free);
	x->warned = NULL;
	x->nwarned = 0;
}

void rt_exec_probe_error(struct rt_exec *x, const char *msg, size_t len, int loc_id)
{
	const struct tapir_program *p = x->p;

	len = chomp(msg, len);
	before_stderr(x);
	if (loc_id >= 0 && loc_id < p->nerror_locs && p->error_locs[loc_id])
		fprintf(stderr, "ERROR: %.*s near %s\n", (int)len, msg, p->error_locs[loc_id]);
	else
		fprintf(stderr, "ERROR: %.*s\n", (int)len, msg);
	x->errors++;
	x->status = 1;
	if (x->errors > p->maxerrors && x->state != RT_EXEC_ERROR) {
		x->state = RT_EXEC_ERROR;
		rt_exec_request_end(x);
	}
}
