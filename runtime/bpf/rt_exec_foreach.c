// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_foreach.c - foreach over a map from user space, in the order a
 * script asks for: the map's own order, or sorted by a key column, the
 * value, or an aggregate of a statistic (@count unless told), then cut
 * to 'limit' entries.
 *
 * Sorting follows SystemTap's _stp_cmp(): numbers compare as int64,
 * strings with strcmp(), @avg as sum / count truncated.  SystemTap's
 * merge sort is stable over the order elements were created in, which a
 * BPF map does not keep; equal elements are put in the order of their
 * whole keys instead (each column ascending), so that runs repeat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "rt_exec.h"

struct entry {
	const char *key;
	int64_t num;     /* the sort value, if a number */
	const char *str; /* the sort value, if a string */
	size_t slen;     /* its bound */
};

struct sorter {
	const struct tapir_iter *it;
	size_t key_size;
	bool by_string;
	int dir;
};

/* The bytes column c may use: up to the next column, or the key's end. */
static size_t col_size(const struct tapir_iter *it, size_t key_size, int c)
{
	size_t end = key_size, off = it->cols[c].offset;
	int i;

	for (i = 0; i < it->ncols; i++)
		if (it->cols[i].offset > off && it->cols[i].offset < end)
			end = it->cols[i].offset;
	return end - off;
}

/* strcmp() of two strings that may fill their buffers without a NUL. */
static int str_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t la = strnlen(a, alen), lb = strnlen(b, blen);
	int r = memcmp(a, b, la < lb ? la : lb);

	if (r)
		return r;
	return la < lb ? -1 : la > lb;
}

static int64_t key_num(const char *key, size_t off)
{
	int64_t v;

	memcpy(&v, key + off, sizeof(v));
	return v;
}

static int key_cmp(const struct sorter *s, const char *a, const char *b)
{
	const struct tapir_iter *it = s->it;
	int c, r;

	for (c = 0; c < it->ncols; c++) {
		size_t off = it->cols[c].offset;

		if (it->cols[c].is_string) {
			size_t n = col_size(it, s->key_size, c);

			r = str_cmp(a + off, n, b + off, n);
		} else {
			int64_t x = key_num(a, off), y = key_num(b, off);

			r = (x > y) - (x < y);
		}
		if (r)
			return r;
	}
	return memcmp(a, b, s->key_size);
}

static struct sorter *the_sorter;

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	const struct sorter *s = the_sorter;
	int r;

	if (s->by_string)
		r = str_cmp(a->str, a->slen, b->str, b->slen);
	else
		r = (a->num > b->num) - (a->num < b->num);
	return r ? r * s->dir : key_cmp(s, a->key, b->key);
}

static int agg_value(const struct tapir_iter *it, const struct rt_agg *a, int64_t *v)
{
	const char *agg = it->agg ? it->agg : "@count";

	if (strcmp(agg, "@count") == 0)
		*v = a->count;
	else if (strcmp(agg, "@sum") == 0)
		*v = a->sum;
	else if (strcmp(agg, "@min") == 0)
		*v = a->min;
	else if (strcmp(agg, "@max") == 0)
		*v = a->max;
	else if (strcmp(agg, "@avg") == 0)
		*v = a->avg;
	else
		return -EINVAL;
	return 0;
}

/* Every key of the map, in its order: *keys (scratch) and their count. */
static long long collect_keys(struct rt_exec *x, int fd, size_t ksz, char **keys)
{
	size_t cap = 64, n = 0;
	char *k = rt_exec_scratch_alloc(x, cap * ksz), *nk;

	if (!k)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, n ? k + (n - 1) * ksz : NULL, k + n * ksz) == 0) {
		if (++n < cap)
			continue;
		nk = rt_exec_scratch_alloc(x, 2 * cap * ksz);
		if (!nk) {
			rt_exec_scratch_free(x, k);
			return -ENOMEM;
		}
		memcpy(nk, k, n * ksz);
		rt_exec_scratch_free(x, k);
		k = nk;
		cap *= 2;
	}
	*keys = k;
	return (long long)n;
}

