/* uelf.c - opening a user-space binary and finding things in it by path:
 * the ELF itself, its DWARF (in the file, or a separate debuginfo file
 * found by build-id), its call frame information and its DT_NEEDED list;
 * mapping addresses to file offsets; finding programs and libraries the
 * way SystemTap does (cwd, $PATH, the loader's directories).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/uelf.h"

/* What the binaries opened hold (descriptors, libelf and libdw handles):
 * they live as long as the translation, which may still use them in
 * pass 3 (@cast), and are released at exit, last opened first. */
enum res_kind { RES_FD, RES_ELF, RES_DWARF, RES_CFI };
static struct res {
	enum res_kind kind;
	void *p;
	int fd;
} *held;
static int nheld;

static void release_all(void)
{
	while (nheld > 0) {
		struct res *r = &held[--nheld];

		if (r->kind == RES_FD)
			close(r->fd);
		else if (r->kind == RES_ELF)
			elf_end(r->p);
		else if (r->kind == RES_DWARF)
			dwarf_end(r->p);
		else
			dwarf_cfi_end(r->p);
	}
	free(held);
	held = NULL;
}

static void hold(enum res_kind kind, void *p, int fd)
{
	struct res *n;

	if ((kind == RES_FD && fd < 0) || (kind != RES_FD && !p))
		return;
	if (!held)
		atexit(release_all);
	n = realloc(held, sizeof(*held) * (size_t)(nheld + 1));
	if (!n)
		return; /* leaked until exit: nothing worse */
	held = n;
	held[nheld++] = (struct res){ kind, p, fd };
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *uelf_find_program(struct arena *a, const char *name)
{
	char buf[PATH_MAX];
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return realpath(name, buf) && is_file(buf) ? arena_strdup(a, buf) : NULL;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", name);
		if (is_file(buf) && access(buf, X_OK) == 0) {
			char real[PATH_MAX];

			return realpath(buf, real) ? arena_strdup(a, real) : NULL;
		}
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* The directories ld.so searches on Debian for x86-64, in its order. */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};

/* A library name: a path, a DT_NEEDED name or a prefix of one ("libc"
 * matches "libc.so.6"), in the usual directories. */
const char *uelf_find_library(struct arena *a, struct uelf *u, const char *name)
{
	char buf[PATH_MAX], real[PATH_MAX];

	if (strchr(name, '/'))
		return uelf_find_program(a, name);
	for (int i = 0; u && i < u->needed.len; i++) {
		const char *n = u->needed.items[i];

		if (strncmp(n, name, strlen(name)) == 0) {
			name = n;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/%s", lib_dirs[i], name);
		if (is_file(buf) && realpath(buf, real))
			return arena_strdup(a, real);
	}
	return NULL;
}

static void read_needed(struct arena *a, struct uelf *u)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(u->elf, scn))) {
		Elf_Data *d;
		GElf_Dyn dyn;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;

			if (gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag == DT_NEEDED &&
			    (s = elf_strptr(u->elf, sh.sh_link, dyn.d_un.d_val)))
				vec_push(a, &u->needed, arena_strdup(a, s));
		}
	}
}

/* The build-id note's bytes, for /usr/lib/debug/.build-id/xx/yyyy.debug. */
static const char *debug_path(struct arena *a, Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	struct strbuf sb = { 0 };
	const char *r = NULL;

	while ((scn = elf_nextscn(elf, scn)) && !r) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(d = elf_getdata(scn, NULL)))
			continue;
		while (!r && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const unsigned char *id = (const unsigned char *)d->d_buf + doff;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_descsz < 2)
				continue;
			sb_printf(&sb, "/usr/lib/debug/.build-id/%02x/", id[0]);
			for (size_t i = 1; i < nh.n_descsz; i++)
				sb_printf(&sb, "%02x", id[i]);
			sb_puts(&sb, ".debug");
			r = arena_strdup(a, sb.data);
		}
	}
	sb_free(&sb);
	return r;
}

/* dwz's shared DWARF (.gnu_debugaltlink: "path\0build-id"), which
 * Debian's debug packages refer to for common names and types. */
static void open_alt(struct uelf *u)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;
	Dwarf *alt;
	Elf *elf;
	int fd;

	if (elf_getshdrstrndx(u->dw_elf, &shstrndx) != 0)
		return;
	while ((scn = elf_nextscn(u->dw_elf, scn))) {
		const char *n;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(u->dw_elf, shstrndx, sh.sh_name)) ||
		    strcmp(n, ".gnu_debugaltlink") != 0 || !(d = elf_getdata(scn, NULL)) ||
		    !memchr(d->d_buf, '\0', d->d_size))
			continue;
		if ((fd = open(d->d_buf, O_RDONLY | O_CLOEXEC)) < 0)
			return;
		hold(RES_FD, NULL, fd);
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		hold(RES_ELF, elf, -1);
		alt = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
		hold(RES_DWARF, alt, -1);
		if (alt)
			dwarf_setalt(u->dw, alt);
		return;
	}
}

static void open_dwarf(struct arena *a, struct uelf *u)
{
	const char *dbg;

	u->dw = dwarf_begin_elf(u->elf, DWARF_C_READ, NULL);
	hold(RES_DWARF, u->dw, -1);
	if (u->dw || !(dbg = debug_path(a, u->elf)) || !is_file(dbg))
		return;
	u->dw_fd = open(dbg, O_RDONLY | O_CLOEXEC);
	if (u->dw_fd < 0)
		return;
	hold(RES_FD, NULL, u->dw_fd);
	u->dw_elf = elf_begin(u->dw_fd, ELF_C_READ_MMAP, NULL);
	hold(RES_ELF, u->dw_elf, -1);
	u->dw = u->dw_elf ? dwarf_begin_elf(u->dw_elf, DWARF_C_READ, NULL) : NULL;
	if (u->dw) {
		/* held after its alt file, so that it ends first */
		open_alt(u);
		hold(RES_DWARF, u->dw, -1);
	}
}

struct uelf *uelf_open(struct arena *a, const char *path, char *err, size_t errlen)
{
	struct uelf *u = arena_alloc(a, sizeof(*u));
	GElf_Ehdr eh;

	elf_version(EV_CURRENT);
	u->path = path;
	u->dw_fd = -1;
	u->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u->fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	u->elf = elf_begin(u->fd, ELF_C_READ_MMAP, NULL);
	if (!u->elf || elf_kind(u->elf) != ELF_K_ELF || !gelf_getehdr(u->elf, &eh)) {
		snprintf(err, errlen, "'%s' is not an ELF file", path);
		if (u->elf)
			elf_end(u->elf);
		close(u->fd);
		return NULL;
	}
	hold(RES_FD, NULL, u->fd);
	hold(RES_ELF, u->elf, -1);
	u->pie = eh.e_type == ET_DYN;
	open_dwarf(a, u);
	u->cfi = dwarf_getcfi_elf(u->elf);
	hold(RES_CFI, u->cfi, -1);
	read_needed(a, u);
	return u;
}

bool uelf_file_offset(const struct uelf *u, uint64_t vaddr, uint64_t *off)
{
	size_t n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(u->elf, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(u->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}
