/*
 * uprobe_loop N: N calls of bench_uprobe_target(), a function that is
 * never inlined and does almost nothing, for
 * process("uprobe_loop").function("bench_uprobe_target") and
 * uprobe:...:bench_uprobe_target probes.
 */
#include "workload.h"

int bench_uprobe_target(long i);

/* Kept out of line and opaque so each call is a real call to probe. */
__attribute__((noinline)) int bench_uprobe_target(long i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
	return (int)(i & 1);
}

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 1000000);
	struct workload_clock clk;
	long i, end;
	long odd = 0;

	workload_start(&clk, n);
	while (workload_chunk(&clk, &i, &end))
		for (; i < end; i++)
			odd += bench_uprobe_target(i);
	workload_report(&clk);
	return odd == n / 2 ? 0 : 1;
}
