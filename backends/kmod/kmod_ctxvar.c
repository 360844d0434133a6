/* kmod_ctxvar.c - context variables of kernel probes in the kmod backend:
 * $var of a tracepoint or a kernel function, $var->member chains,
 * @cast(p, "type")->chain, &... of both, $$vars/$$parms/$$return and
 * @entry().
 *
 * The module is built against the headers of the kernel it runs on, so a
 * chain is plain C over the kernel's own types: each step's address is
 * computed with typeof() and '->', and each pointer on the way and the
 * value at the end are read with copy_from_kernel_nofault; a fault is
 * SystemTap's "kernel read fault" error. Pass 2 checked the chain against
 * BTF; its plan (ctx_chain_walk) says which steps go through a pointer.
 * Offsets pass 2 computed are the host's and are never used here, not
 * even a bit field's: the module finds those at init, over the same
 * headers (tapir_ktypes.h).
 */
#include <bpf/btf.h>
#include <string.h>

#include "kmod.h"
#include "probes/kfunc.h"
#include "probes/tracepoint_db.h"

static const char *const syscall_regs[] = { "di", "si", "dx", "r10", "r8", "r9" };

static const struct ctx_var *find_var(const struct derived_probe *dp, const char *name)
{
	for (int i = 0; dp && i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		if (strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

static const struct btf *var_btf(struct km *m, const struct ctx_var *v)
{
	if (v->btf)
		return v->btf;
	return m->f->e->tpdb ? tpdb_btf(m->f->e->tpdb) : NULL;
}

static __u32 skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	while (id && (t = btf__type_by_id(btf, id)) &&
	       (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t)))
		id = t->type;
	return id;
}

/* A C type of the same size and signedness as BTF type id, so that a
 * value is widened as the kernel's own C would; NULL when BTF can't say. */
static const char *scalar_type(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;
	__s64 size;
	bool sign = false;

	if (!btf || !id || !(id = skip_mods(btf, id)) || !(t = btf__type_by_id(btf, id)))
		return NULL;
	if (btf_is_ptr(t))
		return "unsigned long";
	if (btf_is_int(t))
		sign = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
	else if (btf_is_enum(t) || btf_is_enum64(t))
		sign = btf_kflag(t);
	else
		return NULL;
	size = btf__resolve_size(btf, id);
	switch (size) {
	case 1: return sign ? "s8" : "u8";
	case 2: return sign ? "s16" : "u16";
	case 4: return sign ? "s32" : "u32";
	case 8: return sign ? "s64" : "u64";
	default: return NULL;
	}
}

/* The raw u64 of v, or NULL (reported) when it can't be read: from the
 * handler's own parameters (regs, targs, a tracepoint's a0...), as $vars
 * are only in probe bodies. */
static const char *raw_value(struct km *m, const struct ctx_var *v, struct loc loc, bool report)
{
	struct arena *a = m->f->e->arena;

	if (m->dp->target->kind == PK_TRACE) {
		if (v->src == 1)
			return arena_printf(a, "((struct pt_regs *)a0)->%s",
					    syscall_regs[v->index < 6 ? v->index : 5]);
		return arena_printf(a, "a%d", v->index);
	}
	if (v->src == KF_SRC_RETURN)
		return "regs_return_value(regs)";
	/* at the entry, the registers themselves; in a .return, the slots
	 * its entry handler saved */
	if (v->index < KM_KARG_REGS && !m->dp->target->num[0])
		return arena_printf(a, "regs_get_kernel_argument(regs, %d)", v->index);
	if (v->index < KM_KARG_REGS) {
		m->reads_args = true;
		return arena_printf(a, "targs[%d]", v->index);
	}
	if (report)
		km_error(m, loc, "'$%s' is passed on the stack, which the kmod runtime does not "
			 "read yet", v->name);
	return NULL;
}

/* $var's value as a long: widened from its own type. */
static const char *var_value(struct km *m, const struct ctx_var *v, const char *raw)
{
	const char *st = scalar_type(var_btf(m, v), (__u32)v->btf_id);

	return arena_printf(m->f->e->arena, "((int64_t)(%s)(%s))", st ? st : v->type_name, raw);
}

/* ---- chains ------------------------------------------------------------------- */

/* Member name of aggregate id (or of an anonymous member of it): its type
 * in *type, and whether it is a bit field. */
static bool find_member(const struct btf *btf, __u32 id, const char *name, __u32 *type,
			bool *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, id));
	const struct btf_member *mb;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return false;
	mb = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mb++) {
		const char *mn = btf__name_by_offset(btf, mb->name_off);

		if (mn && *mn && strcmp(mn, name) == 0) {
			*type = mb->type;
			*bitfield = btf_member_bitfield_size(t, i) != 0;
			return true;
		}
		if ((!mn || !*mn) && find_member(btf, mb->type, name, type, bitfield))
			return true;
	}
	return false;
}

