/* emit_tpchain.c - the C operator of each step of a tracepoint $var's
 * member chain. A tp_btf program dereferences BTF pointers directly, so
 * $bio->bi_iter->bi_size (SystemTap's "->" for every step) must become
 * "->bi_iter.bi_size" where bi_iter is a struct held by value.  A bitfield
 * ($p->in_iowait) is read as libbpf's BPF_CORE_READ_BITFIELD does: clang's
 * own load of its storage unit may start past the bitfield's byte, which
 * the verifier refuses ("doesn't have field at offset"). */
#include <bpf/btf.h>
#include <string.h>

#include "emit.h"
#include "probes/tracepoint_db.h"

static __u32 tpc_skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	while (id && (t = btf__type_by_id(btf, id)) &&
	       (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t)))
		id = t->type;
	return id;
}

static bool tpc_is_aggregate(const struct btf_type *t)
{
	return t && (btf_is_struct(t) || btf_is_union(t));
}

/* The type of member name of aggregate id, looking into anonymous members;
 * *bitfield says whether it is one. */
static __u32 tpc_member(const struct btf *btf, __u32 id, const char *name, bool *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, tpc_skip_mods(btf, id));
	const struct btf_member *mb;

	if (!tpc_is_aggregate(t))
		return 0;
	mb = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mb++) {
		const char *mn = btf__name_by_offset(btf, mb->name_off);
		__u32 inner;

		if (mn && *mn && strcmp(mn, name) == 0) {
			*bitfield = btf_member_bitfield_size(t, i) > 0;
			return mb->type;
		}
		if ((!mn || !*mn) && (inner = tpc_member(btf, mb->type, name, bitfield)))
			return inner;
	}
	return 0;
}

/* Step *id (0: unknown) over member (NULL: an index); returns the C
 * operator a member step needs, "->" when the type is unknown, and sets
 * *bitfield when the member is a bitfield. */
const char *em_tp_chain_step(struct em *m, uint32_t *id, const char *member, bool *bitfield)
{
	const struct btf *btf = m->f->e->tpdb ? tpdb_btf(m->f->e->tpdb) : NULL;
	const struct btf_type *t;
	bool ptr;

	*bitfield = false;
	if (!btf || !*id || !(t = btf__type_by_id(btf, tpc_skip_mods(btf, *id)))) {
		*id = 0;
		return "->";
	}
	ptr = btf_is_ptr(t);
	if (!member) {
		*id = ptr ? t->type : btf_is_array(t) ? btf_array(t)->type : 0;
		return "";
	}
	*id = tpc_member(btf, ptr ? t->type : *id, member, bitfield);
	return ptr ? "->" : ".";
}
