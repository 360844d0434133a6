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
 *
 * The script suite's other cases, on tp_btf only (the cheapest attach):
 *
 *   tp_btf_empty       the filter and nothing else (an empty handler)
 *   tp_btf_hist        + tp_btf_hist_exit: the call's latency, enter to
 *                      exit, into a log2 histogram (`@hist_log`)
 *   tp_btf_printf      one ring buffer record per hit (`printf` per event)
 *   tp_btf_switch      a counter on sched_switch (the pingpong workload)
 *
 * and on a kprobe on __x64_sys_getppid (bench/run-vm: the host has no
 * kprobes), no filter needed: kprobe_count, kprobe_pid, kprobe_empty,
 * kprobe_hist + kprobe_hist_exit (a kretprobe).
 *
 * and in user space, a counter on uprobe_loop's bench_uprobe_target
 * (uprobe_count, a uprobe) and on sdt_loop's bench:tick marker
 * (usdt_count, libbpf's USDT support): the loader attaches them to the
 * binary it is given.
 *
 * target_nr also serves the pread64 loop: the loader sets it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

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

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_empty, struct pt_regs *regs, long id)
{
	if (id == target_nr)
		return 0;
	return 0;
}

/* @hist_log of the call's latency: enter time by thread, log2 buckets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start_ns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} lat_hist SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_hist, struct pt_regs *regs, long id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now;

	if (id != target_nr)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start_ns, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_hist_exit, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), b = 0;
	__u64 *t0 = bpf_map_lookup_elem(&start_ns, &tid), d, *cnt;

	if (!t0)
		return 0;
	d = bpf_ktime_get_ns() - *t0;
	bpf_map_delete_elem(&start_ns, &tid);
	while (d > 1 && b < 63) {
		d >>= 1;
		b++;
	}
	cnt = bpf_map_lookup_elem(&lat_hist, &b);
	if (cnt)
		*cnt += 1;
	return 0;
}

/* printf per event: a record the user side formats and prints. The
 * reader is woken only once the ring is a quarter full (it polls every
 * 50 ms anyway), as tapir's executor and SystemTap's module do: a wakeup
 * per record (an irq_work) costs several times the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

__u64 dropped;

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_printf, struct pt_regs *regs, long id)
{
	__u32 *pid;

	if (id != target_nr)
		return 0;
	pid = bpf_ringbuf_reserve(&events, sizeof(*pid), 0);
	if (!pid) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	*pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(pid, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > (1 << 20) ?
				BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	count_hit();
	return 0;
}

/* ---- kprobes on getppid's syscall function (bench/run-vm) ---- */

SEC("kprobe/__x64_sys_getppid")
int kprobe_count(void *ctx)
{
	count_hit();
	return 0;
}

SEC("kprobe/__x64_sys_getppid")
int kprobe_pid(void *ctx)
{
	count_pid();
	return 0;
}

SEC("kprobe/__x64_sys_getppid")
int kprobe_empty(void *ctx)
{
	return 0;
}

SEC("kprobe/__x64_sys_getppid")
int kprobe_hist(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start_ns, &tid, &now, BPF_ANY);
	return 0;
}

SEC("kretprobe/__x64_sys_getppid")
int kprobe_hist_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), b = 0;
	__u64 *t0 = bpf_map_lookup_elem(&start_ns, &tid), d, *cnt;

	if (!t0)
		return 0;
	d = bpf_ktime_get_ns() - *t0;
	bpf_map_delete_elem(&start_ns, &tid);
	while (d > 1 && b < 63) {
		d >>= 1;
		b++;
	}
	cnt = bpf_map_lookup_elem(&lat_hist, &b);
	if (cnt)
		*cnt += 1;
	return 0;
}

/* ---- user space: the uprobe and SDT marker workloads ---- */

SEC("uprobe")
int uprobe_count(void *ctx)
{
	count_hit();
	return 0;
}

SEC("usdt")
int usdt_count(void *ctx)
{
	count_hit();
	return 0;
}
