/* emit_uprobe.c - process(...) probes on the BPF backend: uprobe and
 * uretprobe programs (struct pt_regs context), their attach entries, and
 * the lowering of a context variable's access recipe (translator/probes/
 * uvar.h) to reads of the probed thread's registers and memory through
 * bpf_probe_read_user.
 */
#include <string.h>

#include "emit_uprobe.h"
#include "probes/uvar.h"

bool bpf_is_uprobe(const struct probe_target *t)
{
	return t->kind == PK_UPROBE || t->kind == PK_URETPROBE;
}

const char *bpf_uprobe_section(const struct probe_target *t)
{
	return t->kind == PK_URETPROBE ? "uretprobe" : "uprobe";
}

const char *bpf_uprobe_attach(struct em_file *f, const struct probe_target *t, int idx,
			      const char *quoted_pp)
{
	return arena_printf(f->e->arena,
			    "{ \"probe_%d\", TAPIR_ATTACH_UPROBE, \"%s\", { %lldLL, %lldLL, %lldLL, %d }, %s }",
			    idx, t->str[0], (long long)t->num[0], (long long)t->num[1],
			    t->kind == PK_URETPROBE ? 0LL : (long long)t->num[2], t->kind == PK_URETPROBE,
			    quoted_pp);
}

/* The reader every recipe ends with, declared once per program. */
static void declare_reader(struct em_file *f)
{
	static const char reader[] =
		"/* tapir_uread: a sized integer of the probed thread's memory. */\n"
		"static __attribute__((always_inline)) inline int tapir_uread(s64 *v, s64 addr, int size, int sgn)\n"
		"{\n\tunion { u64 q; u32 d; u16 w; u8 b; } u = { 0 };\n\n"
		"\tif (bpf_probe_read_user(&u, size & 15, (const void *)addr) < 0)\n\t\treturn -1;\n"
		"\tswitch (size) {\n"
		"\tcase 1: *v = sgn ? (s64)(s8)u.b : (s64)u.b; break;\n"
		"\tcase 2: *v = sgn ? (s64)(s16)u.w : (s64)u.w; break;\n"
		"\tcase 4: *v = sgn ? (s64)(s32)u.d : (s64)u.d; break;\n"
		"\tdefault: *v = (s64)u.q;\n\t}\n\treturn 0;\n}\n\n";

	if (!f->kern_decls.data || !strstr(f->kern_decls.data, "tapir_uread("))
		sb_puts(&f->kern_decls, reader);
}

/* A value held in a register, cast to its size and signedness. */
static const char *reg_value(struct em *m, const struct uaccess *acc, const char *expr)
{
	static const char *const s[] = { [1] = "s8", [2] = "s16", [4] = "s32" };
	static const char *const u[] = { [1] = "u8", [2] = "u16", [4] = "u32" };

	if (acc->size >= 8 || acc->size < 1 || !s[acc->size])
		return expr;
	return arena_printf(m->f->e->arena, "(s64)(%s)(%s)", acc->is_signed ? s[acc->size] : u[acc->size],
			    expr);
}

static const char *base_expr(struct em *m, const struct uaccess *acc)
{
	struct arena *a = m->f->e->arena;

	switch (acc->base.kind) {
	case ULOC_REG:
		return arena_printf(a, "(s64)ctx->%s", acc->base.reg);
	case ULOC_MEM:
		return arena_printf(a, "((s64)ctx->%s + (%lldLL))", acc->base.reg, (long long)acc->base.off);
	case ULOC_ABS:
		/* the load bias is where the probe runs less where it was linked */
		return arena_printf(a, "((s64)ctx->ip - %lldLL + %lldLL)", (long long)m->dp->target->num[3],
				    (long long)acc->base.off);
	default:
		return arena_printf(a, "(%lldLL)", (long long)acc->base.off);
	}
}

