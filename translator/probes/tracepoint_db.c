/* tracepoint_db.c - trace events, the tracepoints behind them and their
 * arguments, for kernel.trace("SUBSYS:NAME") (see tracepoint_db.h).
 *
 * Memory: the database owns a bump pool; every string and array an event
 * points to comes from it and is freed at once by tpdb_close(). Allocation
 * failure aborts, as in the rest of the translator.
 */
#define _GNU_SOURCE
#include "tracepoint_db.h"

#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- allocation ---------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("tapir: out of memory\n", stderr);
		abort();
	}
	return p;
}

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

/* A growable string, for building type names. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

/* ---- the database --------------------------------------------------------- */

struct entry {
	struct tpdb_event ev;
	bool resolved; /* ev's format, BTF and args are filled in */
};

/* Open-addressing hash of BTF type ids; 0 marks an empty slot. */
struct id_index {
	__u32 *slot;
	size_t mask;
};

struct tpdb {
	char tracefs[PATH_MAX];
	struct btf *btf;
	struct id_index by_name;   /* (kind, name) -> first type id */
	struct id_index by_target; /* (modifier kind, target id) -> first id */
	struct entry *ents;
	int nr_ents;
	struct chunk *pool;
	char err[512];
};

static void *pool_alloc(struct tpdb *db, size_t n)
{
	struct chunk *c = db->pool;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		c = xrealloc(NULL, sizeof(*c) + cap);
		c->next = db->pool;
		c->used = 0;
		c->cap = cap;
		db->pool = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return memset(p, 0, n);
}

static char *pool_strndup(struct tpdb *db, const char *s, size_t n)
{
	char *p = pool_alloc(db, n + 1);

	memcpy(p, s, n);
	return p;
}

static char *pool_strdup(struct tpdb *db, const char *s)
{
	return pool_strndup(db, s, strlen(s));
}

static __attribute__((format(printf, 2, 3))) char *
pool_printf(struct tpdb *db, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = pool_alloc(db, n + 1);
	va_start(ap, fmt);
	vsnprintf(s, n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static __attribute__((format(printf, 3, 4))) int
fail(struct tpdb *db, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *tpdb_errmsg(const struct tpdb *db)
{
	return db->err;
}

bool tpdb_has_btf(const struct tpdb *db)
{
	return db->btf != NULL;
}

const struct btf *tpdb_btf(const struct tpdb *db)
{
	return db ? db->btf : NULL;
}

int tpdb_event_count(const struct tpdb *db)
{
	return db->nr_ents;
}

/* ---- tracefs --------------------------------------------------------------- */

/* path = the tracefs mount + "/" + the formatted rest; false if too long. */
static __attribute__((format(printf, 3, 4))) bool
tracefs_path(const struct tpdb *db, char path[PATH_MAX], const char *fmt, ...)
{
	int n = snprintf(path, PATH_MAX, "%s/", db->tracefs);
	va_list ap;

	if (n < 0 || n >= PATH_MAX)
		return false;
	va_start(ap, fmt);
	n += vsnprintf(path + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	return n < PATH_MAX;
}

static int find_tracefs(struct tpdb *db, const char *want)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[PATH_MAX];
	int err;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *dir = want ? want : dirs[i];

		if (strlen(dir) >= sizeof(db->tracefs))
			return fail(db, -ENAMETOOLONG, "tracefs: path too long");
		strcpy(db->tracefs, dir);
		tracefs_path(db, path, "available_events");
		if (access(path, R_OK) == 0)
			return 0;
		err = errno;
		if (want || err == EACCES)
			return fail(db, -err, "tracefs: cannot read %s: %s%s", path,
				    strerror(err), err == EACCES ? " (tracefs is for root)" : "");
	}
	return fail(db, -ENOENT,
		    "tracefs: no available_events under /sys/kernel/tracing or "
		    "/sys/kernel/debug/tracing (as root: mount -t tracefs "
		    "tracefs /sys/kernel/tracing)");
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->ev.full,
		      ((const struct entry *)b)->ev.full);
}

static void add_event(struct tpdb *db, const char *line, int *cap)
{
	const char *colon = strchr(line, ':');
	struct entry *e;

	if (!colon || colon == line || !colon[1])
		return;
	if (db->nr_ents == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		db->ents = xrealloc(db->ents, *cap * sizeof(*db->ents));
	}
	e = &db->ents[db->nr_ents++];
	memset(e, 0, sizeof(*e));
	e->ev.full = pool_strdup(db, line);
	e->ev.system = pool_strndup(db, line, colon - line);
	e->ev.name = pool_strdup(db, colon + 1);
	e->ev.id = -1;
	e->ev.syscall_nr = -1;
}

/* available_events lists "system:name" for every enabled-able event. */
static int load_events(struct tpdb *db)
{
	char path[PATH_MAX], *line = NULL;
	size_t linecap = 0;
	ssize_t n;
	int cap = 0, out = 0;
	FILE *f;

	tracefs_path(db, path, "available_events");
	f = fopen(path, "re");
	if (!f)
		return fail(db, -errno, "tracefs: cannot open %s: %s", path,
			    strerror(errno));
	while ((n = getline(&line, &linecap, f)) > 0) {
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		add_event(db, line, &cap);
	}
	free(line);
	fclose(f);
	qsort(db->ents, db->nr_ents, sizeof(*db->ents), cmp_entry);
	for (int i = 0; i < db->nr_ents; i++)
		if (out == 0 || strcmp(db->ents[out - 1].ev.full, db->ents[i].ev.full))
			db->ents[out++] = db->ents[i];
	db->nr_ents = out;
	return 0;
}

/* ---- BTF indexes ------------------------------------------------------------
 * btf__find_by_name_kind() scans every type; resolving "*" looks up a few
 * thousand names in ~150k types, so index them once.
 */

static uint32_t hash_str(const char *s, uint32_t h)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static uint32_t hash_u32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	return x ^ (x >> 16);
}

static bool is_named_kind(int kind)
{
	switch (kind) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_TYPEDEF:
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: case BTF_KIND_FWD: case BTF_KIND_FUNC:
		return true;
	}
	return false;
}

static bool is_modifier_kind(int kind)
{
	return kind == BTF_KIND_PTR || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_VOLATILE || kind == BTF_KIND_RESTRICT;
}

static uint32_t name_key(int kind, const char *name)
{
	return hash_str(name, 2166136261u ^ (uint32_t)kind);
}

static uint32_t target_key(int kind, __u32 target)
{
	return hash_u32(target * 32 + kind);
}

