// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtbpf_test.bpf.c - a hand-written stand-in for a generated program's
 * kernel side, to test the executor (runtime/bpf) with: what the BPF
 * backend will emit, reduced to what the executor sees of it.
 *
 * A probe on sys_enter (one program for each of tp_btf, raw_tp and perf
 * tracepoint attachment) counts the getppid calls of target(), sends a
 * printf record for each, adds each call's number to a statistic and to
 * a counting array, and at calls chosen by the user side sends a raw
 * print, an error, warnings and an exit.  A timer program exits after
 * some ticks; profile and perf programs count theirs.  rtbpf_bad is one
 * that the verifier refuses.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tapir_rec.h"

#define SYS_GETPPID 110

/* printf format ids: rtbpf_test.c's table */
#define FMT_CALL 0
#define FMT_MIX 1
#define FMT_TICK 2
#define FMT_FLOOD 9

/* What tapir_G holds in this program; rtbpf_test.c has the same layout. */
struct rtbpf_globals {
	struct tapir_state st;
	__s64 target;
	__s64 count;     /* getppid calls seen */
	__s64 ticks;     /* of the timer */
	__s64 max_ticks; /* EXIT at this tick; 0: never */
	__s64 error_at;  /* ERROR at this call */
	__s64 warn_at;   /* two identical WARNs from this call on */
	__s64 exit_at;   /* EXIT at this call */
	__s64 profile_ticks;
	__s64 perf_ticks;
	__s64 quiet; /* no printf record per call */
	__s64 flood; /* records per call, to fill the ring buffer */
};

/* Another .bss variable before tapir_G: the executor finds it by BTF. */
__s64 rtbpf_other[3];
struct rtbpf_globals tapir_G;

struct rtbpf_stat {
	__s64 count, sum, min, max, avg_s, m2, variance_s;
	__s64 hist[128];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} tapir_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __s64);
	__type(value, __s64);
} rtbpf_counts SEC(".maps");

struct rtbpf_key2 {
	__s64 n;
	char name[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct rtbpf_key2);
	__type(value, __s64);
} rtbpf_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __s64);
	__type(value, char[16]);
} rtbpf_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __s64);
	__type(value, struct rtbpf_stat);
} rtbpf_stat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __s64);
} rtbpf_arr SEC(".maps");

struct rec_buf {
	struct tapir_rec h;
	char p[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_buf);
} rtbpf_scratch SEC(".maps");

static __always_inline void send(struct rec_buf *r, __u32 kind, __u32 id, __u32 len)
{
	r->h.kind = kind;
	r->h.id = id;
	r->h.len = len;
	r->h.cpu = bpf_get_smp_processor_id();
	if (len > sizeof(r->p))
		return;
	if (bpf_ringbuf_output(&tapir_events, r, sizeof(r->h) + len, 0))
		__sync_fetch_and_add(&tapir_G.st.dropped, 1);
}

static __always_inline __u32 put_long(struct rec_buf *r, __u32 off, __s64 v)
{
	if (off > sizeof(r->p) - 8)
		return off;
	__builtin_memcpy(&r->p[off], &v, 8);
	return off + 8;
}

/* A string field: u16 length, then its bytes. */
static __always_inline __u32 put_str(struct rec_buf *r, __u32 off, const char *s, __u32 len)
{
	__u16 l = len;

	if (off > sizeof(r->p) - 2 - 16 || len > 16)
		return off;
	__builtin_memcpy(&r->p[off], &l, 2);
	__builtin_memcpy(&r->p[off + 2], s, 16);
	return off + 2 + len;
}

static __always_inline __u32 comm_len(const char *c)
{
	__u32 i;

	for (i = 0; i < 15; i++)
		if (!c[i])
			break;
	return i;
}

static __always_inline int top_bit(__u64 v)
{
	int n = 0;

	if (v >> 32) {
		v >>= 32;
		n += 32;
	}
	if (v >> 16) {
		v >>= 16;
		n += 16;
	}
	if (v >> 8) {
		v >>= 8;
		n += 8;
	}
	if (v >> 4) {
		v >>= 4;
		n += 4;
	}
	if (v >> 2) {
		v >>= 2;
		n += 2;
	}
	return n + (int)(v >> 1);
}

/* Too big for the stack: a new statistic starts as a copy of this. */
static struct rtbpf_stat zero_stat;

static __always_inline void stat_add(__s64 key, __s64 val)
{
	struct rtbpf_stat *s = bpf_map_lookup_elem(&rtbpf_stat, &key);
	__u32 b;

	if (!s) {
		bpf_map_update_elem(&rtbpf_stat, &key, &zero_stat, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&rtbpf_stat, &key);
		if (!s)
			return;
	}
	if (s->count == 0) {
		s->min = s->max = val;
	} else {
		if (val < s->min)
			s->min = val;
		if (val > s->max)
			s->max = val;
	}
	s->count++;
	s->sum += val;
	b = val > 0 ? 65 + top_bit(val) : 64;
	asm volatile("%0 &= 127" : "+r"(b)); /* a bound the verifier sees */
	s->hist[b]++;
}

