// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel side of kprobe-count: counts the calls of one kernel function made
 * by one process. It reads no kernel type, so it needs neither vmlinux.h
 * nor CO-RE: it loads on any kernel with kprobes and BPF global data.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* set by user space before load */
const volatile __u32 target_tgid;

__u64 hits;

/* attached by user space, to the function named on its command line */
SEC("kprobe")
int count_calls(void *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == target_tgid)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
