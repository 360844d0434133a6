/* process.c - process("PATH")|process(PID)|process probes: .function
 * (wildcards, @file[:line], .call, .return, .inline), .library("lib")
 * .function, .plt, .statement("func@file:LINE"), .statement(ADDR).absolute,
 * .mark and .provider("p").mark, resolved through ELF and DWARF (uelf.c,
 * ufuncs.c, usdt.c) to uprobes at file offsets, with context variables
 * as access recipes (uvar.c, utype.c).
 */
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/uvar.h"

enum {
	PR_FUNC, PR_CALL, PR_RETURN, PR_INLINE, PR_PLT, PR_PLT_RETURN, PR_STMT, PR_ABS, PR_MARK,
	PR_WHAT = 0xff,
	PR_PID = 0x100,     /* process(PID) */
	PR_BARE = 0x200,    /* process: the -c/-x target */
	PR_LIB = 0x400,     /* .library("name") */
};

#define HEADS(tail, k)                                                                     \
	{ "process(string)" tail, k }, { "process(number)" tail, (k) | PR_PID },           \
		{ "process" tail, (k) | PR_BARE },                                         \
		{ "process(string).library(string)" tail, (k) | PR_LIB },                  \
		{ "process(number).library(string)" tail, (k) | PR_LIB | PR_PID },         \
		{ "process.library(string)" tail, (k) | PR_LIB | PR_BARE }

static const struct probe_pattern patterns[] = {
	HEADS(".function(string)", PR_FUNC),
	HEADS(".function(string).call", PR_CALL),
	HEADS(".function(string).return", PR_RETURN),
	HEADS(".function(string).inline", PR_INLINE),
	HEADS(".plt(string)", PR_PLT),
	HEADS(".plt(string).return", PR_PLT_RETURN),
	HEADS(".statement(string)", PR_STMT),
	HEADS(".statement(number).absolute", PR_ABS),
	HEADS(".mark(string)", PR_MARK),
	HEADS(".provider(string).mark(string)", PR_MARK),
};

/* What one resolution works on. */
struct pctx {
	struct elab *e;
	const struct probe_match *m;
	int what;
	struct uelf *u;
	const char *given;         /* the path as written, or one of its glob's matches */
	const char *head;          /* process("/abs/path") or process("/x").library("/lib") */
	int64_t pid;               /* attach filter: 0 any, -1 target(), > 0 that pid */
	struct vec *targets;
};

/* The argument of the point's component called name, or NULL. */
static const struct ast *comp_arg(const struct probe_match *m, const char *name)
{
	for (int i = 0; i < m->pp->comps.len; i++) {
		const struct ast_component *c = m->pp->comps.items[i];

		if (strcmp(c->name, name) == 0)
			return c->arg;
	}
	return NULL;
}

/* An error at the point; none for an optional one ('?'), which is then
 * left out. */
static int error(struct pctx *c, const char *msg)
{
	if (c->m->pp->optional)
		return -1;
	diag_at(c->e->diag, DIAG_ERROR, c->m->pp->loc, "%s", msg);
	return -1;
}

/* /proc/PID/exe's target. */
static const char *pid_exe(struct arena *a, int64_t pid)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)pid);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return arena_strdup(a, buf);
}

/* The -c command's program: its first word, found as a shell would. */
static const char *cmd_program(struct arena *a, const char *cmd)
{
	size_t n;

	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t");
	return uelf_find_program(a, arena_strndup(a, cmd, n));
}

static const char *binary_path(struct pctx *c)
{
	struct elab *e = c->e;
	const struct ast *arg = c->m->pp->comps.len ? ((const struct ast_component *)
						       c->m->pp->comps.items[0])->arg : NULL;
	const char *p;

	if (c->what & PR_PID) {
		c->pid = arg->num;
		if (!(p = pid_exe(e->arena, arg->num)))
			error(c, arena_printf(e->arena, "process %lld does not exist (or its executable "
							"can't be read)", (long long)arg->num));
		return p;
	}
	if (c->what & PR_BARE) {
		c->pid = -1;
		if (e->opt.target_pid)
			p = pid_exe(e->arena, e->opt.target_pid);
		else if (e->opt.target_cmd)
			p = cmd_program(e->arena, e->opt.target_cmd);
		else
			return error(c, "a process probe without a path or pid needs a target "
					"process (-c CMD or -x PID)"), NULL;
		if (!p)
			error(c, "the target process's executable can't be found");
		return p;
	}
	if (!(p = uelf_find_program(e->arena, c->given)))
		error(c, arena_printf(e->arena, "no such program: '%s' (not a file, and not in $PATH)",
				      c->given));
	return p;
}

