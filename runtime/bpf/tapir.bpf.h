/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir.bpf.h - the kernel-side runtime of the BPF backend, included by
 * every generated BPF program after vmlinux.h, libbpf's bpf_helpers.h,
 * bpf_tracing.h and bpf_core_read.h, the TAPIR_MAXSTRINGLEN and
 * TAPIR_MAXMAPENTRIES defines, tapir_rec.h, and the definition of
 *
 *	struct tapir_globals { struct tapir_state st; ... };
 *	struct tapir_globals tapir_G SEC(".bss");
 *
 * It brings, one concern per file:
 *	tapir_rec.bpf.h    records to the executor through the ring buffer
 *	                   "tapir_events": printf arguments, print, exit(),
 *	                   error(), warn()
 *	tapir_arith.bpf.h  SystemTap's / and %, signed, on a target without
 *	                   signed division
 *	tapir_str.bpf.h    strings of TAPIR_MAXSTRINGLEN bytes
 *	tapir_stat.bpf.h   "<<<" into a per-CPU struct tapir_stat + buckets,
 *	                   bit for bit as runtime/common/rt_stats.c
 *	tapir_kagg.bpf.h   statistics read over every CPU; MAXACTION
 *
 * and, here, the probe nesting level that picks each per-CPU scratch slot.
 * A probe can interrupt another on the same CPU (a perf or timer probe in
 * an interrupt, a tracepoint hit inside a helper), so a single per-CPU
 * scratch buffer could be overwritten under a probe that is filling it.
 * Probes that call tapir_probe_enter()/tapir_probe_leave() around their
 * body get the slot of their depth; everything keyed by tapir_nest_slot()
 * (the record and string scratch here, the generated frame maps) is then
 * private to one running probe.
 *
 * Kernel-side code allocates nothing and never sleeps; every scratch area
 * is a preallocated per-CPU map.  The kernel needs BPF ring buffers and
 * global subprograms (5.8), and for comparisons with a literal and strings
 * over 256 bytes bpf_strncmp and bpf_loop (5.17); this host runs 6.18,
 * the VM 6.1.  Programs must be loaded by root: string sources are passed
 * to helpers as plain addresses.
 */
#ifndef TAPIR_BPF_H
#define TAPIR_BPF_H

#ifndef TAPIR_MAXSTRINGLEN
#define TAPIR_MAXSTRINGLEN 128
#endif
#if TAPIR_MAXSTRINGLEN < 2 || TAPIR_MAXSTRINGLEN > 4096
#error "TAPIR_MAXSTRINGLEN must be 2 to 4096"
#endif

/* Depth of probes nested on one CPU: process, softirq, hardirq, NMI. */
#define TAPIR_NEST_MAX 4

#ifndef TAPIR_RINGBUF_SIZE
#define TAPIR_RINGBUF_SIZE (1 << 20) /* a power of 2, of at least a page */
#endif

/* tapir_str.bpf.h, tapir_rec.bpf.h use helpers only GPL programs may. */
char tapir_license[] SEC("license") = "GPL";

/*
 * Returns from the probe when a helper reported a run-time error:
 *	v = tapir_div(a, b, LOC, &err); TAPIR_CHECK(err);
 */
#define TAPIR_CHECK(err)                                                                           \
	do {                                                                                       \
		if (err)                                                                           \
			return 0;                                                                  \
	} while (0)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tapir_nest SEC(".maps");

/*
 * Opens a probe body: returns its scratch slot (0 to TAPIR_NEST_MAX - 1),
 * or -1 when the probe must not run: exit() was called, or probes are
 * already nested TAPIR_NEST_MAX deep on this CPU (counted as skipped, as
 * SystemTap counts reentrant hits).  A probe that got a slot calls
 * tapir_probe_leave() on every way out.
 */
static __always_inline int tapir_probe_enter(void)
{
	__u32 zero = 0, *depth;

	if (tapir_G.st.exiting)
		return -1;
	depth = bpf_map_lookup_elem(&tapir_nest, &zero);
	if (!depth)
		return -1;
	if (*depth >= TAPIR_NEST_MAX) {
		__sync_fetch_and_add(&tapir_G.st.skipped, 1);
		return -1;
	}
	/* An interrupting probe restores the depth before we resume. */
	return (int)(*depth)++;
}

static __always_inline void tapir_probe_leave(void)
{
	__u32 zero = 0, *depth;

	depth = bpf_map_lookup_elem(&tapir_nest, &zero);
	if (depth && *depth)
		(*depth)--;
}

/* The scratch slot of the running probe; 0 outside enter/leave. */
static __always_inline __u32 tapir_nest_slot(void)
{
	__u32 zero = 0, *depth;

	depth = bpf_map_lookup_elem(&tapir_nest, &zero);
	if (!depth || !*depth)
		return 0;
	return (*depth - 1) & (TAPIR_NEST_MAX - 1);
}

#include "tapir_rec.bpf.h"   /* uses the nesting slot */
#include "tapir_arith.bpf.h" /* reports through tapir_error() */
#include "tapir_str.bpf.h"
#include "tapir_stat.bpf.h" /* uses tapir_arith's and tapir_str's bit helpers */
#include "tapir_kagg.bpf.h" /* statistics merged over CPUs, MAXACTION */

#endif /* TAPIR_BPF_H */
