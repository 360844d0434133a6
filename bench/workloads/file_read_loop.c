/*
 * file_read_loop N [FILE]: N preads of 64 bytes at offset 0 of a small
 * file (a fresh temporary one by default): a syscall that does real VFS
 * work, for vfs.read / syscall.pread probes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

static int open_small_file(const char *path)
{
	char tmpl[] = "/tmp/file_read_loop.XXXXXX";
	char data[64];
	int fd;

	if (path)
		return open(path, O_RDONLY);
	fd = mkstemp(tmpl);
	if (fd < 0)
		return -1;
	unlink(tmpl);
	memset(data, 'x', sizeof(data));
	if (write(fd, data, sizeof(data)) != (ssize_t)sizeof(data)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	long n = workload_iterations(argc, argv, 1000000);
	struct workload_clock clk;
	long i, end;
	char buf[64];
	int fd;

	fd = open_small_file(argc > 2 ? argv[2] : NULL);
	if (fd < 0) {
		perror("file_read_loop: open");
		return 1;
	}
	workload_start(&clk, n);
	while (workload_chunk(&clk, &i, &end)) {
		for (; i < end; i++) {
			if (pread(fd, buf, sizeof(buf), 0) < 0) {
				perror("file_read_loop: pread");
				return 1;
			}
		}
	}
	workload_report(&clk);
	close(fd);
	return 0;
}