struct uelf *process_open(struct elab *e, const char *path, char *err, size_t errlen)
{
	static struct arena *owner;
	static struct vec cache;
	struct uelf *u;

	if (owner != e->arena) {
		owner = e->arena;
		cache = (struct vec){ 0 };
	}
	for (int i = 0; i < cache.len; i++) {
		u = cache.items[i];
		if (strcmp(u->path, path) == 0)
			return u;
	}
	if ((u = uelf_open(e->arena, path, err, errlen)))
		vec_push(e->arena, &cache, u);
	return u;
}

/* The uelf of a path, opened once per translation. */
static struct uelf *open_cached(struct pctx *c, const char *path)
{
	char err[PATH_MAX + 64];
	struct uelf *u = process_open(c->e, path, err, sizeof(err));

	if (!u)
		error(c, arena_strdup(c->e->arena, err));
	return u;
}

static int open_target(struct pctx *c)
{
	const char *path = binary_path(c), *lib;
	const struct ast *la;

	if (!path || !(c->u = open_cached(c, path)))
		return -1;
	c->head = arena_printf(c->e->arena, "process(\"%s\")", path);
	if (!(c->what & PR_LIB))
		return 0;
	la = comp_arg(c->m, "library");
	if (!(lib = uelf_find_library(c->e->arena, c->u, la->str)))
		return error(c, arena_printf(c->e->arena, "no library '%s' for %s (not among its "
							  "needs nor in the usual directories)",
					     la->str, path));
	c->head = arena_printf(c->e->arena, "%s.library(\"%s\")", c->head, lib);
	return (c->u = open_cached(c, lib)) ? 0 : -1;
}

/* A target at link-time address addr; NULL (after an error) when the
 * address is in no loaded segment. */
static struct probe_target *add_target(struct pctx *c, const char *name, uint64_t addr, bool ret)
{
	struct probe_target *t = probe_target_new(c->e, &probe_process_provider, c->m, name);
	uint64_t off;

	if (!uelf_file_offset(c->u, addr, &off)) {
		error(c, arena_printf(c->e->arena, "address 0x%llx is in no loaded segment of %s",
				      (unsigned long long)addr, c->u->path));
		return NULL;
	}
	t->kind = ret ? PK_URETPROBE : PK_UPROBE;
	t->str[0] = c->u->path;
	t->num[0] = (int64_t)off;
	t->num[1] = c->pid;
	t->num[3] = (int64_t)addr;
	vec_push(c->e->arena, c->targets, t);
	return t;
}

/* ---- .function / .plt --------------------------------------------------- */

struct fspec {
	const char *name, *file;
	int line_lo, line_hi;      /* 0: any */
};

/* "name@file:LINE" or "name@file:A-B"; "name" alone. */
static void parse_fspec(struct arena *a, const char *s, struct fspec *fs)
{
	const char *at = strchr(s, '@'), *colon;

	memset(fs, 0, sizeof(*fs));
	fs->name = at ? arena_strndup(a, s, (size_t)(at - s)) : s;
	if (!at)
		return;
	colon = strchr(at, ':');
	fs->file = colon ? arena_strndup(a, at + 1, (size_t)(colon - at - 1)) : at + 1;
	if (colon) {
		char *end;

		fs->line_lo = fs->line_hi = (int)strtol(colon + 1, &end, 10);
		if (*end == '-')
			fs->line_hi = (int)strtol(end + 1, NULL, 10);
	}
}

/* A file pattern matches the whole path or its trailing components. */
static bool file_matches(const char *pat, const char *file)
{
	if (!file)
		return false;
	for (const char *p = file; p; p = strchr(p + 1, '/')) {
		if (fnmatch(pat, *p == '/' ? p + 1 : p, 0) == 0)
			return true;
	}
	return false;
}

static bool func_matches(const struct fspec *fs, const struct ufunc *f)
{
	if (fnmatch(fs->name, f->name, 0) != 0)
		return false;
	if (fs->file && !file_matches(fs->file, f->file))
		return false;
	return !fs->line_lo || (f->line >= fs->line_lo && f->line <= fs->line_hi);
}

static const char *func_name(struct pctx *c, const struct ufunc *f)
{
	if (!f->file)
		return arena_printf(c->e->arena, "%s.function(\"%s\")", c->head, f->name);
	return arena_printf(c->e->arena, "%s.function(\"%s@%s:%d\")", c->head, f->name, f->file, f->line);
}

static bool kind_takes(int what, const struct ufunc *f)
{
	switch (what) {
	case PR_INLINE:
		return f->inlined;
	case PR_CALL:
	case PR_RETURN:
		return !f->inlined;
	default:
		return true;
	}
}

