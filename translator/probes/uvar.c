/* uvar.c - where a user-space probe's context variables live: DWARF
 * location expressions and location lists evaluated at the probe's
 * address (registers, register + offset, the frame base through
 * DW_OP_fbreg and the call frame's CFA, static addresses), $return, and
 * the arguments of SDT markers ("-4@%eax", "8@-16(%rbp)", "4@$5").
 */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "probes/uvar.h"

/* DWARF register numbers of x86-64 to pt_regs fields. */
static const char *const dwarf_regs[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};
#define NDWARF_REGS (int)(sizeof(dwarf_regs) / sizeof(dwarf_regs[0]))

static const char *reg_name(unsigned n)
{
	return n < (unsigned)NDWARF_REGS ? dwarf_regs[n] : NULL;
}

/* The CFA at pc, as one register plus an offset, from .eh_frame. */
static bool cfa_at(struct uelf *u, uint64_t pc, struct uloc *out)
{
	Dwarf_Frame *fr = NULL;
	Dwarf_Op *ops;
	size_t n;
	bool ok = false;

	if (!u->cfi || dwarf_cfi_addrframe(u->cfi, pc, &fr) != 0)
		return false;
	/* libdw gives a CFA rule "reg + offset" as DW_OP_bregx reg, offset */
	if (dwarf_frame_cfa(fr, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_bregx &&
	    (out->reg = reg_name((unsigned)ops[0].number))) {
		out->kind = ULOC_MEM;
		out->off = (int64_t)ops[0].number2;
		ok = true;
	} else if (n == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31 &&
		   (out->reg = reg_name(ops[0].atom - DW_OP_breg0))) {
		out->kind = ULOC_MEM;
		out->off = (int64_t)ops[0].number;
		ok = true;
	}
	free(fr);
	return ok;
}

/* The frame base of the subprogram holding the variable, at pc. */
static const char *frame_base(struct uelf *u, Dwarf_Off outer, uint64_t pc, struct uloc *out)
{
	Dwarf_Die die;
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;

	if (!outer || !dwarf_offdie(u->dw, outer, &die) || !dwarf_attr(&die, DW_AT_frame_base, &at) ||
	    dwarf_getlocation_addr(&at, pc, &ops, &n, 1) <= 0 || n != 1)
		return "its function has no frame base here";
	if (ops[0].atom == DW_OP_call_frame_cfa)
		return cfa_at(u, pc, out) ? NULL : "the call frame address is not known here";
	if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31 &&
	    (out->reg = reg_name(ops[0].atom - DW_OP_breg0))) {
		out->kind = ULOC_MEM;
		out->off = (int64_t)ops[0].number;
		return NULL;
	}
	return "its function's frame base is not supported";
}

/* One location expression to a uloc; NULL, or why it can't be read. */
static const char *lower_expr(struct uelf *u, Dwarf_Off outer, uint64_t pc, const Dwarf_Op *ops,
			      size_t n, struct uloc *out)
{
	unsigned a = ops[0].atom;
	const char *why;

	if (n == 2 && ops[1].atom == DW_OP_stack_value &&
	    ((a >= DW_OP_lit0 && a <= DW_OP_lit31) || (a >= DW_OP_const1u && a <= DW_OP_consts))) {
		out->kind = ULOC_CONST;
		out->off = a <= DW_OP_consts && a >= DW_OP_const1u ? (int64_t)ops[0].number :
								     (int64_t)(a - DW_OP_lit0);
		return NULL;
	}
	if (n != 1)
		return "its location is a computed expression, which is not supported yet";
	if (a >= DW_OP_reg0 && a <= DW_OP_reg31 && (out->reg = reg_name(a - DW_OP_reg0))) {
		out->kind = ULOC_REG;
		return NULL;
	}
	if (a == DW_OP_regx && (out->reg = reg_name((unsigned)ops[0].number))) {
		out->kind = ULOC_REG;
		return NULL;
	}
	if (a >= DW_OP_breg0 && a <= DW_OP_breg31 && (out->reg = reg_name(a - DW_OP_breg0))) {
		out->kind = ULOC_MEM;
		out->off = (int64_t)ops[0].number;
		return NULL;
	}
	if (a == DW_OP_fbreg) {
		if ((why = frame_base(u, outer, pc, out)))
			return why;
		out->off += (int64_t)ops[0].number;
		return NULL;
	}
	if (a == DW_OP_addr) {
		out->kind = ULOC_ABS;
		out->off = (int64_t)ops[0].number;
		return NULL;
	}
	return "its location uses a DWARF operation that is not supported yet";
}

static const char *locate(struct uelf *u, Dwarf_Die *var, Dwarf_Off outer, uint64_t pc,
			  struct uloc *out)
{
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;
	int r;

	if (!dwarf_attr_integrate(var, DW_AT_location, &at))
		return "it has no location (optimised out)";
	r = dwarf_getlocation_addr(&at, pc, &ops, &n, 1);
	if (r <= 0 || n == 0)
		return "it is not available at this address (optimised out)";
	return lower_expr(u, outer, pc, ops, n, out);
}

static void add_var(struct elab *e, struct probe_target *t, const char *name, const char *type,
		    struct uvar *uv)
{
	struct ctx_var *v = arena_alloc(e->arena, sizeof(*v));

	for (int i = 0; i < t->vars.len; i++) {
		if (strcmp(((struct ctx_var *)t->vars.items[i])->name, name) == 0)
			return; /* an inner scope's namesake: the first one wins */
	}
	v->name = arena_strdup(e->arena, name);
	v->type_name = type;
	v->type = TYPE_LONG;
	v->src = CTX_SRC_UVAR;
	v->data = uv;
	vec_push(e->arena, &t->vars, v);
}

