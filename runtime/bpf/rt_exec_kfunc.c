// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_kfunc.c - kernel-function probes (TAPIR_ATTACH_KFUNC): fentry/
 * fexit where the kernel takes a BPF trampoline on the function, else
 * kprobe/kretprobe.
 *
 * The object holds both programs (backends/bpf/emit_kfunc.c); the choice
 * is made before the object loads, since a kernel that refuses fentry
 * refuses it at load (this development host: EPERM) and one refused
 * program fails the whole object.  So a two-instruction fentry (fexit)
 * program is loaded and attached to the function on its own first: if the
 * kernel takes it, the probe's fentry program loads, else its kprobe one.
 * TAPIR_KFUNC_ATTACH=kprobe or =fentry in the environment forces one way
 * (tests of the fallback).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "rt_exec.h"

enum kf_mode { KF_KPROBE, KF_FENTRY };

/* Per kprobe of the description; one program runs per process. */
static struct kf_choice {
	enum kf_mode mode;
	char why[256]; /* why not fentry */
} *choices;
static struct btf *vmlinux;

static struct kf_choice *choice_of(struct rt_exec *x, const struct tapir_kprobe *k)
{
	if (!choices) {
		choices = calloc((size_t)x->p->nkprobes, sizeof(*choices));
		if (!choices)
			return NULL;
	}
	return &choices[k - x->p->kprobes];
}

static const char *forced(void)
{
	const char *f = getenv("TAPIR_KFUNC_ATTACH");

	return f && *f ? f : NULL;
}

/* Load and attach "r0 = 0; exit" as fentry/fexit of fn; 0 or -errno. */
static int try_trampoline(const char *fn, bool ret, char *why, size_t len)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	enum bpf_attach_type type = ret ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	int id, fd, link, err;

	if (!vmlinux && !(vmlinux = btf__load_vmlinux_btf())) {
		err = -errno;
		snprintf(why, len, "no kernel BTF: %s", strerror(-err));
		return err;
	}
	id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(why, len, "'%s' is not in the kernel's BTF", fn);
		return -ENOENT;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type, .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tapir_probe", "GPL", insns, 2, &o);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "the kernel refused a test %s program: %s",
		         ret ? "fexit" : "fentry", strerror(-err));
		return err;
	}
	link = bpf_link_create(fd, 0, type, NULL);
	err = link < 0 ? -errno : 0;
	if (link < 0)
		snprintf(why, len, "the kernel refused a BPF trampoline on '%s': %s", fn,
		         strerror(-err));
	else
		close(link);
	close(fd);
	return err;
}

static void set_autoload(struct rt_exec *x, const char *name, bool on)
{
	struct bpf_program *prog = name ? bpf_object__find_program_by_name(x->obj, name) : NULL;

	if (prog)
		bpf_program__set_autoload(prog, on);
}

int rt_exec_kfunc_prepare(struct rt_exec *x, const struct tapir_kprobe *k)
{
	struct kf_choice *c = choice_of(x, k);
	const char *f = forced();

	if (!c)
		return -ENOMEM;
	c->mode = KF_KPROBE;
	if (!k->alt_prog)
		snprintf(c->why, sizeof(c->why), "%s",
		         k->module ? "not tried for module functions" :
		                     "not asked for (kprobe.*, or no BTF for the function)");
	else if (f && strcmp(f, "kprobe") == 0)
		snprintf(c->why, sizeof(c->why), "not tried: TAPIR_KFUNC_ATTACH=kprobe");
	else if ((f && strcmp(f, "fentry") == 0) ||
	         try_trampoline(k->target, k->num[0] != 0, c->why, sizeof(c->why)) == 0)
		c->mode = KF_FENTRY;
	set_autoload(x, k->prog, c->mode == KF_KPROBE);
	set_autoload(x, k->alt_entry, c->mode == KF_KPROBE);
	set_autoload(x, k->entry_kprobe, c->mode == KF_KPROBE);
	set_autoload(x, k->alt_prog, c->mode == KF_FENTRY);
	set_autoload(x, k->entry_fentry, c->mode == KF_FENTRY);
	return 0;
}

/* Can this kernel open kprobes at all? NULL if so, else why not. */
static const char *no_kprobes(void)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
	    access("/sys/kernel/tracing/kprobe_events", W_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/kprobe_events", W_OK) == 0)
		return NULL;
	return "this kernel has no kprobes (no kprobe perf PMU, no kprobe_events in tracefs)";
}

static struct bpf_link *kprobe_link(struct rt_exec *x, const char *name,
                                    const struct tapir_kprobe *k, bool ret)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(x->obj, name);
	LIBBPF_OPTS(bpf_kprobe_opts, o, .retprobe = ret,
	            .offset = k->target ? 0 : (size_t)k->num[1]);

	if (!prog) {
		errno = ENOENT;
		return NULL;
	}
	return bpf_program__attach_kprobe_opts(prog, k->target, &o);
}

