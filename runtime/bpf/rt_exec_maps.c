// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_maps.c - the script's arrays and statistics as user-space
 * probes see them: element access on the BPF maps, and statistics merged
 * over CPUs.
 *
 * A statistic lives in a per-CPU map: each CPU's value is a struct rt_stat
 * followed by the desc.buckets histogram counts, which runtime/common's
 * rt_agg_*() merge exactly as SystemTap merges its per-CPU parts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "rt_exec.h"

struct rt_exec_map *rt_exec_map_get(struct rt_exec *x, int map_index)
{
	if (!x->maps || map_index < 0 || map_index >= x->p->nmaps)
		return NULL;
	return &x->maps[map_index];
}

struct rt_exec_map *rt_exec_stat_map_get(struct rt_exec *x, int stat_index)
{
	if (!x->stat_maps || stat_index < 0 || stat_index >= x->p->nstat_maps)
		return NULL;
	return &x->stat_maps[stat_index];
}

int tapir_map_fd(int map_index)
{
	struct rt_exec_map *m = rt_exec_map_get(&rt_exec_run, map_index);

	return m ? m->fd : -EINVAL;
}

int tapir_map_get(int map_index, const void *key, void *value)
{
	struct rt_exec_map *m = rt_exec_map_get(&rt_exec_run, map_index);

	return m ? bpf_map_lookup_elem(m->fd, key, value) : -EINVAL;
}

int tapir_map_set(int map_index, const void *key, const void *value)
{
	struct rt_exec_map *m = rt_exec_map_get(&rt_exec_run, map_index);

	return m ? bpf_map_update_elem(m->fd, key, value, BPF_ANY) : -EINVAL;
}

int tapir_map_delete(int map_index, const void *key)
{
	struct rt_exec_map *m = rt_exec_map_get(&rt_exec_run, map_index);

	return m ? bpf_map_delete_elem(m->fd, key) : -EINVAL;
}

static bool is_array(const struct rt_exec_map *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static size_t value_bytes(struct rt_exec *x, const struct rt_exec_map *m)
{
	size_t v = m->value_size;

	if (m->type == BPF_MAP_TYPE_PERCPU_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_HASH ||
	    m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return ((v + 7) & ~(size_t)7) * (size_t)x->ncpus;
	return v;
}

/* An array's elements cannot be deleted: they are zeroed. */
static int clear_array(struct rt_exec *x, const struct rt_exec_map *m)
{
	void *zero = calloc(1, value_bytes(x, m));
	uint32_t k;
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (k = 0; k < m->max_entries && err == 0; k++)
		err = bpf_map_update_elem(m->fd, &k, zero, BPF_ANY);
	free(zero);
	return err;
}

/* Keys first, then deletes: a hash map's walk restarts after a delete. */
static int clear_hash(struct rt_exec *x, const struct rt_exec_map *m)
{
	size_t cap = 64, n = 0, i;
	char *keys = rt_exec_scratch_alloc(x, cap * m->key_size), *k;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	while (bpf_map_get_next_key(m->fd, n ? keys + (n - 1) * m->key_size : NULL,
	                            keys + n * m->key_size) == 0) {
		if (++n == cap) {
			k = rt_exec_scratch_alloc(x, 2 * cap * m->key_size);
			if (!k) {
				err = -ENOMEM;
				break;
			}
			memcpy(k, keys, n * m->key_size);
			rt_exec_scratch_free(x, keys);
			keys = k;
			cap *= 2;
		}
	}
	for (i = 0; i < n && err == 0; i++) {
		err = bpf_map_delete_elem(m->fd, keys + i * m->key_size);
		if (err == -ENOENT)
			err = 0;
	}
	rt_exec_scratch_free(x, keys);
	return err;
}

int tapir_map_clear(int map_index)
{
	struct rt_exec *x = &rt_exec_run;
	struct rt_exec_map *m = rt_exec_map_get(x, map_index);

	if (!m)
		return -EINVAL;
	return is_array(m) ? clear_array(x, m) : clear_hash(x, m);
}

/* Statistic i (a stat map index) at key merged over CPUs into a and hist. */
int rt_exec_stat_merge(struct rt_exec *x, int stat_index, const void *key, struct rt_agg *a,
                       int64_t *hist)
{
	struct rt_exec_map *m = rt_exec_stat_map_get(x, stat_index);
	const struct rt_stat_desc *desc;
	size_t stride;
	uint32_t zero = 0;
	char *buf;
	int cpu, err;

	if (!m)
		return -EINVAL;
	desc = &x->p->stat_maps[stat_index].desc;
	rt_agg_init(a, hist, desc);
	stride = (m->value_size + 7) & ~(size_t)7;
	buf = rt_exec_scratch_alloc(x, stride * (size_t)x->ncpus);
	if (!buf)
		return -ENOMEM;
	err = bpf_map_lookup_elem(m->fd, key ? key : &zero, buf);
	if (err == 0) {
		for (cpu = 0; cpu < x->ncpus; cpu++) {
			const struct rt_stat *part = (const void *)(buf + (size_t)cpu * stride);

			rt_agg_add(a, part, (const int64_t *)(part + 1));
		}
		if (desc->ops & RT_STAT_VARIANCE)
			for (cpu = 0; cpu < x->ncpus; cpu++)
				rt_agg_add_variance(a, (const void *)(buf + (size_t)cpu * stride));
		rt_agg_finish(a);
	}
	rt_exec_scratch_free(x, buf);
	if (err == 0 && a->count == 0)
		err = -ENOENT;
	return err;
}

int tapir_stat_get(int stat_index, const void *key, struct rt_agg *out, int64_t *hist)
{
	return rt_exec_stat_merge(&rt_exec_run, stat_index, key, out, hist);
}

int tapir_hist_print(int stat_index, const struct rt_agg *agg, const int64_t *hist)
{
	struct rt_exec *x = &rt_exec_run;

	if (stat_index < 0 || stat_index >= x->p->nstat_maps)
		return -EINVAL;
	(void)agg;
	return rt_hist_print(&x->out, &x->p->stat_maps[stat_index].desc, hist, x->p->hist_style);
}

/* stat <<< v from a user-space probe: added to CPU 0's part, which the
 * kernel side never touches while no kernel probe runs there at once
 * (user probes run before attach, after detach, or from a timer). */
int tapir_stat_add(int stat_index, const void *key, int64_t v)
{
	struct rt_exec *x = &rt_exec_run;
	struct rt_exec_map *m = rt_exec_stat_map_get(x, stat_index);
	const struct rt_stat_desc *desc;
	size_t stride;
	uint32_t zero = 0;
	char *buf;
	int err;

	if (!m)
		return -EINVAL;
	desc = &x->p->stat_maps[stat_index].desc;
	stride = (m->value_size + 7) & ~(size_t)7;
	buf = rt_exec_scratch_alloc(x, stride * (size_t)x->ncpus);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->fd, key ? key : &zero, buf) != 0)
		memset(buf, 0, stride * (size_t)x->ncpus);
	rt_stat_add((struct rt_stat *)buf, (int64_t *)((struct rt_stat *)buf + 1), desc, v);
	err = bpf_map_update_elem(m->fd, key ? key : &zero, buf, BPF_ANY);
	rt_exec_scratch_free(x, buf);
	return err ? -errno : 0;
}
