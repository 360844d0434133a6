/* ufuncs.c - the functions of a user-space binary: DWARF subprograms and
 * their inlined instances when there is debuginfo, symbol-table functions
 * otherwise (and for what DWARF does not describe, as crt's _start);
 * PLT stubs by the symbols they call; line-table lookups.
 */
#include <dwarf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "probes/uelf.h"

static struct ufunc *add_func(struct arena *a, struct uelf *u, const char *name, uint64_t entry)
{
	struct ufunc *f = arena_alloc(a, sizeof(*f));

	f->name = arena_strdup(a, name);
	f->entry = f->probe = entry;
	vec_push(a, &u->funcs, f);
	return f;
}

/* Was the function's CU optimised (gcc records its -O in DW_AT_producer)?
 * Then its variables have location lists valid from the entry on. */
static bool optimised(Dwarf_Die *die)
{
	Dwarf_Die cu;
	Dwarf_Attribute at;
	const char *prod, *o;

	if (!dwarf_diecu(die, &cu, NULL, NULL) || !dwarf_attr(&cu, DW_AT_producer, &at) ||
	    !(prod = dwarf_formstring(&at)))
		return false;
	for (o = strstr(prod, " -O"); o; o = strstr(o + 1, " -O")) {
		if (o[3] != '0')
			return true;
	}
	return false;
}

/* Where a .function probe goes: in unoptimised code, where the prologue
 * has stored the parameters in their stack slots (the first breakpoint
 * after the prologue that libdw finds in the line table); in optimised
 * code, the entry, where the location lists start, as SystemTap's
 * automatic prologue searching does. */
static uint64_t after_prologue(Dwarf_Die *die, uint64_t entry)
{
	Dwarf_Addr *bk = NULL;
	int n = optimised(die) ? 0 : dwarf_entry_breakpoints(die, &bk);
	uint64_t r = n > 0 ? bk[0] : entry;

	free(bk);
	return r;
}

/* Where a DIE's code starts (DW_AT_entry_pc, DW_AT_low_pc, or the first
 * of its DW_AT_ranges: gcc splits hot and .cold parts) and where that
 * part ends (0 when unknown). */
static bool code_range(Dwarf_Die *die, Dwarf_Addr *pc, Dwarf_Addr *end)
{
	Dwarf_Addr base, lo, hi;

	*end = 0;
	if (dwarf_entrypc(die, pc) == 0) {
		if (dwarf_highpc(die, &hi) == 0)
			*end = hi;
		else if (dwarf_ranges(die, 0, &base, &lo, &hi) > 0)
			*end = hi;
		return true;
	}
	if (dwarf_ranges(die, 0, &base, &lo, &hi) <= 0)
		return false;
	*pc = lo;
	*end = hi;
	return true;
}

static void set_decl(struct arena *a, struct ufunc *f, Dwarf_Die *die)
{
	const char *file = dwarf_decl_file(die);

	f->file = file ? arena_strdup(a, file) : NULL;
	dwarf_decl_line(die, &f->line);
	f->die = dwarf_dieoffset(die);
}

