/* kmod_usyms.c - the function symbols of the binaries process(...) probes
 * name, of -d's and, with --ldd, of their libraries, as tables in the
 * module (runtime/kmod/tapir_usyms.h looks user addresses up in them):
 * usymname(), usymdata(), the ubacktrace family.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kmod.h"
#include "probes/uvar.h"

/* A binary a uprobe of this module is on. */
void km_usyms_note(struct km_file *f, const char *path)
{
	for (int i = 0; i < f->ubins.len; i++) {
		if (strcmp(f->ubins.items[i], path) == 0)
			return;
	}
	vec_push(f->e->arena, &f->ubins, (void *)path);
}

static int underscores(const char *s)
{
	int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* By address; of the names of one address the plainest first (getppid
 * before __getppid and __GI_getppid), the one the table keeps. */
static int by_entry(const void *a, const void *b)
{
	const struct ufunc *x = *(const struct ufunc *const *)a, *y = *(const struct ufunc *const *)b;

	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (underscores(x->name) != underscores(y->name))
		return underscores(x->name) - underscores(y->name);
	return strcmp(x->name, y->name);
}

/* p_vaddr - p_offset of the binary's segments, found at a function's entry */
static unsigned long long delta_of(struct uelf *u, const struct vec *fs)
{
	for (int i = 0; i < fs->len; i++) {
		const struct ufunc *fn = fs->items[i];
		uint64_t off;

		if (!fn->inlined && uelf_file_offset(u, fn->entry, &off))
			return fn->entry - off;
	}
	return 0;
}

static void emit_bin(struct km_file *f, struct strbuf *out, int k, const char *path)
{
	char err[512];
	struct uelf *u = process_open(f->e, path, err, sizeof(err));
	const struct vec *all = u ? uelf_functions(f->e->arena, u) : NULL;
	const struct ufunc **fs = NULL;
	int n = 0;

	if (all && all->len) {
		fs = calloc((size_t)all->len, sizeof(*fs));
		for (int i = 0; fs && i < all->len; i++) {
			const struct ufunc *fn = all->items[i];

			if (!fn->inlined && fn->entry)
				fs[n++] = fn;
		}
		if (fs)
			qsort(fs, (size_t)n, sizeof(*fs), by_entry);
	}
	sb_printf(out, "static const struct tapir_usym tapir_usyms_%d[] = {\n", k);
	for (int i = 0; i < n; i++) {
		if (i && fs[i]->entry == fs[i - 1]->entry)
			continue; /* an alias of the same code: the first name */
		sb_printf(out, "\t{ 0x%llxUL, 0x%llxUL, %s },\n", (unsigned long long)fs[i]->entry,
			  (unsigned long long)(fs[i]->end > fs[i]->entry ? fs[i]->end - fs[i]->entry : 0),
			  km_quote(f->e->arena, fs[i]->name));
	}
	sb_printf(out, "\t{ 0, 0, NULL }\n};\n");
	sb_printf(out, "static const struct tapir_ubin tapir_ubin_%d = { .path = %s, .delta = 0x%llxUL, "
		       ".syms = tapir_usyms_%d, .n = ARRAY_SIZE(tapir_usyms_%d) - 1 };\n",
		  k, km_quote(f->e->arena, path), u && all ? delta_of(u, all) : 0ULL, k, k);
	free(fs);
}

/* -d NAME: a user binary by its path (its real one, the one the kernel's
 * d_path gives); a kernel module's name, or a .ko, adds nothing: the
 * kernel's own symbols name kernel addresses. */
static void note_d(struct km_file *f, const char *name)
{
	char real[PATH_MAX];
	struct stat st;
	size_t n = strlen(name);

	if (!strchr(name, '/') && stat(name, &st) < 0)
		return; /* "kernel", a module name */
	if (n > 3 && strcmp(name + n - 3, ".ko") == 0)
		return;
	if (!realpath(name, real)) {
		diag_plain(f->e->diag, DIAG_WARNING, "-d %s: %s: no symbols of it", name,
			   "no such file");
		return;
	}
	km_usyms_note(f, arena_strdup(f->e->arena, real));
}

/* The shared libraries of path, as ldd(1) lists them ("name => /path (addr)"). */
static void note_libraries(struct km_file *f, const char *path)
{
	char *cmd, line[PATH_MAX + 128], lib[PATH_MAX], real[PATH_MAX];
	FILE *p;

	if (strchr(path, '\''))
		return;
	cmd = arena_printf(f->e->arena, "ldd '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		const char *arrow = strstr(line, "=> /");

		if (arrow && sscanf(arrow + 3, "%4095s", lib) == 1 && realpath(lib, real))
			km_usyms_note(f, arena_strdup(f->e->arena, real));
	}
	pclose(p);
}

void km_usyms_extra(struct km_file *f)
{
	int probed;

	for (int i = 0; i < f->o->nsym_paths; i++)
		note_d(f, f->o->sym_paths[i]);
	probed = f->ubins.len;
	for (int i = 0; f->o->ldd && i < probed; i++)
		note_libraries(f, f->ubins.items[i]);
}

/* The tables, and tapir_ubins[], NULL-terminated (after tapir_usyms.h). */
void km_usyms_emit(struct km_file *f, struct strbuf *out)
{
	for (int k = 0; k < f->ubins.len; k++)
		emit_bin(f, out, k, f->ubins.items[k]);
	sb_puts(out, "static const struct tapir_ubin *const tapir_ubins[] __maybe_unused = {");
	for (int k = 0; k < f->ubins.len; k++)
		sb_printf(out, " &tapir_ubin_%d,", k);
	sb_puts(out, " NULL };\n\n");
}
