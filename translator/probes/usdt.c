/* usdt.c - SDT markers from a binary's .note.stapsdt notes (<sys/sdt.h>,
 * version 3): each note holds the marker's address, the link-time address
 * of .stapsdt.base (to correct for prelinking), its semaphore's address,
 * then "provider\0name\0args\0".
 */
#include <gelf.h>
#include <string.h>

#include "probes/uelf.h"

#define NT_STAPSDT 3

/* The address of .stapsdt.base, 0 when absent. */
static uint64_t base_addr(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    strcmp(n, ".stapsdt.base") == 0)
			return sh.sh_addr;
	}
	return 0;
}

static void read_note(struct arena *a, const unsigned char *d, size_t len, uint64_t base,
		      struct vec *out)
{
	struct umark *m;
	uint64_t pc, nbase, sema;
	const char *p = (const char *)d + 24, *end = (const char *)d + len;
	size_t n;

	if (len < 27)
		return;
	memcpy(&pc, d, 8);
	memcpy(&nbase, d + 8, 8);
	memcpy(&sema, d + 16, 8);
	m = arena_alloc(a, sizeof(*m));
	m->pc = base && nbase ? pc + (base - nbase) : pc;
	m->sema = sema;
	n = strnlen(p, (size_t)(end - p));
	m->provider = arena_strndup(a, p, n);
	p += n + 1;
	n = p < end ? strnlen(p, (size_t)(end - p)) : 0;
	m->name = arena_strndup(a, p, n);
	p += n + 1;
	n = p < end ? strnlen(p, (size_t)(end - p)) : 0;
	m->args = arena_strndup(a, p < end ? p : "", n);
	vec_push(a, out, m);
}

int uelf_marks(struct arena *a, struct uelf *u, struct vec *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t base = base_addr(u->elf);

	while ((scn = elf_nextscn(u->elf, scn))) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_STAPSDT && nh.n_namesz == 8 &&
			    memcmp((const char *)d->d_buf + noff, "stapsdt", 8) == 0)
				read_note(a, (const unsigned char *)d->d_buf + doff, nh.n_descsz, base,
					  out);
		}
	}
	return out->len;
}
