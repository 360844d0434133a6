// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_load.c - opening and loading the embedded BPF object, and
 * finding in it what the description names: the programs of the kernel
 * probes, the maps, and tapir_G.
 *
 * Only the programs that the description lists are loaded, so that a
 * backend may put fallbacks (a raw_tp beside a tp_btf) in one object and
 * pick at run time.  tapir_G is reached by mmap() of the .bss map: libbpf
 * 1.1 re-maps a .bss image onto the kernel's map only for skeletons, so
 * bpf_map__initial_value() would give a private copy here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "rt_exec.h"

#define GLOBALS_VAR "tapir_G"

static const struct tapir_kprobe *kprobe_of(const struct tapir_program *p, const char *name)
{
	int i;

	for (i = 0; i < p->nkprobes; i++)
		if (strcmp(p->kprobes[i].prog, name) == 0)
			return &p->kprobes[i];
	return NULL;
}

/*
 * Checked here, not left to bpf_program__set_attach_target(): libbpf 1.1
 * leaks the vmlinux BTF it loads for that call when the call fails.
 */
static int check_btf_tracepoint(struct rt_exec *x, struct btf **vmlinux,
                                const struct tapir_kprobe *k)
{
	char name[256];
	int err;

	if (!*vmlinux) {
		*vmlinux = btf__load_vmlinux_btf();
		if (!*vmlinux) {
			err = -errno;
			rt_exec_errorf(x, "probe %s: cannot read the kernel's BTF: %s", k->pp,
			               strerror(-err));
			return err;
		}
	}
	snprintf(name, sizeof(name), "btf_trace_%s", k->target);
	if (btf__find_by_name_kind(*vmlinux, name, BTF_KIND_TYPEDEF) < 0) {
		rt_exec_errorf(x, "probe %s: the kernel's BTF has no tracepoint '%s' (no type %s)",
		               k->pp, k->target, name);
		return -ENOENT;
	}
	return 0;
}

/* A tp_btf program's target, unless its section already names it. */
static int set_btf_target(struct rt_exec *x, struct btf **vmlinux, struct bpf_program *prog,
                          const struct tapir_kprobe *k)
{
	const char *sec = bpf_program__section_name(prog);
	int err;

	if (strncmp(sec, "tp_btf/", 7) == 0 && strcmp(sec + 7, k->target) == 0)
		return 0;
	err = check_btf_tracepoint(x, vmlinux, k);
	if (err == 0)
		err = bpf_program__set_attach_target(prog, 0, k->target);
	if (err < 0 && err != -ENOENT)
		rt_exec_errorf(x, "probe %s: cannot attach to tracepoint '%s': %s", k->pp,
		               k->target, strerror(-err));
	return err;
}

static int prepare_programs(struct rt_exec *x)
{
	const struct tapir_program *p = x->p;
	struct bpf_program *prog;
	struct btf *vmlinux = NULL;
	int i, err = 0;

	for (prog = bpf_object__next_program(x->obj, NULL); prog;
	     prog = bpf_object__next_program(x->obj, prog))
		bpf_program__set_autoload(prog, kprobe_of(p, bpf_program__name(prog)) != NULL);
	for (i = 0; i < p->nkprobes && err == 0; i++) {
		const struct tapir_kprobe *k = &p->kprobes[i];

		prog = bpf_object__find_program_by_name(x->obj, k->prog);
		if (!prog) {
			rt_exec_errorf(x, "probe %s: program '%s' is not in the BPF object", k->pp,
			               k->prog);
			err = -ENOENT;
		} else if (k->attach == TAPIR_ATTACH_TP_BTF && k->target) {
			err = set_btf_target(x, &vmlinux, prog, k);
		} else if (k->attach == TAPIR_ATTACH_KFUNC) {
			err = rt_exec_kfunc_prepare(x, k);
		}
	}
	btf__free(vmlinux);
	return err;
}

/* Where tapir_G sits in .bss, from the object's BTF; 0 if it cannot tell. */
static size_t globals_offset(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	int id, i;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, ".bss", BTF_KIND_DATASEC);
	if (id <= 0)
		return 0;
	sec = btf__type_by_id(btf, (__u32)id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (var && strcmp(btf__name_by_offset(btf, var->name_off), GLOBALS_VAR) == 0)
			return vs->offset;
	}
	return 0;
}

static struct bpf_map *find_bss(struct bpf_object *obj)
{
	struct bpf_map *m;

	for (m = bpf_object__next_map(obj, NULL); m; m = bpf_object__next_map(obj, m)) {
		const char *name = bpf_map__name(m);
		size_t len = strlen(name);

		if (bpf_map__is_internal(m) && len >= 4 && strcmp(name + len - 4, ".bss") == 0)
			return m;
	}
	return NULL;
}