/* Does the chain, from step from of type id, end at a bit field? typeof()
 * and '&', which the rest of the chain's C uses, can't take one, so its
 * last step is read another way (bitfield_read). */
static bool ends_at_bitfield(const struct btf *btf, __u32 id, const struct vec *chain, int from)
{
	bool bitfield = false;

	for (int i = from; btf && i < chain->len; i++) {
		const struct ast_step *st = chain->items[i];
		const struct btf_type *t = btf__type_by_id(btf, id = skip_mods(btf, id));

		if (!t)
			return false;
		if (st->is_index) {
			if (!btf_is_ptr(t) && !btf_is_array(t))
				return false;
			id = btf_is_ptr(t) ? t->type : btf_array(t)->type;
			bitfield = false;
			continue;
		}
		if (btf_is_ptr(t))
			id = t->type;
		if (!find_member(btf, id, st->member, &id, &bitfield))
			return false;
	}
	return bitfield;
}

/* The BTF id of @cast's type, by the C spelling pass 2 left in n->str. */
static __u32 cast_type_id(const struct btf *btf, const char *c)
{
	static const struct { const char *prefix; int kind; } kinds[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION },
	};
	__s32 id;

	for (size_t i = 0; btf && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(c, kinds[i].prefix, n) == 0) {
			id = btf__find_by_name_kind(btf, c + n, kinds[i].kind);
			return id > 0 ? (__u32)id : 0;
		}
	}
	id = btf ? btf__find_by_name_kind(btf, c, BTF_KIND_TYPEDEF) : -1;
	return id > 0 ? (__u32)id : 0;
}

struct walk {
	struct km *m;
	const char *addr;      /* int64_t temp: the address of the current object */
	const char *type;      /* C type of the current object */
	const char *near;
	bool bitfield;         /* the chain ends at a bit field */
};

static void load_pointer(struct walk *w)
{
	km_line(w->m, "{ void *p_; if (copy_from_kernel_nofault(&p_, (const void *)(long)%s, "
		      "sizeof(p_))) tapir_error_at(c, \"kernel read fault\", %s); else %s = (long)p_; }",
		w->addr, w->near, w->addr);
	km_check(w->m);
	w->type = arena_printf(w->m->f->e->arena, "typeof(*(%s)0)", w->type);
}

static void step(struct walk *w, const struct ast_step *st, char how, bool loaded)
{
	struct arena *a = w->m->f->e->arena;

	if (how == CTX_STEP_LOAD && !loaded)
		load_pointer(w);
	if (st->is_index) {
		const char *ix = km_expr(w->m, st->index);

		/* an array in place is indexed as an array; a pointer just
		 * loaded, or the cast pointer itself, steps by elements */
		if (how == CTX_STEP_IN_PLACE) {
			km_line(w->m, "%s = (long)&(*(%s *)(long)%s)[%s];", w->addr, w->type, w->addr, ix);
			w->type = arena_printf(a, "typeof((*(%s *)0)[0])", w->type);
		} else {
			km_line(w->m, "%s = (long)&((%s *)(long)%s)[%s];", w->addr, w->type, w->addr, ix);
		}
		return;
	}
	km_line(w->m, "%s = (long)&((%s *)(long)%s)->%s;", w->addr, w->type, w->addr, st->member);
	w->type = arena_printf(a, "typeof(((%s *)0)->%s)", w->type, st->member);
}

