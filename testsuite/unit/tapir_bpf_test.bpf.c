// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tapir_bpf_test.bpf.c - runtime/bpf/tapir.bpf.h exercised in a kernel
 * probe: a tp_btf program on sys_enter that, for getppid() calls of the
 * loader's process, runs the operation the loader asked for in .bss
 * (tapir_bpf_test.h) and leaves the results there, in its statistics maps
 * and in the ring buffer.  Laid out as the BPF backend lays out a
 * generated program.
 *
 * The v_* programs are never attached: each calls one helper, so that the
 * loader can tell the verifier's cost of each from their instruction
 * counts against v_base's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#ifndef TAPIR_MAXSTRINGLEN
#define TAPIR_MAXSTRINGLEN 128
#endif
#define TAPIR_MAXMAPENTRIES 2048
#include "tapir_rec.h"
#include "tapir_bpf_test.h"

struct tapir_globals {
	struct tapir_state st;
	struct tbt_io io;
};
struct tapir_globals tapir_G SEC(".bss");

#include "tapir.bpf.h"

#define NR_GETPPID 110 /* x86_64 */

const volatile int tbt_pid;

static const char tbt_hello[] = "hello";

#define STAT_MAP(i, kind, start, stop, interval, buckets, shift, variance)                         \
	struct tbt_stat##i {                                                                       \
		struct tapir_stat s;                                                               \
		__s64 hist[buckets];                                                               \
	};                                                                                         \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, 1);                                                            \
		__type(key, __u32);                                                                \
		__type(value, struct tbt_stat##i);                                                 \
	} tbt_stat##i SEC(".maps");
TBT_STATS(STAT_MAP)

static __always_inline int run_str(struct tbt_io *io)
{
	struct task_struct *task = bpf_get_current_task_btf();

	io->r_copy = tapir_str_copy(io->copy, io->a);
	io->r_cat = tapir_str_concat(io->cat, io->a, io->b);
	tapir_str_copy(io->cat_a, io->a);
	io->r_cat_a = tapir_str_concat(io->cat_a, io->cat_a, io->b);
	tapir_str_copy(io->cat_b, io->b);
	io->r_cat_b = tapir_str_concat(io->cat_b, io->a, io->cat_b);
	tapir_str_copy(io->cat_self, io->a);
	io->r_cat_self = tapir_str_concat(io->cat_self, io->cat_self, io->cat_self);
	io->cmp_ab = tapir_str_cmp(io->a, io->b);
	io->cmp_ba = tapir_str_cmp(io->b, io->a);
	io->cmp_aa = tapir_str_cmp(io->a, io->a);
	io->cmp_const = tapir_str_cmp_const(io->a, tbt_hello);
	io->cmp_a_lit = tapir_str_cmp(io->a, "hello");
	io->cmp_lit_a = tapir_str_cmp("hello", io->a);
	io->cmp_lits = tapir_str_cmp("abc", "abd");
	io->len_lit = tapir_str_len("hello!");
	io->len_a = tapir_str_len(io->a);
	io->len_b = tapir_str_len(io->b);
	io->r_num = tapir_str_from_long(io->num, io->v);
	io->r_comm = tapir_str_read_kernel(io->comm, task->comm);
	io->r_user = tapir_str_read_user(io->user, (const void *)io->uptr);
	io->r_kbad = tapir_str_read_kernel(io->kbad, (const void *)16);
	io->r_ubad = tapir_str_read_user(io->ubad, (const void *)16);
	return 0;
}

static __always_inline int run_div(struct tbt_io *io)
{
	int i, err;

	for (i = 0; i < TBT_NDIV; i++) {
		err = 0;
		io->div_q[i] = tapir_div(io->div_a[i], io->div_b[i], 1000 + i, &err);
		io->div_qerr[i] = err;
		err = 0;
		io->div_r[i] = tapir_mod(io->div_a[i], io->div_b[i], 2000 + i, &err);
		io->div_rerr[i] = err;
	}
	return 0;
}

#define LINEAR_BUCKET(j, start, interval, buckets)                                                 \
	io->lin_b[j][i] = tapir_hist_linear_bucket(v, start, interval, buckets);

static __always_inline int run_hist(struct tbt_io *io)
{
	int i;

	for (i = 0; i < TBT_NHIST; i++) {
		__s64 v = io->hv[i];

		io->log_b[i] = tapir_hist_log_bucket(v);
		TBT_LINEARS(LINEAR_BUCKET)
	}
	return 0;
}