/* The sort value of each entry; values (scratch) holds what they point at. */
static int sort_values(struct rt_exec *x, const struct tapir_iter *it, const struct rt_exec_map *m,
                       struct entry *e, size_t n, char **values)
{
	struct rt_agg a;
	size_t i, vsz = m->value_size;
	int err;

	*values = NULL;
	if (it->sort_col >= 0) {
		const struct tapir_key_col *c = &it->cols[it->sort_col];
		size_t len = col_size(it, m->key_size, it->sort_col);

		for (i = 0; i < n; i++) {
			if (c->is_string) {
				e[i].str = e[i].key + c->offset;
				e[i].slen = len;
			} else {
				e[i].num = key_num(e[i].key, c->offset);
			}
		}
		return 0;
	}
	if (it->stat_index >= 0) {
		for (i = 0; i < n; i++) {
			err = rt_exec_stat_merge(x, it->stat_index, e[i].key, &a, NULL);
			if (err < 0 && err != -ENOENT)
				return err;
			if ((err = agg_value(it, &a, &e[i].num)) < 0)
				return err;
		}
		return 0;
	}
	*values = rt_exec_scratch_alloc(x, n * vsz + 1);
	if (!*values)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char *v = *values + i * vsz;

		err = bpf_map_lookup_elem(m->fd, e[i].key, v);
		if (err == -ENOENT) /* deleted since: sorts as 0 or "" */
			memset(v, 0, vsz);
		else if (err < 0)
			return err;
		if (it->value_is_string) {
			e[i].str = v;
			e[i].slen = vsz;
		} else {
			memcpy(&e[i].num, v, vsz < sizeof(int64_t) ? vsz : sizeof(int64_t));
		}
	}
	return 0;
}

static int check_iter(const struct tapir_iter *it, const struct rt_exec_map *m)
{
	int c;

	if (!m || it->key_size != m->key_size || (it->sort != 0 && it->sort != 1 && it->sort != -1))
		return -EINVAL;
	if (it->sort && (it->sort_col >= it->ncols || it->sort_col < -1))
		return -EINVAL;
	for (c = 0; c < it->ncols; c++)
		if (it->cols[c].offset + (it->cols[c].is_string ? 1 : sizeof(int64_t)) >
		    m->key_size)
			return -EINVAL;
	if (it->sort && it->sort_col < 0 && it->stat_index < 0 && !it->value_is_string &&
	    m->value_size < sizeof(int64_t))
		return -EINVAL;
	return 0;
}

int tapir_foreach(const struct tapir_iter *it, int (*fn)(const void *key, void *ctx), void *ctx)
{
	struct rt_exec *x = &rt_exec_run;
	const struct rt_exec_map *m = it->stat_index >= 0 ? rt_exec_stat_map_get(x, it->stat_index)
	                                                  : rt_exec_map_get(x, it->map_index);
	struct sorter s = {.it = it, .dir = it->sort};
	struct entry *e = NULL;
	char *keys = NULL, *values = NULL;
	long long n, i;
	int rc;

	if ((rc = check_iter(it, m)) < 0)
		return rc;
	s.key_size = m->key_size;
	s.by_string = it->sort_col >= 0 ? it->cols[it->sort_col].is_string
	                                : it->stat_index < 0 && it->value_is_string;
	n = collect_keys(x, m->fd, m->key_size, &keys);
	if (n < 0)
		return (int)n;
	e = rt_exec_scratch_alloc(x, (size_t)n * sizeof(*e) + 1);
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		e[i] = (struct entry){.key = keys + (size_t)i * m->key_size};
	if (it->sort) {
		rc = sort_values(x, it, m, e, (size_t)n, &values);
		if (rc < 0)
			goto out;
		the_sorter = &s; /* qsort() has no context argument */
		qsort(e, (size_t)n, sizeof(*e), entry_cmp);
		the_sorter = NULL;
	}
	if (it->limit >= 0 && it->limit < n)
		n = it->limit;
	for (i = 0; i < n && rc == 0; i++)
		rc = fn(e[i].key, ctx);
out:
	rt_exec_scratch_free(x, values);
	rt_exec_scratch_free(x, e);
	rt_exec_scratch_free(x, keys);
	return rc;
}