static bool same_name(const struct btf *btf, __u32 id, int kind, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	return btf_kind(t) == kind &&
	       !strcmp(btf__name_by_offset(btf, t->name_off), name);
}

static bool same_target(const struct btf *btf, __u32 id, int kind, __u32 target)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	return btf_kind(t) == kind && t->type == target;
}

static void index_insert(struct tpdb *db, struct id_index *ix, uint32_t key,
			 __u32 id)
{
	const struct btf_type *t = btf__type_by_id(db->btf, id);
	const char *name = btf__name_by_offset(db->btf, t->name_off);
	int kind = btf_kind(t);

	for (size_t i = key & ix->mask;; i = (i + 1) & ix->mask) {
		__u32 old = ix->slot[i];

		if (!old) {
			ix->slot[i] = id;
			return;
		}
		/* the first definition wins, as with btf__find_by_name_kind */
		if (ix == &db->by_name ? same_name(db->btf, old, kind, name)
				       : same_target(db->btf, old, kind, t->type))
			return;
	}
}

static void index_btf(struct tpdb *db)
{
	__u32 n = btf__type_cnt(db->btf);
	size_t size = 1024;

	while (size < 2 * (size_t)n)
		size *= 2;
	db->by_name.slot = xrealloc(NULL, size * sizeof(__u32));
	db->by_target.slot = xrealloc(NULL, size * sizeof(__u32));
	memset(db->by_name.slot, 0, size * sizeof(__u32));
	memset(db->by_target.slot, 0, size * sizeof(__u32));
	db->by_name.mask = db->by_target.mask = size - 1;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(db->btf, id);
		int kind = btf_kind(t);

		if (is_named_kind(kind) && t->name_off)
			index_insert(db, &db->by_name,
				     name_key(kind, btf__name_by_offset(db->btf, t->name_off)), id);
		else if (is_modifier_kind(kind))
			index_insert(db, &db->by_target, target_key(kind, t->type), id);
	}
}

static __u32 btf_find(const struct tpdb *db, int kind, const char *name)
{
	const struct id_index *ix = &db->by_name;

	if (!db->btf)
		return 0;
	for (size_t i = name_key(kind, name) & ix->mask; ix->slot[i];
	     i = (i + 1) & ix->mask)
		if (same_name(db->btf, ix->slot[i], kind, name))
			return ix->slot[i];
	return 0;
}

/* The PTR/CONST/VOLATILE type over target, 0 if vmlinux has none. */
static __u32 btf_find_mod(const struct tpdb *db, int kind, __u32 target)
{
	const struct id_index *ix = &db->by_target;

	if (!db->btf)
		return 0;
	for (size_t i = target_key(kind, target) & ix->mask; ix->slot[i];
	     i = (i + 1) & ix->mask)
		if (same_target(db->btf, ix->slot[i], kind, target))
			return ix->slot[i];
	return 0;
}

/* ---- open / close ------------------------------------------------------------ */

static int load_btf(struct tpdb *db, const char *path)
{
	if (path && !*path)
		return 0;
	db->btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	if (!db->btf) {
		int err = -errno;

		if (path)
			return fail(db, err, "BTF: cannot load %s: %s", path,
				    strerror(-err));
		return 0; /* no vmlinux BTF: perf tracepoints only */
	}
	index_btf(db);
	return 0;
}

int tpdb_open(struct tpdb **dbp, const char *tracefs, const char *btf_path)
{
	struct tpdb *db = xrealloc(NULL, sizeof(*db));
	int err;

	memset(db, 0, sizeof(*db));
	*dbp = db; /* even on failure: it holds the message */
	err = find_tracefs(db, tracefs);
	if (!err)
		err = load_btf(db, btf_path);
	if (!err)
		err = load_events(db);
	return err;
}

void tpdb_close(struct tpdb *db)
{
	if (!db)
		return;
	while (db->pool) {
		struct chunk *next = db->pool->next;

		free(db->pool);
		db->pool = next;
	}
	btf__free(db->btf);
	free(db->by_name.slot);
	free(db->by_target.slot);
	free(db->ents);
	free(db);
}

/* ---- C type names, SystemTap's way -------------------------------------------
 * SystemTap names a DWARF type by walking from the outside in and writing
 * modifiers after their referent: "char const*", "struct task_struct*",
 * "void (*) (int, char*)". BTF carries the same types; name them the same.
 */

static void type_decl(const struct btf *btf, __u32 id, struct sbuf *o);

/* Appends id's name; *proto receives a FUNC_PROTO met on the way (the
 * modifiers then belong between its return and parameter types). */
static bool type_name(const struct btf *btf, __u32 id, struct sbuf *o, __u32 *proto)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name, *kw = NULL, *mod;
	__u32 sub;

	if (!t)
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_FLOAT: case BTF_KIND_TYPEDEF:
		sbuf_puts(o, name);
		return true;
	case BTF_KIND_STRUCT: kw = "struct "; break;
	case BTF_KIND_UNION: kw = "union "; break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: kw = "enum "; break;
	case BTF_KIND_FWD: kw = btf_kflag(t) ? "union " : "struct "; break;
	case BTF_KIND_TYPE_TAG: /* __user and friends: not part of the name */
		return t->type ? type_name(btf, t->type, o, proto)
			       : (sbuf_puts(o, "void"), true);
	case BTF_KIND_FUNC_PROTO:
		*proto = id;
		return true;
	case BTF_KIND_PTR: mod = "*"; break;
	case BTF_KIND_ARRAY: mod = "[]"; break;
	case BTF_KIND_CONST: mod = " const"; break;
	case BTF_KIND_VOLATILE: mod = " volatile"; break;
	case BTF_KIND_RESTRICT: mod = " restrict"; break;
	default:
		return false;
	}
	if (kw) {
		sbuf_puts(o, kw);
		sbuf_puts(o, *name ? name : "{...}");
		return true;
	}
	sub = btf_is_array(t) ? btf_array(t)->type : t->type;
	if (btf_is_ptr(t) && sub) {
		const struct btf_type *st = btf__type_by_id(btf, sub);

		if (btf_is_struct(st) &&
		    !strcmp(btf__name_by_offset(btf, st->name_off), "__va_list_tag")) {
			sbuf_puts(o, "va_list");
			return true;
		}
	}
	if (!sub || !type_name(btf, sub, o, proto))
		sbuf_puts(o, "void");
	sbuf_puts(o, mod);
	return true;
}

/* "ret (modifiers) (params)" for a function type reached through modifiers. */
static void proto_decl(const struct btf *btf, __u32 proto, const char *mods,
		       struct sbuf *o)
{
	const struct btf_type *t = btf__type_by_id(btf, proto);
	const struct btf_param *p = btf_params(t);
	int n = btf_vlen(t);

