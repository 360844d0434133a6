/*
 * kprobe-count - attach a BPF program by kprobe to a kernel function, call
 * it N times through open(2), and check that the program saw every call.
 * Statically linked with libbpf, it shows that the BPF backend's kprobe
 * path can run in the test VM.
 *
 *   kprobe-count [FUNCTION [N]]      (default: do_sys_openat2 100)
 *
 * Exit status 0 if the program counted at least N calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "kprobe_count.skel.h"

int main(int argc, char **argv)
{
	const char *func = argc > 1 ? argv[1] : "do_sys_openat2";
	long calls = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
	struct kprobe_count_bpf *skel;
	struct bpf_link *link;
	int err = 1;

	skel = kprobe_count_bpf__open();
	if (!skel) {
		fprintf(stderr, "kprobe-count: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_tgid = getpid();
	if (kprobe_count_bpf__load(skel)) {
		fprintf(stderr, "kprobe-count: cannot load the BPF object: %s\n", strerror(errno));
		goto out;
	}
	link = bpf_program__attach_kprobe(skel->progs.count_calls, false, func);
	if (!link) {
		fprintf(stderr, "kprobe-count: cannot attach a kprobe to %s: %s\n", func,
		        strerror(errno));
		goto out;
	}
	skel->links.count_calls = link;
	for (long i = 0; i < calls; i++) {
		int fd = open("/proc/self/stat", O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	printf("%llu hits on %s for %ld opens\n", (unsigned long long)skel->bss->hits, func, calls);
	err = skel->bss->hits >= (unsigned long long)calls ? 0 : 1;
out:
	kprobe_count_bpf__destroy(skel);
	return err;
}
