// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_sink.c - the output buffer of runtime/common.
 */
#include "rt_sink.h"

void rt_sink_init(struct rt_sink *s, char *buf, size_t cap)
{
	s->buf = buf;
	s->cap = buf ? cap : 0;
	s->len = 0;
	s->flushed = 0;
	s->lost = 0;
	s->flush = NULL;
	s->ctx = NULL;
}

int rt_sink_flush(struct rt_sink *s)
{
	size_t before = s->len;
	int err;

	if (!s->flush || s->len == 0)
		return 0;
	err = s->flush(s);
	if (err < 0)
		return err;
	s->flushed += before - s->len;
	return 0;
}

/* Makes room by flushing; false when the caller must drop instead. */
static bool sink_make_room(struct rt_sink *s)
{
	return s->flush && rt_sink_flush(s) == 0 && s->len < s->cap;
}

void rt_sink_write(struct rt_sink *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t room = s->cap - s->len;
		size_t i, k;

		if (room == 0) {
			if (!sink_make_room(s)) {
				s->lost += n;
				return;
			}
			room = s->cap - s->len;
		}
		k = n < room ? n : room;
		for (i = 0; i < k; i++)
			s->buf[s->len + i] = p[i];
		s->len += k;
		p += k;
		n -= k;
	}
}

void rt_sink_fill(struct rt_sink *s, char c, size_t n)
{
	char chunk[32];
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = c;
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		rt_sink_write(s, chunk, k);
		n -= k;
	}
}
