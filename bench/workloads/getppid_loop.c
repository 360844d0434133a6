/*
 * getppid_loop N: N getppid system calls, the cheapest syscall there is,
 * so that a tracer on syscalls:sys_enter_getppid shows its per-hit cost.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "workload.h"

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 1000000);
	struct workload_clock clk;
	long i, end;

	workload_start(&clk, n);
	/* Through syscall(): no libc may ever answer this from a cache. */
	while (workload_chunk(&clk, &i, &end))
		for (; i < end; i++)
			syscall(SYS_getppid);
	workload_report(&clk);
	return 0;
}
