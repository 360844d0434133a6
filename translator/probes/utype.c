/* utype.c - DWARF types of user-space context variables: their names as
 * SystemTap prints them, and the walk of a $var's ->member/[index] chain
 * that checks each step against the types and lowers it to an access
 * recipe (uvar.h).
 */
#include <dwarf.h>
#include <string.h>

#include "probes/uvar.h"

static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;

	return dwarf_attr_integrate(die, DW_AT_type, &at) && dwarf_formref_die(&at, out);
}

/* Through typedefs and qualifiers; false at void. */
static bool strip(Dwarf_Die *t)
{
	for (;;) {
		int tag = dwarf_tag(t);

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
			return true;
		if (!type_of(t, t))
			return false;
	}
}

static void type_text(struct strbuf *sb, Dwarf_Die *t)
{
	Dwarf_Die inner;
	const char *name = dwarf_diename(t);
	bool has_inner = type_of(t, &inner);

	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
		if (has_inner)
			type_text(sb, &inner);
		else
			sb_puts(sb, "void");
		sb_putc(sb, '*');
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		if (has_inner)
			type_text(sb, &inner);
		else
			sb_puts(sb, "void");
		sb_puts(sb, dwarf_tag(t) == DW_TAG_const_type ? " const" : " volatile");
		return;
	case DW_TAG_array_type:
		if (has_inner)
			type_text(sb, &inner);
		sb_puts(sb, "[]");
		return;
	case DW_TAG_structure_type:
		sb_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		sb_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		sb_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_subroutine_type:
		sb_puts(sb, "void");
		return;
	case DW_TAG_restrict_type:
		if (has_inner)
			type_text(sb, &inner);
		return;
	default:
		sb_puts(sb, name ? name : "void");
	}
}

const char *uvar_type_text(struct arena *a, struct uelf *u, Dwarf_Die *type)
{
	struct strbuf sb = { 0 };
	const char *r;

	(void)u;
	type_text(&sb, type);
	r = arena_strdup(a, sb.data ? sb.data : "void");
	sb_free(&sb);
	return r;
}

/* ---- the chain walk ---------------------------------------------------- */

struct walk {
	struct elab *e;
	const struct ast *target;
	bool report;
	struct uaccess *acc;
	Dwarf_Die type;            /* the running value's type */
};

/* Report an error at loc (when reporting); the message is formatted
 * here so that every caller's format is checked. */
#define fail(w, loc, ...) fail_msg((w), (loc), arena_printf((w)->e->arena, __VA_ARGS__))

static bool fail_msg(struct walk *w, struct loc loc, const char *msg)
{
	if (w->report)
		diag_at(w->e->diag, DIAG_ERROR, loc, "%s", msg);
	return false;
}

static const char *cur_text(struct walk *w)
{
	return uvar_type_text(w->e->arena, NULL, &w->type);
}

static bool push(struct walk *w, enum ustep_op op, int64_t num, struct ast *index)
{
	struct uaccess *acc = w->acc;

	if (acc->nsteps >= (int)(sizeof(acc->steps) / sizeof(acc->steps[0])))
		return false;
	acc->steps[acc->nsteps++] = (struct ustep){ op, num, index };
	return true;
}

/* The running value is a pointer: make it the address of its target. */
static bool through_pointer(struct walk *w)
{
	if (w->acc->at_address && !push(w, USTEP_DEREF, 8, NULL))
		return false;
	w->acc->at_address = true;
	return true;
}

static bool member_offset(Dwarf_Die *m, int64_t *off)
{
	Dwarf_Attribute at;
	Dwarf_Word v = 0;

	if (dwarf_hasattr(m, DW_AT_bit_size))
		return false;
	if (dwarf_attr(m, DW_AT_data_member_location, &at) && dwarf_formudata(&at, &v) != 0)
		return false;
	*off = (int64_t)v;
	return true;
}

