/* uvar.h - context variables of user-space probes as access recipes.
 *
 * The translator resolves each $var of a process(...) probe to a recipe:
 * where its value starts (a register of the probed thread's pt_regs, a
 * memory location at a register plus an offset, a link-time address, a
 * constant) and, for $p->a[i]->b, a chain of steps (dereference a pointer,
 * add a member's offset, add an index times an element size), ending
 * with a read of a sized, signed or unsigned integer. The BPF emitter
 * lowers a recipe to bpf_probe_read_user calls (backends/bpf/emit_uprobe.c).
 */
#ifndef TAPIR_UVAR_H
#define TAPIR_UVAR_H

#include "elab.h"
#include "probes/uelf.h"

/* ctx_var.src of a variable whose data is a struct uvar. */
#define CTX_SRC_UVAR 0x75766172

enum uloc_kind {
	ULOC_REG,    /* the value is register reg */
	ULOC_MEM,    /* the value is at address reg + off */
	ULOC_ABS,    /* the value is at link-time address off (relocated at run time) */
	ULOC_CONST,  /* the value is off */
	ULOC_EXPR,   /* the value is at the address the emitter computed (@cast) */
};

struct uloc {
	enum uloc_kind kind;
	const char *reg;           /* pt_regs field: "di", "bp" */
	int64_t off;
};

struct uvar {
	struct uelf *u;
	Dwarf_Off type;            /* its type's DIE, 0 for a plain long (SDT args) */
	struct uloc loc;
	int size;                  /* SDT args: bytes, negative when signed */
	const char *err;           /* why it can't be read here, or NULL */
	bool is_param;             /* in $$parms (else $$locals, or $$return) */
	bool at_entry;             /* a .return probe's parameter: read at the entry */
};

enum ustep_op { USTEP_DEREF, USTEP_ADD, USTEP_INDEX };

struct ustep {
	enum ustep_op op;
	int64_t num;               /* ADD: bytes; INDEX: element size */
	struct ast *index;         /* INDEX: the script's index expression */
};

/* A $var with its chain, lowered. */
struct uaccess {
	struct uloc base;
	struct ustep steps[32];
	int nsteps;
	bool at_address;           /* the running value is an address to read from */
	int size;                  /* final read/cast: bytes (1, 2, 4, 8) */
	bool is_signed;
	bool aggregate;            /* ends at a struct or union */
	bool is_array;             /* ends at an array: its value is its address */
	const char *type;          /* its type, as -L prints it */
	Dwarf_Off type_die;        /* its type's DIE, 0 when unknown */
};

/* Add the parameters and outermost locals of f, as seen at pc, to t. */
void uvar_add_function_vars(struct elab *e, struct probe_target *t, struct uelf *u,
			    const struct ufunc *f, uint64_t pc);
/* $return of f (a .return probe; false when f returns nothing), then
 * its parameters as their values at the entry (@entry($p), or $p). */
bool uvar_add_return(struct elab *e, struct probe_target *t, struct uelf *u, const struct ufunc *f);
/* $arg1..$argN of an SDT marker from its argument string. */
void uvar_add_sdt_args(struct elab *e, struct probe_target *t, struct uelf *u, const char *args);
/* Lower v with target's chain into *acc. With report, what fails is an
 * error at its place; returns false then. */
bool uvar_access(struct elab *e, const struct ctx_var *v, const struct ast *target, bool report,
		 struct uaccess *acc);
/* Lower a chain from a value of DWARF type 'type' at base. */
bool uvar_walk(struct elab *e, struct uelf *u, Dwarf_Off type, struct uloc base,
	       const struct ast *target, bool report, struct uaccess *acc);
/* @cast(ptr, "type"[, "path"]) and @var("name[@file]"[, "path"]) of a
 * process(...) probe (ucast.c): the recipe, or false after an error. */
bool ucast_access(struct elab *e, const struct probe_target *t, const struct ast *n,
		  struct uaccess *acc);
bool uatvar_access(struct elab *e, const struct probe_target *t, const struct ast *n,
		   struct uaccess *acc);
/* process.c: the binary at path, opened once per translation. */
struct uelf *process_open(struct elab *e, const char *path, char *err, size_t errlen);
/* One member of a struct, for $var$ pretty-printing. */
enum umember_kind { UMEM_INT, UMEM_PTR, UMEM_CHARS, UMEM_AGGREGATE, UMEM_ARRAY };
struct umember {
	const char *name;
	int64_t offset;
	enum umember_kind kind;
	int size;                  /* INT: bytes; CHARS: the array's length */
	bool is_signed;
};
/* The members of the struct or union a chain ends at (acc->type_die);
 * their count, at most max. */
int uvar_members(struct uelf *u, Dwarf_Off type, struct umember *out, int max);
/* What a pointer type points to: UMEM_AGGREGATE (its type in *pointee),
 * UMEM_CHARS (char), else UMEM_INT. */
enum umember_kind uvar_pointee(struct uelf *u, Dwarf_Off type, Dwarf_Off *pointee);
/* ctxvar.c's check for these variables. */
enum ctx_chain uvar_chain_check(struct elab *e, const struct ctx_var *v, const struct ast *target,
				bool report, const char **type);
/* A DWARF type as SystemTap prints it: "char const*", "struct point*". */
const char *uvar_type_text(struct arena *a, struct uelf *u, Dwarf_Die *type);

#endif /* TAPIR_UVAR_H */
