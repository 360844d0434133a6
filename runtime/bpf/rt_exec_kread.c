// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_kread.c - kernel memory read from a probe that runs in user
 * space (begin/end, or a timer probe the BPF side can't take, as one with
 * foreach): kernel_string(), kernel_long() ... there.
 *
 * The read is done by the kernel, with the same copy_from_kernel_nofault
 * as in a kernel probe: a BPF_PROG_TYPE_SYSCALL program, run on demand
 * through BPF_PROG_TEST_RUN, calls bpf_probe_read_kernel(_str) into a
 * one-entry array map, and the executor looks the bytes up. The program
 * and the map are made the first time a probe reads, and freed with the
 * session. A syscall program may not hand its context to a helper as
 * memory, hence the map. The same program gives the address of the
 * calling thread's task_struct (task_current() in those probes: the
 * executor's, as SystemTap's begin probes run in its staprun).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "rt_exec.h"

/* The largest read: the longest MAXSTRINGLEN (-D MAXSTRINGLEN=N). */
#define KREAD_MAX 4096

/* The program's context, filled by the executor; ret comes back. */
struct kread_req {
	uint64_t addr;
	uint32_t size;
	uint32_t str;         /* 0: bytes, 1: a string, KREAD_TASK: the current task */
	int64_t ret;
};

#define KREAD_TASK 2

static int kread_prog = -1, kread_map = -1;

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* r6 = ctx; if str == KREAD_TASK, ret = get_current_task(); else r0 =
 * lookup(map, 0); ret = (str ? read_str : read)(r0, size & (KREAD_MAX -
 * 1) ?: 1, addr). */
static int kread_load_prog(void)
{
	const struct bpf_insn prog[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 6, offsetof(struct kread_req, str), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 4, KREAD_TASK),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 6, 0, offsetof(struct kread_req, ret), 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, kread_map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 6, offsetof(struct kread_req, size), 0),
		INSN(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, KREAD_MAX - 1),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 1),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, offsetof(struct kread_req, addr), 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 6, offsetof(struct kread_req, str), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 2, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel),
		INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel_str),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 6, 0, offsetof(struct kread_req, ret), 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE);

	return bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "tapir_kread", "GPL", prog,
	                     sizeof(prog) / sizeof(prog[0]), &opts);
}

/* The map, then the program that names it. */
static int kread_load(void)
{
	int err;

	kread_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tapir_kread", sizeof(uint32_t),
	                           KREAD_MAX, 1, NULL);
	if (kread_map < 0)
		return -errno;
	kread_prog = kread_load_prog();
	if (kread_prog >= 0)
		return 0;
	err = -errno;
	rt_exec_kread_free();
	return err;
}

/* One read of at most KREAD_MAX - 1 bytes: the helper's result. */
static long kread_once(void *dst, uint32_t size, uint64_t addr, int str)
{
	struct kread_req req = { .addr = addr, .size = size, .str = str, .ret = -EFAULT };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &req, .ctx_size_in = sizeof(req));
	static char value[KREAD_MAX];
	uint32_t key = 0;

	if (bpf_prog_test_run_opts(kread_prog, &run) < 0)
		return -errno;
	if (req.ret < 0)
		return req.ret;
	if (bpf_map_lookup_elem(kread_map, &key, value) < 0)
		return -errno;
	memcpy(dst, value, size);
	return req.ret;
}

long tapir_kread(void *dst, uint32_t size, uint64_t addr, int str)
{
	if (size == 0)
		return 0;
	if (size >= KREAD_MAX)
		return -E2BIG;
	if (kread_prog < 0) {
		long err = kread_load();

		if (err < 0)
			return err;
	}
	return kread_once(dst, size, addr, str);
}

long long tapir_current_task(void)
{
	struct kread_req req = { .str = KREAD_TASK };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &req, .ctx_size_in = sizeof(req));

	if (kread_prog < 0 && kread_load() < 0)
		return 0;
	if (bpf_prog_test_run_opts(kread_prog, &run) < 0)
		return 0;
	return req.ret;
}

void rt_exec_kread_free(void)
{
	if (kread_prog >= 0)
		close(kread_prog);
	if (kread_map >= 0)
		close(kread_map);
	kread_prog = kread_map = -1;
}
