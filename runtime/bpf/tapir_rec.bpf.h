/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_rec.bpf.h - records to the executor (formats in tapir_rec.h).
 *
 * A record is built in the probe's per-CPU scratch slot and copied into
 * the ring buffer "tapir_events" in one bpf_ringbuf_output(), so that
 * the generated code may leave a record unfinished on any path (an error
 * in a printf argument) without the verifier's reserve/submit pairing:
 *
 *	struct tapir_recbuf *h = tapir_rec_start(TAPIR_REC_PRINTF, FMT_ID);
 *	tapir_rec_long(h, x);
 *	tapir_rec_str(h, s);
 *	tapir_rec_send(h);
 *
 * Every tapir_rec_* takes the NULL that tapir_rec_start() returns if its
 * map lookup fails, and then does nothing.  A record that finds the ring
 * buffer full is counted in tapir_G.st.dropped, which the executor
 * reports at the end.
 *
 * The text of strings is cut to end TAPIR_REC_LONG_ROOM bytes before
 * TAPIR_REC_MAX (a string past that point is sent empty), so that a
 * printf of the most arguments tapir_rec.h allows (32) always has room
 * for the rest of them: a long output is cut as SystemTap cuts what
 * exceeds its print buffer, and the record stays well formed.  A record
 * that still overflows is not sent; it is counted as dropped.
 */
#ifndef TAPIR_REC_BPF_H
#define TAPIR_REC_BPF_H

#define TAPIR_REC_LONG_ROOM (32 * 8)

/* tapir_rec_bytes copies this much at a time: one helper call each. */
#if TAPIR_MAXSTRINGLEN > 512
#define TAPIR_REC_CHUNK TAPIR_MAXSTRINGLEN
#else
#define TAPIR_REC_CHUNK 512
#endif

_Static_assert((TAPIR_REC_MAX & (TAPIR_REC_MAX - 1)) == 0,
               "TAPIR_REC_MAX must be a power of 2: offsets are masked by it");
_Static_assert((TAPIR_NEST_MAX & (TAPIR_NEST_MAX - 1)) == 0, "TAPIR_NEST_MAX must be a power of 2");

struct tapir_recbuf {
	__u32 overflow;
	__u32 reserved[3];
	struct tapir_rec hdr; /* sent with the payload after it */
	/*
	 * The payload, and room past TAPIR_REC_MAX for a string's u16 and
	 * bytes or a chunk of tapir_rec_bytes, so that the verifier can check
	 * a write at any offset below TAPIR_REC_MAX by its mask alone.
	 */
	char data[TAPIR_REC_MAX + 2 + TAPIR_REC_CHUNK + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TAPIR_RINGBUF_SIZE);
} tapir_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIR_NEST_MAX);
	__type(key, __u32);
	__type(value, struct tapir_recbuf);
} tapir_recbufs SEC(".maps");

__noinline int tapir_rec_bytes_g(struct tapir_recbuf *h, const char *p, __u32 n);

static __always_inline struct tapir_recbuf *tapir_rec_start(__u32 kind, __u32 id)
{
	__u32 slot = tapir_nest_slot();
	struct tapir_recbuf *h;

	h = bpf_map_lookup_elem(&tapir_recbufs, &slot);
	if (!h)
		return NULL;
	h->overflow = 0;
	h->hdr.kind = kind;
	h->hdr.id = id;
	h->hdr.len = 0;
	h->hdr.cpu = bpf_get_smp_processor_id();
	return h;
}

/* An argument of %d, %x, %c, %p... : 8 bytes, little endian. */
static __always_inline void tapir_rec_long(struct tapir_recbuf *h, __s64 v)
{
	__u32 off;

	if (!h)
		return;
	off = h->hdr.len;
	if (off > TAPIR_REC_MAX - 8) {
		h->overflow = 1;
		return;
	}
	*(__s64 *)(h->data + (off & (TAPIR_REC_MAX - 1))) = v;
	h->hdr.len = off + 8;
}

/* A %s argument: its u16 length, then its bytes without the NUL. */
static __always_inline void tapir_rec_str(struct tapir_recbuf *h, const char *s)
{
	__u32 off, room;
	long n;

	if (!h)
		return;
	off = h->hdr.len;
	if (off > TAPIR_REC_MAX - 2) {
		h->overflow = 1;
		return;
	}
	off &= TAPIR_REC_MAX - 1;
	n = bpf_probe_read_kernel_str(h->data + off + 2, TAPIR_MAXSTRINGLEN, s);
	n = n > 0 ? n - 1 : 0; /* a fault reads as "" */
	room = TAPIR_REC_MAX - TAPIR_REC_LONG_ROOM - 2;
	room = off < room ? room - off : 0;
	if (n > room)
		n = room;
	*(__u16 *)(h->data + off) = (__u16)n;
	h->hdr.len = off + 2 + (__u32)n;
}

/*
 * Appends n bytes read from p without a length: the payload of
 * TAPIR_REC_PRINT, or a fixed-size argument.  p is a pointer the verifier
 * knows (a map value, the stack, .rodata) of n bytes; a fault reads as
 * zeros.  Bytes past TAPIR_REC_MAX overflow the record.  A global
 * function: its loop is verified once, whatever the number of callers.
 */
