// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_out.c - the script's output: one buffered stream to stdout or
 * -o FILE, shared by the ring buffer's records and the user-space probes
 * so that both appear in the order they were made; and the printf formats,
 * compiled once each by runtime/common's engine.
 *
 * The stream is flushed every main-loop round, so that `... | head` sees
 * output as it comes.  A buffer that fills up between rounds is written
 * up to its last newline, the rest kept for the next write, so that a -c
 * command writing to the same stdout does not land inside a line.  A failed write (EPIPE when the reader has gone)
 * ends the run: later output is dropped.  -o's files are named and
 * rotated as runtime/common/rt_outfiles.h says (switch_file(), -S).
 */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_exec.h"

#define OUT_BUF_SIZE (64 * 1024)

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* How much of a full buffer to write: up to its last newline, or all of
 * it when it holds no newline (a line longer than the buffer). */
static size_t out_whole_lines(const struct rt_sink *s)
{
	const char *nl = memrchr(s->buf, '\n', s->len);

	return nl ? (size_t)(nl - s->buf) + 1 : s->len;
}

/* Closes the current -o file and goes on in the next one (-S, or
 * switch_file()); false when it can't be opened (said, output kept on). */
static bool out_next_file(struct rt_exec *x)
{
	char path[4096];
	int fd;

	rt_outfiles_next(&x->files, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rt_exec_errorf(x, "cannot open the output file '%s': %s", path, strerror(errno));
		return false;
	}
	close(x->out_fd);
	x->out_fd = fd;
	return true;
}