	type_decl(btf, t->type, o);
	sbuf_puts(o, " (");
	sbuf_puts(o, mods);
	sbuf_puts(o, ") (");
	for (int i = 0; i < n; i++) {
		if (i)
			sbuf_puts(o, ", ");
		if (!p[i].type && i == n - 1)
			sbuf_puts(o, "...");
		else
			type_decl(btf, p[i].type, o);
	}
	if (!n)
		sbuf_puts(o, "void");
	sbuf_puts(o, ")");
}

static void type_decl(const struct btf *btf, __u32 id, struct sbuf *o)
{
	struct sbuf mods = { 0 };
	__u32 proto = 0;

	if (!id) {
		sbuf_puts(o, "void");
		return;
	}
	if (!type_name(btf, id, &mods, &proto)) {
		sbuf_puts(o, "<unknown>");
	} else if (proto) {
		proto_decl(btf, proto, mods.s ? mods.s : "", o);
	} else {
		sbuf_puts(o, mods.s);
	}
	free(mods.s);
}

void tpdb_type_text(const struct tpdb *db, __u32 id, char *buf, size_t len)
{
	struct sbuf o = { 0 };

	if (db->btf)
		type_decl(db->btf, id, &o);
	snprintf(buf, len, "%s", o.s ? o.s : "<unknown>");
	free(o.s);
}

void tpdb_btf_type_text(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	struct sbuf o = { 0 };

	if (btf)
		type_decl(btf, id, &o);
	snprintf(buf, len, "%s", o.s ? o.s : "<unknown>");
	free(o.s);
}

/* Size, signedness and pointer-ness of a BTF type, through its typedefs. */
static void btf_arg_info(const struct btf *btf, __u32 id, struct tpdb_arg *a)
{
	const struct btf_type *t;
	__s64 size = id ? btf__resolve_size(btf, id) : 0;

	a->size = size > 0 ? (int)size : 0;
	for (t = btf__type_by_id(btf, id); id && t && (btf_is_mod(t) ||
	     btf_is_typedef(t) || btf_is_type_tag(t)); t = btf__type_by_id(btf, id))
		id = t->type;
	if (!id || !t)
		return;
	if (btf_is_int(t))
		a->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	else if (btf_is_any_enum(t))
		a->is_signed = btf_kflag(t);
	else if (btf_is_ptr(t) || btf_is_array(t))
		a->is_ptr = true;
}

/* ---- C types as tracefs prints them -----------------------------------------
 * Format files and syscall arguments give types as C source text ("const
 * char *", "unsigned long"). Parse the few shapes they take, to print them
 * like the BTF ones and to find their BTF ids.
 */

struct ctype {
	char base[128];   /* "char", "long unsigned int", "size_t", "stat" */
	int kind;         /* BTF_KIND_STRUCT/UNION/ENUM for tagged bases, else 0 */
	bool base_const, base_volatile, array;
	int nptr;
	unsigned ptr_const; /* bit i: pointer level i+1 is const */
};

enum { INT_SIGNED = 1, INT_UNSIGNED = 2, INT_CHAR = 4, INT_SHORT = 8, INT_INT = 16 };

/* GCC's (and so DWARF's and BTF's) spelling of an integer type. */
static void canonical_int(unsigned words, int longs, char *out, size_t len)
{
	const char *u = (words & INT_UNSIGNED) ? "unsigned " : "";

	if (words & INT_CHAR)
		snprintf(out, len, "%schar", (words & INT_UNSIGNED) ? "unsigned " :
			 (words & INT_SIGNED) ? "signed " : "");
	else if (words & INT_SHORT)
		snprintf(out, len, "short %sint", u);
	else if (longs >= 2)
		snprintf(out, len, "long long %sint", u);
	else if (longs == 1)
		snprintf(out, len, "long %sint", u);
	else
		snprintf(out, len, "%sint", u);
}

static unsigned int_word(const char *w, size_t n)
{
	static const struct { const char *w; unsigned bit; } words[] = {
		{ "signed", INT_SIGNED }, { "unsigned", INT_UNSIGNED },
		{ "char", INT_CHAR }, { "short", INT_SHORT }, { "int", INT_INT },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == n && !strncmp(w, words[i].w, n))
			return words[i].bit;
	return 0;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !strncmp(w, s, n);
}

static void parse_ctype(const char *s, struct ctype *ct)
{
	unsigned ints = 0;
	int longs = 0, tag = 0;

	memset(ct, 0, sizeof(*ct));
	while (*s) {
		const char *w = s;
		size_t n;

		if (*s == '*') {
			ct->nptr++;
			s++;
			continue;
		}
		if (*s == '[') {
			ct->array = true;
			s += strcspn(s, "]");
			s += *s == ']';
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '_') {
			s++;
			continue;
		}
		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		n = s - w;
		if (word_is(w, n, "const")) {
			if (ct->nptr)
				ct->ptr_const |= 1u << (ct->nptr - 1);
			else
				ct->base_const = true;
		} else if (word_is(w, n, "volatile")) {
			ct->base_volatile |= !ct->nptr;
		} else if (word_is(w, n, "__data_loc") || word_is(w, n, "__rel_loc")) {
			continue;
		} else if (word_is(w, n, "struct")) {
			tag = BTF_KIND_STRUCT;
		} else if (word_is(w, n, "union")) {
			tag = BTF_KIND_UNION;
		} else if (word_is(w, n, "enum")) {
			tag = BTF_KIND_ENUM;
		} else if (word_is(w, n, "long")) {
			longs++;
		} else if (int_word(w, n)) {
			ints |= int_word(w, n);
		} else if (!ct->base[0]) {
			snprintf(ct->base, sizeof(ct->base), "%.*s", (int)n, w);
			ct->kind = tag;
		}
	}
	if (!ct->base[0] && (ints || longs))
		canonical_int(ints, longs, ct->base, sizeof(ct->base));
	if (!ct->base[0])
		snprintf(ct->base, sizeof(ct->base), "void");
}

static const char *ctype_name(struct tpdb *db, const struct ctype *ct)
{
	struct sbuf o = { 0 };
	const char *s;

	if (ct->kind)
		sbuf_puts(&o, ct->kind == BTF_KIND_STRUCT ? "struct " :
			      ct->kind == BTF_KIND_UNION ? "union " : "enum ");
	sbuf_puts(&o, ct->base);
	if (ct->base_const)
		sbuf_puts(&o, " const");
	if (ct->base_volatile)
		sbuf_puts(&o, " volatile");
	for (int i = 0; i < ct->nptr; i++) {
		sbuf_puts(&o, "*");
		if (ct->ptr_const & (1u << i))
			sbuf_puts(&o, " const");
	}
	if (ct->array)
		sbuf_puts(&o, "[]");
	s = pool_strdup(db, o.s);
	free(o.s);
	return s;
}