static __always_inline void count_key(__s64 key)
{
	__s64 one = 1, *v = bpf_map_lookup_elem(&rtbpf_counts, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&rtbpf_counts, &key, &one, BPF_NOEXIST);
}

static __always_inline int on_syscall(long id)
{
	__u32 zero = 0, off = 0, len, i;
	struct rec_buf *r;
	char comm[16];
	__s64 n;

	if (id != SYS_GETPPID || tapir_G.st.exiting)
		return 0;
	if (tapir_G.target && (bpf_get_current_pid_tgid() >> 32) != tapir_G.target)
		return 0;
	r = bpf_map_lookup_elem(&rtbpf_scratch, &zero);
	if (!r)
		return 0;
	n = __sync_fetch_and_add(&tapir_G.count, 1) + 1;
	count_key((__u64)n % 3);
	stat_add((__u64)n % 2, n);
	if (n == 1) {
		/* w[%*d][%-*s] m[%.5m] x[%#x]: widths, a string, memory, hex */
		off = put_long(r, 0, 6);
		off = put_long(r, off, n);
		off = put_long(r, off, 4);
		off = put_str(r, off, "ab\0\0\0\0\0\0\0\0\0\0\0\0\0", 2);
		off = put_long(r, off, 0x1234);
		off = put_str(r, off, "hello\0\0\0\0\0\0\0\0\0\0", 5);
		off = put_long(r, off, n * 255);
		send(r, TAPIR_REC_PRINTF, FMT_MIX, off);
		__builtin_memcpy(r->p, "first\n", 6);
		send(r, TAPIR_REC_PRINT, 0, 6);
	}
	if (!tapir_G.quiet) {
		bpf_get_current_comm(comm, sizeof(comm));
		len = comm_len(comm);
		off = put_long(r, 0, n);
		off = put_str(r, off, comm, len);
		send(r, TAPIR_REC_PRINTF, FMT_CALL, off);
	}
	for (i = 0; i < 64 && i < tapir_G.flood; i++) {
		off = put_long(r, 0, n);
		send(r, TAPIR_REC_PRINTF, FMT_FLOOD, off);
	}
	/* As SystemTap's runtime, the kernel side stops at once: exit(), and
	 * an error past MAXERRORS (0 here), set exiting before the executor
	 * hears of them. */
	if (n == tapir_G.error_at) {
		__builtin_memcpy(r->p, "division by zero", 16);
		__sync_fetch_and_add(&tapir_G.st.errors, 1);
		tapir_G.st.exiting = 1;
		send(r, TAPIR_REC_ERROR, 0, 16);
	}
	if (tapir_G.warn_at && n >= tapir_G.warn_at && n <= tapir_G.warn_at + 1) {
		__builtin_memcpy(r->p, "odd call\n", 9);
		send(r, TAPIR_REC_WARN, 0, 9);
	}
	if (n == tapir_G.exit_at) {
		tapir_G.st.exiting = 1;
		send(r, TAPIR_REC_EXIT, 0, 0);
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(rtbpf_tp_btf, struct pt_regs *regs, long id)
{
	return on_syscall(id);
}

SEC("raw_tp/sys_enter")
int rtbpf_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	return on_syscall((long)ctx->args[1]);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int rtbpf_perf_tp(struct trace_event_raw_sys_enter *ctx)
{
	return on_syscall(ctx->id);
}

SEC("perf_event")
int rtbpf_timer(void *ctx)
{
	__u32 zero = 0;
	struct rec_buf *r;
	__s64 t;

	rtbpf_other[0]++;
	if (tapir_G.st.exiting)
		return 0;
	t = __sync_fetch_and_add(&tapir_G.ticks, 1) + 1;
	if (t != tapir_G.max_ticks)
		return 0;
	r = bpf_map_lookup_elem(&rtbpf_scratch, &zero);
	if (r) {
		put_long(r, 0, t);
		send(r, TAPIR_REC_PRINTF, FMT_TICK, 8);
		tapir_G.st.exiting = 1;
		send(r, TAPIR_REC_EXIT, 0, 0);
	}
	return 0;
}

SEC("perf_event")
int rtbpf_profile(void *ctx)
{
	__sync_fetch_and_add(&tapir_G.profile_ticks, 1);
	return 0;
}

SEC("perf_event")
int rtbpf_perf(void *ctx)
{
	__sync_fetch_and_add(&tapir_G.perf_ticks, 1);
	return 0;
}

/* Reads a map value without checking it is there: the verifier refuses. */
SEC("perf_event")
int rtbpf_bad(void *ctx)
{
	__u32 k = 1;
	__s64 *v = bpf_map_lookup_elem(&rtbpf_arr, &k);

	return (int)*v;
}

char LICENSE[] SEC("license") = "GPL";
