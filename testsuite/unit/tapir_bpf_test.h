/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_bpf_test.h - what the test of runtime/bpf/tapir.bpf.h shares
 * between its BPF program (tapir_bpf_test.bpf.c) and its loader
 * (tapir_bpf_test.c): the inputs and outputs kept in the program's .bss
 * after struct tapir_state, and the statistics under test.
 *
 * The loader writes an operation and its inputs, calls getppid(), which
 * runs the program on sys_enter, and reads the outputs.  String buffers
 * are TBT_STRBUF bytes whatever TAPIR_MAXSTRINGLEN is, so one loader
 * serves every build and can check that nothing is written past it.
 */
#ifndef TAPIR_BPF_TEST_H
#define TAPIR_BPF_TEST_H

#include "tapir_rec.h"

#define TBT_STRBUF 4096
#define TBT_NDIV 64
#define TBT_NHIST 64
#define TBT_FLOOD_MAX 512

enum tbt_op {
	TBT_OP_NONE,
	TBT_OP_STR,   /* the string helpers on a and b */
	TBT_OP_DIV,   /* tapir_div and tapir_mod on div_a[i], div_b[i] */
	TBT_OP_HIST,  /* bucket functions on hv[i] */
	TBT_OP_STAT,  /* sv <<< into every statistic of TBT_STATS */
	TBT_OP_REC,   /* one of each record */
	TBT_OP_NEST,  /* nested probe slots */
	TBT_OP_FLOOD, /* flood_n print records of a */
	TBT_OP_EXIT,  /* exit(), then probe_enter must refuse */
};

/*
 * The statistics, as (index, hist type as enum rt_hist_type, start, stop,
 * interval, buckets, shift, variance).  The loader checks the buckets
 * against rt_stat_desc_init().
 */
#define TBT_STATS(X)                                                                               \
	X(0, 0, 0, 0, 0, 0, 0, 1)                                                                  \
	X(1, 1, 0, 0, 0, 128, 3, 1)                                                                \
	X(2, 2, 0, 100, 10, 13, 0, 1)                                                              \
	X(3, 2, -50, 50, 7, 17, 0, 0)                                                              \
	X(4, 2, 100, 0, -10, 13, 0, 1)                                                             \
	X(5, 2, -1000000, 1000000, 16000, 128, 5, 1)                                               \
	X(6, 0, 0, 0, 0, 0, 30, 1)                                                                 \
	X(7, 1, 0, 0, 0, 128, 62, 1)
#define TBT_NSTATS 8

/* The linear histograms of TBT_OP_HIST, as (index, start, interval, buckets). */
#define TBT_LINEARS(X)                                                                             \
	X(0, 0, 10, 13)                                                                            \
	X(1, -50, 7, 17)                                                                           \
	X(2, 100, -10, 13)                                                                         \
	X(3, -1000000, 16000, 128)                                                                 \
	X(4, -2147483647 - 1, 1073741824, 6)
#define TBT_NLINEARS 5

struct tbt_io {
	tapir_s64 op;
	tapir_s64 maxstringlen; /* the program's TAPIR_MAXSTRINGLEN */
	tapir_s64 hits;         /* operations run */

	/* TBT_OP_STR */
	char a[TBT_STRBUF], b[TBT_STRBUF];
	char copy[TBT_STRBUF];
	char cat[TBT_STRBUF];      /* a . b */
	char cat_a[TBT_STRBUF];    /* x = a; x = x . b */
	char cat_b[TBT_STRBUF];    /* x = b; x = a . x */
	char cat_self[TBT_STRBUF]; /* x = a; x = x . x */
	char num[TBT_STRBUF];      /* string(v) */
	char comm[TBT_STRBUF];     /* current->comm, read as a kernel string */
	char user[TBT_STRBUF];     /* the user string at uptr */
	char kbad[TBT_STRBUF];     /* a read from a bad kernel address */
	char ubad[TBT_STRBUF];     /* a read from a bad user address */
	tapir_s64 v;
	tapir_s64 uptr;
	tapir_s64 r_copy, r_cat, r_cat_a, r_cat_b, r_cat_self, r_num;
	tapir_s64 r_comm, r_user, r_kbad, r_ubad;
	tapir_s64 cmp_ab, cmp_ba, cmp_aa, cmp_const, len_a, len_b;
	tapir_s64 cmp_a_lit, cmp_lit_a, cmp_lits, len_lit; /* with literals */

	/* TBT_OP_DIV */
	tapir_s64 ndiv;
	tapir_s64 div_a[TBT_NDIV], div_b[TBT_NDIV];
	tapir_s64 div_q[TBT_NDIV], div_r[TBT_NDIV];
	tapir_s64 div_qerr[TBT_NDIV], div_rerr[TBT_NDIV];

	/* TBT_OP_HIST */
	tapir_s64 hv[TBT_NHIST];
	tapir_s64 log_b[TBT_NHIST];
	tapir_s64 lin_b[TBT_NLINEARS][TBT_NHIST];

	/* TBT_OP_STAT */
	tapir_s64 sv;

	/* TBT_OP_NEST: slots got by enter() five deep, leave()s' effect */
	tapir_s64 nest_slot[6];
	tapir_s64 nest_after;

	/* TBT_OP_FLOOD */
	tapir_s64 flood_n, flood_sent;

	/* TBT_OP_EXIT */
	tapir_s64 exit_enter;
};

/* tapir_rec_bytes: this many bytes from a, in chunks. */
#define TBT_REC_BYTES 3000
/* (a, i) string and long pairs in one record: the most arguments, 32. */
#define TBT_REC_PAIRS 16

#endif /* TAPIR_BPF_TEST_H */