static __u32 ctype_base_id(const struct tpdb *db, const struct ctype *ct)
{
	static const int untagged[] = { BTF_KIND_TYPEDEF, BTF_KIND_INT,
					BTF_KIND_FLOAT };
	__u32 id;

	if (ct->kind) {
		id = btf_find(db, ct->kind, ct->base);
		if (!id && ct->kind == BTF_KIND_ENUM)
			id = btf_find(db, BTF_KIND_ENUM64, ct->base);
		return id ? id : btf_find(db, BTF_KIND_FWD, ct->base);
	}
	for (size_t i = 0; i < sizeof(untagged) / sizeof(untagged[0]); i++)
		if ((id = btf_find(db, untagged[i], ct->base)))
			return id;
	return 0;
}

/* The BTF id of the type ct describes, 0 if vmlinux does not have it. */
static __u32 ctype_btf_id(const struct tpdb *db, const struct ctype *ct)
{
	bool is_void = !strcmp(ct->base, "void") && !ct->kind;
	__u32 id = is_void ? 0 : ctype_base_id(db, ct);

	if ((!id && !is_void) || ct->array || !db->btf)
		return 0;
	if (ct->base_volatile && !(id = btf_find_mod(db, BTF_KIND_VOLATILE, id)))
		return 0;
	if (ct->base_const && !(id = btf_find_mod(db, BTF_KIND_CONST, id)))
		return 0;
	for (int i = 0; i < ct->nptr; i++) {
		if (!(id = btf_find_mod(db, BTF_KIND_PTR, id)))
			return 0;
		if ((ct->ptr_const & (1u << i)) &&
		    !(id = btf_find_mod(db, BTF_KIND_CONST, id)))
			return 0;
	}
	return id;
}

/* ---- format files ----------------------------------------------------------------
 *	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
 *	field:__data_loc char[] name;	offset:8;	size:4;	signed:0;
 */

static bool parse_field(struct tpdb *db, char *line, struct tpdb_field *f)
{
	char *decl = line + strspn(line, " \t"), *end, *name, *p;

	if (strncmp(decl, "field:", 6))
		return false;
	decl += 6;
	end = strchr(decl, ';');
	if (!end)
		return false;
	*end = '\0';
	p = strstr(end + 1, "offset:");
	f->offset = p ? atoi(p + 7) : -1;
	p = strstr(end + 1, "size:");
	f->size = p ? atoi(p + 5) : 0;
	p = strstr(end + 1, "signed:");
	f->is_signed = p && atoi(p + 7);
	while (end > decl && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (end > decl && end[-1] == ']') { /* "comm[16]", "addr[sizeof(...)]" */
		char *open = strrchr(decl, '[');

		if (!open)
			return false;
		f->array_len = isdigit((unsigned char)open[1]) ? atoi(open + 1) : -1;
		*open = '\0';
		end = open;
	}
	for (name = end; name > decl && (isalnum((unsigned char)name[-1]) ||
					 name[-1] == '_'); name--)
		;
	if (name == end)
		return false;
	f->name = pool_strdup(db, name);
	while (name > decl && isspace((unsigned char)name[-1]))
		name--;
	f->decl = pool_strndup(db, decl, name - decl);
	f->data_loc = !strncmp(decl, "__data_loc", 10) || !strncmp(decl, "__rel_loc", 9);
	return true;
}

/* Reads the event's id and fields (common_* left out). */
static void load_format(struct tpdb *db, struct tpdb_event *ev)
{
	char path[PATH_MAX], *line = NULL;
	size_t linecap = 0;
	struct tpdb_field *fields = NULL;
	int n = 0;
	FILE *f;

	if (!tracefs_path(db, path, "events/%s/%s/format", ev->system, ev->name))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &linecap, f) > 0) {
		struct tpdb_field fl = { 0 };

		if (!strncmp(line, "ID:", 3))
			ev->id = atoi(line + 3);
		if (!parse_field(db, line, &fl) || !strncmp(fl.name, "common_", 7))
			continue;
		fields = xrealloc(fields, (n + 1) * sizeof(*fields));
		fields[n++] = fl;
	}
	free(line);
	fclose(f);
	ev->fields = pool_alloc(db, n * sizeof(*fields));
	if (n)
		memcpy(ev->fields, fields, n * sizeof(*fields));
	ev->nr_fields = n;
	free(fields);
}

/* ---- resolution -------------------------------------------------------------------- */

/* btf_trace_<tp> is "typedef void (*)(void *, TP_PROTO...)": tp_btf checks
 * programs against it, so it is the authority on the argument types. */
static __u32 tp_proto(const struct tpdb *db, const char *tp)
{
	char name[256];
	const struct btf_type *t;
	__u32 id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf_find(db, BTF_KIND_TYPEDEF, name);
	if (!id)
		return 0;
	t = btf__type_by_id(db->btf, btf__type_by_id(db->btf, id)->type);
	if (!t || !btf_is_ptr(t))
		return 0;
	id = t->type;
	t = btf__type_by_id(db->btf, id);
	return t && btf_is_func_proto(t) && btf_vlen(t) >= 1 ? id : 0;
}

/* The typedef's parameters have no names. __traceiter_<tp>(void *__data,
 * TP_PROTO) has them (one per tracepoint since 5.10); before that only
 * __bpf_trace_<class>, named after the event class, had them, which is
 * right when the tracepoint is its own class. */
static const struct btf_param *tp_param_names(const struct tpdb *db,
					      const char *tp, int vlen)
{
	static const char *const prefixes[] = { "__traceiter_", "__bpf_trace_" };
	char name[256];

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const struct btf_type *t;
		__u32 id;

		snprintf(name, sizeof(name), "%s%s", prefixes[i], tp);
		id = btf_find(db, BTF_KIND_FUNC, name);
		if (!id)
			continue;
		t = btf__type_by_id(db->btf, btf__type_by_id(db->btf, id)->type);
		if (t && btf_is_func_proto(t) && btf_vlen(t) == vlen)
			return btf_params(t);
	}
	return NULL;
}

static void btf_args(struct tpdb *db, __u32 proto, const char *tp,
		     struct tpdb_arg **argsp, int *nrp, bool *guessed)
{
	const struct btf_type *t = btf__type_by_id(db->btf, proto);
	const struct btf_param *p = btf_params(t);
	const struct btf_param *names = tp_param_names(db, tp, btf_vlen(t));
	int n = btf_vlen(t) - 1; /* without void *__data */
	struct tpdb_arg *args = pool_alloc(db, n * sizeof(*args));

