/* kfunc_db.c - the running kernel's functions, from BTF, /proc/kallsyms and
 * tracefs available_filter_functions (see kfunc_db.h). */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <bpf/btf.h>

#include "probes/kfunc_db.h"
#include "probes/tracepoint_db.h"

/* A string -> int map (open addressing), keys owned by the caller. */
struct strmap {
	const char **keys;
	size_t *hashes;  /* compared before the keys */
	int *vals;
	size_t cap, n;
};

struct sym {
	char *name;
	char *module;  /* NULL: vmlinux */
	unsigned long long addr;
};

struct modfuncs {
	char *name;
	struct btf *btf;
	struct kfdb_func *funcs;
	int n;
};

struct kfdb {
	struct btf *vmlinux;
	struct kfdb_func *funcs;     /* vmlinux BTF functions, sorted */
	int nfuncs;
	struct modfuncs *mods;
	int nmods;
	struct sym *syms;            /* kallsyms text symbols */
	int nsyms;
	struct strmap symmap;        /* name -> first index in syms */
	struct strmap exports;       /* __ksymtab_NAME -> 1 */
	struct strmap filter;        /* available_filter_functions */
	unsigned long long init_start, init_end; /* _sinittext, _einittext */
	bool has_filter;
	bool no_symbols;             /* another kernel without a symbol list:
					take its BTF functions as symbols */
	struct kfdb_func *symfuncs;  /* kallsyms-only functions, built on demand */
	int nsymfuncs;
	char err[512];
	char sources[1024];
};

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	return s ? strcpy(xmalloc(strlen(s) + 1), s) : NULL;
}

static __attribute__((format(printf, 3, 4))) int fail(struct kfdb *db, int err, const char *fmt,
							...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return err;
}

/* ---- string map ---------------------------------------------------------- */

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h ^ (h >> 29);
}

static void map_put(struct strmap *m, const char *key, int val);

static void map_grow(struct strmap *m)
{
	struct strmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = xmalloc(m->cap * sizeof(*m->keys));
	m->hashes = xmalloc(m->cap * sizeof(*m->hashes));
	m->vals = xmalloc(m->cap * sizeof(*m->vals));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.keys[i])
			map_put(m, old.keys[i], old.vals[i]);
	}
	free(old.keys);
	free(old.hashes);
	free(old.vals);
}

/* Keeps the first value put for a key. */
static void map_put(struct strmap *m, const char *key, int val)
{
	size_t i, h = hash_str(key);

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	for (i = h & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0)
			return;
	}
	m->keys[i] = key;
	m->hashes[i] = h;
	m->vals[i] = val;
	m->n++;
}

