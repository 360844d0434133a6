/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_sink.h - where runtime/common's formatted output goes.
 *
 * A sink is a caller-owned buffer.  When it fills up it is handed to the
 * caller's flush callback, if there is one (the kernel module drains it
 * into its per-CPU transport buffer, the BPF executor into stdout);
 * without one, what does not fit is dropped and counted in 'lost', which is
 * how a string result (sprintf, sprint of a histogram) is truncated.
 */
#ifndef RT_SINK_H
#define RT_SINK_H

#include "rt_types.h"

struct rt_sink {
	char *buf;        /* output buffer */
	size_t cap;       /* its size */
	size_t len;       /* bytes of buf in use */
	uint64_t flushed; /* bytes handed to flush so far */
	uint64_t lost;    /* bytes dropped for want of room */
	/* Drains buf and sets len to 0; returns 0 or -errno.  May be NULL. */
	int (*flush)(struct rt_sink *s);
	void *ctx; /* for flush */
};

void rt_sink_init(struct rt_sink *s, char *buf, size_t cap);
void rt_sink_write(struct rt_sink *s, const char *p, size_t n);
void rt_sink_fill(struct rt_sink *s, char c, size_t n);
int rt_sink_flush(struct rt_sink *s);

/* Bytes accepted so far, flushed or still in buf. */
static inline uint64_t rt_sink_total(const struct rt_sink *s)
{
	return s->flushed + s->len;
}

#endif /* RT_SINK_H */