static int out_drain(struct rt_sink *s)
{
	struct rt_exec *x = s->ctx;
	size_t n = x->out_flushing ? s->len : out_whole_lines(s);
	int rc = 0;

	if (x->opt.output && !x->out_broken && rt_outfiles_full(&x->files, n))
		out_next_file(x);
	x->files.size += (long long)n;
	if (!x->out_broken)
		rc = write_all(x->out_fd, s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	if (rc < 0) {
		x->out_broken = true;
		if (rc != -EPIPE) {
			fprintf(stderr, "ERROR: writing the output failed: %s\n", strerror(-rc));
			x->status = 1;
		}
		rt_exec_request_end(x);
	}
	return 0;
}

int rt_exec_out_open(struct rt_exec *x)
{
	char path[4096];

	x->out_fd = STDOUT_FILENO;
	x->files = (struct rt_outfiles){ .base = x->opt.output };
	if (x->opt.rotate && (!x->opt.output || rt_outfiles_parse(&x->files, x->opt.rotate) < 0)) {
		fprintf(stderr, "ERROR: -S %s: SIZE[,N] (megabytes, files) with -o FILE\n",
		        x->opt.rotate);
		return -EINVAL;
	}
	if (x->opt.output) {
		rt_outfiles_path(&x->files, 0, path, sizeof(path));
		x->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (x->out_fd < 0) {
			fprintf(stderr, "ERROR: cannot open the output file '%s': %s\n", path,
			        strerror(errno));
			return -errno;
		}
	}
	x->outbuf = malloc(OUT_BUF_SIZE);
	if (!x->outbuf) {
		fprintf(stderr, "ERROR: out of memory\n");
		return -ENOMEM;
	}
	rt_sink_init(&x->out, x->outbuf, OUT_BUF_SIZE);
	x->out.flush = out_drain;
	x->out.ctx = x;
	return 0;
}

void rt_exec_out_flush(struct rt_exec *x)
{
	if (!x->outbuf)
		return;
	x->out_flushing = true;
	rt_sink_flush(&x->out);
	x->out_flushing = false;
}

void rt_exec_out_close(struct rt_exec *x)
{
	rt_exec_out_flush(x);
	if (x->opt.output && x->out_fd >= 0 && close(x->out_fd) < 0 && !x->out_broken) {
		fprintf(stderr, "ERROR: writing the output file '%s' failed: %s\n", x->opt.output,
		        strerror(errno));
		x->status = 1;
	}
	x->out_fd = -1;
	free(x->outbuf);
	x->outbuf = NULL;
	rt_exec_sym_free();
}

static int fmt_compile(struct rt_exec_fmt *e, const char *src)
{
	struct rt_fmt_error err;
	size_t len = strlen(src);
	int n;

	n = rt_fmt_parse(src, len, NULL, 0, &err);
	if (n < 0)
		return n;
	e->dirs = calloc((size_t)n + 1, sizeof(*e->dirs));
	if (!e->dirs)
		return -ENOMEM;
	n = rt_fmt_compile(&e->f, src, len, e->dirs, (size_t)n, &err);
	if (n < 0)
		return n;
	e->args = calloc(e->f.nargs + 1, sizeof(*e->args));
	return e->args ? 0 : -ENOMEM;
}

/* Format id, compiled; NULL (having said why, once) if it is bad. */
struct rt_exec_fmt *rt_exec_fmt_get(struct rt_exec *x, int id)
{
	const struct tapir_program *p = x->p;
	struct rt_exec_fmt *e;
	int rc;

	if (id < 0 || id >= p->nfmts || !p->fmts[id]) {
		rt_exec_errorf(x, "printf format %d is not in the program's table", id);
		return NULL;
	}
	if (!x->fmts) {
		x->fmts = calloc((size_t)p->nfmts, sizeof(*x->fmts));
		if (!x->fmts)
			return NULL;
	}
	e = &x->fmts[id];
	if (e->state == 0) {
		rc = fmt_compile(e, p->fmts[id]);
		e->state = rc < 0 ? -1 : 1;
		if (rc < 0)
			rt_exec_errorf(x, "printf format %d (\"%s\") does not compile: %s", id,
			               p->fmts[id], strerror(-rc));
	}
	return e->state > 0 ? e : NULL;
}

void rt_exec_fmt_free(struct rt_exec *x)
{
	int i;

	if (!x->fmts)
		return;
	for (i = 0; i < x->p->nfmts; i++) {
		free(x->fmts[i].dirs);
		free(x->fmts[i].args);
	}
	free(x->fmts);
	x->fmts = NULL;
}

/* A printf that could not print: SystemTap's run-time errors. */
void rt_exec_fmt_failed(struct rt_exec *x, int id, int rc)
{
	char msg[128];

	if (rc == -E2BIG)
		snprintf(msg, sizeof(msg), "%%m length exceeds %d bytes", RT_FMT_MEM_MAX);
	else if (rc == -EFAULT)
		snprintf(msg, sizeof(msg), "memory read fault in printf");
	else
		snprintf(msg, sizeof(msg), "printf format %d: wrong number of arguments", id);
	rt_exec_probe_error(x, msg, strlen(msg), -1);
}

void tapir_printf(int fmt_id, const struct rt_value *args, int nargs)
{
	struct rt_exec *x = &rt_exec_run;
	const struct rt_exec_fmt *e = rt_exec_fmt_get(x, fmt_id);
	int rc;

	if (!e || nargs < 0)
		return;
	rc = rt_exec_print_args(x, &e->f, args, (size_t)nargs, NULL, 0);
	if (rc < 0)
		rt_exec_fmt_failed(x, fmt_id, rc);
}

/* printf or sprintf (buf) of args, whose stack and symbol markers are
 * replaced first (rt_exec_sym.c). */
int rt_exec_print_args(struct rt_exec *x, const struct rt_fmt *f, const struct rt_value *args,
                       size_t nargs, char *buf, size_t size)
{
	struct rt_value *v;
	char **owned;
	int rc;

	for (size_t i = 0; i < nargs; i++)
		if (args[i].s && rt_exec_sym_marked(args[i].s, args[i].len == (size_t)-1 ?
		                                                   strlen(args[i].s) : args[i].len))
			goto marked;
	return buf ? rt_fmt_sprint(f, args, nargs, buf, size, NULL) :
	             rt_fmt_print(f, args, nargs, &x->out, NULL);
marked:
	v = calloc(nargs, sizeof(*v));
	owned = calloc(nargs, sizeof(*owned));
	if (!v || !owned) {
		free(v);
		free(owned);
		return -ENOMEM;
	}
	memcpy(v, args, nargs * sizeof(*v));
	rt_exec_sym_args(v, nargs, owned);
	rc = buf ? rt_fmt_sprint(f, v, nargs, buf, size, NULL) :
	           rt_fmt_print(f, v, nargs, &x->out, NULL);
	rt_exec_sym_args_free(owned, nargs);
	free(owned);
	free(v);
	return rc;
}

void tapir_print(const char *s, size_t len)
{
	rt_exec_print_raw(&rt_exec_run, s, len);
}

/* print()'s bytes, stack and symbol markers replaced. */
void rt_exec_print_raw(struct rt_exec *x, const char *s, size_t len)
{
	char *t;

	if (!rt_exec_sym_marked(s, len)) {
		rt_sink_write(&x->out, s, len);
		return;
	}
	t = rt_exec_sym_expand(s, len, &len);
	if (t)
		rt_sink_write(&x->out, t, len);
	free(t);
}

void tapir_sprintf(char *buf, size_t size, int fmt_id, const struct rt_value *args, int nargs)
{
	struct rt_exec *x = &rt_exec_run;
	const struct rt_exec_fmt *e = rt_exec_fmt_get(x, fmt_id);
	int rc;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (!e || nargs < 0)
		return;
	rc = rt_exec_print_args(x, &e->f, args, (size_t)nargs, buf, size);
	if (rc < 0)
		rt_exec_fmt_failed(x, fmt_id, rc);
}

/* switch_file(): -o's next file (without -o the output stays on stdout). */
void rt_exec_switch_file(struct rt_exec *x)
{
	if (!x->opt.output || x->out_fd < 0 || x->out_broken)
		return;
	rt_exec_out_flush(x);
	out_next_file(x);
}
