/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_map.h - a script's arrays: 1 to 9 keys (longs and strings), a long,
 * string or statistic value, preallocated (nothing is allocated in probe
 * context), hashed, kept in insertion order (so that a '%' array replaces
 * its oldest entry), and sorted on demand for foreach.
 *
 * A key is a zeroed struct of the generated code (struct k_NAME), so keys
 * compare with memcmp; the descriptor says where each field lies and what
 * it holds, for sorting and printing.
 */
#ifndef TAPIR_MAP_H
#define TAPIR_MAP_H

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/sort.h>

enum tapir_vtype { TAPIR_V_LONG, TAPIR_V_STR, TAPIR_V_STAT };

struct tapir_map_desc {
	const char *name;
	int nkeys;
	u8 ktype[9];          /* 0: long, 1: string */
	u16 koff[9];
	size_t klen, vlen;
	enum tapir_vtype vtype;
	int maxentries;
	int size;             /* declared [N], or 0 */
	bool wrap;            /* '%' */
	const struct rt_stat_desc *sdesc; /* the statistic's, set at load */
};

struct tapir_ent {
	struct hlist_node hnode;  /* in its bucket; on the free stack, hnode.next links it */
	struct list_head order;   /* in the used list, while in use */
	char data[] __aligned(8); /* key, then value */
};

struct tapir_map {
	const struct tapir_map_desc *d;
	struct hlist_head *buckets;
	unsigned int nbuckets, hash_bits;
	struct list_head used;  /* in insertion order */
	struct hlist_node *free; /* a stack of the unused entries, by hnode.next */
	int count;
	int limit;            /* count can't reach it: maxentries, or a smaller size */
	size_t esize;
	char *pool;
};

static __maybe_unused inline void *tapir_ent_key(struct tapir_ent *e)
{
	return e->data;
}

static __maybe_unused inline void *tapir_ent_val(const struct tapir_map *m, struct tapir_ent *e)
{
	return e->data + ALIGN(m->d->klen, 8);
}

static __maybe_unused struct tapir_map *tapir_map_new(const struct tapir_map_desc *d)
{
	struct tapir_map *m = kzalloc(sizeof(*m), GFP_KERNEL);
	int i;

	if (!m)
		return NULL;
	m->d = d;
	/* two buckets at least: a hash of one bit or more */
	m->nbuckets = roundup_pow_of_two(max(d->maxentries, 2));
	m->hash_bits = ilog2(m->nbuckets);
	m->esize = ALIGN(sizeof(struct tapir_ent) + ALIGN(d->klen, 8) + d->vlen, 8);
	m->buckets = vzalloc(sizeof(*m->buckets) * m->nbuckets);
	m->pool = vzalloc(m->esize * d->maxentries);
	if (!m->buckets || !m->pool) {
		vfree(m->buckets);
		vfree(m->pool);
		kfree(m);
		return NULL;
	}
	m->limit = d->size && d->size < d->maxentries ? d->size : d->maxentries;
	INIT_LIST_HEAD(&m->used);
	for (i = d->maxentries - 1; i >= 0; i--) {
		struct tapir_ent *e = (struct tapir_ent *)(m->pool + i * m->esize);

		e->hnode.next = m->free;
		m->free = &e->hnode;
	}
	return m;
}

static __maybe_unused void tapir_map_free(struct tapir_map *m)
{
	if (!m)
		return;
	vfree(m->buckets);
	vfree(m->pool);
	kfree(m);
}

/*
 * The hot operations take the key's length klen as an argument: the
 * generated code passes its key struct's sizeof, a constant, so that
 * the branches on it below fold away in each handler (the plain
 * tapir_map_find() & co. read it from the descriptor).
 */

/*
 * A key's bucket. Keys are zero-padded structs of 8-byte longs and
 * MAXSTRINGLEN strings: one long (the usual pid() or tid()) is hashed by
 * one multiplication, a key of whole words by jhash2(), others bytewise.
 */
static __always_inline struct hlist_head *tapir_map_bucket(const struct tapir_map *m,
							   const void *key, size_t n)
{
	u32 h;

	if (n == sizeof(u64))
		return &m->buckets[hash_64(*(const u64 *)key, m->hash_bits)];
	if (n % sizeof(u32) == 0)
		h = jhash2(key, n / sizeof(u32), 0);
	else
		h = jhash(key, n, 0);
	return &m->buckets[h & (m->nbuckets - 1)];
}

/* Keys are compared by words where they are whole words: memcmp() goes
 * bytewise, 128 steps for a string key. */