static int map_get(const struct strmap *m, const char *key)
{
	size_t h;

	if (!m->cap)
		return -1;
	h = hash_str(key);
	for (size_t i = h & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
	return -1;
}

static void map_free(struct strmap *m)
{
	free(m->keys);
	free(m->hashes);
	free(m->vals);
}

/* ---- /proc/kallsyms and available_filter_functions ----------------------- */

/* "ffffffff816d5b70 T vfs_read" or "... t foo\t[mod]" (by hand: sscanf
 * over 120,000 lines is most of the time a listing takes). */
static void add_sym(struct kfdb *db, char *line, int *cap)
{
	char *p, *name, *mod = NULL;
	unsigned long long addr = strtoull(line, &p, 16);
	char type;

	if (*p != ' ' || !p[1] || p[2] != ' ')
		return;
	type = p[1];
	name = p + 3;
	p = name + strcspn(name, " \t\n");
	if (*p == '\t' || *p == ' ') {
		*p++ = '\0';
		if (*p == '[' && (mod = p + 1) && (p = strchr(mod, ']')))
			*p = '\0';
		else
			mod = NULL;
	} else {
		*p = '\0';
	}
	if (strncmp(name, "__ksymtab_", 10) == 0) {
		map_put(&db->exports, xstrdup(name + 10), 1);
		return;
	}
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return;
	if (db->nsyms == *cap) {
		*cap = *cap ? *cap * 2 : 65536;
		db->syms = xrealloc(db->syms, (size_t)*cap * sizeof(*db->syms));
	}
	db->syms[db->nsyms] = (struct sym){ xstrdup(name), mod ? xstrdup(mod) : NULL, addr };
	db->nsyms++;
}

/* path: /proc/kallsyms, or a System.map (the same lines, no modules) */
static int load_kallsyms(struct kfdb *db, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int cap = 0;

	if (!f)
		return fail(db, -errno, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		add_sym(db, line, &cap);
	fclose(f);
	for (int i = 0; i < db->nsyms; i++) {
		struct sym *s = &db->syms[i];

		/* a module's symbols under "module:name", vmlinux's under name */
		if (s->module) {
			char *key = xmalloc(strlen(s->module) + strlen(s->name) + 2);

			sprintf(key, "%s:%s", s->module, s->name);
			free(s->name);
			s->name = key;
		}
		map_put(&db->symmap, s->name, i);
		if (!s->module && strcmp(s->name, "_sinittext") == 0)
			db->init_start = s->addr;
		else if (!s->module && strcmp(s->name, "_einittext") == 0)
			db->init_end = s->addr;
	}
	return 0;
}

static void load_filter(struct kfdb *db, char *note, size_t len)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	FILE *f = NULL;
	char line[512], name[512];
	int err = ENOENT;

	for (size_t i = 0; i < 2 && !f; i++) {
		if (!(f = fopen(paths[i], "r")) && (i == 0 || errno != ENOENT))
			err = i == 0 || err == ENOENT ? errno : err;
	}
	if (!f) {
		snprintf(note, len, "available_filter_functions not readable (%s): notrace not checked",
			 strerror(err));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%511s", name) == 1)
			map_put(&db->filter, xstrdup(name), 1);
	}
	fclose(f);
	db->has_filter = true;
	snprintf(note, len, "available_filter_functions (%zu functions)", db->filter.n);
}

/* ---- BTF functions ------------------------------------------------------- */

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct kfdb_func *)a)->name, ((const struct kfdb_func *)b)->name);
}

static void fill_symbol(struct kfdb *db, struct kfdb_func *f)
{
	char key[512];
	int i;

	if (db->no_symbols) {
		f->in_kallsyms = f->traceable = true;
		return;
	}
	if (f->module)
		snprintf(key, sizeof(key), "%s:%s", f->module, f->name);
	i = map_get(&db->symmap, f->module ? key : f->name);
	f->in_kallsyms = i >= 0;
	f->addr = i >= 0 ? db->syms[i].addr : 0;
	f->init = i >= 0 && !f->module && f->addr >= db->init_start && f->addr < db->init_end;
	f->traceable = !f->init && (!db->has_filter || map_get(&db->filter, f->name) >= 0);
	f->exported = map_get(&db->exports, f->name) >= 0;
}

/* The FUNCs of btf from type id first on (a split BTF's own types). */
static int btf_funcs(struct kfdb *db, const struct btf *btf, __u32 first, const char *module,
		     struct kfdb_func **out)
{
	__u32 n = btf__type_cnt(btf);
	struct kfdb_func *fs = xmalloc((n - first + 1) * sizeof(*fs));
	int nf = 0;

	for (__u32 id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_func(t))
			continue;
		fs[nf] = (struct kfdb_func){ .name = btf__name_by_offset(btf, t->name_off),
					     .module = module, .btf = btf, .proto = t->type };
		fill_symbol(db, &fs[nf]);
		nf++;
	}
	qsort(fs, (size_t)nf, sizeof(*fs), cmp_func);
	/* a static function may be in BTF more than once: keep one */
	int j = 0;

	for (int i = 0; i < nf; i++) {
		if (j == 0 || strcmp(fs[i].name, fs[j - 1].name) != 0)
			fs[j++] = fs[i];
	}
	*out = fs;
	return j;
}

