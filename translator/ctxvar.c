/* ctxvar.c - a context variable's member chain ($prev->se->vruntime,
 * $filename[0]) checked against the variable's BTF type,
 * as SystemTap checks it against DWARF: '->' names a member of a struct or
 * union (or of one a pointer points to; anonymous members are looked
 * through), '[i]' indexes a pointer or an array.
 */
#include <bpf/btf.h>
#include <string.h>

#include "elab.h"
#include "probes/tracepoint_db.h"
#include "probes/uvar.h"

struct walk {
	struct elab *e;
	const struct btf *btf;
	const struct ast *target;
	const char *prefix;    /* how the chain's start is written */
	struct ctx_walk_out *out; /* the plan and the offset, or NULL */
	bool report;
};

/* Through typedefs and qualifiers to the type that decides what a step
 * may do. */
static __u32 skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	while (id && (t = btf__type_by_id(btf, id)) &&
	       (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t)))
		id = t->type;
	return id;
}

static bool is_aggregate(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;

	return t && (btf_is_struct(t) || btf_is_union(t));
}

/* The member called name of aggregate id, looking into anonymous struct
 * and union members; its type in *type, its bit offset added to *bits,
 * its bitfield size (0: not a bitfield) in *bitfield. */
static bool find_member(const struct btf *btf, __u32 id, const char *name, __u32 *type,
			__u64 *bits, __u32 *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		__u32 mt = skip_mods(btf, m->type);
		__u64 at = btf_member_bit_offset(t, i);

		if (mn && *mn && strcmp(mn, name) == 0) {
			*type = m->type;
			*bits += at;
			*bitfield = btf_member_bitfield_size(t, i);
			return true;
		}
		if ((!mn || !*mn) && is_aggregate(btf, mt) &&
		    find_member(btf, mt, name, type, bits, bitfield)) {
			*bits += at;
			return true;
		}
	}
	return false;
}

static void member_names(const struct btf *btf, __u32 id, const char **out, int *n, int max)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t) && *n < max; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		__u32 mt = skip_mods(btf, m->type);

		if (mn && *mn)
			out[(*n)++] = mn;
		else if (is_aggregate(btf, mt))
			member_names(btf, mt, out, n, max);
	}
}

static const char *type_text(struct walk *w, __u32 id)
{
	char buf[256];

	tpdb_btf_type_text(w->btf, id, buf, sizeof(buf));
	return arena_strdup(w->e->arena, buf);
}

/* "$prev->se" : the chain's first nsteps steps, as written. */
static const char *chain_text(struct walk *w, int nsteps)
{
	struct strbuf sb = { 0 };
	const char *s;

	sb_puts(&sb, w->prefix);
	for (int i = 0; i < nsteps; i++) {
		const struct ast_step *st = w->target->chain.items[i];

		if (st->is_index) {
			sb_putc(&sb, '[');
			print_expr(&sb, st->index);
			sb_putc(&sb, ']');
		} else {
			sb_printf(&sb, "->%s", st->member);
		}
	}
	s = arena_strdup(w->e->arena, sb.data);
	sb_free(&sb);
	return s;
}

/* Where a member's name is written: after its '->' and any blanks. */
static struct loc member_loc(const struct ast_step *st)
{
	struct loc loc = st->loc;
	const char *p = loc.src ? loc.src->text : NULL;

	for (int line = 1; p && *p && line < loc.line; p++)
		line += *p == '\n';
	if (!p || (size_t)(loc.col - 1) > strlen(p))
		return loc;
	p += loc.col - 1;
	if (strncmp(p, "->", 2) != 0)
		return loc;
	for (p += 2, loc.col += 2; *p == ' ' || *p == '\t'; p++)
		loc.col++;
	loc.len = (int)strlen(st->member);
	return loc;
}

static bool no_member(struct walk *w, int i, __u32 agg)
{
	const struct ast_step *st = w->target->chain.items[i];
	const char *names[512], *close;
	int n = 0;

	if (!w->report)
		return false;
	diag_at(w->e->diag, DIAG_ERROR, member_loc(st), "%s has no member '%s' (in '%s')",
		type_text(w, agg), st->member, chain_text(w, i + 1));
	member_names(w->btf, agg, names, &n, 512);
	close = diag_closest(st->member, names, n);
	if (close)
		diag_hint(w->e->diag, "did you mean '%s'?", close);
	return false;
}

/* The plan's mark for step i, taken from the type before it. A step
 * through a pointer leaves the offset unknown. */
static void note_step(struct walk *w, int i, const struct btf_type *before)
{
	if (!w->out || !w->out->plan)
		return;
	if (before && btf_is_ptr(before)) {
		w->out->plan[i] = CTX_STEP_LOAD;
		w->out->offset_known = false;
	} else if (w->out->plan[i] != CTX_STEP_CAST_INDEX) {
		w->out->plan[i] = CTX_STEP_IN_PLACE;
	}
}

