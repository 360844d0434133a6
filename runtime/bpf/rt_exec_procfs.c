// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_procfs.c - procfs("PATH").read and .write probes on the bpf
 * runtime, as SystemTap's stapbpf serves them: a FIFO a file, in
 * /var/tmp/systemtap-USER/MODULE (MODULE: -m's name, else tapir_PID).
 *
 * A read file: the main loop tries, every tick, to open its FIFO for
 * writing without blocking; that succeeds once a reader waits in open().
 * The FIFO is then replaced by a fresh one (so that the next reader
 * waits for its own turn instead of joining this one), the read probe
 * fills $value, and $value is written and the FIFO closed: the reader
 * gets the text, then the end of the file.
 * A write file: its FIFO stays open for reading; what a writer writes
 * runs the write probes, a chunk of at most maxsize bytes at a time, with
 * the chunk in $value; when the writer closes, the FIFO is opened again.
 * "__stdin" (input.char, input.line) is the executor's standard input,
 * fed to its write probes one character at a time, as stapio feeds it.
 * The probes run in the main loop, between records, like timer probes
 * that run in user space.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_exec.h"

/* How often read files look for a reader, in ms. */
#define PROCFS_TICK_MS 20

struct procfs_file {
	const struct tapir_procfs **probes; /* a read probe, or the write probes */
	int nprobes;
	char *path; /* the FIFO; NULL for __stdin */
	int fd;     /* a write file's read end, or -1 */
};

struct rt_exec_procfs {
	char *dir;
	struct procfs_file *files;
	int nfiles;
	bool stdin_open;
	/* $value of the probe that runs */
	char *buf;
	size_t len, cap;
	bool writable;
};

static bool is_stdin(const char *path)
{
	return strcmp(path, "__stdin") == 0;
}

static char *session_dir(const struct tapir_program *p)
{
	struct passwd *pw = getpwuid(geteuid());
	char *dir = NULL;

	if (p->module_name)
		(void)!asprintf(&dir, "/var/tmp/systemtap-%s/%s", pw ? pw->pw_name : "root",
				p->module_name);
	else
		(void)!asprintf(&dir, "/var/tmp/systemtap-%s/tapir_%d", pw ? pw->pw_name : "root",
				(int)getpid());
	return dir;
}

/* mkdir -p of path's folders (the whole path when last). */
static int make_dirs(char *path, bool last)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (last && mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static mode_t file_mode(const struct tapir_procfs *p)
{
	mode_t all = p->write ? 0222 : 0444, own = p->write ? 0200 : 0400;

	return p->umask < 0 ? own : all & ~(mode_t)p->umask;
}

/* A new FIFO at path, in place of what is there. */
static int make_fifo(const char *path, mode_t mode)
{
	char *tmp = NULL;
	int rc = 0;

	if (asprintf(&tmp, "%s.tapir-new", path) < 0)
		return -ENOMEM;
	unlink(tmp);
	if (mkfifo(tmp, mode) < 0 || chmod(tmp, mode) < 0 || rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static struct procfs_file *find_file(struct rt_exec_procfs *pf, const char *path)
{
	for (int i = 0; i < pf->nfiles; i++) {
		const struct tapir_procfs *p = pf->files[i].probes[0];

		if (strcmp(p->path, path) == 0)
			return &pf->files[i];
	}
	return NULL;
}

static int add_probe(struct rt_exec_procfs *pf, const struct tapir_procfs *p)
{
	struct procfs_file *f = find_file(pf, p->path);
	const struct tapir_procfs **probes;

	if (!f) {
		f = &pf->files[pf->nfiles++];
		f->fd = -1;
		if (!is_stdin(p->path) && asprintf(&f->path, "%s/%s", pf->dir, p->path) < 0)
			return -ENOMEM;
	}
	probes = realloc(f->probes, (size_t)(f->nprobes + 1) * sizeof(*probes));
	if (!probes)
		return -ENOMEM;
	probes[f->nprobes++] = p;
	f->probes = probes;
	return 0;
}

static int open_write_file(struct procfs_file *f)
{
	f->fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return f->fd < 0 ? -errno : 0;
}

static int create_file(struct rt_exec *x, struct procfs_file *f)
{
	const struct tapir_procfs *p = f->probes[0];
	int rc;

	if (!f->path) {
		x->procfs->stdin_open = true;
		return 0;
	}
	rc = make_dirs(f->path, false);
	if (rc == 0)
		rc = make_fifo(f->path, file_mode(p));
	if (rc == 0 && p->write)
		rc = open_write_file(f);
	if (rc < 0)
		rt_exec_errorf(x, "cannot create the procfs file '%s': %s", f->path, strerror(-rc));
	return rc;
}

int rt_exec_procfs_start(struct rt_exec *x)
{
	const struct tapir_program *p = x->p;
	struct rt_exec_procfs *pf;
	int rc = 0;

	if (p->nprocfs <= 0)
		return 0;
	pf = x->procfs = calloc(1, sizeof(*pf));
	if (!pf || !(pf->files = calloc((size_t)p->nprocfs, sizeof(*pf->files))) ||
	    !(pf->dir = session_dir(p))) {
		rt_exec_errorf(x, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < p->nprocfs && rc == 0; i++)
		rc = add_probe(pf, &p->procfs[i]);
	if (rc == 0 && (rc = make_dirs(pf->dir, true)) < 0)
		rt_exec_errorf(x, "cannot create '%s': %s", pf->dir, strerror(-rc));
	for (int i = 0; i < pf->nfiles && rc == 0; i++)
		rc = create_file(x, &pf->files[i]);
	if (rc == 0 && x->opt.verbose)
		rt_exec_note(x, "procfs files are in %s", pf->dir);
	return rc;
}

/* rmdir path's folders up to (and with) the session's folder. */
static void remove_dirs(const char *dir, char *path)
{
	char *slash;

	while ((slash = strrchr(path, '/')) && (size_t)(slash - path) >= strlen(dir)) {
		*slash = '\0';
		rmdir(path);
	}
}

void rt_exec_procfs_stop(struct rt_exec *x)
{
	struct rt_exec_procfs *pf = x->procfs;

	if (!pf)
		return;
	for (int i = 0; pf->files && i < pf->nfiles; i++) {
		struct procfs_file *f = &pf->files[i];

		if (f->fd >= 0)
			close(f->fd);
		if (f->path) {
			unlink(f->path);
			remove_dirs(pf->dir, f->path);
		}
		free(f->path);
		free(f->probes);
	}
	if (pf->dir)
		rmdir(pf->dir);
	free(pf->dir);
	free(pf->files);
	free(pf->buf);
	free(pf);
	x->procfs = NULL;
}

/* ---- running the probes ---------------------------------------------------------- */

/* Runs p with $value = buf (len bytes, cap when writable); returns the
 * length $value has after. */
static size_t run_with_value(struct rt_exec *x, const struct tapir_procfs *p, char *buf,
			     size_t len, size_t cap, bool writable)
{
	struct rt_exec_procfs *pf = x->procfs;

	pf->buf = buf;
	pf->len = len;
	pf->cap = cap;
	pf->writable = writable;
	rt_exec_run_fn(x, p->fn);
	len = pf->len;
	pf->buf = NULL;
	pf->len = pf->cap = 0;
	return len;
}

void tapir_procfs_get(char *buf, size_t size)
{
	struct rt_exec_procfs *pf = rt_exec_run.procfs;
	size_t n = pf && pf->buf ? pf->len : 0;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(buf, pf->buf, n);
	buf[n] = '\0';
}

void tapir_procfs_set(const char *s, int append)
{
	struct rt_exec_procfs *pf = rt_exec_run.procfs;
	size_t n = strlen(s);

	if (!pf || !pf->buf || !pf->writable)
		return;
	if (!append)
		pf->len = 0;
	if (n > pf->cap - pf->len)
		n = pf->cap - pf->len;
	memcpy(pf->buf + pf->len, s, n);
	pf->len += n;
}

/* A reader waits on read file f (fd is open for writing): serve it. */
static void serve_reader(struct rt_exec *x, struct procfs_file *f, int fd)
{
	const struct tapir_procfs *p = f->probes[0];
	size_t cap = p->maxsize > 0 ? (size_t)p->maxsize : 1;
	char *buf = malloc(cap);
	ssize_t n = 0;
	size_t len;
	int rc = make_fifo(f->path, file_mode(p));

	if (rc < 0)
		rt_exec_errorf(x, "cannot renew the procfs file '%s': %s", f->path, strerror(-rc));
	if (!buf) {
		close(fd);
		rt_exec_errorf(x, "out of memory");
		return;
	}
	len = run_with_value(x, p, buf, 0, cap, true);
	if (len > 65536)
		fcntl(fd, F_SETPIPE_SZ, (int)len);
	if (len > 0)
		n = write(fd, buf, len);
	if (n >= 0 && (size_t)n < len)
		rt_exec_note(x, "procfs: the reader of %s took %zd of %zu bytes", f->path, n, len);
	close(fd);
	free(buf);
	rt_exec_out_flush(x);
}

static void take_pending_writes(struct rt_exec *x);

void rt_exec_procfs_tick(struct rt_exec *x)
{
	struct rt_exec_procfs *pf = x->procfs;

	/* What was written before a reader came is taken first: `echo 5 >
	 * ctl; cat value` reads what the write probe made. */
	take_pending_writes(x);
	for (int i = 0; pf && i < pf->nfiles && x->state == RT_EXEC_RUNNING; i++) {
		struct procfs_file *f = &pf->files[i];
		int fd;

		if (!f->path || f->probes[0]->write)
			continue;
		fd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			serve_reader(x, f, fd);
	}
}

int rt_exec_procfs_wait(const struct rt_exec *x)
{
	const struct rt_exec_procfs *pf = x->procfs;

	for (int i = 0; pf && i < pf->nfiles; i++) {
		if (pf->files[i].path && !pf->files[i].probes[0]->write)
			return PROCFS_TICK_MS;
	}
	return -1;
}

/* The write probes of f, in order, with $value = s. */
static void run_write_probes(struct rt_exec *x, const struct procfs_file *f, char *s)
{
	for (int i = 0; i < f->nprobes && x->state == RT_EXEC_RUNNING; i++)
		run_with_value(x, f->probes[i], s, strlen(s), 0, false);
}

/* The write probes of f on a chunk of what a writer wrote (data has room
 * for a NUL after len); for __stdin, on each character. */
static void run_writes(struct rt_exec *x, struct procfs_file *f, char *data, size_t len)
{
	if (f->path) {
		data[len] = '\0';
		run_write_probes(x, f, data);
	}
	for (size_t at = 0; !f->path && at < len && x->state == RT_EXEC_RUNNING; at++)
		run_write_probes(x, f, (char[2]){ data[at], '\0' });
	rt_exec_out_flush(x);
}

static void take_writes(struct rt_exec *x, struct procfs_file *f)
{
	int fd = f->path ? f->fd : STDIN_FILENO;
	size_t cap = f->path && f->probes[0]->maxsize > 1 ? (size_t)f->probes[0]->maxsize - 1 : 255;
	char *buf = malloc(cap + 1);
	ssize_t n;

	if (!buf) {
		rt_exec_errorf(x, "out of memory");
		return;
	}
	while ((n = read(fd, buf, cap)) > 0) {
		run_writes(x, f, buf, (size_t)n);
		if (!f->path)
			break; /* stdin may block: one read a wake-up */
	}
	free(buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (!f->path) { /* the end of the input, or an error */
		x->procfs->stdin_open = false;
		return;
	}
	close(f->fd); /* the writer is gone: wait for the next one */
	if (open_write_file(f) < 0)
		rt_exec_errorf(x, "cannot open the procfs file '%s': %s", f->path, strerror(errno));
}

int rt_exec_procfs_fds(const struct rt_exec *x, struct pollfd *fds, int max)
{
	const struct rt_exec_procfs *pf = x->procfs;
	int n = 0;

	for (int i = 0; pf && i < pf->nfiles && n < max; i++) {
		const struct procfs_file *f = &pf->files[i];

		if (f->path && f->fd >= 0)
			fds[n++] = (struct pollfd){ .fd = f->fd, .events = POLLIN };
		else if (!f->path && pf->stdin_open)
			fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	}
	return n;
}

void rt_exec_procfs_events(struct rt_exec *x, const struct pollfd *fds, int n)
{
	struct rt_exec_procfs *pf = x->procfs;

	for (int j = 0; pf && j < n; j++) {
		if (!fds[j].revents)
			continue;
		for (int i = 0; i < pf->nfiles; i++) {
			struct procfs_file *f = &pf->files[i];

			if ((f->path && f->fd == fds[j].fd) ||
			    (!f->path && fds[j].fd == STDIN_FILENO && pf->stdin_open)) {
				take_writes(x, f);
				break;
			}
		}
	}
}

/* The events of the write files (and stdin) that are ready now. */
static void take_pending_writes(struct rt_exec *x)
{
	struct pollfd fds[64];
	int n = rt_exec_procfs_fds(x, fds, 64);

	if (n > 0 && rt_exec_procfs_wait(x) >= 0 && poll(fds, (nfds_t)n, 0) > 0)
		rt_exec_procfs_events(x, fds, n);
}