/* ---- another kernel than the running one (-r) ----------------------------- */

/* The first readable of the paths, each with '@' standing for release. */
static const char *first_file(const char *const *paths, size_t n, const char *release, char *buf,
			      size_t len)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (const char *p = paths[i]; *p && k + 1 < len; p++) {
			if (*p != '@') {
				buf[k++] = *p;
				continue;
			}
			for (const char *r = release; *r && k + 1 < len; r++)
				buf[k++] = *r;
		}
		buf[k] = '\0';
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The symbols of release: its System.map, which the kernel image's
 * package installs beside it. */
static const char *system_map(const char *release, char *buf, size_t len)
{
	static const char *const paths[] = { "/boot/System.map-@", "/lib/modules/@/build/System.map",
					     "/lib/modules/@/System.map" };

	return first_file(paths, sizeof(paths) / sizeof(paths[0]), release, buf, len);
}

/* A vmlinux of release with its BTF (an ELF, or raw BTF): $TAPIR_VMLINUX,
 * else where libbpf looks for the running kernel's. */
static const char *vmlinux_file(const char *release, char *buf, size_t len)
{
	static const char *const paths[] = {
		"/boot/vmlinux-@", "/lib/modules/@/vmlinux-@", "/lib/modules/@/build/vmlinux",
		"/usr/lib/modules/@/kernel/vmlinux", "/usr/lib/debug/boot/vmlinux-@",
		"/usr/lib/debug/boot/vmlinux-@.debug", "/usr/lib/debug/lib/modules/@/vmlinux",
	};
	const char *env = getenv("TAPIR_VMLINUX");

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	return first_file(paths, sizeof(paths) / sizeof(paths[0]), release, buf, len);
}

static bool is_running(const char *release)
{
	struct utsname u;

	return !release || (uname(&u) == 0 && strcmp(release, u.release) == 0);
}

/* Another kernel's x86-64 system call entry points, __x64_sys_NAME, which
 * its BTF lacks (no prototype) but its __do_sys_NAME implies: the symbols
 * kernel.function("__x64_sys_*") and the syscall probes name, when the
 * kernel's symbol list is missing. */
static void syscall_wrappers(struct kfdb *db)
{
#ifdef __x86_64__
	int cap = db->nsyms, first = db->nsyms;

	for (int i = 0; i < db->nfuncs; i++) {
		char line[600];

		if (strncmp(db->funcs[i].name, "__do_sys_", 9) != 0)
			continue;
		snprintf(line, sizeof(line), "0000000000000000 T __x64_sys_%s\n", db->funcs[i].name + 9);
		add_sym(db, line, &cap);
	}
	for (int i = first; i < db->nsyms; i++)
		map_put(&db->symmap, db->syms[i].name, i);
#else
	(void)db;
#endif
}

/* Symbols and BTF of another kernel. Without its BTF the running
 * kernel's stands in; without its symbols (Debian's System.map is a
 * placeholder: the real one is in the -dbg package) its BTF functions are
 * taken as symbols, traceable and not exported. sources says which. */
static int open_other(struct kfdb *db, const char *release)
{
	char map[PATH_MAX], vml[PATH_MAX], btfnote[PATH_MAX + 64];
	const char *mapf = system_map(release, map, sizeof(map));
	const char *vmlf = vmlinux_file(release, vml, sizeof(vml));
	const char *symsrc = NULL;
	int err;

	if (mapf && (err = load_kallsyms(db, mapf)) < 0)
		return err;
	if (db->nsyms)
		symsrc = mapf;
	db->vmlinux = vmlf ? btf__parse(vmlf, NULL) : NULL;
	if (db->vmlinux) {
		snprintf(btfnote, sizeof(btfnote), "BTF %.300s", vmlf);
		db->no_symbols = !symsrc;
	} else {
		if (!symsrc && (err = load_kallsyms(db, "/proc/kallsyms")) < 0)
			return err;
		symsrc = symsrc ? symsrc : "/proc/kallsyms of the running kernel";
		db->vmlinux = btf__load_vmlinux_btf();
		snprintf(btfnote, sizeof(btfnote), "%s (no vmlinux BTF of %.64s%s%.300s)",
			 db->vmlinux ? "BTF of the running kernel" : "no BTF", release,
			 vmlf ? " in " : "", vmlf ? vmlf : "");
	}
	if (db->vmlinux)
		db->nfuncs = btf_funcs(db, db->vmlinux, 1, NULL, &db->funcs);
	if (db->no_symbols)
		syscall_wrappers(db);
	snprintf(db->sources, sizeof(db->sources),
		 "kernel %.64s: %.400s: %d functions, %.300s (%d text symbols%s), notrace not checked",
		 release, btfnote, db->nfuncs,
		 symsrc ? symsrc : "no symbol list (BTF functions taken as symbols)", db->nsyms,
		 db->exports.n ? "" : ", no exports");
	return 0;
}