static void walk_inlines(struct arena *a, struct uelf *u, Dwarf_Die *parent, Dwarf_Off outer)
{
	Dwarf_Die c;

	if (dwarf_child(parent, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		Dwarf_Addr pc, hi;
		const char *name;

		if (tag == DW_TAG_inlined_subroutine && (name = dwarf_diename(&c)) &&
		    code_range(&c, &pc, &hi)) {
			struct ufunc *f = add_func(a, u, name, pc);

			set_decl(a, f, &c);
			f->inlined = true;
			f->outer = outer;
			f->end = hi;
		}
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block)
			walk_inlines(a, u, &c, outer);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void add_subprogram(struct arena *a, struct uelf *u, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	Dwarf_Addr pc, hi;
	struct ufunc *f;

	/* assembler's subprograms (no declaration file, several names at one
	 * address) are left to the symbol table, which names them once */
	if (!name || dwarf_hasattr(die, DW_AT_declaration) || !dwarf_decl_file(die) ||
	    !code_range(die, &pc, &hi))
		return;
	f = add_func(a, u, name, pc);
	set_decl(a, f, die);
	f->probe = after_prologue(die, pc);
	f->end = hi;
	f->outer = f->die;
	walk_inlines(a, u, die, f->die);
}

static void read_dwarf(struct arena *a, struct uelf *u)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (dwarf_nextcu(u->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c;

		if (dwarf_offdie(u->dw, off + hsize, &cu) && dwarf_child(&cu, &c) == 0) {
			do {
				if (dwarf_tag(&c) == DW_TAG_subprogram)
					add_subprogram(a, u, &c);
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		off = next;
	}
}

static int addr_cmp(const void *pa, const void *pb)
{
	uint64_t a = (*(const struct ufunc *const *)pa)->entry;
	uint64_t b = (*(const struct ufunc *const *)pb)->entry;

	return a < b ? -1 : a > b;
}

static void add_alias(struct arena *a, struct uelf *u, const char *name, const struct ufunc *f)
{
	struct ualias *al;

	if (strcmp(name, f->name) == 0)
		return;
	al = arena_alloc(a, sizeof(*al));
	al->name = name;
	al->f = f;
	vec_push(a, &u->aliases, al);
}

/* A symbol-table function added since index from at addr: several
 * symbols at one address (getpid, __getpid, __GI_getpid) are one function,
 * named by the first in the table, as SystemTap lists it. */
static const struct ufunc **find_entry(struct uelf *u, int from, uint64_t addr)
{
	for (int i = u->funcs.len - 1; i >= from; i--) {
		if (((const struct ufunc *)u->funcs.items[i])->entry == addr)
			return (const struct ufunc **)&u->funcs.items[i];
	}
	return NULL;
}

/* .symtab when the file has it, else .dynsym. */
static Elf_Scn *symbol_table(Elf *elf, GElf_Shdr *sh, bool dynsym_too)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr dsh;

	while (elf && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, sh))
			continue;
		if (sh->sh_type == SHT_SYMTAB)
			return scn;
		if (sh->sh_type == SHT_DYNSYM && dynsym_too) {
			dyn = scn;
			dsh = *sh;
		}
	}
	if (dyn)
		*sh = dsh;
	return dyn;
}

/* The symbol-table functions at addresses DWARF does not describe (as
 * SystemTap lists them): crt's, and all of a binary without debuginfo.
 * A separate debuginfo file's .symtab beats the binary's .dynsym. */
static void read_symtab(struct arena *a, struct uelf *u)
{
	int ndw = 0, from = u->funcs.len;
	const struct ufunc **seen = malloc(sizeof(*seen) * (size_t)(u->funcs.len + 1));
	struct ufunc key = { 0 };
	const struct ufunc *kp = &key, **hit;
	GElf_Shdr sh;
	Elf *elf = u->dw_elf && symbol_table(u->dw_elf, &sh, false) ? u->dw_elf : u->elf;
	Elf_Scn *scn = symbol_table(elf, &sh, true);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	GElf_Sym sym;

	for (int i = 0; i < u->funcs.len; i++) {
		if (!((const struct ufunc *)u->funcs.items[i])->inlined)
			seen[ndw++] = u->funcs.items[i];
	}
	qsort(seen, (size_t)ndw, sizeof(*seen), addr_cmp);
	for (size_t i = 0; d && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
		int type;
		const char *name;
		char *at;

		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value || !(name = elf_strptr(elf, sh.sh_link, sym.st_name)) || !*name)
			continue;
		name = arena_strdup(a, name);
		if ((at = strchr(name, '@')))
			*at = '\0'; /* versioned: memcpy@@GLIBC_2.14 */
		key.entry = sym.st_value;
		hit = bsearch(&kp, seen, (size_t)ndw, sizeof(*seen), addr_cmp);
		if (!hit)
			hit = find_entry(u, from, sym.st_value);
		if (hit)
			add_alias(a, u, name, *hit);
		else
			add_func(a, u, name, sym.st_value)->end = sym.st_value + sym.st_size;
	}
	free(seen);
}

