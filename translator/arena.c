/* arena.c - the translation-lifetime allocator, and small containers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tapir.h"

/* Chunks are zeroed when they are made, so that an allocation needs no
 * clearing: the first one comes from calloc, the later ones (a translation
 * that reads the tapset library takes some 60 MB) are 2 MB regions from
 * mmap, fresh zeroed pages, which the kernel may back with a transparent
 * huge page: one page fault where there would be 512.
 *
 * A scratch arena (arena_scratch) holds what dies young, the tokens: it is
 * emptied again and again (arena_reset) and keeps its chunks, which stay
 * in the cache; its chunks come from calloc only. */
struct chunk {
	struct chunk *next;
	size_t used, size;
	size_t mapped; /* the length of its mapping, 0 if it came from calloc */
	max_align_t data[];
};

/* One slot of the intern table: open addressing, linear probing. */
struct intern_slot {
	const char *s;
	uint32_t hash, len;
};

struct arena {
	struct chunk *head;
	size_t next_size;           /* of the next chunk: 64 KB, then ARENA_HUGE */
	struct intern_slot *slots;  /* heap-backed, a power of two of them */
	size_t nslots, nused;
	struct arena *scratch;      /* arena_scratch's, freed with this one */
	bool is_scratch;            /* emptied by arena_reset, never from mmap */
	struct chunk *spare;        /* emptied chunks of a scratch arena */
};

/* Under AddressSanitizer, the free space of a scratch arena is poisoned,
 * so that a token used after arena_reset is reported where it is used. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

/* Nothing allocated here needs more than the alignment of a pointer or an
 * int64_t; rounding to 16 or 32 would waste a fifth of the memory. */
#define ARENA_ALIGN 8
#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_HUGE (2 * 1024 * 1024)

static void *xcalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p) {
		fputs("tapir: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(sizeof(*a));

	a->next_size = ARENA_MIN_CHUNK;
	return a;
}

static void free_chunk(struct chunk *c)
{
	ASAN_UNPOISON_MEMORY_REGION(c->data, c->size);
	if (c->mapped)
		munmap(c, c->mapped);
	else
		free(c);
}

void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free_chunk(c);
	}
	for (c = a->spare; c; c = next) {
		next = c->next;
		free_chunk(c);
	}
	arena_free(a->scratch);
	free(a->slots);
	free(a);
}

struct arena *arena_scratch(struct arena *a)
{
	if (!a->scratch) {
		a->scratch = arena_new();
		a->scratch->is_scratch = true;
	}
	return a->scratch;
}

/* The chunks are kept for the allocations to come: the memory must be
 * zero again, as if fresh, so what was used is cleared (it is in the
 * cache: the tokens of a declaration or so). */
void arena_reset(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		ASAN_UNPOISON_MEMORY_REGION(c->data, c->size);
		memset(c->data, 0, c->used);
		c->used = 0;
		if (a->is_scratch)
			ASAN_POISON_MEMORY_REGION(c->data, c->size);
		if (c == a->head) {
			c->next = NULL;
		} else {
			c->next = a->spare;
			a->spare = c;
		}
	}
}

/* A chunk of ARENA_HUGE bytes aligned to ARENA_HUGE, as a huge page needs,
 * or NULL. */
static struct chunk *map_chunk(void)
{
	size_t span = 2 * ARENA_HUGE;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *start;
	struct chunk *c;

	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)p + ARENA_HUGE - 1) & ~(uintptr_t)(ARENA_HUGE - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + ARENA_HUGE < p + span)
		munmap(start + ARENA_HUGE, (size_t)(p + span - (start + ARENA_HUGE)));
	madvise(start, ARENA_HUGE, MADV_HUGEPAGE); /* a hint: without THP, small pages */
	c = (struct chunk *)start;
	c->mapped = ARENA_HUGE;
	c->size = ARENA_HUGE - sizeof(*c);
	return c;
}

static struct chunk *new_chunk(struct arena *a, size_t n)
{
	size_t size = a->next_size;
	struct chunk *c = NULL;

	if (n > size / 4) {
		/* A large request gets a chunk of its own, behind the current
		 * one, whose free space stays in use. */
		c = xcalloc(sizeof(*c) + n);
		c->size = c->used = n;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
		}
		return c;
	}
	if (a->spare && a->spare->size >= n) {
		c = a->spare;
		a->spare = c->next;
		c->next = a->head;
		a->head = c;
		return c;
	}
	if (size >= ARENA_HUGE && !a->is_scratch)
		c = map_chunk();
	else if (size < ARENA_HUGE)
		a->next_size = a->is_scratch ? 2 * size : ARENA_HUGE;
	if (!c) {
		c = xcalloc(sizeof(*c) + size);
		c->size = size;
	}
	if (a->is_scratch)
		ASAN_POISON_MEMORY_REGION(c->data, c->size);
	c->next = a->head;
	a->head = c;
	return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	void *p;

	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (!c || c->size - c->used < n) {
		c = new_chunk(a, n);
		if (c->used == n) {
			ASAN_UNPOISON_MEMORY_REGION(c->data, n);
			return c->data;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	return p; /* the arena's memory is zeroed: p[n] is '\0' */
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* Names are short: a word at a time, each mixed by a multiply. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15u, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)(unsigned char)s[i] << (8 * i);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	return (uint32_t)(h ^ (h >> 29));
}

static void intern_grow(struct arena *a)
{
	size_t nslots = a->nslots ? 2 * a->nslots : 1024;
	struct intern_slot *slots = xcalloc(sizeof(*slots) * nslots);

	for (size_t i = 0; i < a->nslots; i++) {
		const struct intern_slot *old = &a->slots[i];
		size_t j;

		if (!old->s)
			continue;
		for (j = old->hash & (nslots - 1); slots[j].s; j = (j + 1) & (nslots - 1))
			;
		slots[j] = *old;
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = nslots;
}

const char *arena_intern(struct arena *a, const char *s, size_t n)
{
	uint32_t h = hash_bytes(s, n);
	struct intern_slot *slot;
	size_t i;

	if (2 * (a->nused + 1) > a->nslots)
		intern_grow(a);
	for (i = h & (a->nslots - 1);; i = (i + 1) & (a->nslots - 1)) {
		slot = &a->slots[i];
		if (!slot->s)
			break;
		if (slot->hash == h && slot->len == n && memcmp(slot->s, s, n) == 0)
			return slot->s;
	}
	slot->s = arena_strndup(a, s, n);
	slot->hash = h;
	slot->len = (uint32_t)n;
	a->nused++;
	return slot->s;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void sb_reserve(struct strbuf *sb, size_t more)
{
	size_t need = sb->len + more + 1;

	if (need <= sb->cap)
		return;
	sb->cap = sb->cap ? sb->cap : 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->data = realloc(sb->data, sb->cap);
	if (!sb->data) {
		fputs("tapir: out of memory\n", stderr);
		exit(1);
	}
}

void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_putn(sb, &c, 1);
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

void vec_push(struct arena *a, struct vec *v, void *item)
{
	if (v->len == v->cap) {
		int cap = v->cap ? v->cap * 2 : 4;
		void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);

		if (v->len)
			memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
		v->items = items;
		v->cap = cap;
	}
	v->items[v->len++] = item;
}
