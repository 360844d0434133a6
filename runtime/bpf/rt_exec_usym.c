// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_usym.c - user-space addresses of a process to symbols, for the
 * u* stack and symbol functions (rt_exec_sym.c formats them).
 *
 * An address is found in the process's /proc/PID/maps, turned into an
 * offset in the mapped file, then into the file's virtual address by its
 * program headers, and looked up in its ELF symbol table (.symtab, else
 * .dynsym).  Files are read once a run and kept (a few per script).  The
 * process must still exist when its record is printed: a process gone
 * by then leaves its addresses in hex.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_exec.h"

struct ufunc {
	uint64_t start, size;
	const char *name;
};

struct ufile {
	struct ufile *next;
	char *path;
	struct ufunc *funcs; /* sorted by start */
	size_t n;
	GElf_Phdr *loads;    /* PT_LOAD headers */
	size_t nloads;
	char *names;         /* the names, copied out of the ELF */
};

static struct ufile *files;

static int ufunc_cmp(const void *a, const void *b)
{
	const struct ufunc *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The function symbols of one symbol table section, appended to f. */
static void read_symtab(struct ufile *f, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, size_t *cap,
                        size_t *names_len)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < count; i++) {
		GElf_Sym s;
		const char *name;
		size_t l;
		char *p;

		if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    !s.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (f->n == *cap) {
			struct ufunc *q = realloc(f->funcs, (*cap = *cap ? *cap * 2 : 256) * sizeof(*q));

			if (!q)
				return;
			f->funcs = q;
		}
		l = strlen(name) + 1;
		p = realloc(f->names, *names_len + l);
		if (!p)
			return;
		f->names = p;
		memcpy(f->names + *names_len, name, l);
		/* an offset for now: names may move while they grow */
		f->funcs[f->n++] = (struct ufunc){ s.st_value, s.st_size, (const char *)(uintptr_t)*names_len };
		*names_len += l;
	}
}

static void read_elf(struct ufile *f, Elf *elf)
{
	size_t cap = 0, names_len = 0, nph = 0;
	Elf_Scn *scn = NULL;
	int want = SHT_SYMTAB;

	if (elf_getphdrnum(elf, &nph) == 0 && nph) {
		f->loads = calloc(nph, sizeof(*f->loads));
		for (size_t i = 0; f->loads && i < nph; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
				f->loads[f->nloads++] = ph;
		}
	}
	for (int pass = 0; pass < 2 && !f->n; pass++, want = SHT_DYNSYM) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && sh.sh_type == (unsigned)want)
				read_symtab(f, elf, scn, &sh, &cap, &names_len);
		}
	}
	for (size_t i = 0; i < f->n; i++)
		f->funcs[i].name = f->names + (uintptr_t)f->funcs[i].name;
	qsort(f->funcs, f->n, sizeof(*f->funcs), ufunc_cmp);
}

static struct ufile *ufile_get(const char *path)
{
	struct ufile *f;
	Elf *elf;
	int fd;

	for (f = files; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	f->next = files;
	files = f;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return f;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf) {
		read_elf(f, elf);
		elf_end(elf);
	}
	close(fd);
	return f;
}

/* The file mapped at addr in process pid, and addr's offset in it. */
static bool find_mapping(int pid, uint64_t addr, char *path, size_t size, uint64_t *off)
{
	char maps[64], line[4096];
	bool found = false;
	FILE *m;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	m = fopen(maps, "re");
	if (!m)
		return false;
	while (!found && fgets(line, sizeof(line), m)) {
		unsigned long long start, end, pgoff;
		int n = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &pgoff, &n) < 3 || !n)
			continue;
		if (addr < start || addr >= end || line[n] != '/')
			continue;
		line[n + strcspn(line + n, "\n")] = '\0';
		snprintf(path, size, "%s", line + n);
		*off = addr - start + pgoff;
		found = true;
	}
	fclose(m);
	return found;
}

static bool lookup_in(const struct ufile *f, uint64_t vaddr, struct rt_exec_sym *out)
{
	size_t lo = 0, hi = f->n;

	if (!hi || vaddr < f->funcs[0].start)
		return false;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->funcs[mid].start <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	if (f->funcs[lo].size && vaddr - f->funcs[lo].start >= f->funcs[lo].size)
		return false;
	out->name = f->funcs[lo].name;
	out->offset = vaddr - f->funcs[lo].start;
	out->size = f->funcs[lo].size;
	return true;
}

/* The symbol at addr in process pid: true with a name; else false, with
 * out->module and out->offset (in the file) when at least the file is
 * known, module NULL when not. */
bool rt_exec_usym_lookup(int pid, uint64_t addr, struct rt_exec_sym *out)
{
	static char path[4096];
	const struct ufile *f;
	uint64_t off;

	*out = (struct rt_exec_sym){ 0 };
	if (pid <= 0 || !find_mapping(pid, addr, path, sizeof(path), &off))
		return false;
	f = ufile_get(path);
	if (!f)
		return false;
	out->module = f->path;
	out->offset = off;
	for (size_t i = 0; i < f->nloads; i++) {
		const GElf_Phdr *ph = &f->loads[i];

		if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz)
			return lookup_in(f, off - ph->p_offset + ph->p_vaddr, out);
	}
	return false;
}

void rt_exec_usym_free(void)
{
	while (files) {
		struct ufile *f = files;

		files = f->next;
		free(f->funcs);
		free(f->loads);
		free(f->names);
		free(f->path);
		free(f);
	}
}