	for (int i = 0; i < n; i++) {
		struct tpdb_arg *a = &args[i];
		const char *name = names ? btf__name_by_offset(db->btf,
							       names[i + 1].name_off) : NULL;
		struct sbuf o = { 0 };

		if (!name || !*name) {
			*guessed = true;
			name = pool_printf(db, "arg%d", i + 1);
		}
		a->name = name;
		a->btf_id = p[i + 1].type;
		type_decl(db->btf, a->btf_id, &o);
		a->c_type = pool_strdup(db, o.s);
		free(o.s);
		btf_arg_info(db->btf, a->btf_id, a);
		a->src = TPDB_SRC_TP_ARG;
		a->index = i;
	}
	*argsp = args;
	*nrp = n;
}

static void field_arg(struct tpdb *db, const struct tpdb_field *f,
		      struct tpdb_arg *a, enum tpdb_src src, int index)
{
	struct ctype ct;

	parse_ctype(f->decl, &ct);
	ct.array |= f->array_len != 0;
	a->name = f->name;
	a->c_type = ctype_name(db, &ct);
	a->btf_id = ctype_btf_id(db, &ct);
	a->size = f->size;
	if (a->btf_id && src == TPDB_SRC_SYSCALL_ARG) {
		__s64 size = btf__resolve_size(db->btf, a->btf_id);

		a->size = size > 0 ? (int)size : a->size;
	}
	a->is_signed = f->is_signed;
	a->is_ptr = ct.nptr > 0 || ct.array;
	a->src = src;
	a->index = index;
}

/* The event's fields as $variables, read from the trace record (perf). */
static void field_args(struct tpdb *db, struct tpdb_event *ev)
{
	ev->args = pool_alloc(db, ev->nr_fields * sizeof(*ev->args));
	for (int i = 0; i < ev->nr_fields; i++)
		if (strcmp(ev->fields[i].name, "__syscall_nr"))
			field_arg(db, &ev->fields[i], &ev->args[ev->nr_args++],
				  TPDB_SRC_FIELD, i);
}

static int tp_arg_index(const struct tpdb_event *ev, const char *name, int dflt)
{
	for (int i = 0; i < ev->nr_tp_args; i++)
		if (!strcmp(ev->tp_args[i].name, name))
			return i;
	return dflt;
}

#if defined(__x86_64__)
#define SYSCALL_EXIT_NR_EXPR "regs->orig_ax"
#elif defined(__aarch64__)
#define SYSCALL_EXIT_NR_EXPR "regs->syscallno"
#else
#define SYSCALL_EXIT_NR_EXPR NULL
#endif

/* syscalls:sys_enter_X and sys_exit_X are not tracepoints: the kernel
 * emits them from the sys_enter/sys_exit tracepoints for syscall number
 * X (kernel/trace/trace_syscalls.c), with the syscall's arguments (or
 * return value) as fields. As tp_btf programs they are sys_enter/sys_exit
 * filtered on the number; the arguments come from the saved registers. */
static void resolve_syscall(struct tpdb *db, struct tpdb_event *ev, bool exiting)
{
	bool guessed = false;

	ev->kind = TPDB_SYSCALL;
	ev->syscall_exit = exiting;
	ev->syscall = ev->name + strlen(exiting ? "sys_exit_" : "sys_enter_");
	ev->syscall_nr = tpdb_syscall_nr(ev->syscall);
	ev->tp_name = exiting ? "sys_exit" : "sys_enter";
	ev->syscall_nr_expr = exiting ? SYSCALL_EXIT_NR_EXPR : "id";
	ev->btf_proto_id = tp_proto(db, ev->tp_name);
	ev->has_btf = ev->btf_proto_id != 0;
	if (ev->has_btf)
		btf_args(db, ev->btf_proto_id, ev->tp_name, &ev->tp_args,
			 &ev->nr_tp_args, &guessed);
	ev->names_guessed = guessed;
	if (!ev->has_btf || ev->syscall_nr < 0 || !ev->syscall_nr_expr ||
	    guessed) {
		ev->attach = TPDB_ATTACH_PERF;
		field_args(db, ev);
		return;
	}
	ev->attach = TPDB_ATTACH_TP_BTF;
	ev->args = pool_alloc(db, ev->nr_fields * sizeof(*ev->args));
	for (int i = 0; i < ev->nr_fields; i++) {
		const struct tpdb_field *f = &ev->fields[i];

		if (!strcmp(f->name, "__syscall_nr"))
			continue;
		if (exiting) /* "ret", the tracepoint's own argument */
			field_arg(db, f, &ev->args[ev->nr_args], TPDB_SRC_TP_ARG,
				  tp_arg_index(ev, f->name, 1));
		else
			field_arg(db, f, &ev->args[ev->nr_args], TPDB_SRC_SYSCALL_ARG,
				  ev->nr_args);
		ev->nr_args++;
	}
}

static void resolve(struct tpdb *db, struct entry *e)
{
	struct tpdb_event *ev = &e->ev;
	bool guessed = false;

	if (e->resolved)
		return;
	e->resolved = true;
	load_format(db, ev);
	if (!strcmp(ev->system, "syscalls")) {
		if (!strncmp(ev->name, "sys_enter_", 10)) {
			resolve_syscall(db, ev, false);
			return;
		}
		if (!strncmp(ev->name, "sys_exit_", 9)) {
			resolve_syscall(db, ev, true);
			return;
		}
	}
	ev->btf_proto_id = tp_proto(db, ev->name);
	if (!ev->btf_proto_id) {
		/* kprobe/uprobe/synthetic events, or no BTF: perf only */
		ev->kind = TPDB_EVENT;
		ev->attach = TPDB_ATTACH_PERF;
		field_args(db, ev);
		return;
	}
	ev->kind = TPDB_TRACEPOINT;
	ev->attach = TPDB_ATTACH_TP_BTF;
	ev->tp_name = ev->name;
	ev->has_btf = true;
	btf_args(db, ev->btf_proto_id, ev->name, &ev->args, &ev->nr_args, &guessed);
	ev->tp_args = ev->args;
	ev->nr_tp_args = ev->nr_args;
	ev->names_guessed = guessed;
}

/* ---- patterns ------------------------------------------------------------------------
 * kernel.trace("SUBSYS:NAME") or ("NAME"); each part is an fnmatch(3) glob.
 * SystemTap splits at the first ':'; a ':' inside [...] (as in [[:alpha:]])
 * is part of the class, not a separator.
 */

