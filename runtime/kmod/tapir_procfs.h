/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_procfs.h - procfs("PATH").read and .write probes: the files of
 * /proc/systemtap/MODULE, made when the probes are armed and removed
 * when they are disarmed (backends/kmod/kmod_procfs.c lists them).
 *
 * Opening a file for reading runs its read probe into a buffer of the
 * file's maxsize, which read() then hands out; each write() runs the
 * write probes on what was written (at most MAXSTRINGLEN - 1 bytes a
 * call, as SystemTap takes it). The probes run one at a time, in the
 * caller's process context, under tapir_procfs_mutex; $value is the
 * buffer tapir_procfs_cur points at (tapsets/kmod/procfs-kmod.stp).
 * /proc/systemtap itself stays once made: another session may use it.
 */
#ifndef TAPIR_PROCFS_H
#define TAPIR_PROCFS_H

#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct tapir_procfs_file {
	const char *path;              /* relative to the module's folder */
	umode_t mode;
	size_t maxsize;                /* the read buffer */
	void (*read)(void);            /* the read probe, or NULL */
	void (*const *writes)(void);   /* the write probes, NULL-terminated */
};

struct tapir_procfs_value {
	char *buf;
	size_t len, cap;
	bool writable;
};

/* What a read sees: the text its read probe made. */
struct tapir_procfs_text {
	size_t len;
	char buf[];
};

static DEFINE_MUTEX(tapir_procfs_mutex);
static __maybe_unused struct tapir_procfs_value *tapir_procfs_cur;
static __maybe_unused struct proc_dir_entry *tapir_procfs_root;

static inline void tapir_procfs_get(char *buf, size_t size)
{
	struct tapir_procfs_value *v = tapir_procfs_cur;
	size_t n = v ? min(v->len, size - 1) : 0;

	if (n)
		memcpy(buf, v->buf, n);
	buf[n] = '\0';
}

static inline void tapir_procfs_set(const char *s, int append)
{
	struct tapir_procfs_value *v = tapir_procfs_cur;
	size_t n = strlen(s);

	if (!v || !v->writable)
		return;
	if (!append)
		v->len = 0;
	n = min(n, v->cap - v->len);
	memcpy(v->buf + v->len, s, n);
	v->len += n;
}

/* Runs fn with $value = buf; returns the length $value has after. */
static inline size_t tapir_procfs_run(void (*fn)(void), char *buf, size_t len, size_t cap,
				      bool writable)
{
	struct tapir_procfs_value v = { .buf = buf, .len = len, .cap = cap, .writable = writable };

	mutex_lock(&tapir_procfs_mutex);
	tapir_procfs_cur = &v;
	fn();
	tapir_procfs_cur = NULL;
	mutex_unlock(&tapir_procfs_mutex);
	return v.len;
}

static inline int tapir_procfs_open(struct inode *inode, struct file *file)
{
	const struct tapir_procfs_file *pf = pde_data(inode);
	struct tapir_procfs_text *t;

	if (!(file->f_mode & FMODE_READ) || !pf->read)
		return 0;
	t = kvzalloc(sizeof(*t) + pf->maxsize, GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->len = tapir_procfs_run(pf->read, t->buf, 0, pf->maxsize, true);
	file->private_data = t;
	return 0;
}

static inline ssize_t tapir_procfs_read(struct file *file, char __user *ubuf, size_t count,
					loff_t *pos)
{
	const struct tapir_procfs_text *t = file->private_data;

	return t ? simple_read_from_buffer(ubuf, count, pos, t->buf, t->len) : 0;
}

static inline ssize_t tapir_procfs_write(struct file *file, const char __user *ubuf,
					 size_t count, loff_t *pos)
{
	const struct tapir_procfs_file *pf = pde_data(file_inode(file));
	size_t n = min_t(size_t, count, TAPIR_MAXSTRINGLEN - 1);
	char *buf;

	if (!pf->writes[0])
		return -EINVAL;
	buf = kmalloc(n + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, n)) {
		kfree(buf);
		return -EFAULT;
	}
	buf[n] = '\0';
	for (int i = 0; pf->writes[i]; i++)
		tapir_procfs_run(pf->writes[i], buf, strlen(buf), n + 1, false);
	kfree(buf);
	*pos += n;
	return n;
}

static inline int tapir_procfs_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static __maybe_unused const struct proc_ops tapir_procfs_ops = {
	.proc_open = tapir_procfs_open,
	.proc_read = tapir_procfs_read,
	.proc_write = tapir_procfs_write,
	.proc_lseek = default_llseek,
	.proc_release = tapir_procfs_release,
};

/* Makes /proc/systemtap (unless there), the module's folder, then dirs
 * and files in it, in order; NULL ends both lists. */
static inline int tapir_procfs_register(const char *const *dirs,
					struct tapir_procfs_file *const *files)
{
	struct path p;

	if (kern_path("/proc/systemtap", LOOKUP_DIRECTORY, &p) == 0)
		path_put(&p);
	else if (!proc_mkdir("systemtap", NULL))
		return -ENOMEM;
	tapir_procfs_root = proc_mkdir("systemtap/" KBUILD_MODNAME, NULL);
	if (!tapir_procfs_root)
		return -EEXIST;
	for (; *dirs; dirs++) {
		if (!proc_mkdir(*dirs, tapir_procfs_root))
			goto fail;
	}
	for (; *files; files++) {
		if (!proc_create_data((*files)->path, (*files)->mode, tapir_procfs_root,
				      &tapir_procfs_ops, *files))
			goto fail;
	}
	return 0;
fail:
	proc_remove(tapir_procfs_root);
	tapir_procfs_root = NULL;
	return -ENOMEM;
}

/* Removes the module's folder; waits for the reads and writes under way. */
static inline void tapir_procfs_unregister(void)
{
	if (tapir_procfs_root)
		proc_remove(tapir_procfs_root);
	tapir_procfs_root = NULL;
}

#endif /* TAPIR_PROCFS_H */
