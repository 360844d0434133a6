/*
 * What every benchmark workload shares: the iteration count from argv,
 * the timed loop, and the one result line that bench/run-host parses:
 *
 *   iterations=N ns_total=T ns_per_iter=X ns_per_iter_min=A
 *   ns_per_iter_median=B chunks=K start_realtime_ns=S
 *
 * (one line).  The loop runs in K chunks timed one by one: on a shared,
 * noisy host the interference (other tenants, steal time, interrupts) only
 * ever adds time, so the fastest chunk is the steadiest estimate of what
 * one iteration costs, and the median chunk the next steadiest; X is the
 * plain mean.  start_realtime_ns is the wall-clock time of the first
 * iteration, so that a runner that noted when it launched a tracer can
 * tell how long the tracer took to let the first event through.
 *
 * With BENCH_LINGER_MS=M in the environment the workload sleeps M ms after
 * that line, so that a runner sampling the tracer's programs (bench/run-host's
 * program time) sees their final counts before the tracer detaches them.
 *
 * A workload's loop reads:
 *
 *	workload_start(&clk, n);
 *	while (workload_chunk(&clk, &i, &end))
 *		for (; i < end; i++)
 *			work(i);
 *	workload_report(&clk);
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WORKLOAD_CHUNKS 32

struct workload_clock {
	long n;			/* iterations in all */
	int chunk;		/* chunks started so far */
	long begin, end;	/* the current chunk's iterations */
	uint64_t start_ns, lap_ns, end_ns;
	uint64_t start_realtime_ns;
	int laps;		/* chunks timed (empty ones are not) */
	double lap_per_iter[WORKLOAD_CHUNKS];
};

static inline uint64_t workload_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* argv[1] as a positive count, DEFAULT_N without it; exits on junk. */
static inline long workload_iterations(int argc, char **argv, long default_n)
{
	char *end;
	long n;

	if (argc < 2)
		return default_n;
	errno = 0;
	n = strtol(argv[1], &end, 0);
	if (errno || *end || n <= 0) {
		fprintf(stderr, "%s: iteration count must be a positive "
				"integer, not '%s'\n", argv[0], argv[1]);
		exit(2);
	}
	return n;
}

static inline void workload_start(struct workload_clock *clk, long n)
{
	*clk = (struct workload_clock){ .n = n };
	clk->start_realtime_ns = workload_now_ns(CLOCK_REALTIME);
	clk->start_ns = clk->lap_ns = workload_now_ns(CLOCK_MONOTONIC);
}

/*
 * Ends the current chunk (timing it) and starts the next: its iterations
 * are [*begin, *end).  Returns 0 when all N iterations are done.
 */
static inline int workload_chunk(struct workload_clock *clk, long *begin,
				 long *end)
{
	uint64_t now = workload_now_ns(CLOCK_MONOTONIC);

	if (clk->end > clk->begin)
		clk->lap_per_iter[clk->laps++] = (double)(now - clk->lap_ns) /
						 (double)(clk->end - clk->begin);
	clk->lap_ns = now;
	if (clk->chunk == WORKLOAD_CHUNKS) {
		clk->end_ns = now;
		return 0;
	}
	clk->chunk++;
	clk->begin = clk->end;
	clk->end = (long)((double)clk->n * clk->chunk / WORKLOAD_CHUNKS);
	if (clk->chunk == WORKLOAD_CHUNKS)
		clk->end = clk->n;
	*begin = clk->begin;
	*end = clk->end;
	return 1;
}

static inline int workload_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sleeps BENCH_LINGER_MS milliseconds, if that is set to a positive number. */
static inline void workload_linger(void)
{
	const char *v = getenv("BENCH_LINGER_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	struct timespec ts;

	if (ms <= 0 || ms > 60000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline void workload_report(struct workload_clock *clk)
{
	uint64_t total = clk->end_ns - clk->start_ns;
	double *lap = clk->lap_per_iter;
	int k = clk->laps;

	qsort(lap, (size_t)k, sizeof(*lap), workload_cmp_double);
	printf("iterations=%ld ns_total=%" PRIu64 " ns_per_iter=%.2f "
	       "ns_per_iter_min=%.2f ns_per_iter_median=%.2f chunks=%d "
	       "start_realtime_ns=%" PRIu64 "\n",
	       clk->n, total, (double)total / (double)clk->n, lap[0],
	       k % 2 ? lap[k / 2] : (lap[k / 2 - 1] + lap[k / 2]) / 2, k,
	       clk->start_realtime_ns);
	fflush(stdout);
	workload_linger();
}

#endif