/* Member name of aggregate agg (anonymous members looked through). */
static bool find_member(Dwarf_Die *agg, const char *name, Dwarf_Die *out, int64_t *off)
{
	Dwarf_Die c, t;

	if (dwarf_child(agg, &c) != 0)
		return false;
	do {
		const char *mn = dwarf_diename(&c);
		int64_t o;

		if (dwarf_tag(&c) != DW_TAG_member || !member_offset(&c, &o))
			continue;
		if (mn && strcmp(mn, name) == 0 && type_of(&c, out)) {
			*off = o;
			return true;
		}
		if (!mn && type_of(&c, &t) && strip(&t) && find_member(&t, name, out, off)) {
			*off += o;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static void member_names(Dwarf_Die *agg, const char **out, int *n, int max)
{
	Dwarf_Die c, t;

	if (dwarf_child(agg, &c) != 0)
		return;
	do {
		const char *mn = dwarf_diename(&c);

		if (dwarf_tag(&c) != DW_TAG_member || *n >= max)
			continue;
		if (mn)
			out[(*n)++] = mn;
		else if (type_of(&c, &t) && strip(&t))
			member_names(&t, out, n, max);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void suggest_member(struct walk *w, Dwarf_Die *agg, const char *name)
{
	const char *names[256], *close;
	int n = 0;

	if (!w->report)
		return;
	member_names(agg, names, &n, 256);
	if ((close = diag_closest(name, names, n)))
		diag_hint(w->e->diag, "did you mean '%s'?", close);
}

static bool step_member(struct walk *w, const struct ast_step *st)
{
	Dwarf_Die t = w->type, mt;
	int64_t off;

	if (!strip(&t))
		return fail(w, st->loc, "a void value has no member '%s'", st->member);
	if (dwarf_tag(&t) == DW_TAG_pointer_type) {
		if (!type_of(&t, &t) || !strip(&t))
			return fail(w, st->loc, "'%s' points to void: it has no member '%s'", cur_text(w),
				    st->member);
		if (!through_pointer(w))
			return false;
	} else if (!w->acc->at_address) {
		return fail(w, st->loc, "'%s' is held in a register: its member '%s' can't be read",
			    cur_text(w), st->member);
	}
	if (dwarf_tag(&t) != DW_TAG_structure_type && dwarf_tag(&t) != DW_TAG_union_type)
		return fail(w, st->loc, "'%s' is not a struct or union: it has no member '%s'",
			    cur_text(w), st->member);
	if (!find_member(&t, st->member, &mt, &off)) {
		fail(w, st->loc, "%s has no member '%s'", uvar_type_text(w->e->arena, NULL, &t),
		     st->member);
		suggest_member(w, &t, st->member);
		return false;
	}
	w->type = mt;
	return !off || push(w, USTEP_ADD, off, NULL);
}

static int64_t size_of(Dwarf_Die *t)
{
	Dwarf_Word n = 0;
	Dwarf_Die s = *t;

	if (!strip(&s))
		return 1;
	if (dwarf_tag(&s) == DW_TAG_pointer_type)
		return 8;
	return dwarf_aggregate_size(&s, &n) == 0 ? (int64_t)n : 0;
}

static bool step_index(struct walk *w, const struct ast_step *st)
{
	Dwarf_Die t = w->type, elem;
	int tag;

	if (!strip(&t))
		return fail(w, st->loc, "'%s' is void: it can't be indexed", cur_text(w));
	tag = dwarf_tag(&t);
	if ((tag != DW_TAG_pointer_type && tag != DW_TAG_array_type) || !type_of(&t, &elem))
		return fail(w, st->loc, "'%s' is not a pointer or an array: it can't be indexed",
			    cur_text(w));
	if (tag == DW_TAG_pointer_type && !through_pointer(w))
		return false;
	if (tag == DW_TAG_array_type && !w->acc->at_address)
		return fail(w, st->loc, "'%s' is held in a register: it can't be indexed",
			    cur_text(w));
	w->type = elem;
	return push(w, USTEP_INDEX, size_of(&elem), st->index);
}

/* How the chain's end is read: size and signedness, or an aggregate. */
static void finish(struct walk *w)
{
	struct uaccess *acc = w->acc;
	Dwarf_Die t = w->type;
	Dwarf_Attribute at;
	Dwarf_Word enc = 0;
	int tag;

	acc->type = cur_text(w);
	acc->type_die = dwarf_dieoffset(&w->type);
	acc->size = 8;
	if (!strip(&t))
		return;
	tag = dwarf_tag(&t);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		acc->aggregate = true;
		return;
	}
	if (tag == DW_TAG_array_type) {
		acc->is_array = true; /* read as its address, as in C */
		return;
	}
	if (tag == DW_TAG_pointer_type)
		return;
	acc->size = (int)size_of(&t);
	if (acc->size != 1 && acc->size != 2 && acc->size != 4)
		acc->size = 8;
	if (tag == DW_TAG_enumeration_type)
		acc->is_signed = true;
	else if (dwarf_attr(&t, DW_AT_encoding, &at) && dwarf_formudata(&at, &enc) == 0)
		acc->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

/* The recipe of a variable with no DWARF type: an SDT argument. */
static bool plain(const struct uvar *uv, const struct ast *target, struct uaccess *acc)
{
	acc->base = uv->loc;
	acc->at_address = uv->loc.kind == ULOC_MEM || uv->loc.kind == ULOC_ABS;
	acc->size = uv->size < 0 ? -uv->size : uv->size ? uv->size : 8;
	acc->is_signed = uv->size < 0;
	acc->type = "long";
	return target->chain.len == 0;
}

bool uvar_access(struct elab *e, const struct ctx_var *v, const struct ast *target, bool report,
		 struct uaccess *acc)
{
	const struct uvar *uv = v->data;
	struct walk w = { .e = e, .target = target, .report = report, .acc = acc };

	memset(acc, 0, sizeof(*acc));
	if (uv->err && e->opt.skip_badvars) {
		if (report)
			diag_at(e->diag, DIAG_WARNING, target->loc,
				"can't read '%s' here: %s; it reads 0 (--skip-badvars)", target->name,
				uv->err);
		acc->base.kind = ULOC_CONST;
		acc->size = 8;
		acc->type = "long";
		return true;
	}
	if (uv->err) {
		if (report)
			diag_at(e->diag, DIAG_ERROR, target->loc, "can't read '%s' here: %s",
				target->name, uv->err);
		return false;
	}
	if (!uv->type) {
		if (plain(uv, target, acc))
			return true;
		return fail(&w, target->loc, "'%s' is a long: it has no member or element to read",
			    target->name);
	}
	return uvar_walk(e, uv->u, uv->type, uv->loc, target, report, acc);
}

bool uvar_walk(struct elab *e, struct uelf *u, Dwarf_Off type, struct uloc base,
	       const struct ast *target, bool report, struct uaccess *acc)
{
	struct walk w = { .e = e, .target = target, .report = report, .acc = acc };

	if (!u->dw || !dwarf_offdie(u->dw, type, &w.type))
		return fail(&w, target->loc, "'%s': its type can't be read",
			    target->name ? target->name : "@cast");
	acc->base = base;
	acc->at_address = base.kind == ULOC_MEM || base.kind == ULOC_ABS || base.kind == ULOC_EXPR;
	for (int i = 0; i < target->chain.len; i++) {
		const struct ast_step *st = target->chain.items[i];

		if (!(st->is_index ? step_index(&w, st) : step_member(&w, st)))
			return false;
	}
	finish(&w);
	return true;
}

enum ctx_chain uvar_chain_check(struct elab *e, const struct ctx_var *v, const struct ast *target,
				bool report, const char **type)
{
	struct uaccess acc;

	if (!uvar_access(e, v, target, report, &acc))
		return CTX_CHAIN_BAD;
	if (type)
		*type = acc.type;
	return acc.aggregate ? CTX_CHAIN_AGGREGATE : CTX_CHAIN_OK;
}

/* ---- members, for $var$ ---------------------------------------------------- */

static void classify(Dwarf_Die *type, struct umember *m)
{
	Dwarf_Die t = *type, elem;
	Dwarf_Attribute at;
	Dwarf_Word enc = 0;
	int tag;

	m->kind = UMEM_INT;
	m->size = 8;
	if (!strip(&t))
		return;
	tag = dwarf_tag(&t);
	if (tag == DW_TAG_pointer_type) {
		m->kind = UMEM_PTR;
	} else if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		m->kind = UMEM_AGGREGATE;
	} else if (tag == DW_TAG_array_type) {
		m->kind = UMEM_ARRAY;
		if (type_of(&t, &elem) && strip(&elem) && size_of(&elem) == 1 &&
		    dwarf_tag(&elem) == DW_TAG_base_type) {
			m->kind = UMEM_CHARS;
			m->size = (int)size_of(&t);
		}
	} else {
		m->size = (int)size_of(&t);
		if (m->size != 1 && m->size != 2 && m->size != 4)
			m->size = 8;
		m->is_signed = tag == DW_TAG_enumeration_type ||
			       (dwarf_attr(&t, DW_AT_encoding, &at) && dwarf_formudata(&at, &enc) == 0 &&
				(enc == DW_ATE_signed || enc == DW_ATE_signed_char));
	}
}

int uvar_members(struct uelf *u, Dwarf_Off type, struct umember *out, int max)
{
	Dwarf_Die t, c, mt;
	int n = 0;

	if (!u->dw || !dwarf_offdie(u->dw, type, &t) || !strip(&t) || dwarf_child(&t, &c) != 0)
		return 0;
	do {
		const char *name = dwarf_diename(&c);
		int64_t off;

		if (dwarf_tag(&c) != DW_TAG_member || !name || !member_offset(&c, &off) ||
		    !type_of(&c, &mt) || n >= max)
			continue;
		memset(&out[n], 0, sizeof(out[n])); /* classify() sets only what its kind uses */
		out[n].name = name;
		out[n].offset = off;
		classify(&mt, &out[n]);
		n++;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

enum umember_kind uvar_pointee(struct uelf *u, Dwarf_Off type, Dwarf_Off *pointee)
{
	Dwarf_Die t, p;
	int tag;

	if (!u->dw || !type || !dwarf_offdie(u->dw, type, &t) || !strip(&t) ||
	    dwarf_tag(&t) != DW_TAG_pointer_type || !type_of(&t, &p) || !strip(&p))
		return UMEM_INT;
	tag = dwarf_tag(&p);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		*pointee = dwarf_dieoffset(&p);
		return UMEM_AGGREGATE;
	}
	return tag == DW_TAG_base_type && size_of(&p) == 1 ? UMEM_CHARS : UMEM_INT;
}