const char *kfdb_other_vmlinux(const char *release, char *buf, size_t len)
{
	return is_running(release) ? NULL : vmlinux_file(release, buf, len);
}

int kfdb_open(struct kfdb **dbp, const char *release)
{
	struct kfdb *db = xmalloc(sizeof(*db));
	char note[256];
	int err;

	*dbp = db;
	if (!is_running(release))
		return open_other(db, release);
	if ((err = load_kallsyms(db, "/proc/kallsyms")) < 0)
		return err;
	load_filter(db, note, sizeof(note));
	db->vmlinux = btf__load_vmlinux_btf();
	if (db->vmlinux)
		db->nfuncs = btf_funcs(db, db->vmlinux, 1, NULL, &db->funcs);
	snprintf(db->sources, sizeof(db->sources),
		 "%s%d functions, /proc/kallsyms (%d text symbols%s), %s",
		 db->vmlinux ? "BTF /sys/kernel/btf/vmlinux: " : "no vmlinux BTF: ", db->nfuncs,
		 db->nsyms, db->exports.n ? "" : ", no exports", note);
	return 0;
}

void kfdb_close(struct kfdb *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nsyms; i++) {
		free(db->syms[i].name);
		free(db->syms[i].module);
	}
	for (int i = 0; i < db->nmods; i++) {
		free(db->mods[i].name);
		free(db->mods[i].funcs);
		btf__free(db->mods[i].btf);
	}
	for (size_t i = 0; i < db->exports.cap; i++)
		free((char *)db->exports.keys[i]);
	for (size_t i = 0; i < db->filter.cap; i++)
		free((char *)db->filter.keys[i]);
	map_free(&db->exports);
	map_free(&db->filter);
	map_free(&db->symmap);
	free(db->syms);
	free(db->mods);
	free(db->funcs);
	free(db->symfuncs);
	btf__free(db->vmlinux);
	free(db);
}

const char *kfdb_errmsg(const struct kfdb *db)
{
	return db ? db->err : "out of memory";
}

const char *kfdb_sources(const struct kfdb *db)
{
	return db->sources;
}

bool kfdb_has_filter_list(const struct kfdb *db)
{
	return db->has_filter;
}

bool kfdb_has_exports(const struct kfdb *db)
{
	return db->exports.n > 0;
}

const struct btf *kfdb_vmlinux_btf(const struct kfdb *db)
{
	return db->vmlinux;
}

/* A module's functions, its BTF loaded on first use. */
static struct modfuncs *module_funcs(struct kfdb *db, const char *module)
{
	struct modfuncs *m;
	struct btf *btf;