static void read_into(struct em *m, const char *t, int size, bool sgn, int loc)
{
	em_line(m, "if (tapir_uread(&%s, %s, %d, %d) < 0)", t, t, size, sgn);
	em_line(m, "\tTAPIR_ERROR(%d, \"user memory read fault\");", loc);
}

/* Is v in the $$ set: $$parms, $$locals, $$vars or $$return? */
static bool in_set(const char *set, const struct ctx_var *v)
{
	const struct uvar *uv = v->data;

	if (strcmp(v->name, "return") == 0)
		return strcmp(set, "$$return") == 0;
	if (strcmp(set, "$$vars") == 0)
		return true;
	return strcmp(set, uv->is_param ? "$$parms" : "$$locals") == 0;
}

/* $$parms and friends: "a=0x15 b=0xfffffffffffffffb", as SystemTap
 * prints them (aggregates as {...}), through bpf_snprintf. */
const char *em_uvar_set(struct em *m, struct ast *n)
{
	const struct vec *vars = &m->dp->target->vars;
	struct strbuf fmt = { 0 };
	const char *vals[12], *res;
	int nv = 0;

	if (n->pretty) {
		em_error(m, n->loc, "pretty-printing '%s%s' is not supported on the bpf runtime yet",
			 n->name, n->pretty);
		return "0";
	}
	for (int i = 0; i < vars->len; i++) {
		const struct ctx_var *v = vars->items[i];
		const struct uvar *uv = v->data;
		struct uaccess acc;
		struct ast *one;

		if (v->src != CTX_SRC_UVAR || !in_set(n->name, v))
			continue;
		sb_printf(&fmt, "%s%s=", fmt.len ? " " : "", v->name);
		one = ast_new(m->f->e->arena, AST_TARGET, n->loc);
		one->name = arena_printf(m->f->e->arena, "$%s", v->name);
		if ((uv->err && !m->f->e->opt.skip_badvars) || !uvar_access(m->f->e, v, one, false, &acc)) {
			sb_puts(&fmt, "?");
			continue;
		}
		if (acc.aggregate || acc.is_array || nv == 12) {
			sb_puts(&fmt, acc.aggregate ? "{...}" : acc.is_array ? "[...]" : "?");
			continue;
		}
		sb_puts(&fmt, "0x%llx");
		vals[nv++] = em_uvar(m, one, v);
	}
	res = em_tmp_str(m);
	em_line(m, "{");
	em_line(m, "\tu64 __a[%d] = { 0 };", nv ? nv : 1);
	for (int i = 0; i < nv; i++)
		em_line(m, "\t__a[%d] = (u64)(%s);", i, vals[i]);
	em_line(m, "\tbpf_snprintf(%s, TAPIR_MAXSTRINGLEN, %s, __a, %d);", res,
		em_quote(m, fmt.data ? fmt.data : ""), nv * 8);
	em_line(m, "}");
	sb_free(&fmt);
	return res;
}

/* ---- @entry: a .return probe's values, saved at the entry ---------------
 *
 * A uretprobe that reads a parameter or @entry(expr) gets a companion
 * uprobe where the parameters are in place (after the prologue), which
 * evaluates them for the return probe (emit_entry.c). */

const char *bpf_uprobe_entry(struct em_file *f, const struct derived_probe *rdp,
			     struct derived_probe *dp, struct probe_target *t)
{
	char *name = arena_strdup(f->e->arena, rdp->target->name);

	*t = *rdp->target;
	*dp = *rdp;
	t->kind = PK_UPROBE;
	t->num[0] = t->num[2];
	t->num[2] = 0;
	dp->target = t;
	for (char *p = name; *p; p++) {
		if (*p == '"')
			*p = '\'';
	}
	return arena_printf(f->e->arena,
			    "{ \"probe_%d_entry\", TAPIR_ATTACH_UPROBE, \"%s\", { %lldLL, %lldLL, 0, 0 }, \"%s (entry)\" }",
			    rdp->index, t->str[0], (long long)t->num[0], (long long)t->num[1], name);
}