__noinline int tapir_rec_bytes_g(struct tapir_recbuf *h, const char *p, __u32 n)
{
	__u32 off, tail, done = 0;
	int i;

	if (!h || !p)
		return 0;
	off = h->hdr.len;
	if (n > TAPIR_REC_MAX || off + n > TAPIR_REC_MAX) {
		h->overflow = 1;
		return 0;
	}
	/*
	 * A helper's size must be bounded: whole chunks, then the rest.  One
	 * shape of iteration, so the verifier's walk of the loop stays linear.
	 */
	for (i = 0; i < TAPIR_REC_MAX / TAPIR_REC_CHUNK; i++) {
		if (n - done < TAPIR_REC_CHUNK)
			break;
		off &= TAPIR_REC_MAX - 1;
		bpf_probe_read_kernel(h->data + off, TAPIR_REC_CHUNK, p + done);
		off += TAPIR_REC_CHUNK;
		done += TAPIR_REC_CHUNK;
	}
	tail = n - done;
	if (tail) {
		barrier_var(tail);
		if (tail > TAPIR_REC_CHUNK)
			tail = TAPIR_REC_CHUNK;
		off &= TAPIR_REC_MAX - 1;
		bpf_probe_read_kernel(h->data + off, tail, p + done);
		off += tail;
	}
	h->hdr.len = off;
	return 0;
}

static __always_inline void tapir_rec_bytes(struct tapir_recbuf *h, const void *p, __u32 n)
{
	tapir_rec_bytes_g(h, (const char *)p, n);
}

/*
 * Output wakes the executor only once the ring buffer is a quarter full:
 * the executor drains the ring at every round of its loop and at least
 * every TAPIR_DRAIN_MS (rt_exec_loop.c), as SystemTap's module flushes
 * its buffers on a timer, so that a record per hit costs no wakeup (an
 * irq_work, an interrupt). An exit, an error, a warning or any other
 * record wakes it at once (forced: the output before it may be waiting).
 */
static __always_inline __u64 tapir_rec_wakeup(__u32 kind)
{
	if (kind != TAPIR_REC_PRINTF && kind != TAPIR_REC_PRINT)
		return BPF_RB_FORCE_WAKEUP;
	return bpf_ringbuf_query(&tapir_events, BPF_RB_AVAIL_DATA) > TAPIR_RINGBUF_SIZE / 4 ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Sends the record; returns 0, or -1 if it was dropped (and counted). */
static __always_inline int tapir_rec_send(struct tapir_recbuf *h)
{
	__u32 len;

	if (!h)
		return -1;
	len = h->hdr.len;
	barrier_var(len); /* the bound below is the verifier's */
	if (h->overflow || len > TAPIR_REC_MAX)
		goto drop;
	if (bpf_ringbuf_output(&tapir_events, &h->hdr, sizeof(h->hdr) + len,
			       tapir_rec_wakeup(h->hdr.kind)))
		goto drop;
	return 0;
drop:
	__sync_fetch_and_add(&tapir_G.st.dropped, 1);
	return -1;
}

/*
 * A record of a known size (a printf of longs only): reserved in the ring
 * buffer and written in place, without the scratch record and its copy.
 * NULL when the ring is full (counted as dropped); else the caller writes
 * len bytes of payload after the header and sends it with
 * tapir_rec_commit().
 */
static __always_inline struct tapir_rec *tapir_rec_reserve(__u32 kind, __u32 id, __u32 len)
{
	struct tapir_rec *r = bpf_ringbuf_reserve(&tapir_events, sizeof(*r) + len, 0);

	if (!r) {
		__sync_fetch_and_add(&tapir_G.st.dropped, 1);
		return NULL;
	}
	r->kind = kind;
	r->id = id;
	r->len = len;
	r->cpu = bpf_get_smp_processor_id();
	return r;
}

static __always_inline void tapir_rec_commit(struct tapir_rec *r)
{
	bpf_ringbuf_submit(r, tapir_rec_wakeup(r->kind));
}

/* A record whose payload is the string msg (cut at TAPIR_MAXSTRINGLEN - 1). */
static __always_inline int tapir_rec_msg(__u32 kind, __u32 id, const char *msg)
{
	struct tapir_recbuf *h = tapir_rec_start(kind, id);
	long n;

	if (!h)
		return -1;
	n = bpf_probe_read_kernel_str(h->data, TAPIR_MAXSTRINGLEN, msg);
	h->hdr.len = n > 0 ? (__u32)n - 1 : 0;
	return tapir_rec_send(h);
}

/* print(s), and the output of print/println/printd of one string. */
static __always_inline int tapir_print_str(const char *s)
{
	return tapir_rec_msg(TAPIR_REC_PRINT, 0, s);
}

/* exit(): probes stop starting (tapir_probe_enter), the executor ends the run. */
static __always_inline int tapir_exit(void)
{
	tapir_G.st.exiting = 1;
	return tapir_rec_send(tapir_rec_start(TAPIR_REC_EXIT, 0));
}

/*
 * error(msg) and the run-time errors of helpers: the executor prints
 * "ERROR: msg near LOC" for the location of index loc, runs the error
 * probes, and ends the run after MAXERRORS.  The caller ends its probe.
 */
static __always_inline int tapir_error(__u32 loc, const char *msg)
{
	/* Past MAXERRORS no probe may start again (tapir_probe_enter), as
	 * SystemTap skips every probe once the session is in error: not
	 * only once user space has read this record. */
	if (__sync_fetch_and_add(&tapir_G.st.errors, 1) >= tapir_G.st.maxerrors)
		tapir_G.st.exiting = 1;
	return tapir_rec_msg(TAPIR_REC_ERROR, loc, msg);
}

static __always_inline int tapir_warn(const char *msg)
{
	return tapir_rec_msg(TAPIR_REC_WARN, 0, msg);
}

#endif /* TAPIR_REC_BPF_H */