/* '[i]' on an array in place: a constant i moves the offset by i elements. */
static void add_index_offset(struct walk *w, const struct ast_step *st, __u32 elem)
{
	__s64 size;

	if (!w->out)
		return;
	size = btf__resolve_size(w->btf, elem);
	if (st->index->kind != AST_NUM || size < 0)
		w->out->offset_known = false;
	else
		w->out->offset += st->index->num * size;
}

/* The element size of index step i, for out->steps. */
static void note_element(struct walk *w, int i, __u32 elem)
{
	if (w->out && w->out->steps)
		w->out->steps[i] = btf__resolve_size(w->btf, elem);
	if (w->out)
		w->out->bit_size = w->out->bit_offset = 0;
}

/* One '->member' step from type id; the member's type in *id. */
static bool step_member(struct walk *w, int i, __u32 *id)
{
	const struct ast_step *st = w->target->chain.items[i];
	__u32 t = skip_mods(w->btf, *id);
	const struct btf_type *bt = t ? btf__type_by_id(w->btf, t) : NULL;
	__u64 bits = 0;
	__u32 bitfield = 0;

	if (bt && btf_is_ptr(bt))
		t = skip_mods(w->btf, bt->type);
	note_step(w, i, bt);
	if (!is_aggregate(w->btf, t)) {
		if (w->report)
			diag_at(w->e->diag, DIAG_ERROR, member_loc(st),
				"'%s' is a %s, not a struct or union: it has no member '%s'",
				chain_text(w, i), type_text(w, *id), st->member);
		return false;
	}
	if (!find_member(w->btf, t, st->member, id, &bits, &bitfield))
		return no_member(w, i, t);
	if (w->out) {
		w->out->offset += (int64_t)(bits / 8);
		if (w->out->steps)
			w->out->steps[i] = (int64_t)(bits / 8);
		w->out->bit_offset = bitfield ? (int)(bits % 8) : 0;
		w->out->bit_size = (int)bitfield;
	}
	return true;
}

/* One '[index]' step; the element's type in *id. */
static bool step_index(struct walk *w, int i, __u32 *id)
{
	const struct ast_step *st = w->target->chain.items[i];
	__u32 t = skip_mods(w->btf, *id);
	const struct btf_type *bt = t ? btf__type_by_id(w->btf, t) : NULL;

	note_step(w, i, bt);
	if (bt && btf_is_ptr(bt)) {
		*id = bt->type;
		note_element(w, i, *id);
		return true;
	}
	if (bt && btf_is_array(bt)) {
		*id = btf_array(bt)->type;
		add_index_offset(w, st, *id);
		note_element(w, i, *id);
		return true;
	}
	if (w->report)
		diag_at(w->e->diag, DIAG_ERROR, st->loc,
			"'%s' is a %s, not a pointer or an array: it can't be indexed",
			chain_text(w, i), type_text(w, *id));
	return false;
}

/* Does the chain end at a signed integer or enum? */
static bool is_signed(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	id = skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (t && btf_is_int(t))
		return btf_int_encoding(t) & BTF_INT_SIGNED;
	return t && (btf_is_enum(t) || btf_is_enum64(t)) && btf_kflag(t);
}

/* What the chain ends at, for the plan. */
static char end_kind(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	id = skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (t && btf_is_array(t))
		return CTX_END_ARRAY;
	if (t && (btf_is_struct(t) || btf_is_union(t)))
		return CTX_END_AGGREGATE;
	return CTX_END_VALUE;
}

enum ctx_chain ctx_chain_walk(struct elab *e, unsigned id, const struct ast *target, int from,
			      const char *prefix, bool report, struct ctx_walk_out *out)
{
	struct walk w = { .e = e, .btf = out && out->btf ? out->btf : tpdb_btf(e->tpdb),
			  .target = target, .prefix = prefix, .out = out, .report = report };

	for (int i = from; i < target->chain.len; i++) {
		const struct ast_step *st = target->chain.items[i];

		if (!(st->is_index ? step_index(&w, i, &id) : step_member(&w, i, &id)))
			return CTX_CHAIN_BAD;
	}
	if (out && out->plan) {
		out->plan[target->chain.len] = end_kind(w.btf, id);
		out->plan[target->chain.len + 1] = 0;
	}
	if (out) {
		out->type = type_text(&w, id);
		out->size = btf__resolve_size(w.btf, id);
		out->is_signed = is_signed(w.btf, id);
	}
	return is_aggregate(w.btf, skip_mods(w.btf, id)) ? CTX_CHAIN_AGGREGATE : CTX_CHAIN_OK;
}

enum ctx_chain ctx_chain_check(struct elab *e, const struct ctx_var *v, const struct ast *target,
			       bool report, const char **type)
{
	struct ctx_walk_out out = { .btf = v->btf };
	enum ctx_chain r;

	if (v->src == CTX_SRC_UVAR)
		return uvar_chain_check(e, v, target, report, type);
	if (!(v->btf ? v->btf : tpdb_btf(e->tpdb)) || !v->btf_id)
		return CTX_CHAIN_OK; /* nothing to check against */
	r = ctx_chain_walk(e, (unsigned)v->btf_id, target, 0, target->name, report, &out);
	if (type && r != CTX_CHAIN_BAD)
		*type = out.type;
	return r;
}
