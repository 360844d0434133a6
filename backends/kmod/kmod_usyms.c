/* kmod_usyms.c - the function symbols of the binaries process(...) probes
 * name, as tables in the module (runtime/kmod/tapir_usyms.h looks user
 * addresses up in them): usymname(), usymdata(), the ubacktrace family.
 */
#include <stdlib.h>
#include <string.h>

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

static int by_entry(const void *a, const void *b)
{
	const struct ufunc *x = *(const struct ufunc *const *)a, *y = *(const struct ufunc *const *)b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
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
