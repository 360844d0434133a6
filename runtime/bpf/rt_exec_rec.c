// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_rec.c - the records kernel probes send through the ring buffer
 * "tapir_events" (tapir_rec.h), turned into output, errors and warnings.
 *
 * A printf's arguments are decoded by walking its compiled format, as
 * the BPF side encoded them: each '*' width or precision and each numeric
 * value as 8 bytes, each %s as a u16 length and its bytes, each %m or %M
 * as its 8-byte address followed by the bytes copied there at probe time
 * (u16 length, then the bytes).
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "rt_exec.h"

#define EVENTS_MAP "tapir_events"

struct cursor {
	const char *p;
	size_t left;
};

static bool take_long(struct cursor *c, struct rt_value *v)
{
	int64_t n;

	*v = (struct rt_value){0};
	if (c->left < sizeof(n))
		return false;
	memcpy(&n, c->p, sizeof(n));
	c->p += sizeof(n);
	c->left -= sizeof(n);
	v->n = n;
	return true;
}

/* A u16 length and that many bytes, into v->s and v->len. */
static bool take_bytes(struct cursor *c, struct rt_value *v)
{
	uint16_t len;

	if (c->left < sizeof(len))
		return false;
	memcpy(&len, c->p, sizeof(len));
	if (c->left - sizeof(len) < len)
		return false;
	v->s = c->p + sizeof(len);
	v->len = len;
	c->p += sizeof(len) + len;
	c->left -= sizeof(len) + len;
	return true;
}

static bool take_value(struct cursor *c, const struct rt_fmt_dir *d, struct rt_value *v)
{
	switch (d->conv) {
	case RT_CONV_STRING:
		*v = (struct rt_value){0};
		return take_bytes(c, v);
	case RT_CONV_MEMORY:
	case RT_CONV_MEMORY_HEX:
		return take_long(c, v) && take_bytes(c, v);
	default:
		return take_long(c, v);
	}
}

static bool decode_args(struct rt_exec_fmt *e, const char *payload, size_t len)
{
	struct cursor c = {payload, len};
	struct rt_value *v = e->args;
	uint32_t i;

	for (i = 0; i < e->f.ndirs; i++) {
		const struct rt_fmt_dir *d = &e->dirs[i];

		if (d->conv == RT_CONV_LITERAL)
			continue;
		if (d->width_kind == RT_FMT_ARG_DYNAMIC && !take_long(&c, v++))
			return false;
		if (d->prec_kind == RT_FMT_ARG_DYNAMIC && !take_long(&c, v++))
			return false;
		if (!take_value(&c, d, v++))
			return false;
	}
	return c.left == 0;
}

static void bad_record(struct rt_exec *x, const char *why)
{
	if (x->bad_records++ == 0)
		rt_exec_errorf(x, "a malformed record from a kernel probe: %s", why);
}

static void rec_printf(struct rt_exec *x, uint32_t id, const char *payload, size_t len)
{
	struct rt_exec_fmt *e = rt_exec_fmt_get(x, (int)id);
	int rc;

	if (!e)
		return;
	if (!decode_args(e, payload, len)) {
		bad_record(x, "printf arguments do not match their format");
		return;
	}
	rc = rt_exec_print_args(x, &e->f, e->args, e->f.nargs, NULL, 0);
	if (rc < 0)
		rt_exec_fmt_failed(x, (int)id, rc);
}

/* print(@hist_*(s)) in a kernel probe: the buckets it merged then. */
static void rec_hist(struct rt_exec *x, uint32_t stat, const char *payload, size_t len)
{
	const struct rt_stat_desc *desc;
	int64_t hist[RT_HIST_MAX_BUCKETS];

	if (stat >= (uint32_t)x->p->nstat_maps) {
		bad_record(x, "a histogram of no statistic");
		return;
	}
	desc = &x->p->stat_maps[stat].desc;
	if (desc->buckets <= 0 || desc->buckets > RT_HIST_MAX_BUCKETS ||
	    len != (size_t)desc->buckets * sizeof(hist[0])) {
		bad_record(x, "a histogram of another size than its statistic's");
		return;
	}
	memcpy(hist, payload, len); /* the payload is not 8-byte aligned */
	rt_hist_print(&x->out, desc, hist, x->p->hist_style);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct rt_exec *x = ctx;
	const struct tapir_rec *r = data;
	const char *payload = (const char *)(r + 1);

	if (size < sizeof(*r) || r->len > size - sizeof(*r)) {
		bad_record(x, "shorter than its header says");
		return 0;
	}
	switch (r->kind) {
	case TAPIR_REC_PRINTF:
		rec_printf(x, r->id, payload, r->len);
		break;
	case TAPIR_REC_PRINT:
		rt_exec_print_raw(x, payload, r->len);
		break;
	case TAPIR_REC_EXIT:
		tapir_exit();
		break;
	case TAPIR_REC_ERROR:
		x->kernel_errors++;
		rt_exec_probe_error(x, payload, r->len, (int)r->id);
		break;
	case TAPIR_REC_WARN:
		rt_exec_warn_msg(x, payload, r->len);
		break;
	case TAPIR_REC_SYSTEM:
		rt_exec_system(x, payload, r->len);
		break;
	case TAPIR_REC_PRINTK:
		rt_exec_printk(x, (int)r->id, payload, r->len);
		break;
	case TAPIR_REC_SWITCH_FILE:
		rt_exec_switch_file(x);
		break;
	case TAPIR_REC_HIST:
		rec_hist(x, r->id, payload, r->len);
		break;
	default:
		bad_record(x, "unknown kind");
	}
	return 0;
}

int rt_exec_rec_open(struct rt_exec *x)
{
	struct bpf_map *m = bpf_object__find_map_by_name(x->obj, EVENTS_MAP);
	int err;

	if (!m && x->p->nkprobes == 0)
		return 0; /* nothing runs in the kernel to send records */
	if (!m) {
		rt_exec_errorf(x, "the BPF object has no ring buffer '%s'", EVENTS_MAP);
		return -ENOENT;
	}
	x->rb = ring_buffer__new(bpf_map__fd(m), on_record, x, NULL);
	if (!x->rb) {
		err = -errno;
		rt_exec_errorf(x, "cannot read the ring buffer '%s': %s", EVENTS_MAP,
		               strerror(-err));
		return err;
	}
	return 0;
}

/* Everything the kernel probes have sent so far. */
void rt_exec_rec_drain(struct rt_exec *x)
{
	if (x->rb)
		while (ring_buffer__consume(x->rb) > 0)
			;
}

void rt_exec_rec_close(struct rt_exec *x)
{
	ring_buffer__free(x->rb);
	x->rb = NULL;
}