/* Sorted by name, then address; the same name at the same address
 * (a symbol in both tables, a weak alias) once. */
static void dedupe(struct vec *fs)
{
	int n = 0;

	for (int i = 0; i < fs->len; i++) {
		const struct ufunc *f = fs->items[i], *prev = n ? fs->items[n - 1] : NULL;

		if (!prev || prev->inlined || f->inlined || prev->entry != f->entry ||
		    strcmp(prev->name, f->name) != 0)
			fs->items[n++] = fs->items[i];
	}
	fs->len = n;
}

static int func_cmp(const void *pa, const void *pb)
{
	const struct ufunc *a = *(const struct ufunc *const *)pa, *b = *(const struct ufunc *const *)pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

const struct vec *uelf_functions(struct arena *a, struct uelf *u)
{
	if (u->funcs_read)
		return &u->funcs;
	u->funcs_read = true;
	if (u->dw)
		read_dwarf(a, u);
	read_symtab(a, u);
	if (u->funcs.len)
		qsort(u->funcs.items, (size_t)u->funcs.len, sizeof(void *), func_cmp);
	dedupe(&u->funcs);
	return &u->funcs;
}

const struct ufunc *uelf_function_at(struct arena *a, struct uelf *u, uint64_t addr)
{
	const struct vec *fs = uelf_functions(a, u);

	for (int i = 0; i < fs->len; i++) {
		const struct ufunc *f = fs->items[i];

		if (!f->inlined && addr >= f->entry && addr < f->end)
			return f;
	}
	return NULL;
}

uint64_t uelf_line_addr(struct uelf *u, const struct ufunc *f, int line)
{
	Dwarf_Die die, cu;
	Dwarf_Lines *lines;
	size_t n;
	uint64_t best = 0;

	if (!u->dw || !f->die || !dwarf_offdie(u->dw, f->die, &die) || !dwarf_diecu(&die, &cu, NULL, NULL) ||
	    dwarf_getsrclines(&cu, &lines, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		int ln;
		bool stmt;

		if (!l || dwarf_lineno(l, &ln) != 0 || ln != line || dwarf_lineaddr(l, &addr) != 0 ||
		    dwarf_linebeginstatement(l, &stmt) != 0 || !stmt)
			continue;
		if (addr >= f->entry && (!f->end || addr < f->end) && (!best || addr < best))
			best = addr;
	}
	return best;
}

/* The section called name, its header in *sh. */
static Elf_Scn *section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (gelf_getshdr(scn, sh) && (n = elf_strptr(elf, shstrndx, sh->sh_name)) &&
		    strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

/* x86-64: .plt.sec holds one 16-byte stub a .rela.plt entry when the
 * binary has IBT stubs, else .plt does after its 16-byte header. */
int uelf_plt(struct arena *a, struct uelf *u, struct vec *out)
{
	GElf_Shdr rsh, psh, dsh;
	Elf_Scn *rel = section(u->elf, ".rela.plt", &rsh), *dyn;
	Elf_Data *rd, *dd;
	uint64_t base;

	if (section(u->elf, ".plt.sec", &psh))
		base = psh.sh_addr;
	else if (section(u->elf, ".plt", &psh))
		base = psh.sh_addr + 16;
	else
		return 0;
	if (!rel || !(rd = elf_getdata(rel, NULL)) || !(dyn = elf_getscn(u->elf, rsh.sh_link)) ||
	    !gelf_getshdr(dyn, &dsh) || !(dd = elf_getdata(dyn, NULL)))
		return 0;
	for (size_t i = 0; rsh.sh_entsize && i < rsh.sh_size / rsh.sh_entsize; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;
		struct ufunc *f;

		if (!gelf_getrela(rd, (int)i, &r) || !gelf_getsym(dd, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(u->elf, dsh.sh_link, sym.st_name)) || !*name)
			continue;
		f = arena_alloc(a, sizeof(*f));
		f->name = arena_strdup(a, name);
		f->entry = f->probe = base + 16 * i;
		vec_push(a, out, f);
	}
	return out->len;
}