static int map_globals(struct rt_exec *x)
{
	struct bpf_map *bss = find_bss(x->obj);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off, size;
	void *g;

	if (!bss) {
		rt_exec_errorf(x, "the BPF object has no .bss section (for %s)", GLOBALS_VAR);
		return -ENOENT;
	}
	size = bpf_map__value_size(bss);
	off = globals_offset(x->obj);
	if (off + x->p->globals_size > size || x->p->globals_size < sizeof(struct tapir_state)) {
		rt_exec_errorf(x, "%s: %zu bytes at offset %zu do not fit the %zu of .bss",
		               GLOBALS_VAR, x->p->globals_size, off, size);
		return -EINVAL;
	}
	if (!(bpf_map__map_flags(bss) & BPF_F_MMAPABLE)) {
		rt_exec_errorf(x, "the .bss map cannot be mapped: the kernel is too old");
		return -EOPNOTSUPP;
	}
	size = (size + page - 1) / page * page;
	g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(bss), 0);
	if (g == MAP_FAILED) {
		rt_exec_errorf(x, "cannot map .bss: %s", strerror(errno));
		return -errno;
	}
	x->bss = g;
	x->bss_size = size;
	x->globals = (char *)g + off;
	x->st = x->globals;
	x->st->maxerrors = x->p->maxerrors;
	return 0;
}

static int find_map(struct rt_exec *x, const char *name, struct rt_exec_map *m)
{
	struct bpf_map *bm = bpf_object__find_map_by_name(x->obj, name);

	if (!bm) {
		rt_exec_errorf(x, "map '%s' is not in the BPF object", name);
		return -ENOENT;
	}
	m->fd = bpf_map__fd(bm);
	m->type = bpf_map__type(bm);
	m->key_size = bpf_map__key_size(bm);
	m->value_size = bpf_map__value_size(bm);
	m->max_entries = bpf_map__max_entries(bm);
	return 0;
}

static int find_maps(struct rt_exec *x)
{
	const struct tapir_program *p = x->p;
	int i, err;

	x->maps = calloc((size_t)p->nmaps + 1, sizeof(*x->maps));
	x->stat_maps = calloc((size_t)p->nstat_maps + 1, sizeof(*x->stat_maps));
	if (!x->maps || !x->stat_maps)
		return -ENOMEM;
	for (i = 0; i < p->nmaps; i++)
		if ((err = find_map(x, p->maps[i], &x->maps[i])) < 0)
			return err;
	for (i = 0; i < p->nstat_maps; i++) {
		const struct tapir_stat_map *s = &p->stat_maps[i];
		size_t want = sizeof(struct rt_stat) + (size_t)s->desc.buckets * sizeof(int64_t);

		if ((err = find_map(x, s->map, &x->stat_maps[i])) < 0)
			return err;
		if (x->stat_maps[i].value_size != want) {
			rt_exec_errorf(x, "statistics map '%s' holds %zu bytes a CPU, not %zu",
			               s->map, x->stat_maps[i].value_size, want);
			return -EINVAL;
		}
	}
	return 0;
}

int rt_exec_load(struct rt_exec *x)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "tapir");
	int err;

	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		rt_exec_errorf(x, "cannot count the possible CPUs: %s", strerror(-x->ncpus));
		return x->ncpus < 0 ? x->ncpus : -EINVAL;
	}
	rt_exec_log_start(x);
	x->obj = bpf_object__open_mem(x->p->obj, x->p->obj_len, &oo);
	if (!x->obj) {
		err = -errno;
		rt_exec_log_report(x, err);
		rt_exec_log_stop(x);
		return err;
	}
	err = prepare_programs(x);
	if (err == 0) {
		err = bpf_object__load(x->obj);
		if (err)
			rt_exec_log_report(x, err);
	}
	rt_exec_log_stop(x);
	if (err)
		return err;
	err = map_globals(x);
	if (err == 0)
		err = find_maps(x);
	if (err == 0)
		rt_exec_note(x, "loaded %d BPF program%s of %s", x->p->nkprobes,
		             x->p->nkprobes == 1 ? "" : "s",
		             x->p->script ? x->p->script : "the script");
	return err;
}

void rt_exec_unload(struct rt_exec *x)
{
	if (x->bss)
		munmap(x->bss, x->bss_size);
	x->bss = NULL;
	x->globals = NULL;
	x->st = NULL;
	bpf_object__close(x->obj);
	x->obj = NULL;
	rt_exec_kread_free();
	free(x->maps);
	free(x->stat_maps);
	x->maps = x->stat_maps = NULL;
}
