/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_transport.h - how output leaves the module, and how the loader
 * drives it: /proc/MODNAME/out and /proc/MODNAME/ctl.
 *
 * Each CPU formats into its context's print buffer (struct rt_sink); at
 * the end of a handler, or when it fills, the buffer is copied as one
 * record into the module's ring: a header (u32 type, u32 length) and the
 * bytes. The ring is a byte FIFO under a raw spinlock, so records from
 * all CPUs keep the order they were written in; when it is full a record
 * is dropped whole and counted (reported by the loader at the end).
 * Writers never wake the reader (a wake-up from a scheduler tracepoint
 * could deadlock on the run queue lock): the loader polls.
 *
 * The loader writes "start" to ctl (begin probes run, then the event
 * probes are armed) and "stop" (probes disarmed, end or error probes run,
 * a DONE record carries the exit status); reading ctl gives
 * "drops N skipped N errors N". Past MAXSKIPPED skipped hits the session
 * is in error: the first read of the ring after it says so and asks the
 * loader to stop.
 */
#ifndef TAPIR_TRANSPORT_H
#define TAPIR_TRANSPORT_H

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#ifndef TAPIR_BUFSIZE
#define TAPIR_BUFSIZE (1024 * 1024)
#endif

struct tapir_rec_hdr {
	u32 type;
	u32 len;
};

static __maybe_unused char *tapir_ring;
static __maybe_unused size_t tapir_ring_head, tapir_ring_tail; /* free-running byte counters */
static __maybe_unused DEFINE_RAW_SPINLOCK(tapir_ring_lock);
static __maybe_unused atomic64_t tapir_drops = ATOMIC64_INIT(0);
static __maybe_unused DEFINE_MUTEX(tapir_ctl_mutex);
static __maybe_unused struct proc_dir_entry *tapir_proc_dir;

static __maybe_unused void tapir_ring_put(const char *p, size_t n)
{
	while (n) {
		size_t at = tapir_ring_head % TAPIR_BUFSIZE, k = min(n, TAPIR_BUFSIZE - at);

		memcpy(tapir_ring + at, p, k);
		tapir_ring_head += k;
		p += k;
		n -= k;
	}
}

static __maybe_unused void tapir_ring_write(int type, const char *p, size_t n)
{
	struct tapir_rec_hdr h = { .type = type, .len = n };
	unsigned long flags;

	if (!tapir_ring)
		return;
	raw_spin_lock_irqsave(&tapir_ring_lock, flags);
	if (tapir_ring_head - tapir_ring_tail + sizeof(h) + n > TAPIR_BUFSIZE) {
		atomic64_add(n ? n : 1, &tapir_drops);
	} else {
		tapir_ring_put((const char *)&h, sizeof(h));
		tapir_ring_put(p, n);
	}
	raw_spin_unlock_irqrestore(&tapir_ring_lock, flags);
}

/* The session's end past MAXSKIPPED, said once: from process context
 * (the loader's read of the ring, or the stop), never where a probe may
 * have been skipped inside tapir_ring_write. */
static __maybe_unused void tapir_skip_report(void)
{
	static const char msg[] = "ERROR: Skipped too many probes, check MAXSKIPPED "
				  "or try again with -t for more details.\n";

	if (!atomic_xchg(&tapir_skip_limit, 0))
		return;
	atomic_inc(&tapir_nerrors);
	tapir_ring_write(TAPIR_REC_ERR, msg, sizeof(msg) - 1);
	tapir_ring_write(TAPIR_REC_EXIT, NULL, 0);
}

/* Up to count bytes of the ring; 0 when it is empty (the loader polls). */
static __maybe_unused ssize_t tapir_out_read(struct file *f, char __user *ubuf, size_t count, loff_t *pos)
{
	static char bounce[16384];
	unsigned long flags;
	size_t n, at;

	mutex_lock(&tapir_ctl_mutex);
	tapir_skip_report();
	raw_spin_lock_irqsave(&tapir_ring_lock, flags);
	at = tapir_ring_tail % TAPIR_BUFSIZE;
	n = min3(count, (size_t)(tapir_ring_head - tapir_ring_tail), sizeof(bounce));
	n = min(n, (size_t)TAPIR_BUFSIZE - at);
	memcpy(bounce, tapir_ring + at, n);
	tapir_ring_tail += n;
	raw_spin_unlock_irqrestore(&tapir_ring_lock, flags);
	if (n && copy_to_user(ubuf, bounce, n))
		n = (size_t)-EFAULT;
	mutex_unlock(&tapir_ctl_mutex);
	return (ssize_t)n;
}

static __maybe_unused int tapir_start(void);
static __maybe_unused void tapir_stop(void);

static __maybe_unused ssize_t tapir_ctl_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char cmd[16] = "";

	if (copy_from_user(cmd, ubuf, min(count, sizeof(cmd) - 1)))
		return -EFAULT;
	if (strncmp(cmd, "start", 5) == 0) {
		int rc;

		if (tapir_session_state() != TAPIR_LOADED)
			return -EBUSY;
		rc = tapir_start();
		if (rc < 0)
			return rc;
	} else if (strncmp(cmd, "stop", 4) == 0) {
		tapir_stop();
	} else {
		return -EINVAL;
	}
	return count;
}

static __maybe_unused int tapir_ctl_show(struct seq_file *m, void *v)
{
	seq_printf(m, "drops %lld skipped %d errors %d\n", (long long)atomic64_read(&tapir_drops),
		   atomic_read(&tapir_nskipped), atomic_read(&tapir_nerrors));
	return 0;
}

static __maybe_unused int tapir_ctl_open(struct inode *inode, struct file *file)
{
	return single_open(file, tapir_ctl_show, NULL);
}

static __maybe_unused const struct proc_ops tapir_out_ops = {
	.proc_read = tapir_out_read,
	.proc_lseek = noop_llseek,
};

static __maybe_unused const struct proc_ops tapir_ctl_ops = {
	.proc_open = tapir_ctl_open,
	.proc_read = seq_read,
	.proc_write = tapir_ctl_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static __maybe_unused int tapir_transport_init(void)
{
	tapir_ring = vmalloc(TAPIR_BUFSIZE);
	if (!tapir_ring)
		return -ENOMEM;
	tapir_proc_dir = proc_mkdir(KBUILD_MODNAME, NULL);
	if (!tapir_proc_dir)
		return -ENOMEM;
	if (!proc_create("out", 0400, tapir_proc_dir, &tapir_out_ops) ||
	    !proc_create("ctl", 0600, tapir_proc_dir, &tapir_ctl_ops))
		return -ENOMEM;
	return 0;
}

static __maybe_unused void tapir_transport_exit(void)
{
	if (tapir_proc_dir)
		proc_remove(tapir_proc_dir);
	vfree(tapir_ring);
	tapir_ring = NULL;
}

#endif /* TAPIR_TRANSPORT_H */
