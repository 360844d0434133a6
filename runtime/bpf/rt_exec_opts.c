// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_opts.c - the artifact's command line: stapio's options.
 *
 *   -o FILE   output to FILE instead of stdout
 *   -c CMD    run CMD (through /bin/sh -c) once probes are attached;
 *             target() is its pid and the run ends when it exits
 *   -x PID    target() is PID
 *   -T SECS   end the run after SECS seconds (may be fractional)
 *   -v        say what is loaded and attached how (twice: libbpf's debug)
 *   -w        no warnings
 *   -t        accepted for stap's sake: the probe hit report is printed
 *             when the program was built with -t (tapir -t)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_exec.h"

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-w] [-o FILE] [-c CMD | -x PID] [-T SECS]\n", prog);
}

static int parse_pid(const char *s, long long *pid)
{
	char *end;

	errno = 0;
	*pid = strtoll(s, &end, 10);
	if (errno || end == s || *end || *pid <= 0 || *pid > 0x7fffffff) {
		fprintf(stderr, "ERROR: -x needs a process id, not '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_secs(const char *s, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*secs) || *secs <= 0) {
		fprintf(stderr, "ERROR: -T needs a positive number of seconds, not '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

int rt_exec_parse_opts(struct rt_exec_opts *o, int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "tapir";
	int c, rc = 0;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt(argc, argv, "+o:c:x:T:S:vwt")) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'S':
			o->rotate = optarg;
			break;
		case 'x':
			rc = parse_pid(optarg, &o->target);
			break;
		case 'T':
			rc = parse_secs(optarg, &o->timeout);
			break;
		case 'v':
			o->verbose++;
			break;
		case 'w':
			o->no_warnings = true;
			break;
		case 't':
			break;
		default:
			if (optopt && strchr("ocxTS", optopt))
				fprintf(stderr, "ERROR: option -%c needs a value\n", optopt);
			else
				fprintf(stderr, "ERROR: unknown option '-%c'\n", optopt);
			rc = -EINVAL;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "ERROR: unexpected argument '%s'\n", argv[optind]);
		rc = -EINVAL;
	}
	if (rc == 0 && o->cmd && o->target) {
		fprintf(stderr, "ERROR: -c and -x cannot be used together\n");
		rc = -EINVAL;
	}
	if (rc < 0)
		usage(prog);
	return rc;
}
