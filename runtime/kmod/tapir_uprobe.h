/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_uprobe.h - process(...) probes of a module: uprobes and
 * uretprobes on a binary's inode at a file offset, the SDT semaphore
 * counted by the kernel while the probe is registered (ref_ctr_offset,
 * as SystemTap's runtime does it), the -c/-x target filter, reads of the
 * probed thread's memory, and the values a .return probe's @entry saved.
 *
 * The binary is found by its path at arming time (kern_path), so the
 * module probes the file the translator read, wherever it runs: the
 * path must name the same file there.
 */
#ifndef TAPIR_UPROBE_H
#define TAPIR_UPROBE_H

#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/uprobes.h>
#include <linux/version.h>

struct tapir_uprobe {
	const char *path;
	loff_t offset, ref_ctr;
	bool ret;
	s64 pid;                /* 0: every process, -1: target(), > 0: that one */
	void (*handler)(struct pt_regs *regs);
	struct uprobe_consumer uc;
	struct inode *inode;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct uprobe *up;
#endif
	bool armed;
};

/* Is the current process one this probe is for? */
static __maybe_unused bool tapir_uprobe_wanted(const struct tapir_uprobe *u)
{
	s64 want = u->pid < 0 ? _stp_target : u->pid;

	return want <= 0 || task_tgid_nr(current) == want;
}

/* The handlers' prototypes gained a session cookie (__u64 *data) in 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define TAPIR_UPROBE_DATA , __u64 *data
#else
#define TAPIR_UPROBE_DATA
#endif

static __maybe_unused int tapir_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs
					   TAPIR_UPROBE_DATA)
{
	struct tapir_uprobe *u = container_of(uc, struct tapir_uprobe, uc);

	if (tapir_uprobe_wanted(u))
		u->handler(regs);
	return 0;
}

static __maybe_unused int tapir_uretprobe_hit(struct uprobe_consumer *uc, unsigned long func,
					      struct pt_regs *regs TAPIR_UPROBE_DATA)
{
	struct tapir_uprobe *u = container_of(uc, struct tapir_uprobe, uc);

	if (tapir_uprobe_wanted(u))
		u->handler(regs);
	return 0;
}

static __maybe_unused int tapir_uprobe_attach(struct tapir_uprobe *u)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	/* 6.12: uprobe_register() takes the ref_ctr and returns the uprobe */
	u->up = uprobe_register(u->inode, u->offset, u->ref_ctr, &u->uc);
	return IS_ERR(u->up) ? PTR_ERR(u->up) : 0;
#else
	if (u->ref_ctr)
		return uprobe_register_refctr(u->inode, u->offset, u->ref_ctr, &u->uc);
	return uprobe_register(u->inode, u->offset, &u->uc);
#endif
}

static __maybe_unused int tapir_uprobe_register(struct tapir_uprobe *u)
{
	struct path p;
	int rc = kern_path(u->path, LOOKUP_FOLLOW, &p);

	if (rc) {
		pr_err("%s: cannot find %s for a process probe (errno %d)\n", KBUILD_MODNAME,
		       u->path, -rc);
		return rc;
	}
	u->inode = igrab(d_inode(p.dentry));
	path_put(&p);
	if (!u->inode)
		return -ENOENT;
	if (u->ret)
		u->uc.ret_handler = tapir_uretprobe_hit;
	else
		u->uc.handler = tapir_uprobe_hit;
	rc = tapir_uprobe_attach(u);
	if (rc) {
		pr_err("%s: cannot place a uprobe on %s at offset 0x%llx (errno %d)\n",
		       KBUILD_MODNAME, u->path, (unsigned long long)u->offset, -rc);
		iput(u->inode);
		u->inode = NULL;
		return rc;
	}
	u->armed = true;
	return 0;
}

static __maybe_unused void tapir_uprobe_unregister(struct tapir_uprobe *u)
{
	if (u->armed) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
		uprobe_unregister_nosync(u->up, &u->uc);
		uprobe_unregister_sync();
#else
		uprobe_unregister(u->inode, u->offset, &u->uc);
#endif
	}
	if (u->inode)
		iput(u->inode);
	u->inode = NULL;
	u->armed = false;
}

