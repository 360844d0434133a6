/* uelf.h - a user-space binary as the process(...) provider reads it:
 * its path, program headers, symbol table, functions (DWARF through libdw
 * when there is debuginfo, the symbol table when not), PLT entries, SDT
 * markers (.note.stapsdt), and each function's context variables as
 * access recipes (uvar.c) that the BPF emitter lowers to user-memory reads.
 */
#ifndef TAPIR_UELF_H
#define TAPIR_UELF_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#include "tapir.h"

struct uelf {
	const char *path;          /* absolute */
	int fd;
	Elf *elf;
	Dwarf *dw;                 /* NULL without debuginfo */
	int dw_fd;                 /* a separate debuginfo file's, or -1 */
	Elf *dw_elf;
	Dwarf_CFI *cfi;            /* .eh_frame, for the CFA; may be NULL */
	bool pie;                  /* ET_DYN: addresses are relative to the load bias */
	struct vec funcs;          /* struct ufunc *, built on first use */
	struct vec aliases;        /* struct ualias *: other symbol names of DWARF functions */
	bool funcs_read;
	struct vec needed;         /* const char *: DT_NEEDED */
};

/* A function, or one inlined instance of it. */
struct ufunc {
	const char *name;
	const char *file;          /* decl file, NULL from the symbol table */
	int line;
	uint64_t entry;            /* link-time address of its first instruction */
	uint64_t probe;            /* where .function probes: after the prologue */
	uint64_t end;              /* first address past it (0: unknown) */
	Dwarf_Off die;             /* its DIE (the inlined instance's), 0 if none */
	Dwarf_Off outer;           /* the subprogram holding it: its frame base */
	bool inlined;
};

/* A symbol-table name of a function DWARF knows by another name
 * (malloc for __libc_malloc): a pattern that matches it probes f. */
struct ualias {
	const char *name;
	const struct ufunc *f;
};

/* An SDT marker. */
struct umark {
	const char *provider, *name;
	uint64_t pc;               /* link-time address */
	uint64_t sema;             /* link-time address of its semaphore, or 0 */
	const char *args;          /* "-4@%eax 8@-16(%rbp)" */
};

/* Open a binary; NULL with a message in err. */
struct uelf *uelf_open(struct arena *a, const char *path, char *err, size_t errlen);
/* The functions it defines (sorted by name), DWARF first, then the
 * symbol table's functions DWARF does not know. */
const struct vec *uelf_functions(struct arena *a, struct uelf *u);
int uelf_marks(struct arena *a, struct uelf *u, struct vec *out);
/* PLT stubs: struct ufunc * named by the symbol they call. */
int uelf_plt(struct arena *a, struct uelf *u, struct vec *out);
/* Where a link-time address is in the file (what a uprobe attaches to). */
bool uelf_file_offset(const struct uelf *u, uint64_t vaddr, uint64_t *off);
/* The function whose code holds addr, or NULL. */
const struct ufunc *uelf_function_at(struct arena *a, struct uelf *u, uint64_t addr);
/* addr of "file:LINE" inside function f (first is_stmt row), or 0. */
uint64_t uelf_line_addr(struct uelf *u, const struct ufunc *f, int line);
/* The path a process(...) string names: absolute as given, relative to
 * the cwd when it has a '/', else searched in $PATH; library names in
 * the usual directories. NULL when not found. */
const char *uelf_find_program(struct arena *a, const char *name);
const char *uelf_find_library(struct arena *a, struct uelf *u, const char *name);

#endif /* TAPIR_UELF_H */