static __always_inline bool tapir_key_eq(const void *a, const void *b, size_t n)
{
	const u64 *x = a, *y = b;
	size_t i;

	if (n % sizeof(u64))
		return memcmp(a, b, n) == 0;
	for (i = 0; i < n / sizeof(u64); i++) {
		if (x[i] != y[i])
			return false;
	}
	return true;
}

/* Inlined into find, set and del: a call and its return cost a short
 * handler more than the lookup's few compares. */
static __always_inline struct tapir_ent *tapir_map_lookup_in(struct hlist_head *b, const void *key,
							     size_t klen)
{
	struct hlist_node *n;

	/* by node: hlist_for_each_entry() tests each entry it makes from a
	 * node for NULL again */
	for (n = b->first; n; n = n->next) {
		struct tapir_ent *e = hlist_entry(n, struct tapir_ent, hnode);

		if (tapir_key_eq(e->data, key, klen))
			return e;
	}
	return NULL;
}

static __always_inline struct tapir_ent *tapir_map_lookup(const struct tapir_map *m,
							  const void *key, size_t klen)
{
	return tapir_map_lookup_in(tapir_map_bucket(m, key, klen), key, klen);
}

static __always_inline void *tapir_ent_val_k(struct tapir_ent *e, size_t klen)
{
	return e->data + ALIGN(klen, 8);
}

/* The value of key, or NULL. */
static __always_inline void *tapir_map_find_k(const struct tapir_map *m, const void *key,
					      size_t klen)
{
	struct tapir_ent *e = tapir_map_lookup(m, key, klen);

	return e ? tapir_ent_val_k(e, klen) : NULL;
}

static __maybe_unused void *tapir_map_find(const struct tapir_map *m, const void *key)
{
	return tapir_map_find_k(m, key, m->d->klen);
}

/*
 * The entry lists are the map's own, under its lock: linked without the
 * kernel's list_add_tail() and list_del(), which CONFIG_DEBUG_LIST
 * (Debian's) makes out-of-line checks at every insertion and deletion,
 * and without poisoning what is unlinked (an unused entry is relinked
 * whole when it is used again).
 */
static __always_inline void tapir_list_add_tail(struct list_head *e, struct list_head *head)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

static __always_inline void tapir_list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static __always_inline void tapir_map_unlink(struct tapir_map *m, struct tapir_ent *e)
{
	__hlist_del(&e->hnode);
	tapir_list_del(&e->order);
	e->hnode.next = m->free;
	m->free = &e->hnode;
	m->count--;
}

/* A new entry's key, then its value zeroed. By words where the key is
 * whole words (the entry's data is, and 8-aligned): memset() and memcpy()
 * of a variable length are byte loops (rep stosb/movsb) for a few words. */
static __always_inline void tapir_ent_init(const struct tapir_map *m, struct tapir_ent *e,
					   const void *key, size_t klen)
{
	size_t n = (m->esize - sizeof(*e)) / sizeof(u64), k = klen / sizeof(u64), i;
	u64 *d = (u64 *)e->data;
	const u64 *src = key;

	if (klen % sizeof(u64)) {
		memset(e->data, 0, m->esize - sizeof(*e));
		memcpy(e->data, key, klen);
		return;
	}
	for (i = 0; i < k; i++)
		d[i] = src[i];
	for (; i < n; i++)
		d[i] = 0;
}

/* "Array overflow": into c's error, or, for a handler without a context
 * (c NULL), reported at once. */
static __maybe_unused noinline void tapir_map_overflow(struct tapir_ctx *c,
							const struct tapir_map *m,
							const char *near)
{
	char msg[64];

	if (m->d->size)
		scnprintf(msg, sizeof(msg), "Array overflow, check size limit (%d)", m->d->size);
	else
		scnprintf(msg, sizeof(msg), "Array overflow, check MAXMAPENTRIES");
	if (c)
		tapir_error_at(c, msg, near);
	else
		tapir_error_now(msg, near);
}

/* When m is full: room made by dropping its oldest entry for a '%'
 * array, else false (the overflow reported). Out of line. */
static __maybe_unused noinline bool tapir_map_full(struct tapir_ctx *c, struct tapir_map *m,
						    const char *near)
{
	if (!m->d->wrap || list_empty(&m->used)) {
		tapir_map_overflow(c, m, near);
		return false;
	}
	tapir_map_unlink(m, list_first_entry(&m->used, struct tapir_ent, order));
	return true;
}

/* key added into its bucket b, its value zeroed; NULL when the map is
 * full (reported). */
