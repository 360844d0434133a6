// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: the least a hand-written BPF program does to count getppid
 * calls, attached each way this kernel allows, so that every tracer's
 * per-hit cost can be set against it.
 *
 *   tp_btf/sys_enter   BTF-typed raw tracepoint, filtered by syscall id
 *   raw_tp/sys_enter   untyped raw tracepoint, filtered by syscall id
 *   tp/syscalls/...    perf tracepoint on the synthesized per-syscall event
 *
 * and two kinds of state: one global counter, and a hash map pid -> count
 * (what `@[pid] = count()` or `c[pid()]++` needs).  The user side loads
 * exactly one of the six programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader from <sys/syscall.h>, so no syscall table is copied. */
const volatile long target_nr = -1;

__u64 hits;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} per_pid SEC(".maps");

static __always_inline void count_hit(void)
{
	__sync_fetch_and_add(&hits, 1);
}

static __always_inline void count_pid(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *val;

	val = bpf_map_lookup_elem(&per_pid, &pid);
	if (val) {
		__sync_fetch_and_add(val, 1);
		return;
	}
	/* A racing first hit on another CPU may win: then add to its entry. */
	if (bpf_map_update_elem(&per_pid, &pid, &one, BPF_NOEXIST)) {
		val = bpf_map_lookup_elem(&per_pid, &pid);
		if (val)
			__sync_fetch_and_add(val, 1);
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_count, struct pt_regs *regs, long id)
{
	if (id == target_nr)
		count_hit();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_pid, struct pt_regs *regs, long id)
{
	if (id == target_nr)
		count_pid();
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_tp_count, struct pt_regs *regs, long id)
{
	if (id == target_nr)
		count_hit();
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_tp_pid, struct pt_regs *regs, long id)
{
	if (id == target_nr)
		count_pid();
	return 0;
}

/* The event is per syscall already: no filter needed. */
SEC("tp/syscalls/sys_enter_getppid")
int tp_count(void *ctx)
{
	count_hit();
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int tp_pid(void *ctx)
{
	count_pid();
	return 0;
}