/* The value of a scalar or pointer object of at most 8 bytes. */
static const char *read_value(struct walk *w)
{
	const char *r = km_tmp_long(w->m);

	km_line(w->m, "{ u64 raw_ = 0; if (copy_from_kernel_nofault(&raw_, (const void *)(long)%s, "
		      "sizeof(%s) < 8 ? sizeof(%s) : 8)) tapir_error_at(c, \"kernel read fault\", %s); "
		      "%s = (int64_t)*(%s *)&raw_; }",
		w->addr, w->type, w->type, w->near, r, w->type);
	km_check(w->m);
	return r;
}

/* The tapir_bfN that says where member of the struct type (C) lies: the
 * module's init finds it by setting the field in a zeroed object (see
 * tapir_ktypes.h); one per type and member. */
static int bitfield_site(struct km_file *f, const char *type, const char *member)
{
	const char *key = arena_printf(f->e->arena, "%s.%s", type, member);
	int id;

	for (id = 0; id < f->bitfields.len; id++)
		if (strcmp(f->bitfields.items[id], key) == 0)
			return id;
	vec_push(f->e->arena, &f->bitfields, (void *)key);
	sb_printf(&f->decls, "static struct tapir_bitfield tapir_bf%d;\n", id);
	sb_printf(&f->init, "\t{\n\t\tint rc_ = TAPIR_BITFIELD_LOCATE(&tapir_bf%d, %s, %s);\n\n"
			    "\t\tif (rc_) {\n\t\t\tpr_err(\"%%s: bit field '%s': its bits not found "
			    "(errno %%d)\\n\", KBUILD_MODNAME, -rc_);\n\t\t\treturn rc_;\n\t\t}\n\t}\n",
		  id, type, member, member);
	return id;
}

/* The last step of a chain that ends at a bit field: its value, or with
 * address the address of the first byte that holds it (as SystemTap's
 * '&' of a bit field gives the address of its storage). */
static const char *bitfield_read(struct walk *w, const struct ast_step *st, char how,
				 bool loaded, bool address)
{
	int id;
	const char *r;

	if (how == CTX_STEP_LOAD && !loaded)
		load_pointer(w);
	id = bitfield_site(w->m->f, w->type, st->member);
	if (address)
		return arena_printf(w->m->f->e->arena, "(%s + (int64_t)tapir_bf%d.off)", w->addr, id);
	r = km_tmp_long(w->m);
	km_line(w->m, "if (tapir_bitfield_read(&tapir_bf%d, (long)%s, &%s)) "
		      "tapir_error_at(c, \"kernel read fault\", %s);", id, w->addr, r, w->near);
	km_check(w->m);
	return r;
}

/* Walk chain (plan from pass 2) from the object of type w->type at
 * w->addr; the first step's load is already done when loaded. */
static const char *walk_chain(struct walk *w, const struct vec *chain, const char *plan,
			      bool loaded, bool address)
{
	char end = plan[chain->len];
	int last = chain->len - 1;

	w->m->f->uses_types = true;
	for (int i = 0; i < chain->len - (w->bitfield ? 1 : 0); i++)
		step(w, chain->items[i], plan[i], loaded && i == 0);
	if (w->bitfield)
		return bitfield_read(w, chain->items[last], plan[last], loaded && last == 0, address);
	if (address || end != CTX_END_VALUE)
		return w->addr;
	return read_value(w);
}

const char *km_cast(struct km *m, struct ast *n, bool address)
{
	struct walk w = { .m = m, .type = n->str };
	const struct btf *btf = m->f->e->tpdb ? tpdb_btf(m->f->e->tpdb) : NULL;

	if (!n->plan || !n->str) {
		km_error(m, n->loc, "@cast of this type is not supported on the kmod runtime yet");
		return "0";
	}
	if (n->pretty) {
		km_error(m, n->loc, "pretty-printing '%s' is not supported on the kmod runtime yet",
			 n->pretty);
		return "0";
	}
	w.bitfield = n->chain.len && ends_at_bitfield(btf, cast_type_id(btf, n->str), &n->chain,
						      n->plan[0] == CTX_STEP_CAST_INDEX);
	w.near = km_near(m, "operator '@cast'", n->loc);
	w.addr = km_tmp_long(m);
	km_line(m, "%s = %s;", w.addr, km_expr(m, n->lhs));
	if (n->chain.len == 0)
		return w.addr;
	return walk_chain(&w, &n->chain, n->plan, false, address);
}