static const char *lower(struct em *m, struct ast *n, const struct uaccess *acc, const char *value);

/* @cast(ptr, "type"[, "path"])->chain and @var("name@file")->chain. */
const char *em_ucast(struct em *m, struct ast *n)
{
	struct uaccess acc;
	bool ok = n->kind == AST_CAST ? ucast_access(m->f->e, m->dp->target, n, &acc) :
					uatvar_access(m->f->e, m->dp->target, n, &acc);

	if (!ok) {
		m->f->failed = true;
		return "0";
	}
	if (acc.aggregate) {
		em_error(m, n->loc, "%s ends at a %s, which has no value to read", n->name, acc.type);
		return "0";
	}
	return lower(m, n, &acc, n->kind == AST_CAST ? em_long(m, n->lhs) : NULL);
}

/* A member of the struct at address base into the format and values of
 * a $var$ string: integers in decimal, pointers in hex, char arrays as
 * quoted strings, nested aggregates as {...}, as SystemTap prints them. */
static void pretty_member(struct em *m, const struct umember *mb, const char *base, int loc,
			  struct strbuf *fmt, const char **vals, int *nv)
{
	const char *t;

	sb_printf(fmt, "%s.%s=", fmt->len > 1 ? ", " : "", mb->name);
	if (mb->kind == UMEM_AGGREGATE || mb->kind == UMEM_ARRAY || *nv == 12) {
		sb_puts(fmt, mb->kind == UMEM_ARRAY ? "[...]" : "{...}");
		return;
	}
	if (mb->kind == UMEM_CHARS) {
		t = em_tmp_str(m);
		em_line(m, "if (bpf_probe_read_user_str(%s, %d < TAPIR_MAXSTRINGLEN ? %d : TAPIR_MAXSTRINGLEN, "
			   "(const void *)(%s + %lldLL)) < 0)", t, mb->size + 1, mb->size + 1, base,
			(long long)mb->offset);
		em_line(m, "\t%s[0] = 0;", t);
		sb_puts(fmt, "\"%s\"");
		vals[(*nv)++] = arena_printf(m->f->e->arena, "(u64)%s", t);
		return;
	}
	t = em_tmp_long(m);
	em_line(m, "%s = %s + %lldLL;", t, base, (long long)mb->offset);
	read_into(m, t, mb->kind == UMEM_PTR ? 8 : mb->size, mb->is_signed, loc);
	sb_puts(fmt, mb->kind == UMEM_PTR ? "0x%llx" : mb->is_signed ? "%lld" : "%llu");
	vals[(*nv)++] = t;
}