/* Past the ']' closing the bracket expression at p, NULL if unterminated. */
static const char *bracket_end(const char *p)
{
	const char *q = p + 1;

	if (*q == '!' || *q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (q[0] == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			char close[3] = { q[1], ']', '\0' };
			const char *e = strstr(q + 2, close);

			if (!e)
				return NULL;
			q = e + 2;
			continue;
		}
		q++;
	}
	return *q ? q + 1 : NULL;
}

/* Splits pattern into a malloc'ed copy whose ':' became NUL; *name points
 * into it, *sys is NULL when there was no ':'. */
static int split_pattern(struct tpdb *db, const char *pat, char **copy,
			 const char **sys, const char **name)
{
	const char *colon = NULL;

	if (!pat || !*pat)
		return fail(db, -EINVAL, "empty tracepoint name");
	for (const char *p = pat; *p;) {
		if (*p == '\\') {
			if (!p[1])
				return fail(db, -EINVAL, "tracepoint \"%s\": trailing '\\'", pat);
			p += 2;
		} else if (*p == '[') {
			const char *e = bracket_end(p);

			if (!e)
				return fail(db, -EINVAL, "tracepoint \"%s\": '[' at offset %d "
					    "is not closed by ']'", pat, (int)(p - pat));
			p = e;
		} else if (*p == ':') {
			if (colon)
				return fail(db, -EINVAL, "tracepoint \"%s\": more than one "
					    "':' (the form is \"SUBSYSTEM:NAME\")", pat);
			colon = p++;
		} else if (iscntrl((unsigned char)*p) || isspace((unsigned char)*p) ||
			   *p == '"' || *p == '/') {
			return fail(db, -EINVAL, "tracepoint \"%s\": invalid character "
				    "'%c' at offset %d", pat, isprint((unsigned char)*p) ?
				    *p : '?', (int)(p - pat));
		} else {
			p++;
		}
	}
	if (colon == pat)
		return fail(db, -EINVAL, "tracepoint \"%s\": empty subsystem before ':'", pat);
	if (colon && !colon[1])
		return fail(db, -EINVAL, "tracepoint \"%s\": empty event name after ':'", pat);
	*copy = xrealloc(NULL, strlen(pat) + 1);
	strcpy(*copy, pat);
	*sys = NULL;
	*name = *copy;
	if (colon) {
		(*copy)[colon - pat] = '\0';
		*sys = *copy;
		*name = *copy + (colon - pat) + 1;
	}
	return 0;
}

int tpdb_check_pattern(struct tpdb *db, const char *pattern)
{
	const char *sys, *name;
	char *copy;
	int err = split_pattern(db, pattern, &copy, &sys, &name);

	if (!err)
		free(copy);
	return err;
}

int tpdb_match(struct tpdb *db, const char *pattern,
	       const struct tpdb_event ***evsp)
{
	const struct tpdb_event **evs = NULL;
	const char *sys, *name;
	char *copy;
	int n = 0, err;

	*evsp = NULL;
	err = split_pattern(db, pattern, &copy, &sys, &name);
	if (err)
		return err;
	for (int i = 0; i < db->nr_ents; i++) {
		struct entry *e = &db->ents[i];

		if (fnmatch(name, e->ev.name, 0) ||
		    (sys && fnmatch(sys, e->ev.system, 0)))
			continue;
		resolve(db, e);
		evs = xrealloc(evs, (n + 1) * sizeof(*evs));
		evs[n++] = &e->ev;
	}
	free(copy);
	*evsp = evs;
	return n;
}

const struct tpdb_event *tpdb_lookup(struct tpdb *db, const char *system,
				     const char *name)
{
	size_t len = strlen(system) + strlen(name) + 2;
	char *full = xrealloc(NULL, len);
	struct entry key = { .ev.full = full }, *e;

	/* sorted by "system:name", which is not by system then name:
	 * "fib6:x" < "fib:x" because '6' < ':' */
	snprintf(full, len, "%s:%s", system, name);
	e = bsearch(&key, db->ents, db->nr_ents, sizeof(*db->ents), cmp_entry);
	free(full);
	if (!e)
		return NULL;
	resolve(db, e);
	return &e->ev;
}

/* ---- listings ------------------------------------------------------------------------- */

void tpdb_print_probe(FILE *out, const struct tpdb_event *ev, bool with_vars)
{
	fprintf(out, "kernel.trace(\"%s\")", ev->full);
	for (int i = 0; with_vars && i < ev->nr_args; i++)
		fprintf(out, " $%s:%s", ev->args[i].name, ev->args[i].c_type);
}

int tpdb_list(struct tpdb *db, const char *pattern, bool with_vars, FILE *out)
{
	const struct tpdb_event **evs;
	int n = tpdb_match(db, pattern, &evs);

	for (int i = 0; i < n; i++) {
		tpdb_print_probe(out, evs[i], with_vars);
		fputc('\n', out);
	}
	free(evs);
	return n;
}

/* ---- suggestions -------------------------------------------------------------------------
 * Optimal-string-alignment distance between a glob and a name, where '*'
 * absorbs any run of characters and '?' or a [...] class any one character
 * for free: "sched:sched_swtich" is 1 from "sched:sched_switch".
 */

struct gtok {
	char c;          /* literal, or '*' / '?' / '[' for the wildcards */
	const char *cls; /* '[': the class text, with its length */
	int cls_len;
};

static int tokenize_glob(const char *p, struct gtok **toksp)
{
	struct gtok *t = xrealloc(NULL, (strlen(p) + 1) * sizeof(*t));
	int n = 0;

	while (*p) {
		const char *e;

		memset(&t[n], 0, sizeof(t[n]));
		if (*p == '\\' && p[1]) {
			t[n++].c = p[1];
			p += 2;
		} else if (*p == '[' && (e = bracket_end(p))) {
			t[n].c = '[';
			t[n].cls = p;
			t[n++].cls_len = (int)(e - p);
			p = e;
		} else {
			t[n++].c = *p++;
		}
	}
	*toksp = t;
	return n;
}

static bool tok_is_literal(const struct gtok *t)
{
	return !t->cls && t->c != '*' && t->c != '?';
}

static bool tok_matches(const struct gtok *t, char c)
{
	char cls[256], s[2] = { c, '\0' };

	if (t->c == '?')
		return true;
	if (!t->cls)
		return t->c == c;
	snprintf(cls, sizeof(cls), "%.*s", t->cls_len, t->cls);
	return fnmatch(cls, s, 0) == 0;
}

