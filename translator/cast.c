/* cast.c - @cast(ptr, "type" [, "module"]) resolved against the kernel's
 * BTF: the type named (task_struct, "struct task_struct", a typedef, a
 * union) and the member chain after it, as SystemTap resolves them against
 * DWARF. The emitters read the chain with the plan ctx_chain_walk leaves in
 * the node: which steps go through a pointer, what the chain ends at.
 */
#include <bpf/btf.h>
#include <stdint.h>
#include <string.h>

#include "elab.h"
#include "probes/tracepoint_db.h"

static const struct { const char *prefix; int kind; } spelled[] = {
	{ "struct ", BTF_KIND_STRUCT },
	{ "union ", BTF_KIND_UNION },
	{ "enum ", BTF_KIND_ENUM },
};

/* The kinds a bare name is tried as, in SystemTap's order of preference. */
static const int bare_kinds[] = {
	BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF, BTF_KIND_INT, BTF_KIND_ENUM,
};

static const char *kind_prefix(int kind)
{
	for (size_t i = 0; i < sizeof(spelled) / sizeof(spelled[0]); i++)
		if (spelled[i].kind == kind)
			return spelled[i].prefix;
	return "";
}

/* The BTF id of the type called name (0 if none); its C spelling in *c. */
static __s32 find_type(struct elab *e, const struct btf *btf, const char *name, const char **c)
{
	while (*name == ' ' || *name == '\t')
		name++;
	for (size_t i = 0; i < sizeof(spelled) / sizeof(spelled[0]); i++) {
		size_t n = strlen(spelled[i].prefix);

		if (strncmp(name, spelled[i].prefix, n) == 0) {
			__s32 id = btf__find_by_name_kind(btf, name + n, spelled[i].kind);

			*c = name;
			return id > 0 ? id : 0;
		}
	}
	for (size_t i = 0; i < sizeof(bare_kinds) / sizeof(bare_kinds[0]); i++) {
		__s32 id = btf__find_by_name_kind(btf, name, bare_kinds[i]);

		if (id > 0) {
			*c = arena_printf(e->arena, "%s%s", kind_prefix(bare_kinds[i]), name);
			return id;
		}
	}
	return 0;
}

/* Only the kernel's own types are known (module and user-space types
 * need their BTF or DWARF: not read yet). */
static bool kernel_module(const char *m)
{
	return strcmp(m, "kernel") == 0 || strcmp(m, "vmlinux") == 0 ||
	       strncmp(m, "kernel<", 7) == 0;
}

static const char *cast_text(struct elab *e, const struct ast *n)
{
	struct strbuf sb = { 0 };
	const char *s;

	sb_puts(&sb, "@cast(");
	print_expr(&sb, n->lhs);
	for (int i = 0; i < n->args.len; i++) {
		const struct ast *a = n->args.items[i];

		sb_printf(&sb, ", \"%s\"", a->str);
	}
	sb_putc(&sb, ')');
	s = arena_strdup(e->arena, sb.data);
	sb_free(&sb);
	return s;
}

/* The kernel's BTF (-r: that kernel's), through the tracepoint database
 * (opened here when no tracepoint probe has opened it yet). */
static const struct btf *kernel_btf(struct elab *e)
{
	return trace_db(e, NULL) ? tpdb_btf(e->tpdb) : NULL;
}

static bool where_from(struct elab *e, struct ast *n, bool report, const struct btf **btf)
{
	const struct ast *mod = n->args.len > 1 ? n->args.items[1] : NULL;

	*btf = kernel_btf(e);
	if (mod && !kernel_module(mod->str)) {
		if (report)
			diag_at(e->diag, DIAG_ERROR, mod->loc,
				"@cast to a type of '%s' is not supported yet: only the "
				"kernel's types (from its BTF) are known", mod->str);
		return false;
	}
	if (!*btf) {
		if (report)
			diag_at(e->diag, DIAG_ERROR, n->loc,
				"@cast needs the kernel's BTF (/sys/kernel/btf/vmlinux), "
				"which this system doesn't have");
		return false;
	}
	return true;
}

bool cast_resolve(struct elab *e, struct ast *n, bool report, bool in_addrof)
{
	const struct ast *type = n->args.items[0];
	const struct btf *btf;
	const char *c = NULL;
	struct ctx_walk_out out = { 0 };
	struct cast_layout *layout;
	char *plan;
	int from;
	__s32 id;
	enum ctx_chain r;

	if (!where_from(e, n, report, &btf))
		return false;
	id = find_type(e, btf, type->str, &c);
	if (!id) {
		if (report)
			diag_at(e->diag, DIAG_ERROR, type->loc,
				"no type '%s' in the kernel's BTF", type->str);
		return false;
	}
	plan = arena_alloc(e->arena, (size_t)n->chain.len + 2);
	out.steps = arena_alloc(e->arena, sizeof(int64_t) * (size_t)(n->chain.len + 1));
	/* @cast(p, "T") is p as a T *: '->m' is a member of the T at p, and
	 * '[i]' the i-th T from p; the walk goes on from the T */
	out.offset_known = true;
	from = n->chain.len > 0 && ((struct ast_step *)n->chain.items[0])->is_index;
	if (from) {
		const struct ast_step *st = n->chain.items[0];
		__s64 size = btf__resolve_size(btf, id);

		plan[0] = CTX_STEP_CAST_INDEX;
		out.steps[0] = size;
		if (st->index->kind == AST_NUM && size >= 0)
			out.offset = st->index->num * size;
		else
			out.offset_known = false;
	}
	out.plan = plan;
	r = ctx_chain_walk(e, (unsigned)id, n, from, cast_text(e, n), report, &out);
	if (r == CTX_CHAIN_BAD)
		return false;
	if (n->chain.len == 0)      /* @cast(p, "T") alone is p, typed */
		plan[0] = CTX_END_POINTER;
	else if (r == CTX_CHAIN_AGGREGATE && !in_addrof && !n->pretty) {
		if (report) {
			struct strbuf sb = { 0 };

			print_expr(&sb, n);
			diag_at(e->diag, DIAG_ERROR, n->loc, "'%s' is a %s, which has no value to read",
				sb.data, out.type);
			sb_free(&sb);
			diag_hint(e->diag, "read one of its members, or take its address with '&'");
		}
		return false;
	}
	layout = arena_alloc(e->arena, sizeof(*layout));
	*layout = (struct cast_layout){ .steps = out.steps, .size = out.size,
					.is_signed = out.is_signed, .bit_offset = out.bit_offset,
					.bit_size = out.bit_size };
	n->str = c;
	n->plan = plan;
	n->layout = layout;
	n->num = out.offset_known ? out.offset : INT64_MIN;
	return true;
}

bool cast_address(const struct ast *n, int64_t *value)
{
	if (n->kind != AST_CAST || !n->plan || n->num == INT64_MIN || n->lhs->kind != AST_NUM)
		return false;
	*value = (int64_t)((uint64_t)n->lhs->num + (uint64_t)n->num);
	return true;
}