/* The plan of $var's chain, from its BTF type. */
static const char *target_plan(struct km *m, const struct ctx_var *v, struct ast *n)
{
	struct ctx_walk_out out = { .btf = v->btf };

	out.plan = arena_alloc(m->f->e->arena, (size_t)n->chain.len + 2);
	if (!var_btf(m, v) || !v->btf_id ||
	    ctx_chain_walk(m->f->e, (unsigned)v->btf_id, n, 0, n->name, false, &out) == CTX_CHAIN_BAD)
		return NULL;
	return out.plan;
}

static const char *target_chain(struct km *m, struct ast *n, const struct ctx_var *v,
				const char *raw, bool address)
{
	struct walk w = { .m = m };
	const char *plan = target_plan(m, v, n);

	w.bitfield = ends_at_bitfield(var_btf(m, v), (__u32)v->btf_id, &n->chain, 0);
	if (!plan || plan[0] != CTX_STEP_LOAD) {
		km_error(m, n->loc, "'%s': this member access is not supported on the kmod "
			 "runtime yet", n->name);
		return "0";
	}
	w.near = km_near(m, arena_printf(m->f->e->arena, "identifier '%s'", n->name), n->loc);
	w.addr = km_tmp_long(m);
	/* a pointer argument: its first step starts at what it points to */
	w.type = arena_printf(m->f->e->arena, "typeof(*(%s)0)", v->type_name);
	km_line(m, "%s = (long)(%s);", w.addr, raw);
	return walk_chain(&w, &n->chain, plan, true, address);
}

/* ---- $$vars, $$parms, $$return --------------------------------------------------- */

/* "name=0x1f name2=0x0 ...", as SystemTap prints them; "name=?" for one
 * that can't be read. A tracepoint's arguments and a kernel function's
 * parameters are all parameters: $$locals is empty without DWARF. */
static const char *multi_var(struct km *m, struct ast *n)
{
	const struct vec *vars = &m->dp->target->vars;
	bool ret = strcmp(n->name, "$$return") == 0;
	const char *res = km_tmp_str(m), *sep = "";

	km_line(m, "%s[0] = '\\0';", res);
	if (strcmp(n->name, "$$locals") == 0)
		return res;
	km_line(m, "{");
	m->indent++;
	km_line(m, "size_t n_ = 0;");
	for (int i = 0; i < vars->len; i++) {
		const struct ctx_var *v = vars->items[i];
		bool is_ret = m->dp->target->kind == PK_KFUNC && v->src == KF_SRC_RETURN;
		const char *raw;

		if (is_ret != ret)
			continue;
		raw = raw_value(m, v, n->loc, false);
		if (raw)
			km_line(m, "n_ += scnprintf(%s + n_, TAPIR_MAXSTRINGLEN - n_, \"%s%s=0x%%llx\", "
				   "(unsigned long long)%s);", res, sep, v->name, var_value(m, v, raw));
		else
			km_line(m, "n_ += scnprintf(%s + n_, TAPIR_MAXSTRINGLEN - n_, \"%s%s=?\");", res,
				sep, v->name);
		sep = " ";
	}
	km_line(m, "(void)n_;");
	m->indent--;
	km_line(m, "}");
	return res;
}

static bool is_multi(const char *name)
{
	return strcmp(name, "$$vars") == 0 || strcmp(name, "$$parms") == 0 ||
	       strcmp(name, "$$locals") == 0 || strcmp(name, "$$return") == 0;
}

const char *km_ctx_target(struct km *m, struct ast *n, bool address)
{
	const struct ctx_var *v;
	const char *raw;

	if (n->pretty) {
		km_error(m, n->loc, "pretty-printing '%s' is not supported on the kmod runtime yet",
			 n->pretty);
		return "0";
	}
	if (is_multi(n->name) && !n->chain.len && !address)
		return multi_var(m, n);
	if (!(v = find_var(m->dp, n->name + 1))) {
		km_error(m, n->loc, "context variable '%s' is not available here", n->name);
		return "0";
	}
	if (!(raw = raw_value(m, v, n->loc, true)))
		return "0";
	if (n->chain.len)
		return target_chain(m, n, v, raw, address);
	if (address) {
		km_error(m, n->loc, "'%s' has no address: it is not in memory", n->name);
		return "0";
	}
	return var_value(m, v, raw);
}