static int glob_distance(const struct gtok *p, int m, const char *s)
{
	int n = (int)strlen(s), *d = xrealloc(NULL, (m + 1) * (n + 1) * sizeof(int));
	int w = n + 1, r;

#define D(i, j) d[(i) * w + (j)]
	for (int j = 0; j <= n; j++)
		D(0, j) = j;
	for (int i = 1; i <= m; i++) {
		bool star = p[i - 1].c == '*' && !p[i - 1].cls;

		D(i, 0) = D(i - 1, 0) + !star;
		for (int j = 1; j <= n; j++) {
			int best;

			if (star) {
				best = D(i - 1, j) < D(i, j - 1) ? D(i - 1, j) : D(i, j - 1);
			} else {
				best = D(i - 1, j - 1) + !tok_matches(&p[i - 1], s[j - 1]);
				if (D(i - 1, j) + 1 < best)
					best = D(i - 1, j) + 1;
				if (D(i, j - 1) + 1 < best)
					best = D(i, j - 1) + 1;
				if (i > 1 && j > 1 && tok_is_literal(&p[i - 1]) &&
				    tok_is_literal(&p[i - 2]) && p[i - 1].c == s[j - 2] &&
				    p[i - 2].c == s[j - 1] && D(i - 2, j - 2) + 1 < best)
					best = D(i - 2, j - 2) + 1;
			}
			D(i, j) = best;
		}
	}
	r = D(m, n);
#undef D
	free(d);
	return r;
}

struct scored {
	int dist;
	const char *full;
};

static int cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	return x->dist != y->dist ? x->dist - y->dist : strcmp(x->full, y->full);
}

int tpdb_suggest(struct tpdb *db, const char *pattern, const char **out, int max)
{
	struct scored *sc = xrealloc(NULL, (db->nr_ents + 1) * sizeof(*sc));
	bool whole = strchr(pattern, ':') != NULL;
	struct gtok *toks;
	int m = tokenize_glob(pattern, &toks), literals = 0, limit, n = 0;

	for (int i = 0; i < m; i++)
		literals += tok_is_literal(&toks[i]);
	/* a third of the pattern may be wrong, at least 1 and at most 5 edits */
	limit = literals / 3 < 1 ? 1 : literals / 3 > 5 ? 5 : literals / 3;
	for (int i = 0; i < db->nr_ents; i++) {
		const struct tpdb_event *ev = &db->ents[i].ev;
		int d = glob_distance(toks, m, whole ? ev->full : ev->name);

		if (d <= limit)
			sc[n++] = (struct scored){ d, ev->full };
	}
	qsort(sc, n, sizeof(*sc), cmp_scored);
	n = n < max ? n : max;
	for (int i = 0; i < n; i++)
		out[i] = sc[i].full;
	free(sc);
	free(toks);
	return n;
}

int tpdb_suggest_names(const char *pattern, const char *const *names, int nr, const char **out,
		       int max)
{
	struct scored *sc = xrealloc(NULL, ((size_t)nr + 1) * sizeof(*sc));
	struct gtok *toks;
	int m = tokenize_glob(pattern, &toks), literals = 0, limit, n = 0;

	for (int i = 0; i < m; i++)
		literals += tok_is_literal(&toks[i]);
	limit = literals / 3 < 1 ? 1 : literals / 3 > 5 ? 5 : literals / 3;
	for (int i = 0; i < nr; i++) {
		int len = (int)strlen(names[i]), d;

		/* without a '*' the distance is at least the length difference */
		if (!strchr(pattern, '*') && abs(len - m) > limit)
			continue;
		d = glob_distance(toks, m, names[i]);
		if (d <= limit)
			sc[n++] = (struct scored){ d, names[i] };
	}
	qsort(sc, n, sizeof(*sc), cmp_scored);
	n = n < max ? n : max;
	for (int i = 0; i < n; i++)
		out[i] = sc[i].full;
	free(sc);
	free(toks);
	return n;
}

/* ---- syscall numbers ---------------------------------------------------------------------
 * tracefs does not show which number a syscalls:sys_enter_X event filters
 * on; the kernel keeps it in its syscall metadata. Syscall numbers are ABI:
 * once assigned they never change, so a table is exact for every kernel,
 * and unlike the libc UAPI headers (6.1 on this host) it need not lag the
 * running kernel. The x86-64 numbers of arch/x86/entry/syscalls/
 * syscall_64.tbl ("common" and "64" entries), up to 6.19.
 */