static __always_inline void *tapir_map_insert(struct tapir_ctx *c, struct tapir_map *m,
					      struct hlist_head *b, const void *key, size_t klen,
					      const char *near)
{
	struct tapir_ent *e;

	/* at the limit, the free stack may still have entries (a size) */
	if (unlikely(m->count >= m->limit) && !tapir_map_full(c, m, near))
		return NULL;
	e = hlist_entry(m->free, struct tapir_ent, hnode);
	m->free = m->free->next;
	tapir_ent_init(m, e, key, klen);
	hlist_add_head(&e->hnode, b);
	tapir_list_add_tail(&e->order, &m->used);
	m->count++;
	return tapir_ent_val_k(e, klen);
}

/* The value of key, added (zeroed) when absent; NULL when full (reported
 * into c, or at once without one). */
static __always_inline void *tapir_map_set_k(struct tapir_ctx *c, struct tapir_map *m,
					     const void *key, size_t klen, const char *near)
{
	struct hlist_head *b = tapir_map_bucket(m, key, klen);
	struct tapir_ent *e = tapir_map_lookup_in(b, key, klen);

	if (likely(e))
		return tapir_ent_val_k(e, klen);
	return tapir_map_insert(c, m, b, key, klen, near);
}

static __maybe_unused void *tapir_map_set(struct tapir_ctx *c, struct tapir_map *m,
					  const void *key, const char *near)
{
	return tapir_map_set_k(c, m, key, m->d->klen, near);
}

static __always_inline void tapir_map_del_k(struct tapir_map *m, const void *key, size_t klen)
{
	struct tapir_ent *e = tapir_map_lookup(m, key, klen);

	if (e)
		tapir_map_unlink(m, e);
}

static __maybe_unused void tapir_map_del(struct tapir_map *m, const void *key)
{
	tapir_map_del_k(m, key, m->d->klen);
}

static __maybe_unused void tapir_map_clear(struct tapir_map *m)
{
	while (!list_empty(&m->used))
		tapir_map_unlink(m, list_first_entry(&m->used, struct tapir_ent, order));
}

/* ---- per-CPU arrays of statistics ----------------------------------------------- */

/*
 * An array of statistics is kept as SystemTap's "pmaps": a map per CPU,
 * each with the array's limit (MAXMAPENTRIES or its declared size), that
 * a[k] <<< v adds to, and an aggregate map that a reader fills from them
 * (under the array's write lock): tapir_pmap_find() merges one key into a
 * scratch statistic, tapir_pmap_agg() every key into the aggregate map,
 * which foreach then walks.
 */
static __maybe_unused struct tapir_map **tapir_pmap_new(const struct tapir_map_desc *d)
{
	struct tapir_map **pm = kcalloc(nr_cpu_ids, sizeof(*pm), GFP_KERNEL);
	int cpu;

	if (!pm)
		return NULL;
	for_each_possible_cpu(cpu) {
		pm[cpu] = tapir_map_new(d);
		if (!pm[cpu])
			return pm; /* freed by tapir_pmap_free(), as a partial one */
	}
	return pm;
}

static __maybe_unused bool tapir_pmap_ok(struct tapir_map **pm)
{
	int cpu;

	if (!pm)
		return false;
	for_each_possible_cpu(cpu) {
		if (!pm[cpu])
			return false;
	}
	return true;
}

static __maybe_unused void tapir_pmap_free(struct tapir_map **pm)
{
	int cpu;

	if (!pm)
		return;
	for_each_possible_cpu(cpu)
		tapir_map_free(pm[cpu]);
	kfree(pm);
}

/* Is key in some CPU's map? */
static __maybe_unused bool tapir_pmap_has(struct tapir_map **pm, const void *key)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (tapir_map_find(pm[cpu], key))
			return true;
	}
	return false;
}

static __maybe_unused void tapir_pmap_del(struct tapir_map **pm, const void *key)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tapir_map_del(pm[cpu], key);
}

static __maybe_unused void tapir_pmap_clear(struct tapir_map **pm)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tapir_map_clear(pm[cpu]);
}

/* key's statistic merged over the CPUs into *scratch, or NULL when no CPU
 * has it (an absent element, as the map's find). */
static __maybe_unused struct tapir_stat *tapir_pmap_find(struct tapir_map **pm,
							 const struct rt_stat_desc *d,
							 struct tapir_stat *scratch, const void *key)
{
	struct rt_agg a;
	bool found = false;
	int cpu;

