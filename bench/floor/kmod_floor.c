// SPDX-License-Identifier: GPL-2.0
/*
 * kmod_floor: the least a hand-written kernel module does to trace
 * getppid calls, the floor of tapir's kmod backend in bench/run-vm, as
 * getppid_floor.bpf.c is the BPF backend's.
 *
 *   insmod kmod_floor.ko attach=tp|kprobe mode=count|pid|empty|hist [nr=N]
 *   cat /sys/module/kmod_floor/parameters/hits; rmmod kmod_floor
 *
 * attach=tp      the sys_enter tracepoint (tracepoint_probe_register),
 *                filtered by syscall number nr (getppid's by default);
 *                hist adds sys_exit
 * attach=kprobe  a kprobe on __x64_sys_getppid; hist is a kretprobe with
 *                an entry handler
 *
 * mode=count     one atomic counter
 * mode=pid       a pid -> count table under a spinlock, as a script's
 *                global array (open addressing, preallocated)
 * mode=empty     the filter and nothing else
 * mode=hist      the call's latency, entry to exit, ns, into log2 buckets
 *                (the entry time by thread in the same kind of table on
 *                tracepoints, in the kretprobe instance on kprobes)
 *
 * "hits" is read back through the parameter: the counter, the table's
 * total, or the histogram's total; -1 for empty.
 */
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

static char *attach = "tp";
module_param(attach, charp, 0444);
static char *mode = "count";
module_param(mode, charp, 0444);
static long nr = 110; /* __NR_getppid on x86-64 */
module_param(nr, long, 0444);

enum { M_COUNT, M_PID, M_EMPTY, M_HIST };
static int m;

static atomic64_t count = ATOMIC64_INIT(0);

/* ---- a pid -> value table, as a script's global array -------------------- */

#define TABLE_SIZE 4096
struct slot {
	u32 key; /* 0: free */
	u64 val;
};
static struct slot table[TABLE_SIZE];
static DEFINE_RAW_SPINLOCK(table_lock);
static u64 hist[64];

static struct slot *table_find(u32 key, bool create)
{
	u32 i, h = (key * 2654435761u) % TABLE_SIZE;

	for (i = 0; i < TABLE_SIZE; i++, h = (h + 1) % TABLE_SIZE) {
		if (table[h].key == key)
			return &table[h];
		if (table[h].key == 0) {
			if (!create)
				return NULL;
			table[h].key = key;
			table[h].val = 0;
			return &table[h];
		}
	}
	return NULL;
}

static void count_pid(void)
{
	unsigned long flags;
	struct slot *s;

	raw_spin_lock_irqsave(&table_lock, flags);
	s = table_find(current->tgid, true);
	if (s)
		s->val++;
	raw_spin_unlock_irqrestore(&table_lock, flags);
}

static void hist_add(u64 d)
{
	int b = 0;

	while (d > 1 && b < 63) {
		d >>= 1;
		b++;
	}
	hist[b]++;
}

static void hit(void)
{
	switch (m) {
	case M_COUNT:
		atomic64_inc(&count);
		break;
	case M_PID:
		count_pid();
		break;
	}
}

/* ---- tracepoints ------------------------------------------------------------ */

static struct tracepoint *tp_enter, *tp_exit;

static void probe_enter(void *data, struct pt_regs *regs, long id)
{
	unsigned long flags;
	struct slot *s;

	if (id != nr)
		return;
	if (m != M_HIST) {
		hit();
		return;
	}
	raw_spin_lock_irqsave(&table_lock, flags);
	s = table_find(current->pid, true);
	if (s)
		s->val = local_clock();
	raw_spin_unlock_irqrestore(&table_lock, flags);
}

static void probe_exit(void *data, struct pt_regs *regs, long ret)
{
	unsigned long flags;
	struct slot *s;

	raw_spin_lock_irqsave(&table_lock, flags);
	s = table_find(current->pid, false);
	if (s && s->val) {
		hist_add(local_clock() - s->val);
		s->val = 0;
	}
	raw_spin_unlock_irqrestore(&table_lock, flags);
}

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (strcmp(tp->name, "sys_enter") == 0)
		tp_enter = tp;
	else if (strcmp(tp->name, "sys_exit") == 0)
		tp_exit = tp;
}

/* ---- kprobes ------------------------------------------------------------------ */

static int kp_pre(struct kprobe *p, struct pt_regs *regs)
{
	hit();
	return 0;
}

static struct kprobe kp = { .symbol_name = "__x64_sys_getppid", .pre_handler = kp_pre };

static int krp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(u64 *)ri->data = local_clock();
	return 0;
}

static int krp_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&table_lock, flags);
	hist_add(local_clock() - *(u64 *)ri->data);
	raw_spin_unlock_irqrestore(&table_lock, flags);
	return 0;
}

static struct kretprobe krp = {
	.kp.symbol_name = "__x64_sys_getppid",
	.entry_handler = krp_entry,
	.handler = krp_ret,
	.data_size = sizeof(u64),
	.maxactive = 16,
};

/* ---- hits, and the module ------------------------------------------------------ */

static int hits_get(char *buf, const struct kernel_param *kp_)
{
	long long n = 0;
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&table_lock, flags);
	if (m == M_COUNT)
		n = atomic64_read(&count);
	else if (m == M_EMPTY)
		n = -1;
	for (i = 0; m == M_PID && i < TABLE_SIZE; i++)
		n += table[i].key ? table[i].val : 0;
	for (i = 0; m == M_HIST && i < 64; i++)
		n += hist[i];
	raw_spin_unlock_irqrestore(&table_lock, flags);
	return scnprintf(buf, PAGE_SIZE, "%lld\n", n);
}

static const struct kernel_param_ops hits_ops = { .get = hits_get };
module_param_cb(hits, &hits_ops, NULL, 0444);

static bool kprobe_mode;

static int __init floor_init(void)
{
	static const char *const modes[] = { "count", "pid", "empty", "hist" };
	int rc;

	m = -1;
	for (rc = 0; rc < 4; rc++)
		if (strcmp(mode, modes[rc]) == 0)
			m = rc;
	if (m < 0)
		return -EINVAL;
	kprobe_mode = strcmp(attach, "kprobe") == 0;
	if (kprobe_mode)
		return m == M_HIST ? register_kretprobe(&krp) : register_kprobe(&kp);
	if (strcmp(attach, "tp") != 0)
		return -EINVAL;
	for_each_kernel_tracepoint(find_tp, NULL);
	if (!tp_enter || !tp_exit)
		return -ENOENT;
	rc = tracepoint_probe_register(tp_enter, probe_enter, NULL);
	if (rc || m != M_HIST)
		return rc;
	rc = tracepoint_probe_register(tp_exit, probe_exit, NULL);
	if (rc)
		tracepoint_probe_unregister(tp_enter, probe_enter, NULL);
	return rc;
}

static void __exit floor_exit(void)
{
	if (kprobe_mode && m == M_HIST) {
		unregister_kretprobe(&krp);
	} else if (kprobe_mode) {
		unregister_kprobe(&kp);
	} else {
		tracepoint_probe_unregister(tp_enter, probe_enter, NULL);
		if (m == M_HIST)
			tracepoint_probe_unregister(tp_exit, probe_exit, NULL);
		tracepoint_synchronize_unregister();
	}
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tapir bench: the hand-written floor of the kmod backend");