#define STAT_ADD(i, kind, start, stop, interval, buckets, shift, variance)                         \
	do {                                                                                       \
		struct tbt_stat##i *p = bpf_map_lookup_elem(&tbt_stat##i, &zero);                  \
		if (p)                                                                             \
			tapir_stat_add(p, kind, start, stop, interval, buckets, shift, variance,   \
			               io->sv);                                                    \
	} while (0);

static __always_inline int run_stat(struct tbt_io *io)
{
	__u32 zero = 0;

	TBT_STATS(STAT_ADD)
	return 0;
}

/* One of each record, in an order the loader checks. */
static __always_inline int run_rec(struct tbt_io *io)
{
	struct tapir_recbuf *h;
	int i;

	h = tapir_rec_start(TAPIR_REC_PRINTF, 7);
	tapir_rec_long(h, -5);
	tapir_rec_str(h, io->a);
	tapir_rec_long(h, (__s64)0x8000000000000000ULL);
	tapir_rec_str(h, "");
	tapir_rec_str(h, io->b);
	tapir_rec_send(h);

	tapir_print_str(io->a);
	tapir_warn("a warning");
	tapir_error(42, io->b);

	h = tapir_rec_start(TAPIR_REC_PRINT, 0);
	tapir_rec_bytes(h, io->a, TBT_REC_BYTES);
	tapir_rec_send(h);

	/* strings past the record's room are cut; the longs still fit */
	h = tapir_rec_start(TAPIR_REC_PRINTF, 8);
	for (i = 0; i < TBT_REC_PAIRS; i++) {
		tapir_rec_str(h, io->a);
		tapir_rec_long(h, i);
	}
	tapir_rec_send(h);

	/* too many longs: not sent, counted as dropped */
	h = tapir_rec_start(TAPIR_REC_PRINTF, 9);
	for (i = 0; i < TAPIR_REC_MAX / 8 + 1; i++)
		tapir_rec_long(h, i);
	tapir_rec_send(h);

	h = tapir_rec_start(TAPIR_REC_PRINTF, 10);
	tapir_rec_bytes(h, io->a, TAPIR_REC_MAX + 1);
	tapir_rec_send(h);
	return 0;
}

/*
 * Five nested enters (the fifth refused), records started at two depths
 * and sent in the inner-first order an interrupting probe would.
 */
static __always_inline int run_nest(struct tbt_io *io)
{
	struct tapir_recbuf *outer, *inner;
	int i;

	io->nest_slot[0] = tapir_probe_enter();
	outer = tapir_rec_start(TAPIR_REC_PRINTF, 100);
	tapir_rec_long(outer, 1);
	io->nest_slot[1] = tapir_probe_enter();
	inner = tapir_rec_start(TAPIR_REC_PRINTF, 101);
	tapir_rec_long(inner, 2);
	tapir_rec_send(inner);
	tapir_probe_leave();
	tapir_rec_long(outer, 3);
	tapir_rec_send(outer);

	io->nest_slot[1] = tapir_probe_enter();
	io->nest_slot[2] = tapir_probe_enter();
	io->nest_slot[3] = tapir_probe_enter();
	io->nest_slot[4] = tapir_probe_enter();
	io->nest_slot[5] = tapir_nest_slot();
	for (i = 0; i < TAPIR_NEST_MAX; i++)
		tapir_probe_leave();
	io->nest_after = tapir_nest_slot();
	tapir_probe_leave(); /* one too many: stays at 0 */
	return 0;
}

static __always_inline int run_flood(struct tbt_io *io)
{
	int i;

	io->flood_sent = 0;
	for (i = 0; i < TBT_FLOOD_MAX && i < io->flood_n; i++)
		if (tapir_print_str(io->a) == 0)
			io->flood_sent++;
	return 0;
}