	for (int i = 0; i < db->nmods; i++) {
		if (strcmp(db->mods[i].name, module) == 0)
			return &db->mods[i];
	}
	if (!db->vmlinux) {
		fail(db, -ENOENT, "this kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return NULL;
	}
	btf = btf__load_module_btf(module, db->vmlinux);
	if (!btf) {
		fail(db, -errno, "module '%s' has no BTF (/sys/kernel/btf/%s): %s", module,
		     module, errno == ENOENT ? "is it loaded?" : strerror(errno));
		return NULL;
	}
	db->mods = xrealloc(db->mods, (size_t)(db->nmods + 1) * sizeof(*db->mods));
	m = &db->mods[db->nmods++];
	m->name = xstrdup(module);
	m->btf = btf;
	m->n = btf_funcs(db, btf, btf__type_cnt(db->vmlinux), m->name, &m->funcs);
	return m;
}

/* Text symbols of vmlinux without BTF, for kprobe.function. */
static void build_symfuncs(struct kfdb *db)
{
	if (db->symfuncs)
		return;
	db->symfuncs = xmalloc((size_t)(db->nsyms + 1) * sizeof(*db->symfuncs));
	for (int i = 0; i < db->nsyms; i++) {
		const struct sym *s = &db->syms[i];
		struct kfdb_func key = { .name = s->name };

		/* compiler clones (foo.isra.0) and padding (__pfx_foo) are no
		 * function a script names */
		if (s->module || map_get(&db->symmap, s->name) != i || strchr(s->name, '.') ||
		    strncmp(s->name, "__pfx_", 6) == 0 || strncmp(s->name, "__cfi_", 6) == 0 ||
		    bsearch(&key, db->funcs, (size_t)db->nfuncs, sizeof(key), cmp_func))
			continue;
		db->symfuncs[db->nsymfuncs] = (struct kfdb_func){ .name = s->name };
		fill_symbol(db, &db->symfuncs[db->nsymfuncs++]);
	}
	qsort(db->symfuncs, (size_t)db->nsymfuncs, sizeof(*db->symfuncs), cmp_func);
}

static int cmp_func_ptr(const void *a, const void *b)
{
	return cmp_func(*(const struct kfdb_func *const *)a, *(const struct kfdb_func *const *)b);
}

static void match_into(const struct kfdb_func *fs, int n, const char *pattern,
		       const struct kfdb_func **out, int *nout)
{
	bool glob = strpbrk(pattern, "*?[") != NULL;

	if (!glob) {
		struct kfdb_func key = { .name = pattern };
		const struct kfdb_func *f = bsearch(&key, fs, (size_t)n, sizeof(key), cmp_func);

		if (f)
			out[(*nout)++] = f;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (fnmatch(pattern, fs[i].name, 0) == 0)
			out[(*nout)++] = &fs[i];
	}
}

static int funcs_of(struct kfdb *db, const char *module, const struct kfdb_func **fs)
{
	struct modfuncs *m;

	if (!module) {
		*fs = db->funcs;
		return db->nfuncs;
	}
	if (!(m = module_funcs(db, module)))
		return -ENOENT;
	*fs = m->funcs;
	return m->n;
}

int kfdb_match(struct kfdb *db, const char *module, const char *pattern, bool with_symbols,
	       const struct kfdb_func ***out)
{
	const struct kfdb_func *fs, **res;
	int n = funcs_of(db, module, &fs), nres = 0;

	if (n < 0)
		return n;
	if (with_symbols && !module)
		build_symfuncs(db);
	res = xmalloc((size_t)(n + (with_symbols ? db->nsymfuncs : 0) + 1) * sizeof(*res));
	match_into(fs, n, pattern, res, &nres);
	if (with_symbols && !module)
		match_into(db->symfuncs, db->nsymfuncs, pattern, res, &nres);
	qsort(res, (size_t)nres, sizeof(*res), cmp_func_ptr);
	*out = res;
	return nres;
}

int kfdb_suggest(struct kfdb *db, const char *module, const char *pattern, const char **out,
		 int max)
{
	const struct kfdb_func *fs;
	const char **names;
	int n = funcs_of(db, module, &fs), r;

	if (n <= 0)
		return 0;
	names = xmalloc((size_t)n * sizeof(*names));
	for (int i = 0; i < n; i++)
		names[i] = fs[i].name;
	r = tpdb_suggest_names(pattern, names, n, out, max);
	free(names);
	return r;
}
