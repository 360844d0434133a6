/* kmod_slice.c - array slices on the kmod runtime: '*' in an index, as in
 * foreach ([a, b] in arr[*, "x"]), [*, k] in arr and delete arr[*, k].
 * The module walks the array's entries (a kernel probe may: SystemTap's
 * does too) and keeps those whose keys equal the index's other values,
 * evaluated once, before the walk.
 */
#include <string.h>

#include "kmod.h"

bool km_has_star(const struct vec *args)
{
	for (int i = 0; i < args->len; i++) {
		if (((struct ast *)args->items[i])->kind == AST_STAR)
			return true;
	}
	return false;
}

/* The slice's values into a key temp; the C condition that the key at kv
 * (a const struct k_ARR *) matches it. */
const char *km_slice_match(struct km *m, const struct symbol *arr, struct vec *args,
			   const char *kv)
{
	struct arena *a = m->f->e->arena;
	const char *vals[ELAB_MAX_KEYS], *cond = "1";
	int n = m->ntemps++;

	for (int i = 0; i < args->len && i < ELAB_MAX_KEYS; i++) {
		struct ast *x = args->items[i];

		vals[i] = x->kind == AST_STAR ? NULL : km_arg_value(m, x);
	}
	km_field(m, true, km_key_bytes(m, arr), "\tstruct k_%s k%d;\n", arr->name, n);
	km_line(m, "memset(&F->k%d, 0, sizeof(F->k%d));", n, n);
	for (int i = 0; i < args->len && i < ELAB_MAX_KEYS; i++) {
		if (!vals[i])
			continue;
		if (arr->key_types[i] == TYPE_STRING) {
			km_line(m, "tapir_str_copy(F->k%d.k%d, %s);", n, i, vals[i]);
			cond = arena_printf(a, "%s && strcmp(%s->k%d, F->k%d.k%d) == 0", cond, kv, i, n, i);
		} else {
			km_line(m, "F->k%d.k%d = %s;", n, i, vals[i]);
			cond = arena_printf(a, "%s && %s->k%d == F->k%d.k%d", cond, kv, i, n, i);
		}
	}
	return arena_printf(a, "(%s)", cond);
}

/* [*, k] in arr: is there an entry that matches? */
const char *km_slice_in(struct km *m, struct ast *n)
{
	const struct symbol *arr = n->rhs->sym;
	const char *cond = km_slice_match(m, arr, &n->args, "K"), *t = km_tmp_long(m);

	km_line(m, "%s = 0;", t);
	km_pmap_agg(m, arr, n->loc);
	km_line(m, "{ struct tapir_ent *e_; list_for_each_entry(e_, &g_%s->used, order) {", arr->name);
	km_line(m, "\tconst struct k_%s *K = tapir_ent_key(e_);", arr->name);
	km_line(m, "\tif (%s) { %s = 1; break; } } }", cond, t);
	return t;
}

/* delete arr[*, k]: every entry that matches. */
void km_slice_delete(struct km *m, struct ast *x)
{
	const struct symbol *arr = x->lhs->sym;
	const char *cond = km_slice_match(m, arr, &x->args, "K");
	const char *map = arr->type == TYPE_STATS ? "pm_" : "g_", *cpu = "";

	/* a statistic's entries are in each CPU's map */
	if (arr->type == TYPE_STATS) {
		km_line(m, "{ int cpu_; for_each_possible_cpu(cpu_) {");
		cpu = "[cpu_]";
	}
	km_line(m, "{ struct tapir_ent *e_, *n_; list_for_each_entry_safe(e_, n_, &%s%s%s->used, order) {",
		map, arr->name, cpu);
	km_line(m, "\tconst struct k_%s *K = tapir_ent_key(e_);", arr->name);
	km_line(m, "\tif (%s) tapir_map_unlink(%s%s%s, e_); } }", cond, map, arr->name, cpu);
	if (arr->type == TYPE_STATS)
		km_line(m, "} }");
}