/* $var$ and $var$$ (one level deep either way). */
static const char *pretty(struct em *m, struct ast *n, struct uaccess *acc, struct uelf *u)
{
	struct umember mbs[64];
	struct strbuf fmt = { 0 };
	const char *vals[12], *res, *base;
	int nv = 0, nm, loc;

	Dwarf_Off pointee = 0;
	enum umember_kind pk = acc->aggregate ? UMEM_INT : uvar_pointee(u, acc->type_die, &pointee);

	if (pk == UMEM_CHARS) {
		const char *s = em_tmp_str(m);

		base = lower(m, n, acc, NULL);
		em_line(m, "if (bpf_probe_read_user_str(%s, TAPIR_MAXSTRINGLEN, (const void *)%s) < 0)", s, base);
		em_line(m, "\t%s[0] = 0;", s);
		sb_puts(&fmt, "\"%s\"");
		vals[nv++] = arena_printf(m->f->e->arena, "(u64)%s", s);
	} else if (pk == UMEM_AGGREGATE) {
		base = lower(m, n, acc, NULL);
		loc = em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", n->name), n->loc);
		nm = uvar_members(u, pointee, mbs, 64);
		sb_putc(&fmt, '{');
		for (int i = 0; i < nm; i++)
			pretty_member(m, &mbs[i], base, loc, &fmt, vals, &nv);
		sb_putc(&fmt, '}');
	} else if (!acc->aggregate) {
		base = lower(m, n, acc, NULL);
		sb_puts(&fmt, acc->is_array ? "[...]" : acc->size == 8 && acc->type && strchr(acc->type, '*') ?
				      "0x%llx" : acc->is_signed ? "%lld" : "%llu");
		if (!acc->is_array)
			vals[nv++] = base;
	} else {
		if (!acc->at_address) {
			em_error(m, n->loc, "'%s' is held in registers: it can't be pretty-printed", n->name);
			return "0";
		}
		acc->aggregate = false;
		acc->is_array = true; /* lower() leaves the address */
		base = lower(m, n, acc, NULL);
		loc = em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", n->name), n->loc);
		nm = uvar_members(u, acc->type_die, mbs, 64);
		sb_putc(&fmt, '{');
		for (int i = 0; i < nm; i++)
			pretty_member(m, &mbs[i], base, loc, &fmt, vals, &nv);
		sb_putc(&fmt, '}');
	}
	res = em_tmp_str(m);
	em_line(m, "{");
	em_line(m, "\tu64 __a[%d] = { 0 };", nv ? nv : 1);
	for (int i = 0; i < nv; i++)
		em_line(m, "\t__a[%d] = (u64)(%s);", i, vals[i]);
	em_line(m, "\tbpf_snprintf(%s, TAPIR_MAXSTRINGLEN, %s, __a, %d);", res,
		em_quote(m, fmt.data ? fmt.data : ""), nv * 8);
	em_line(m, "}");
	sb_free(&fmt);
	return res;
}

const char *em_uvar(struct em *m, struct ast *n, const struct ctx_var *v)
{
	struct uaccess acc;

	/* pass 2 reported what does not resolve: no second message here */
	if (((const struct uvar *)v->data)->at_entry && m->dp->target->kind == PK_URETPROBE) {
		if (!uvar_access(m->f->e, v, n, false, &acc)) {
			em_error(m, n->loc, "can't read '%s' here", n->name);
			return "0";
		}
		return em_entry_read(m, n);
	}
	if (!uvar_access(m->f->e, v, n, false, &acc)) {
		em_error(m, n->loc, "can't read '%s' here", n->name);
		return "0";
	}
	if (n->pretty)
		return pretty(m, n, &acc, ((const struct uvar *)v->data)->u);
	return lower(m, n, &acc, NULL);
}

/* The recipe as C statements; value: the address a ULOC_EXPR base is. */
static const char *lower(struct em *m, struct ast *n, const struct uaccess *pacc, const char *value)
{
	struct uaccess acc = *pacc;
	const char *t;
	int loc;

	if (acc.base.kind == ULOC_ABS && m->dp->target->kind == PK_URETPROBE) {
		em_error(m, n->loc, "'%s' is a static variable: not readable in a .return probe yet",
			 n->name);
		return "0";
	}
	declare_reader(m->f);
	loc = em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", n->name), n->loc);
	t = em_tmp_long(m);
	em_line(m, "%s = %s;", t, value ? value : base_expr(m, &acc));
	for (int i = 0; i < acc.nsteps; i++) {
		const struct ustep *st = &acc.steps[i];

		if (st->op == USTEP_DEREF)
			read_into(m, t, 8, false, loc);
		else if (st->op == USTEP_ADD)
			em_line(m, "%s += %lldLL;", t, (long long)st->num);
		else
			em_line(m, "%s += (%s) * %lldLL;", t, em_long(m, st->index), (long long)st->num);
	}
	if (acc.at_address && !acc.aggregate && !acc.is_array) {
		read_into(m, t, acc.size, acc.is_signed, loc);
		return t;
	}
	if (!acc.at_address)
		em_line(m, "%s = %s;", t, reg_value(m, &acc, t));
	return t;
}
