/* kfunc_vars.c - a kernel function's context variables from its BTF
 * prototype: $param for each named parameter, $return for .return. */
#include <bpf/btf.h>

#include "probes/kfunc.h"
#include "probes/kfunc_db.h"
#include "probes/tracepoint_db.h"

static struct ctx_var *new_var(struct elab *e, const struct kfdb_func *f, const char *name,
			       __u32 type, int src, int index)
{
	struct ctx_var *v = arena_alloc(e->arena, sizeof(*v));
	char buf[256];

	tpdb_btf_type_text(f->btf, type, buf, sizeof(buf));
	v->name = arena_strdup(e->arena, name);
	v->type_name = arena_strdup(e->arena, buf);
	v->type = TYPE_LONG;
	v->btf_id = (int)type;
	v->btf = f->btf;
	v->src = src;
	v->index = index;
	return v;
}

/* Registers (fentry/kprobe: 8-byte slots) an argument of this type takes:
 * a struct of 9 to 16 bytes passed by value takes two. */
static int arg_slots(const struct btf *btf, __u32 type)
{
	__s64 size = type ? btf__resolve_size(btf, type) : 8;

	return size > 8 ? (int)((size + 7) / 8) : 1;
}

void kfunc_add_vars(struct elab *e, struct probe_target *t, const struct kfdb_func *f,
		    bool is_return)
{
	const struct btf_type *proto = f->btf ? btf__type_by_id(f->btf, f->proto) : NULL;
	const struct btf_param *p;
	int slot = 0;

	t->num[1] = -1;
	if (!proto || !btf_is_func_proto(proto))
		return;
	p = btf_params(proto);
	for (int i = 0; i < btf_vlen(proto) && p[i].type; i++)
		slot += arg_slots(f->btf, p[i].type);
	t->num[1] = slot;
	/* SystemTap lists $return first */
	if (is_return && proto->type)
		vec_push(e->arena, &t->vars, new_var(e, f, "return", proto->type, KF_SRC_RETURN, slot));
	slot = 0;
	for (int i = 0; i < btf_vlen(proto); i++) {
		const char *name = btf__name_by_offset(f->btf, p[i].name_off);

		if (!p[i].type)
			break; /* '...' */
		if (name && *name)
			vec_push(e->arena, &t->vars,
				 new_var(e, f, name, p[i].type, KF_SRC_ARG, slot));
		slot += arg_slots(f->btf, p[i].type);
	}
}
