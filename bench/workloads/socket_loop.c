/*
 * socket_loop N: N rounds of socket traffic of known sizes, for the
 * socket.* probes: over a connected UDP pair on the loopback, a send() of
 * 100 bytes, a recv() of it (into 512), a write() of 200 bytes and a
 * read() of it; over an AF_UNIX stream socketpair, a writev() of 30 + 40
 * bytes and a readv() of them (into 512).  The four sockets are created
 * before the loop (with explicit protocols: IPPROTO_UDP, 0) and closed
 * after it.  A loopback that is down (as in the test VM) is brought up
 * first, by a child, so that its socket is not this process's.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload.h"

/* Sets lo up when it is down and we may (root); errors are left to
 * connect() to report. */
static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	pid_t child = fork();
	int fd;

	if (child > 0) {
		waitpid(child, NULL, 0);
		return;
	}
	if (child < 0)
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	_exit(0);
}

static int udp_pair(int *srv, int *cli)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*srv = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	*cli = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	if (*srv < 0 || *cli < 0 || bind(*srv, (struct sockaddr *)&a, len) ||
	    getsockname(*srv, (struct sockaddr *)&a, &len) ||
	    connect(*cli, (struct sockaddr *)&a, len))
		return -1;
	return 0;
}

/* One round; 0, or -1 with errno when a call moved another size. */
static int round_trip(int srv, int cli, int u[2])
{
	static char out[200], in[512];
	struct iovec wv[2] = { { out, 30 }, { out, 40 } };
	struct iovec rv[1] = { { in, sizeof(in) } };

	if (send(cli, out, 100, 0) != 100 || recv(srv, in, sizeof(in), 0) != 100)
		return -1;
	if (write(cli, out, 200) != 200 || read(srv, in, sizeof(in)) != 200)
		return -1;
	if (writev(u[0], wv, 2) != 70 || readv(u[1], rv, 1) != 70)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 100000);
	struct workload_clock clk;
	long i, end;
	int srv, cli, u[2];

	loopback_up();
	if (udp_pair(&srv, &cli) || socketpair(AF_UNIX, SOCK_STREAM, 0, u)) {
		perror("socket_loop: setup");
		return 1;
	}
	workload_start(&clk, n);
	while (workload_chunk(&clk, &i, &end)) {
		for (; i < end; i++) {
			if (round_trip(srv, cli, u)) {
				perror("socket_loop");
				return 1;
			}
		}
	}
	workload_report(&clk);
	close(srv);
	close(cli);
	close(u[0]);
	close(u[1]);
	return 0;
}