static __always_inline int run_exit(struct tbt_io *io)
{
	tapir_exit();
	io->exit_enter = tapir_probe_enter();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tbt_main, struct pt_regs *regs, long id)
{
	struct tbt_io *io = &tapir_G.io;

	if (id != NR_GETPPID || (bpf_get_current_pid_tgid() >> 32) != tbt_pid)
		return 0;
	io->maxstringlen = TAPIR_MAXSTRINGLEN;
	io->hits++;
	switch (io->op) {
	case TBT_OP_STR:
		return run_str(io);
	case TBT_OP_DIV:
		return run_div(io);
	case TBT_OP_HIST:
		return run_hist(io);
	case TBT_OP_STAT:
		return run_stat(io);
	case TBT_OP_REC:
		return run_rec(io);
	case TBT_OP_NEST:
		return run_nest(io);
	case TBT_OP_FLOOD:
		return run_flood(io);
	case TBT_OP_EXIT:
		return run_exit(io);
	}
	return 0;
}

/* The verifier's cost of each helper: v_X's count less v_base's. */
#define VPROG(name) SEC("tp_btf/sys_enter") int BPF_PROG(name, struct pt_regs *regs, long id)

VPROG(v_base)
{
	return tapir_G.io.op == 1;
}

VPROG(v_str_copy)
{
	return tapir_str_copy(tapir_G.io.copy, tapir_G.io.a) == 1;
}

VPROG(v_str_concat)
{
	return tapir_str_concat(tapir_G.io.cat, tapir_G.io.a, tapir_G.io.b) == 1;
}

VPROG(v_str_cmp)
{
	return tapir_str_cmp(tapir_G.io.a, tapir_G.io.b) == 1;
}

VPROG(v_str_cmp_const)
{
	return tapir_str_cmp_const(tapir_G.io.a, tbt_hello) == 1;
}

VPROG(v_str_len)
{
	return tapir_str_len(tapir_G.io.a) == 1;
}

VPROG(v_str_from_long)
{
	return tapir_str_from_long(tapir_G.io.num, tapir_G.io.v) == 1;
}

VPROG(v_str_read_kernel)
{
	return tapir_str_read_kernel(tapir_G.io.comm, (void *)tapir_G.io.uptr) == 1;
}

VPROG(v_str_read_user)
{
	return tapir_str_read_user(tapir_G.io.user, (void *)tapir_G.io.uptr) == 1;
}

VPROG(v_rec_printf)
{
	struct tapir_recbuf *h = tapir_rec_start(TAPIR_REC_PRINTF, 1);

	tapir_rec_long(h, tapir_G.io.v);
	tapir_rec_str(h, tapir_G.io.a);
	return tapir_rec_send(h);
}

VPROG(v_rec_bytes)
{
	struct tapir_recbuf *h = tapir_rec_start(TAPIR_REC_PRINT, 0);

	tapir_rec_bytes(h, tapir_G.io.a, tapir_G.io.v);
	return tapir_rec_send(h);
}

VPROG(v_print_str)
{
	return tapir_print_str(tapir_G.io.a);
}

VPROG(v_error)
{
	return tapir_error(3, tapir_G.io.a);
}

VPROG(v_exit)
{
	return tapir_exit();
}

VPROG(v_div)
{
	int err = 0;
	__s64 q = tapir_div(tapir_G.io.v, tapir_G.io.sv, 1, &err);

	TAPIR_CHECK(err);
	return q == 1;
}

VPROG(v_mod)
{
	int err = 0;
	__s64 r = tapir_mod(tapir_G.io.v, tapir_G.io.sv, 1, &err);

	TAPIR_CHECK(err);
	return r == 1;
}

VPROG(v_stat_none)
{
	__u32 zero = 0;
	struct tbt_stat0 *p = bpf_map_lookup_elem(&tbt_stat0, &zero);

	if (p)
		tapir_stat_add(p, TAPIR_HIST_NONE, 0, 0, 0, 0, 0, true, tapir_G.io.sv);
	return 0;
}

VPROG(v_stat_log)
{
	__u32 zero = 0;
	struct tbt_stat1 *p = bpf_map_lookup_elem(&tbt_stat1, &zero);

	if (p)
		tapir_stat_add(p, TAPIR_HIST_LOG, 0, 0, 0, 128, 3, true, tapir_G.io.sv);
	return 0;
}

VPROG(v_stat_linear)
{
	__u32 zero = 0;
	struct tbt_stat2 *p = bpf_map_lookup_elem(&tbt_stat2, &zero);

	if (p)
		tapir_stat_add(p, TAPIR_HIST_LINEAR, 0, 100, 10, 13, 0, true, tapir_G.io.sv);
	return 0;
}

VPROG(v_probe_enter_leave)
{
	if (tapir_probe_enter() < 0)
		return 0;
	tapir_probe_leave();
	return 0;
}
