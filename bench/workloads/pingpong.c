/*
 * pingpong N: N round trips of one byte between a parent and a child over
 * two pipes; each round trip is two context switches (on one CPU) or two
 * wake-ups (on two), for sched_switch / scheduler.* probes.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload.h"

/* Echo bytes from IN to OUT until IN closes. */
static void echo_loop(int in, int out)
{
	char c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			break;
}

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 100000);
	struct workload_clock clk;
	long i, end;
	int ping[2], pong[2];
	pid_t child;
	char c = 'p';

	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		close(ping[1]);
		close(pong[0]);
		echo_loop(ping[0], pong[1]);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);

	workload_start(&clk, n);
	while (workload_chunk(&clk, &i, &end)) {
		for (; i < end; i++) {
			if (write(ping[1], &c, 1) != 1 ||
			    read(pong[0], &c, 1) != 1) {
				perror("pingpong: pipe i/o");
				kill(child, SIGKILL);
				return 1;
			}
		}
	}
	workload_report(&clk);
	close(ping[1]);
	waitpid(child, NULL, 0);
	return 0;
}