/* The variables of f at pc: parameters first, then (unless params_only)
 * the outermost locals. */
static void add_scope(struct elab *e, struct probe_target *t, struct uelf *u, const struct ufunc *f,
		      uint64_t pc, bool params_only)
{
	Dwarf_Die die, c, type;

	if (!u->dw || !f->die || !dwarf_offdie(u->dw, f->die, &die) || dwarf_child(&die, &c) != 0)
		return;
	for (int pass = 0; pass < (params_only ? 1 : 2); pass++) {
		Dwarf_Die it = c;

		do {
			int tag = dwarf_tag(&it);
			const char *name = dwarf_diename(&it);
			Dwarf_Attribute ta;
			struct uvar *uv;

			if (tag != (pass ? DW_TAG_variable : DW_TAG_formal_parameter) || !name)
				continue;
			uv = arena_alloc(e->arena, sizeof(*uv));
			uv->u = u;
			uv->is_param = pass == 0;
			uv->at_entry = params_only;
			if (dwarf_attr_integrate(&it, DW_AT_type, &ta) && dwarf_formref_die(&ta, &type))
				uv->type = dwarf_dieoffset(&type);
			uv->err = locate(u, &it, f->outer, pc, &uv->loc);
			add_var(e, t, name, uv->type ? uvar_type_text(e->arena, u, &type) : "long", uv);
		} while (dwarf_siblingof(&it, &it) == 0);
	}
}

void uvar_add_function_vars(struct elab *e, struct probe_target *t, struct uelf *u,
			    const struct ufunc *f, uint64_t pc)
{
	add_scope(e, t, u, f, pc, false);
}

bool uvar_add_return(struct elab *e, struct probe_target *t, struct uelf *u, const struct ufunc *f)
{
	Dwarf_Die die, type;
	Dwarf_Attribute at;
	struct uvar *uv = arena_alloc(e->arena, sizeof(*uv));

	uv->u = u;
	uv->loc = (struct uloc){ ULOC_REG, "ax", 0 };
	if (u->dw && f->die && dwarf_offdie(u->dw, f->die, &die)) {
		bool has = dwarf_attr_integrate(&die, DW_AT_type, &at) && dwarf_formref_die(&at, &type);

		if (has) {
			uv->type = dwarf_dieoffset(&type);
			add_var(e, t, "return", uvar_type_text(e->arena, u, &type), uv);
		}
		add_scope(e, t, u, f, f->probe, true);
		return has;
	}
	uv->size = -8;
	add_var(e, t, "return", "long", uv);
	return true;
}

/* ---- SDT arguments ----------------------------------------------------- */

/* "%rax" "%eax" "%ax" "%al" "%r8d" ... to the pt_regs field. */
static const char *sdt_reg(struct arena *a, const char *r, size_t n)
{
	static const char *const legacy[][5] = {
		{ "ax", "rax", "eax", "ax", "al" }, { "bx", "rbx", "ebx", "bx", "bl" },
		{ "cx", "rcx", "ecx", "cx", "cl" }, { "dx", "rdx", "edx", "dx", "dl" },
		{ "si", "rsi", "esi", "si", "sil" }, { "di", "rdi", "edi", "di", "dil" },
		{ "bp", "rbp", "ebp", "bp", "bpl" }, { "sp", "rsp", "esp", "sp", "spl" },
		{ "ip", "rip", "eip", "ip", "ip" },
	};
	char name[8];

	if (n == 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, r, n);
	name[n] = '\0';
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		for (int j = 1; j < 5; j++) {
			if (strcmp(name, legacy[i][j]) == 0)
				return legacy[i][0];
		}
	}
	if (name[0] == 'r' && name[1] >= '0' && name[1] <= '9') {
		int num = atoi(name + 1);

		if (num >= 8 && num <= 15)
			return arena_printf(a, "r%d", num);
	}
	return NULL;
}

/* One "SIZE@OPERAND" into uv; false when it is not understood. */
static bool parse_sdt_arg(struct arena *a, const char *s, size_t len, struct uvar *uv)
{
	char buf[128], *at, *end;
	const char *p;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	at = strchr(buf, '@');
	uv->size = at ? atoi(buf) : -8;
	p = at ? at + 1 : buf;
	if (*p == '%') {
		uv->loc.kind = ULOC_REG;
		return (uv->loc.reg = sdt_reg(a, p + 1, strlen(p + 1))) != NULL;
	}
	if (*p == '$') {
		uv->loc.kind = ULOC_CONST;
		uv->loc.off = strtoll(p + 1, &end, 0);
		return *end == '\0';
	}
	uv->loc.kind = ULOC_MEM;
	uv->loc.off = strtoll(p, &end, 0);
	if (end[0] != '(' || end[1] != '%' || !strchr(end, ')') || strchr(end, ','))
		return false;
	uv->loc.reg = sdt_reg(a, end + 2, (size_t)(strchr(end, ')') - end - 2));
	return uv->loc.reg && strcmp(uv->loc.reg, "ip") != 0;
}

void uvar_add_sdt_args(struct elab *e, struct probe_target *t, struct uelf *u, const char *args)
{
	int n = 0;

	while (args && *args) {
		size_t len;
		struct uvar *uv;

		args += strspn(args, " ");
		len = strcspn(args, " ");
		if (!len)
			break;
		uv = arena_alloc(e->arena, sizeof(*uv));
		uv->u = u;
		if (!parse_sdt_arg(e->arena, args, len, uv))
			uv->err = arena_printf(e->arena, "its operand '%.*s' is not supported yet",
					       (int)len, args);
		uv->is_param = true;
		add_var(e, t, arena_printf(e->arena, "arg%d", ++n), "long", uv);
		args += len;
	}
}