static int add_link(struct rt_exec *x, struct bpf_link *link)
{
	struct bpf_link **p = realloc(x->links, (size_t)(x->nlinks + 1) * sizeof(*p));

	if (!p) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	x->links = p;
	x->links[x->nlinks++] = link;
	return 0;
}

static const char *where(const struct tapir_kprobe *k, char *buf, size_t len)
{
	if (k->target)
		return k->target;
	snprintf(buf, len, "address 0x%llx", (unsigned long long)k->num[1]);
	return buf;
}

/* Each attaches k its way, or says why not into why. */
static int attach_kprobes(struct rt_exec *x, const struct tapir_kprobe *k, struct kf_choice *c,
                          char *why, size_t len)
{
	const char *nok = no_kprobes(), *kind = k->num[0] ? "kretprobe" : "kprobe";
	struct bpf_link *link;
	char buf[64];
	int err;

	if (nok) {
		snprintf(why, len, "probe %s: cannot attach to kernel function %s: fentry: %s; %s: %s",
		         k->pp, where(k, buf, sizeof(buf)), c->why, kind, nok);
		return -EOPNOTSUPP;
	}
	for (int i = 0; i < 2; i++) {
		const char *entry = i ? k->entry_kprobe : k->alt_entry;

		if (!entry)
			continue;
		if (!(link = kprobe_link(x, entry, k, false)))
			goto fail;
		if ((err = add_link(x, link)) < 0)
			return err;
	}
	if (!(link = kprobe_link(x, k->prog, k, k->num[0] != 0)))
		goto fail;
	rt_exec_note(x, "probe %s: program '%s' attached as %s to %s (fentry: %s)", k->pp, k->prog,
	             kind, where(k, buf, sizeof(buf)), c->why);
	return add_link(x, link);
fail:
	err = errno ? -errno : -EINVAL;
	snprintf(why, len, "probe %s: cannot attach to kernel function %s: fentry: %s; %s: %s",
	         k->pp, where(k, buf, sizeof(buf)), c->why, kind, strerror(-err));
	return err;
}

/* Attach program name of k as kind (fentry or fexit), or say why not. */
static int trace_link(struct rt_exec *x, const struct tapir_kprobe *k, const char *name,
                      const char *kind, char *why, size_t len)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(x->obj, name);
	struct bpf_link *link = prog ? bpf_program__attach_trace(prog) : NULL;
	int err;

	if (!link) {
		err = prog ? -errno : -ENOENT;
		snprintf(why, len, "probe %s: cannot attach program '%s' as %s to %s: %s", k->pp,
		         name, kind, k->target, strerror(-err));
		return err;
	}
	return add_link(x, link);
}

/* The @entry companion (fentry) first, then the probe's program. */
static int attach_fentry(struct rt_exec *x, const struct tapir_kprobe *k, char *why, size_t len)
{
	const char *kind = k->num[0] ? "fexit" : "fentry";
	int err;

	if (k->entry_fentry && (err = trace_link(x, k, k->entry_fentry, "fentry", why, len)) < 0)
		return err;
	if ((err = trace_link(x, k, k->alt_prog, kind, why, len)) < 0)
		return err;
	rt_exec_note(x, "probe %s: program '%s' attached as %s to %s", k->pp, k->alt_prog, kind,
	             k->target);
	return 0;
}

/* Is there a kernel-function probe after k still to attach? */
static bool more_after(struct rt_exec *x, const struct tapir_kprobe *k)
{
	for (const struct tapir_kprobe *n = k + 1; n < x->p->kprobes + x->p->nkprobes; n++) {
		if (n->attach == TAPIR_ATTACH_KFUNC)
			return true;
	}
	return false;
}

/*
 * As SystemTap's registration errors: a kernel function that can't be
 * probed is a warning while others may still attach (a wildcard's
 * matches); the run fails only when none of them attached.
 */
int rt_exec_kfunc_attach(struct rt_exec *x, const struct tapir_kprobe *k)
{
	static int attached;
	struct kf_choice *c = choice_of(x, k);
	char why[512];
	int err;

	if (!c)
		return -ENOMEM;
	err = c->mode == KF_KPROBE ? attach_kprobes(x, k, c, why, sizeof(why)) :
	                             attach_fentry(x, k, why, sizeof(why));
	if (err == 0) {
		attached++;
		return 0;
	}
	if (err == -ENOMEM || (!attached && !more_after(x, k))) {
		rt_exec_errorf(x, "%s", why);
		return err;
	}
	strncat(why, " (skipped)", sizeof(why) - strlen(why) - 1);
	rt_exec_warn_msg(x, why, strlen(why));
	return 0;
}

void rt_exec_kfunc_free(void)
{
	free(choices);
	choices = NULL;
	btf__free(vmlinux);
	vmlinux = NULL;
}
