/*
 * sdt_loop N: N passes over the SDT marker bench:tick(i), for
 * process("sdt_loop").mark("tick") and usdt:...:bench:tick probes.
 *
 * Without <sys/sdt.h> (Debian: systemtap-sdt-dev) it still builds, with
 * no marker, and says so: a tracer then finds nothing to attach to.
 */
#include <stdio.h>

#include "workload.h"

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#endif
#endif

#ifdef DTRACE_PROBE1
#define BENCH_TICK(i) DTRACE_PROBE1(bench, tick, i)
#define BENCH_HAVE_SDT 1
#else
#define BENCH_TICK(i) __asm__ volatile("" : : "r"(i))
#define BENCH_HAVE_SDT 0
#endif

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 1000000);
	struct workload_clock clk;
	long i, end;

	if (!BENCH_HAVE_SDT)
		fprintf(stderr, "sdt_loop: built without <sys/sdt.h> "
				"(systemtap-sdt-dev): no marker to probe\n");
	workload_start(&clk, n);
	while (workload_chunk(&clk, &i, &end))
		for (; i < end; i++)
			BENCH_TICK(i);
	workload_report(&clk);
	return 0;
}