/* A sized integer of the probed thread's memory at addr into *v; an
 * error "user memory read fault" near the variable when it can't be read. */
static __maybe_unused bool tapir_uread(struct tapir_ctx *c, int64_t *v, int64_t addr, int size,
				       bool sgn, const char *near)
{
	union { u64 q; u32 d; u16 w; u8 b; } x = { 0 };

	if (size < 1 || size > 8 ||
	    copy_from_user_nofault(&x, (const void __user *)(uintptr_t)addr, size)) {
		tapir_error_at(c, "user memory read fault", near);
		*v = 0;
		return false;
	}
	switch (size) {
	case 1: *v = sgn ? (s64)(s8)x.b : (s64)x.b; break;
	case 2: *v = sgn ? (s64)(s16)x.w : (s64)x.w; break;
	case 4: *v = sgn ? (s64)(s32)x.d : (s64)x.d; break;
	default: *v = (s64)x.q;
	}
	return true;
}

/* A NUL-terminated string of the probed thread at addr (a char array
 * member of at most len bytes); "" when it can't be read. Read by 8-byte
 * aligned chunks (strncpy_from_user_nofault is not exported in 6.1). */
static __maybe_unused void tapir_ustr(char *dst, int64_t addr, long len)
{
	long n = len < TAPIR_MAXSTRINGLEN ? len : TAPIR_MAXSTRINGLEN, i = 0;

	while (i < n - 1) {
		long chunk = 8 - ((addr + i) & 7), k;
		char w[8];

		if (chunk > n - 1 - i)
			chunk = n - 1 - i;
		if (copy_from_user_nofault(w, (const void __user *)(uintptr_t)(addr + i), chunk)) {
			dst[0] = '\0';
			return;
		}
		for (k = 0; k < chunk; k++, i++) {
			dst[i] = w[k];
			if (!w[k])
				return;
		}
	}
	dst[i] = '\0';
}

/* ---- @entry: values a .return probe reads as they were at the call ----------
 *
 * The entry uprobe saves them by thread in a small table, the return
 * probe takes the newest of its thread (recursion: the innermost call's). */

#define TAPIR_ENTRY_MAX 16
#ifndef TAPIR_ENTRY_SLOTS
#define TAPIR_ENTRY_SLOTS 256
#endif

struct tapir_entry_slot {
	pid_t tid;              /* 0: free */
	u64 seq;
	s64 v[TAPIR_ENTRY_MAX];
};

struct tapir_entries {
	raw_spinlock_t lock;
	u64 seq;
	struct tapir_entry_slot slot[TAPIR_ENTRY_SLOTS];
};

static __maybe_unused void tapir_entry_save(struct tapir_entries *t, const s64 *v)
{
	struct tapir_entry_slot *s = NULL;
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&t->lock, flags);
	/* a free slot, else the oldest: a call that never returned (longjmp,
	 * exit) must not keep its slot for ever */
	for (i = 0; i < TAPIR_ENTRY_SLOTS && (!s || s->tid); i++) {
		if (!s || !t->slot[i].tid || t->slot[i].seq < s->seq)
			s = &t->slot[i];
	}
	s->tid = task_pid_nr(current);
	s->seq = ++t->seq;
	memcpy(s->v, v, sizeof(s->v));
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/* The values the entry of this thread's innermost call saved, into v
 * (zeros when it missed it: the probe was armed during the call, or its
 * slot went to a newer call). */
static __maybe_unused void tapir_entry_take(struct tapir_entries *t, s64 *v)
{
	struct tapir_entry_slot *s = NULL;
	pid_t tid = task_pid_nr(current);
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&t->lock, flags);
	for (i = 0; i < TAPIR_ENTRY_SLOTS; i++) {
		if (t->slot[i].tid == tid && (!s || t->slot[i].seq > s->seq))
			s = &t->slot[i];
	}
	if (s) {
		memcpy(v, s->v, sizeof(s->v));
		s->tid = 0;
	} else {
		memset(v, 0, sizeof(s64) * TAPIR_ENTRY_MAX);
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

#endif /* TAPIR_UPROBE_H */