	tapir_stat_merge_begin(&a, scratch, d);
	for_each_possible_cpu(cpu) {
		const struct tapir_stat *part = tapir_map_find(pm[cpu], key);

		found |= part != NULL;
		tapir_stat_merge_add(&a, part);
	}
	if (!found)
		return NULL;
	for_each_possible_cpu(cpu)
		tapir_stat_merge_variance(&a, tapir_map_find(pm[cpu], key));
	tapir_stat_merge_end(&a, scratch);
	return scratch;
}

/* The aggregate map agg made again from the CPUs' maps, in the order in
 * which the keys first appear (CPU by CPU); false on an overflow of agg
 * (reported), which more CPUs than one can bring about. */
static __maybe_unused bool tapir_pmap_agg(struct tapir_ctx *c, struct tapir_map **pm,
					  struct tapir_map *agg, const char *near)
{
	struct tapir_ent *e;
	int cpu;

	tapir_map_clear(agg);
	for_each_possible_cpu(cpu) {
		list_for_each_entry(e, &pm[cpu]->used, order) {
			if (!tapir_map_set(c, agg, tapir_ent_key(e), near))
				return false;
		}
	}
	list_for_each_entry(e, &agg->used, order) {
		struct tapir_stat *dst = tapir_ent_val(agg, e);

		tapir_pmap_find(pm, agg->d->sdesc, dst, tapir_ent_key(e));
	}
	return true;
}

/* ---- sorted iteration ----------------------------------------------------------- */

/* How foreach orders: col -1 the value, else key col; dir +1/-1, 0 unsorted;
 * agg for a statistic value: 0 @count ... 5 @variance. */
struct tapir_sort {
	const struct tapir_map *m;
	int col, dir, agg;
};

static __maybe_unused int64_t tapir_ent_stat(const struct tapir_sort *s, struct tapir_ent *e)
{
	const struct tapir_stat *st = tapir_ent_val(s->m, e);
	struct rt_agg a;

	rt_agg_init(&a, NULL, s->m->d->sdesc);
	rt_agg_add(&a, &st->st, NULL);
	rt_agg_add_variance(&a, &st->st);
	rt_agg_finish(&a);
	switch (s->agg) {
	case 1: return a.sum;
	case 2: return a.min;
	case 3: return a.max;
	case 4: return a.avg;
	case 5: return a.variance;
	default: return a.count;
	}
}

static __maybe_unused int tapir_cmp_col(const struct tapir_sort *s, struct tapir_ent *a, struct tapir_ent *b,
			 int col)
{
	const struct tapir_map_desc *d = s->m->d;
	const char *pa, *pb;
	int64_t x, y;

	if (col < 0) {
		if (d->vtype == TAPIR_V_STR)
			return strcmp(tapir_ent_val(s->m, a), tapir_ent_val(s->m, b));
		if (d->vtype == TAPIR_V_STAT) {
			x = tapir_ent_stat(s, a);
			y = tapir_ent_stat(s, b);
		} else {
			x = *(int64_t *)tapir_ent_val(s->m, a);
			y = *(int64_t *)tapir_ent_val(s->m, b);
		}
		return x < y ? -1 : x > y;
	}
	pa = a->data + d->koff[col];
	pb = b->data + d->koff[col];
	if (d->ktype[col])
		return strcmp(pa, pb);
	memcpy(&x, pa, 8);
	memcpy(&y, pb, 8);
	return x < y ? -1 : x > y;
}


static __maybe_unused int tapir_cmp_ents(const void *pa, const void *pb, const void *priv)
{
	const struct tapir_sort *s = priv;
	struct tapir_ent *a = *(struct tapir_ent *const *)pa, *b = *(struct tapir_ent *const *)pb;
	int r = tapir_cmp_col(s, a, b, s->col), i;

	if (s->dir < 0)
		r = -r;
	/* ties: by the keys in ascending order, whatever the direction (the
	 * order the end probe's sort gives) */
	for (i = 0; r == 0 && i < s->m->d->nkeys; i++)
		r = tapir_cmp_col(s, a, b, i);
	return r;
}

/* The entries of m in foreach order into ents (room for m->count). */
static __maybe_unused int tapir_map_sorted(const struct tapir_map *m, struct tapir_ent **ents,
			    const struct tapir_sort *s)
{
	struct tapir_ent *e;
	int n = 0;

	list_for_each_entry(e, &m->used, order)
		ents[n++] = e;
	if (s->dir) {
		sort_r(ents, n, sizeof(*ents), tapir_cmp_ents, NULL, s);
	}
	return n;
}

#endif /* TAPIR_MAP_H */
