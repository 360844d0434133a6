/* emit_slice.c - array slices ('*' in an index) in user-side probes:
 * foreach ([a, b] in arr[*, v]), [*, v] in arr, delete arr[*, v].
 *
 * A slice walks the whole map (tapir_foreach, unsorted) with a callback
 * that skips the keys whose fixed columns differ.  The fixed values are
 * computed once, before the walk, into the probe's frame, which the
 * callbacks share.  Kernel probes walk the map with
 * bpf_for_each_map_elem() instead (emit_kforeach.c).
 */
#include <string.h>

#include "emit.h"

static int next_slice;

bool em_has_star(const struct vec *args)
{
	for (int i = 0; i < args->len; i++) {
		if (((const struct ast *)args->items[i])->kind == AST_STAR)
			return true;
	}
	return false;
}

/* The fixed columns' values, in frame temporaries; NULL for a '*'. */
const char **em_slice_values(struct em *m, const struct symbol *arr, struct vec *args)
{
	const char **vals = arena_alloc(m->f->e->arena, sizeof(*vals) * (args->len + 1));

	for (int i = 0; i < args->len && i < arr->nkeys; i++) {
		struct ast *a = args->items[i];
		const char *v, *t;

		vals[i] = NULL;
		if (a->kind == AST_STAR)
			continue;
		v = em_expr(m, a);
		if (arr->key_types[i] == TYPE_STRING) {
			t = em_tmp_str(m);
			em_line(m, "tapir_str_copy(%s, %s);", t, v);
		} else {
			t = em_tmp_long(m);
			em_line(m, "%s = %s;", t, v);
		}
		vals[i] = t;
	}
	return vals;
}

/* In a callback over arr's keys K: leave with miss unless K matches. */
void em_slice_match(struct em *m, const struct symbol *arr, const struct vec *args,
		    const char **vals, const char *miss)
{
	for (int i = 0; i < args->len && i < arr->nkeys; i++) {
		if (!vals[i])
			continue;
		if (arr->key_types[i] == TYPE_STRING)
			em_line(m, "if (tapir_str_cmp(K->k%d, %s) != 0) %s", i, vals[i], miss);
		else
			em_line(m, "if (K->k%d != %s) %s", i, vals[i], miss);
	}
}

/* The iterator of a walk in map order over arr. */
static void em_walk(struct em *m, const struct symbol *arr, const char *cb, const char *result)
{
	const struct em_global *g = em_global_of(m->f, arr);

	em_line(m, "{");
	m->indent++;
	em_line(m, "struct tapir_iter it = { .map_index = MAP_%s, .stat_index = %d, "
		   ".key_size = sizeof(struct k_%s), .value_size = %s, .cols = cols_%s, "
		   ".ncols = %d, .limit = -1 };",
		arr->name, g ? g->stat_index : -1, arr->name,
		arr->type == TYPE_STATS ? "0" :
		arr->type == TYPE_STRING ? "sizeof(struct tapir_str)" : "sizeof(s64)",
		arr->name, arr->nkeys);
	em_line(m, "%s%stapir_foreach(&it, %s, NULL)%s;", result ? result : "", result ? " = " : "",
		cb, result ? " == 1" : "");
	m->indent--;
	em_line(m, "}");
}

/* A callback over arr's keys: matches args, then runs hit (a statement). */
static const char *em_slice_callback(struct em *m, const struct symbol *arr, struct vec *args,
				     const char *hit)
{
	const char **vals = em_slice_values(m, arr, args);
	struct strbuf saved = m->body, cb = { 0 };
	int saved_indent = m->indent, id = next_slice++;
	const char *name = arena_printf(m->f->e->arena, "sl_%d", id);

	m->body = (struct strbuf){ 0 };
	m->indent = 0;
	em_slice_match(m, arr, args, vals, "return 0;");
	em_line(m, "%s", hit);
	em_line(m, "return 0;");
	sb_printf(&cb, "static int %s(const void *key, void *ctx)\n{\n"
		       "\tconst struct k_%s *K = key;\n\tstruct %s *F = &%s_storage;\n\n"
		       "\t(void)ctx;\n\t(void)F;\n%s}\n\n",
		  name, arr->name, m->frame_type, m->frame_type, m->body.data ? m->body.data : "");
	em_add_callback(cb.data);
	sb_free(&cb);
	sb_free(&m->body);
	m->body = saved;
	m->indent = saved_indent;
	return name;
}

static bool slice_ok(struct em *m, const struct symbol *arr, struct loc loc)
{
	if (!m->user || !m->frame_type || !em_global_of(m->f, arr)) {
		em_error(m, loc, "an array slice ('*' in an index) is only supported in begin, end "
			 "and error probes on the bpf runtime yet");
		return false;
	}
	return true;
}

/* [..., *, ...] in arr */
const char *em_in_slice(struct em *m, struct ast *n)
{
	const struct symbol *arr = n->rhs->sym;
	const char *t, *cb;

	if (!m->user && em_global_of(m->f, arr))
		return em_kin_slice(m, n);
	t = em_tmp_long(m);
	if (!slice_ok(m, arr, n->loc))
		return "0";
	cb = em_slice_callback(m, arr, &n->args, "return 1;");
	em_walk(m, arr, cb, t);
	return t;
}

/* delete arr[..., *, ...] */
void em_delete_slice(struct em *m, struct ast *x)
{
	const struct symbol *arr = x->lhs->sym;
	const char *cb;

	if (!m->user && em_global_of(m->f, arr)) {
		em_kdelete_slice(m, x);
		return;
	}
	if (!slice_ok(m, arr, x->loc))
		return;
	cb = em_slice_callback(m, arr, &x->args, arena_printf(m->f->e->arena, "del_%s(K);",
							       arr->name));
	em_walk(m, arr, cb, NULL);
}