static void add_function(struct pctx *c, const struct ufunc *f)
{
	static const char *const suffix[] = { [PR_CALL] = ".call", [PR_RETURN] = ".return",
					       [PR_INLINE] = ".inline" };
	int what = c->what & PR_WHAT;
	const char *sfx = what <= PR_INLINE && suffix[what] ? suffix[what] : "";
	uint64_t addr = what == PR_RETURN || f->inlined ? f->entry : f->probe, off;
	struct probe_target *t =
		add_target(c, arena_printf(c->e->arena, "%s%s", func_name(c, f), sfx), addr,
			   what == PR_RETURN);

	if (!t)
		return;
	t->data = (void *)f;
	if (what == PR_RETURN && uelf_file_offset(c->u, f->probe, &off))
		t->num[2] = (int64_t)off;
	if (what == PR_RETURN)
		uvar_add_return(c->e, t, c->u, f);
	else
		uvar_add_function_vars(c->e, t, c->u, f, addr);
}

static void suggest(struct pctx *c, const struct vec *fs, const char *name)
{
	const char **names = arena_alloc(c->e->arena, sizeof(char *) * (size_t)(fs->len + 1));
	const char *close;

	for (int i = 0; i < fs->len; i++)
		names[i] = ((const struct ufunc *)fs->items[i])->name;
	if ((close = diag_closest(name, names, fs->len)))
		diag_hint(c->e->diag, "did you mean \"%s\"?", close);
}

static int no_match(struct pctx *c, const char *what, const char *pat, const struct vec *fs)
{
	if (c->m->pp->optional)
		return 0;
	error(c, arena_printf(c->e->arena, "no %s matches \"%s\" in %s", what, pat, c->u->path));
	if (fs)
		suggest(c, fs, pat);
	return -1;
}

/* Is f already a target (since index from)? */
static bool has_target(const struct pctx *c, int from, const struct ufunc *f)
{
	for (int i = from; i < c->targets->len; i++) {
		const struct probe_target *t = c->targets->items[i];

		if (t->data == f)
			return true;
	}
	return false;
}

static int resolve_functions(struct pctx *c)
{
	const char *spec = comp_arg(c->m, "function")->str;
	const struct vec *fs = uelf_functions(c->e->arena, c->u);
	struct fspec f;
	int n = c->targets->len;

	parse_fspec(c->e->arena, spec, &f);
	for (int i = 0; i < fs->len; i++) {
		const struct ufunc *uf = fs->items[i];

		if (func_matches(&f, uf) && kind_takes(c->what & PR_WHAT, uf))
			add_function(c, uf);
	}
	/* a function DWARF names otherwise, by its symbol (malloc) */
	for (int i = 0; i < c->u->aliases.len; i++) {
		const struct ualias *al = c->u->aliases.items[i];
		struct ufunc named = *al->f;

		named.name = al->name;
		if (func_matches(&f, &named) && kind_takes(c->what & PR_WHAT, al->f) &&
		    !has_target(c, n, al->f))
			add_function(c, al->f);
	}
	return c->targets->len > n ? 0 : no_match(c, "function", spec, fs);
}

static int resolve_plt(struct pctx *c)
{
	const char *pat = comp_arg(c->m, "plt")->str;
	struct vec plt = { 0 };
	bool ret = (c->what & PR_WHAT) == PR_PLT_RETURN;
	int n = c->targets->len;

	uelf_plt(c->e->arena, c->u, &plt);
	for (int i = 0; i < plt.len; i++) {
		const struct ufunc *f = plt.items[i];

		if (fnmatch(pat, f->name, 0) == 0)
			add_target(c, arena_printf(c->e->arena, "%s.plt(\"%s\")%s", c->head, f->name,
						   ret ? ".return" : ""),
				   f->entry, ret);
	}
	return c->targets->len > n ? 0 : no_match(c, "PLT entry", pat, &plt);
}

/* ---- .statement ---------------------------------------------------------- */

static int resolve_statement(struct pctx *c)
{
	const char *spec = comp_arg(c->m, "statement")->str;
	const struct vec *fs = uelf_functions(c->e->arena, c->u);
	struct fspec f;
	int n = c->targets->len;

	parse_fspec(c->e->arena, spec, &f);
	if (!f.line_lo)
		return error(c, arena_printf(c->e->arena, "statement \"%s\" needs a line: "
							  "\"function@file:LINE\"", spec));
	for (int i = 0; i < fs->len; i++) {
		const struct ufunc *uf = fs->items[i];
		uint64_t addr;
		struct probe_target *t;

		if (uf->inlined || fnmatch(f.name, uf->name, 0) != 0 ||
		    (f.file && !file_matches(f.file, uf->file)))
			continue;
		for (int line = f.line_lo; line <= f.line_hi; line++) {
			if (!(addr = uelf_line_addr(c->u, uf, line)))
				continue;
			t = add_target(c, arena_printf(c->e->arena, "%s.statement(\"%s@%s:%d\")", c->head,
						       uf->name, uf->file, line),
				       addr, false);
			if (t)
				uvar_add_function_vars(c->e, t, c->u, uf, addr);
		}
	}
	return c->targets->len > n ? 0 : no_match(c, "statement", spec, NULL);
}