#if defined(__x86_64__)
static const char *const syscall_names[] = {
	/*   0 */ "read", "write", "open", "close", "stat", "fstat", "lstat",
	/*   7 */ "poll", "lseek", "mmap", "mprotect", "munmap", "brk",
	/*  13 */ "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl",
	/*  17 */ "pread64", "pwrite64", "readv", "writev", "access", "pipe",
	/*  23 */ "select", "sched_yield", "mremap", "msync", "mincore",
	/*  28 */ "madvise", "shmget", "shmat", "shmctl", "dup", "dup2",
	/*  34 */ "pause", "nanosleep", "getitimer", "alarm", "setitimer",
	/*  39 */ "getpid", "sendfile", "socket", "connect", "accept", "sendto",
	/*  45 */ "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen",
	/*  51 */ "getsockname", "getpeername", "socketpair", "setsockopt",
	/*  55 */ "getsockopt", "clone", "fork", "vfork", "execve", "exit",
	/*  61 */ "wait4", "kill", "uname", "semget", "semop", "semctl", "shmdt",
	/*  68 */ "msgget", "msgsnd", "msgrcv", "msgctl", "fcntl", "flock",
	/*  74 */ "fsync", "fdatasync", "truncate", "ftruncate", "getdents",
	/*  79 */ "getcwd", "chdir", "fchdir", "rename", "mkdir", "rmdir",
	/*  85 */ "creat", "link", "unlink", "symlink", "readlink", "chmod",
	/*  91 */ "fchmod", "chown", "fchown", "lchown", "umask", "gettimeofday",
	/*  97 */ "getrlimit", "getrusage", "sysinfo", "times", "ptrace",
	/* 102 */ "getuid", "syslog", "getgid", "setuid", "setgid", "geteuid",
	/* 108 */ "getegid", "setpgid", "getppid", "getpgrp", "setsid",
	/* 113 */ "setreuid", "setregid", "getgroups", "setgroups", "setresuid",
	/* 118 */ "getresuid", "setresgid", "getresgid", "getpgid", "setfsuid",
	/* 123 */ "setfsgid", "getsid", "capget", "capset", "rt_sigpending",
	/* 128 */ "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend",
	/* 131 */ "sigaltstack", "utime", "mknod", "uselib", "personality",
	/* 136 */ "ustat", "statfs", "fstatfs", "sysfs", "getpriority",
	/* 141 */ "setpriority", "sched_setparam", "sched_getparam",
	/* 144 */ "sched_setscheduler", "sched_getscheduler",
	/* 146 */ "sched_get_priority_max", "sched_get_priority_min",
	/* 148 */ "sched_rr_get_interval", "mlock", "munlock", "mlockall",
	/* 152 */ "munlockall", "vhangup", "modify_ldt", "pivot_root", "_sysctl",
	/* 157 */ "prctl", "arch_prctl", "adjtimex", "setrlimit", "chroot",
	/* 162 */ "sync", "acct", "settimeofday", "mount", "umount2", "swapon",
	/* 168 */ "swapoff", "reboot", "sethostname", "setdomainname", "iopl",
	/* 173 */ "ioperm", "create_module", "init_module", "delete_module",
	/* 177 */ "get_kernel_syms", "query_module", "quotactl", "nfsservctl",
	/* 181 */ "getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security",
	/* 186 */ "gettid", "readahead", "setxattr", "lsetxattr", "fsetxattr",
	/* 191 */ "getxattr", "lgetxattr", "fgetxattr", "listxattr",
	/* 195 */ "llistxattr", "flistxattr", "removexattr", "lremovexattr",
	/* 199 */ "fremovexattr", "tkill", "time", "futex", "sched_setaffinity",
	/* 204 */ "sched_getaffinity", "set_thread_area", "io_setup",
	/* 207 */ "io_destroy", "io_getevents", "io_submit", "io_cancel",
	/* 211 */ "get_thread_area", "lookup_dcookie", "epoll_create",
	/* 214 */ "epoll_ctl_old", "epoll_wait_old", "remap_file_pages",
	/* 217 */ "getdents64", "set_tid_address", "restart_syscall",
	/* 220 */ "semtimedop", "fadvise64", "timer_create", "timer_settime",
	/* 224 */ "timer_gettime", "timer_getoverrun", "timer_delete",
	/* 227 */ "clock_settime", "clock_gettime", "clock_getres",
	/* 230 */ "clock_nanosleep", "exit_group", "epoll_wait", "epoll_ctl",
	/* 234 */ "tgkill", "utimes", "vserver", "mbind", "set_mempolicy",
	/* 239 */ "get_mempolicy", "mq_open", "mq_unlink", "mq_timedsend",
	/* 243 */ "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load",
	/* 247 */ "waitid", "add_key", "request_key", "keyctl", "ioprio_set",
	/* 252 */ "ioprio_get", "inotify_init", "inotify_add_watch",
	/* 255 */ "inotify_rm_watch", "migrate_pages", "openat", "mkdirat",
	/* 259 */ "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat",
	/* 264 */ "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat",
	/* 269 */ "faccessat", "pselect6", "ppoll", "unshare", "set_robust_list",
	/* 274 */ "get_robust_list", "splice", "tee", "sync_file_range",
	/* 278 */ "vmsplice", "move_pages", "utimensat", "epoll_pwait",
	/* 282 */ "signalfd", "timerfd_create", "eventfd", "fallocate",
	/* 286 */ "timerfd_settime", "timerfd_gettime", "accept4", "signalfd4",
	/* 290 */ "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1",
	/* 295 */ "preadv", "pwritev", "rt_tgsigqueueinfo", "perf_event_open",
	/* 299 */ "recvmmsg", "fanotify_init", "fanotify_mark", "prlimit64",
	/* 303 */ "name_to_handle_at", "open_by_handle_at", "clock_adjtime",
	/* 306 */ "syncfs", "sendmmsg", "setns", "getcpu", "process_vm_readv",
	/* 311 */ "process_vm_writev", "kcmp", "finit_module", "sched_setattr",
	/* 315 */ "sched_getattr", "renameat2", "seccomp", "getrandom",
	/* 319 */ "memfd_create", "kexec_file_load", "bpf", "execveat",
	/* 323 */ "userfaultfd", "membarrier", "mlock2", "copy_file_range",
	/* 327 */ "preadv2", "pwritev2", "pkey_mprotect", "pkey_alloc",
	/* 331 */ "pkey_free", "statx", "io_pgetevents", "rseq", "uretprobe",
	/* 336 */ "uprobe",
	[424] = "pidfd_send_signal", "io_uring_setup",
	/* 426 */ "io_uring_enter", "io_uring_register", "open_tree",
	/* 429 */ "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
	/* 434 */ "pidfd_open", "clone3", "close_range", "openat2", "pidfd_getfd",
	/* 439 */ "faccessat2", "process_madvise", "epoll_pwait2",
	/* 442 */ "mount_setattr", "quotactl_fd", "landlock_create_ruleset",
	/* 445 */ "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
	/* 448 */ "process_mrelease", "futex_waitv", "set_mempolicy_home_node",
	/* 451 */ "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake",
	/* 455 */ "futex_wait", "futex_requeue", "statmount", "listmount",
	/* 459 */ "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
	/* 462 */ "mseal", "setxattrat", "getxattrat", "listxattrat",
	/* 466 */ "removexattrat", "open_tree_attr", "file_getattr",
	/* 469 */ "file_setattr", "listns",
};

/* Table entries whose kernel entry point (and so event name) differs. */
static const struct { const char *abi, *entry; } syscall_entries[] = {
	{ "stat", "newstat" }, { "fstat", "newfstat" }, { "lstat", "newlstat" },
	{ "uname", "newuname" }, { "umount2", "umount" },
	{ "sendfile", "sendfile64" },
};
#define NR_SYSCALL_NAMES ((int)(sizeof(syscall_names) / sizeof(syscall_names[0])))
#define NR_SYSCALL_ENTRIES ((int)(sizeof(syscall_entries) / sizeof(syscall_entries[0])))
#else
static const char *const syscall_names[1];
static const struct { const char *abi, *entry; } syscall_entries[1];
#define NR_SYSCALL_NAMES 0
#define NR_SYSCALL_ENTRIES 0
#endif

const char *tpdb_syscall_name(int nr)
{
	return nr >= 0 && nr < NR_SYSCALL_NAMES ? syscall_names[nr] : NULL;
}

int tpdb_syscall_nr(const char *name)
{
	for (int i = 0; i < NR_SYSCALL_ENTRIES; i++)
		if (!strcmp(name, syscall_entries[i].entry))
			name = syscall_entries[i].abi;
	for (int nr = 0; nr < NR_SYSCALL_NAMES; nr++)
		if (syscall_names[nr] && !strcmp(syscall_names[nr], name))
			return nr;
	return -1;
}
