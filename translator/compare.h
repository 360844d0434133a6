/* compare.h - tapir --compare: one script, one workload, every runtime,
 * measured in alternation against the untraced workload (compare.c runs,
 * compare_report.c reduces and prints). */
#ifndef TAPIR_COMPARE_H
#define TAPIR_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

#define COMPARE_MAX_RUNTIMES 4
#define COMPARE_DEFAULT_RUNS 5

/* A series of measures, one per run, and what is reported of it. */
struct cmp_series {
	double *v;
	int n;
	double median, min, max;
};

struct cmp_runtime {
	const char *name;        /* "bpf", "kmod" */
	bool available;
	char reason[256];        /* why not, when not */
	double build_ms;         /* tapir -p4 with an empty cache */
	long long hits;          /* kernel probe hits of one run (-t), -1 if unknown */
	long long dropped;       /* most over the runs */
	long long maxrss_kb;     /* most over the runs */
	long long bpf_memlock;   /* most over the runs, bytes; -1 if unknown */
	struct cmp_series workload_ns; /* the workload's wall time under tracing */
	struct cmp_series start_ns;    /* tapir started to workload started */
	struct cmp_series overhead_ns; /* per hit, against the untraced runs around it */
};

struct cmp_result {
	const char *script;      /* file name, or the -e text */
	const char *workload;
	int runs;
	struct cmp_series baseline_ns; /* runs + 1 untraced runs */
	struct cmp_runtime rt[COMPARE_MAX_RUNTIMES];
	int nrt;
	char verdict[512];
};

/* compare.c: the whole mode; returns the exit status. */
int compare_main(const struct options *o);

/* compare_report.c */
void cmp_series_finish(struct cmp_series *s);
void cmp_judge(struct cmp_result *r);
void cmp_print_table(const struct cmp_result *r, FILE *out);
void cmp_print_json(const struct cmp_result *r, FILE *out);
int cmp_write_svg(const struct cmp_result *r, const char *path);

#endif /* TAPIR_COMPARE_H */