static int resolve_absolute(struct pctx *c)
{
	uint64_t addr = (uint64_t)comp_arg(c->m, "statement")->num;
	const struct ufunc *f = uelf_function_at(c->e->arena, c->u, addr);
	struct probe_target *t = add_target(
		c, arena_printf(c->e->arena, "%s.statement(0x%llx).absolute", c->head,
				(unsigned long long)addr),
		addr, false);

	if (!t)
		return -1;
	if (f)
		uvar_add_function_vars(c->e, t, c->u, f, addr);
	return 0;
}

/* ---- .mark ----------------------------------------------------------------- */

/* SystemTap writes a marker's '-' as "__" in scripts' names. */
static bool mark_matches(struct arena *a, const char *pat, const char *name)
{
	char *alt = arena_strdup(a, name);

	for (char *p = alt; (p = strchr(p, '-'));)
		*p = '_';
	return fnmatch(pat, name, 0) == 0 || fnmatch(pat, alt, 0) == 0;
}

static int resolve_marks(struct pctx *c)
{
	const char *pat = comp_arg(c->m, "mark")->str;
	const struct ast *prov = comp_arg(c->m, "provider");
	struct vec marks = { 0 };
	int n = c->targets->len;

	uelf_marks(c->e->arena, c->u, &marks);
	for (int i = 0; i < marks.len; i++) {
		const struct umark *mk = marks.items[i];
		struct probe_target *t;
		uint64_t sem;

		if (!mark_matches(c->e->arena, pat, mk->name) ||
		    (prov && !mark_matches(c->e->arena, prov->str, mk->provider)))
			continue;
		t = add_target(c, prov ? arena_printf(c->e->arena, "%s.provider(\"%s\").mark(\"%s\")",
						      c->head, mk->provider, mk->name) :
					 arena_printf(c->e->arena, "%s.mark(\"%s\")", c->head, mk->name),
			       mk->pc, false);
		if (!t)
			continue;
		if (mk->sema && uelf_file_offset(c->u, mk->sema, &sem))
			t->num[2] = (int64_t)sem;
		uvar_add_sdt_args(c->e, t, c->u, mk->args);
	}
	return c->targets->len > n ? 0 : no_match(c, "SDT marker", pat, NULL);
}

static int resolve_one(struct pctx *pc)
{
	struct pctx c = *pc;

	if (open_target(&c) < 0)
		return c.m->pp->optional ? 0 : -1;
	switch (c.what & PR_WHAT) {
	case PR_PLT:
	case PR_PLT_RETURN:
		return resolve_plt(&c);
	case PR_STMT:
		return resolve_statement(&c);
	case PR_ABS:
		return resolve_absolute(&c);
	case PR_MARK:
		return resolve_marks(&c);
	default:
		return resolve_functions(&c);
	}
}

/* process("/lib*" "/libc.so.*"): every ELF file the glob matches, as
 * SystemTap expands it (files that are not ELF, like linker scripts, are
 * passed over). */
static int resolve_glob(struct pctx *c)
{
	glob_t g;
	int rc = 0, n = 0;

	if (glob(c->given, 0, NULL, &g) != 0) {
		globfree(&g);
		error(c, arena_printf(c->e->arena, "no such program: '%s' (no file matches)", c->given));
		return c->m->pp->optional ? 0 : -1;
	}
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		char err[PATH_MAX + 64];
		const char *p = uelf_find_program(c->e->arena, g.gl_pathv[i]);

		if (!p || !process_open(c->e, p, err, sizeof(err)))
			continue;
		c->given = p;
		rc = resolve_one(c);
		n++;
	}
	globfree(&g);
	if (rc == 0 && n == 0) {
		error(c, arena_printf(c->e->arena, "no ELF file matches '%s'", c->m->args[0]->str));
		return c->m->pp->optional ? 0 : -1;
	}
	return rc;
}

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	struct pctx c = { .e = e, .m = m, .what = m->pattern->kind, .targets = targets };

	if (c.what & (PR_PID | PR_BARE))
		return resolve_one(&c);
	c.given = m->args[0]->str;
	if (strpbrk(c.given, "*?["))
		return resolve_glob(&c);
	return resolve_one(&c);
}

const struct provider probe_process_provider = {
	.family = "process",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};
