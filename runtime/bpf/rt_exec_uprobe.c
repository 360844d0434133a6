// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_uprobe.c - attaching process(...) probes: a uprobe or uretprobe
 * at a file offset of a binary, for every process or only the -c/-x
 * target, with the kernel counting the SDT semaphore (ref_ctr_offset)
 * while the probe is attached, as SystemTap's runtime sets it.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "rt_exec.h"

/* The pid a probe is for: -1 (every process), or the target's. */
static int probe_pid(const struct rt_exec *x, const struct tapir_kprobe *k)
{
	if (k->num[1] > 0)
		return (int)k->num[1];
	if (k->num[1] < 0 && (x->child || x->opt.target))
		return x->child ? (int)x->child : (int)x->opt.target;
	return -1;
}

struct bpf_link *rt_exec_attach_uprobe(struct rt_exec *x, const struct tapir_kprobe *k,
                                       struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = k->num[3] != 0,
	            .ref_ctr_offset = (size_t)k->num[2]);
	int pid = probe_pid(x, k);
	struct bpf_link *link;

	link = bpf_program__attach_uprobe_opts(prog, pid, k->target, (size_t)k->num[0], &o);
	if (!link) {
		int err = -errno;

		rt_exec_errorf(x, "probe %s: cannot attach a %s to %s at offset 0x%llx: %s", k->pp,
		               k->num[3] ? "uretprobe" : "uprobe", k->target,
		               (unsigned long long)k->num[0], strerror(-err));
		errno = -err;
		return NULL;
	}
	rt_exec_note(x, "probe %s: program '%s' attached as %s to %s+0x%llx%s", k->pp, k->prog,
	             k->num[3] ? "uretprobe" : "uprobe", k->target, (unsigned long long)k->num[0],
	             pid > 0 ? " (one process)" : "");
	return link;
}
