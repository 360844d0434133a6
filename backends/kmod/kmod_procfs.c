/* kmod_procfs.c - procfs("PATH").read/.write probes as the files of
 * /proc/systemtap/MODULE (runtime/kmod/tapir_procfs.h): one file a path,
 * with its read probe and its write probes, and the folders the paths
 * need, made when the probes are armed. */
#include <string.h>

#include "kmod.h"

static bool is_procfs(const struct probe_target *t)
{
	return t->kind == PK_PROCFS_READ || t->kind == PK_PROCFS_WRITE;
}

/* SystemTap's modes: 0400 to read, 0200 to write; with umask(U), 0444
 * and 0222 without U's bits. */
static int file_mode(const struct probe_target *t)
{
	bool w = t->kind == PK_PROCFS_WRITE;

	if (t->num[1] < 0)
		return w ? 0200 : 0400;
	return (w ? 0222 : 0444) & ~(int)t->num[1];
}

/* The folders of path ("a/b/c": "a", "a/b") not listed in dirs yet. */
static void add_dirs(struct arena *a, struct vec *dirs, const char *path)
{
	for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		const char *d = arena_strndup(a, path, (size_t)(s - path));
		bool seen = false;

		for (int i = 0; i < dirs->len && !seen; i++)
			seen = strcmp(dirs->items[i], d) == 0;
		if (!seen)
			vec_push(a, dirs, (void *)d);
	}
}

/* The file of path: its mode, maxsize, read probe and write probes. */
static void emit_file(struct km_file *f, const char *path, int n)
{
	const struct program *p = &f->e->prog;
	struct arena *a = f->e->arena;
	struct strbuf writes = { 0 };
	const char *read = "NULL";
	long long maxsize = f->o->maxstringlen;
	int mode = 0;

	for (int i = 0; i < p->probes.len; i++) {
		const struct probe_target *t = ((struct derived_probe *)p->probes.items[i])->target;

		if (!is_procfs(t) || strcmp(t->str[0], path) != 0)
			continue;
		mode |= file_mode(t);
		if (t->kind == PK_PROCFS_WRITE) {
			sb_printf(&writes, "probe_%d_procfs, ", i);
			continue;
		}
		read = arena_printf(a, "probe_%d_procfs", i);
		if (t->num[0])
			maxsize = t->num[0];
	}
	sb_printf(&f->probes, "static void (*const tapir_procfs_writes_%d[])(void) = { %sNULL };\n"
			      "static struct tapir_procfs_file tapir_procfs_%d = { .path = %s, "
			      ".mode = 0%o, .maxsize = %lld, .read = %s, .writes = tapir_procfs_writes_%d };\n\n",
		  n, writes.data ? writes.data : "", n, km_quote(a, path), mode, maxsize, read, n);
	sb_free(&writes);
}

void km_procfs_emit(struct km_file *f)
{
	const struct program *p = &f->e->prog;
	struct arena *a = f->e->arena;
	struct vec paths = { 0 }, dirs = { 0 };

	for (int i = 0; i < p->probes.len; i++) {
		const struct probe_target *t = ((struct derived_probe *)p->probes.items[i])->target;
		bool seen = false;

		if (!is_procfs(t))
			continue;
		sb_printf(&f->probes, "static void probe_%d_procfs(void)\n{\n\tprobe_%d(NULL, NULL);\n}\n\n",
			  i, i);
		for (int j = 0; j < paths.len && !seen; j++)
			seen = strcmp(paths.items[j], t->str[0]) == 0;
		if (!seen) {
			vec_push(a, &paths, (void *)t->str[0]);
			add_dirs(a, &dirs, t->str[0]);
		}
	}
	if (paths.len == 0)
		return;
	for (int i = 0; i < paths.len; i++)
		emit_file(f, paths.items[i], i);
	sb_puts(&f->probes, "static const char *const tapir_procfs_dirs[] = { ");
	for (int i = 0; i < dirs.len; i++)
		sb_printf(&f->probes, "%s, ", km_quote(a, dirs.items[i]));
	sb_puts(&f->probes, "NULL };\nstatic struct tapir_procfs_file *const tapir_procfs_files[] = { ");
	for (int i = 0; i < paths.len; i++)
		sb_printf(&f->probes, "&tapir_procfs_%d, ", i);
	sb_puts(&f->probes, "NULL };\n\n");
	sb_puts(&f->arm, "\trc = rc ? rc : tapir_procfs_register(tapir_procfs_dirs, tapir_procfs_files);\n");
	sb_puts(&f->disarm, "\ttapir_procfs_unregister();\n");
}
