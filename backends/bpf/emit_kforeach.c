/* emit_kforeach.c - foreach and whole-array delete in kernel probes.
 *
 * A kernel probe walks an array with bpf_for_each_map_elem() (5.13): the
 * loop body becomes an inline function fe_body_N() that returns what a
 * user-side foreach callback returns (0 go on, 1 break, 2 leave the
 * probe, 3 to the try outside, 4 return from the function), called by
 * the walk's callback fe_N(), which stops the walk on anything but 0 and
 * keeps the code for the loop to act on.  The callback reaches the probe
 * through a context on the probe's stack: its frame F and its ctx, the
 * limit left, and that code.  C locals of the probe are out of the
 * callback's reach, so a body that walks keeps its long locals in its
 * frame too (struct em longs_in_frame).
 *
 * Sorted walks (emit_ksort.c) collect the keys first, then call the same
 * fe_body_N() in their order.  Every iteration spends MAXACTION.
 */
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"

static int next_fe;

/* Does a body have a foreach over an array?  In the kernel its long
 * locals then live in its frame, where the loop body (a callback of the
 * walk) reaches them; functions it calls have frames of their own. */
bool em_kwalks(const struct ast *n)
{
	if (!n)
		return false;
	if (n->kind == AST_FOREACH && n->fe->array->kind == AST_VAR)
		return true;
	if (n->kind == AST_WHILE || n->kind == AST_FOR) /* em_kloop */
		return true;
	if (em_kwalks(n->lhs) || em_kwalks(n->rhs) || em_kwalks(n->cond) || em_kwalks(n->then) ||
	    em_kwalks(n->els) || em_kwalks(n->init) || em_kwalks(n->inc) || em_kwalks(n->body))
		return true;
	for (int i = 0; i < n->args.len; i++) {
		if (em_kwalks(n->args.items[i]))
			return true;
	}
	return false;
}

/* Does a body (or a function it calls) loop?  Then its probe resets its
 * MAXACTION budget when it starts. */
bool em_kloops(const struct ast *n)
{
	static int depth; /* a recursive function is looked at once */
	bool r = false;

	if (!n)
		return false;
	if (n->kind == AST_WHILE || n->kind == AST_FOR || n->kind == AST_FOREACH)
		return true;
	if (n->kind == AST_CALL && n->fn && n->fn->decl->body && depth < 16) {
		depth++;
		r = em_kloops(n->fn->decl->body);
		depth--;
		if (r)
			return true;
	}
	if (em_kloops(n->lhs) || em_kloops(n->rhs) || em_kloops(n->cond) || em_kloops(n->then) ||
	    em_kloops(n->els) || em_kloops(n->init) || em_kloops(n->inc) || em_kloops(n->body))
		return true;
	for (int i = 0; i < n->args.len; i++) {
		if (em_kloops(n->args.items[i]))
			return true;
	}
	return false;
}

/* One iteration of a kernel loop spends cost statements of MAXACTION. */
void em_kact(struct em *m, int cost, struct loc loc)
{
	em_line(m, "if (tapir_kact_take(%d)) {", cost);
	m->indent++;
	em_raise(m, arena_printf(m->f->e->arena, "%d", em_loc_id(m->f, "keyword", loc)),
		 "\"MAXACTION exceeded\"");
	m->indent--;
	em_line(m, "}");
}

/* The C type of the probe's ctx, or NULL in a function. */
static const char *ctx_type(const struct em *m)
{
	if (!m->dp || m->in_function)
		return NULL;
	if (m->dp->target->kind == PK_TRACE)
		return "u64";
	return bpf_is_uprobe(m->dp->target) ? "struct pt_regs" : "struct bpf_perf_event_data";
}

static const char *value_type(const struct symbol *arr)
{
	return arr->type == TYPE_STRING ? "struct tapir_str" :
	       arr->type == TYPE_STATS ? "void" : "s64";
}

/* Fixed columns of a slice, computed once into the frame. */
static const char **slice_values(struct em *m, const struct symbol *arr, struct vec *args)
{
	const char **vals = arena_alloc(m->f->e->arena, sizeof(*vals) * (args->len + 1));

	for (int i = 0; i < args->len && i < arr->nkeys; i++) {
		struct ast *a = args->items[i];
		const char *v, *t;
		int k;

		vals[i] = NULL;
		if (a->kind == AST_STAR)
			continue;
		v = em_expr(m, a);
		if (arr->key_types[i] == TYPE_STRING) {
			t = em_tmp_str(m);
			em_line(m, "tapir_str_copy(%s, %s);", t, v);
		} else {
			k = m->ntemps++;
			sb_printf(&m->frame, "\ts64 s%d;\n", k);
			t = arena_printf(m->f->e->arena, "F->s%d", k);
			em_line(m, "%s = %s;", t, v);
		}
		vals[i] = t;
	}
	return vals;
}

/* Binds the loop's key and value variables from K and V. */
static void bind_vars(struct em *m, const struct ast_foreach *fe, const struct symbol *arr)
{
	for (int i = 0; i < fe->keys.len; i++) {
		struct ast *k = fe->keys.items[i];

		em_line(m, arr->key_types[i] == TYPE_STRING ? "tapir_str_copy(%s, K->k%d);" :
							       "%s = K->k%d;",
			em_local_ref(m, k->sym), i);
	}
	if (!fe->value)
		return;
	em_line(m, arr->type == TYPE_STRING ? "tapir_str_copy(%s, V->s);" : "%s = *V;",
		em_local_ref(m, fe->value->sym));
}

/* K as a frame copy: a map's key pointer can't go to the global string
 * functions (tapir_str_cmp) that compare a slice's string columns. */
static void key_copy(struct em *m, const struct symbol *arr, int id)
{
	sb_printf(&m->frame, "\tstruct k_%s kc%d;\n", arr->name, id);
	em_line(m, "TAPIR_COPY(&F->kc%d, K, sizeof(F->kc%d));", id, id);
	em_line(m, "K = &F->kc%d;", id);
}

/* A callback's C is made: hand it over, and go back to the body and
 * indentation of the code around it. */
static void callback_done(struct em *m, struct strbuf *out, const struct strbuf *body,
			  const struct strbuf *cvars, int indent, bool cb)
{
	em_add_callback(out->data);
	sb_free(out);
	sb_free(&m->body);
	sb_free(&m->cvars);
	m->body = *body;
	m->cvars = *cvars;
	m->indent = indent;
	em_enter_callback(cb);
}

/* fe_body_N(K, V, C): the body, with its own C temporaries. */
static void emit_body(struct em *m, struct ast *n, int id, const char **slice)
{
	struct ast_foreach *fe = n->fe;
	const struct symbol *arr = fe->array->sym;
	struct strbuf saved_body = m->body, saved_cvars = m->cvars, out = { 0 };
	int saved_indent = m->indent;
	bool saved_cb = em_enter_callback(true);
	const char *ct = ctx_type(m);

	m->body = (struct strbuf){ 0 };
	m->cvars = (struct strbuf){ 0 };
	m->indent = 0;
	em_try_callback_begin();
	em_kact(m, 1 + (n->body && n->body->kind == AST_BLOCK ? n->body->args.len : 1), n->loc);
	if (slice) {
		key_copy(m, arr, id);
		em_slice_match(m, arr, &fe->slice, slice, "return 0;");
	}
	bind_vars(m, fe, arr);
	em_stmt(m, n->body);
	em_try_callback_end();
	sb_printf(&out, "struct fe_ctx_%d {\n\tstruct %s *F;\n\t%s *ctx;\n\ts64 left;\n\tint rc;\n};\n\n"
			"static __attribute__((always_inline)) inline int fe_body_%d(const struct k_%s *K, "
			"const %s *V, struct fe_ctx_%d *C)\n{\n\tstruct %s *F = C->F;\n%s%s%s%s\n"
			"\t(void)F;\n\t(void)V;\n%s\treturn 0;\ntapir_out: __attribute__((unused));\n"
			"\treturn 2;\n}\n\n",
		  id, m->frame_type, ct ? ct : "void", id, arr->name, value_type(arr), id,
		  m->frame_type, ct ? "\t" : "", ct ? ct : "", ct ? " *ctx = C->ctx;\n" : "",
		  m->cvars.data ? m->cvars.data : "", m->body.data ? m->body.data : "");
	callback_done(m, &out, &saved_body, &saved_cvars, saved_indent, saved_cb);
}

/* The walk's context __c, on the probe's stack. */
void em_kwalk_begin(struct em *m, int id, const char *limit)
{
	em_line(m, "struct fe_ctx_%d __c = { .F = F, %s.left = %s, .rc = 0 };", id,
		ctx_type(m) ? ".ctx = ctx, " : "", limit);
}

/* After the walk: act on the code the body left. */
void em_kwalk_end(struct em *m)
{
	em_line(m, "if (__c.rc == 2) goto tapir_out;");
	if (m->in_function) {
		em_line(m, em_in_callback() ? "if (__c.rc == 4) return 4;" : "if (__c.rc == 4) return;");
		em_line(m, em_in_callback() ? "if (__c.rc == 5) return 5;" : "if (__c.rc == 5) return;");
	}
	if (em_try_active()) {
		em_line(m, "if (__c.rc == 3) {");
		em_try_jump(m);
		em_line(m, "}");
	}
}

static bool kforeach_ok(struct em *m, struct ast *n)
{
	if (m->dp && m->dp->target->kind == PK_KFUNC && !m->in_function) {
		em_error(m, n->loc, "foreach in a kernel.function probe is not supported on the bpf "
			 "runtime yet");
		return false;
	}
	if (!m->longs_in_frame) {
		em_error(m, n->loc, "internal error: foreach lowered without its frame");
		return false;
	}
	return true;
}

/* foreach in a kernel probe. */
void em_kforeach(struct em *m, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	const struct symbol *arr = fe->array->sym;
	const char **slice = NULL, *limit;
	int id = next_fe++;
	bool sorted = fe->value_sort != 0;

	for (int i = 0; i < fe->keys.len; i++)
		sorted = sorted || fe->key_sort[i] != 0;
	if (!kforeach_ok(m, n))
		return;
	sb_printf(&m->frame, "\tchar fe%d;\n", id); /* F is looked up */
	if (fe->slice.len)
		slice = slice_values(m, arr, &fe->slice);
	limit = fe->limit ? em_long(m, fe->limit) : "-1";
	emit_body(m, n, id, slice);
	if (sorted) {
		em_ksorted(m, n, id, limit);
		return;
	}
	em_add_callback(arena_printf(m->f->e->arena,
		"static long fe_%d(void *map, const void *key, void *value, void *c)\n{\n"
		"\tstruct fe_ctx_%d *C = c;\n\tint rc;\n\n"
		"\tif (C->left == 0)\n\t\treturn 1;\n\tif (C->left > 0)\n\t\tC->left--;\n"
		"\trc = fe_body_%d(key, value, C);\n\tif (rc == 0)\n\t\treturn 0;\n"
		"\tC->rc = rc;\n\treturn 1;\n}\n\n", id, id, id));
	em_line(m, "{");
	m->indent++;
	em_kwalk_begin(m, id, limit);
	em_line(m, "bpf_for_each_map_elem(&m_%s, fe_%d, &__c, 0);", arr->name, id);
	em_kwalk_end(m);
	m->indent--;
	em_line(m, "}");
}

/*
 * while and for in a kernel probe or function: one iteration a call of
 * lp_N() from bpf_loop() (5.17), so that the verifier checks the body
 * once, whatever its loop condition: a loop over task_parent() or
 * strpos() is no "infinite loop" to it, and a long body is no "sequence
 * of 8193 jumps".  The body returns what a foreach body returns; a for's
 * increment starts every iteration but the first, so that continue
 * (return 0) runs it.  MAXACTION ends a loop that doesn't.
 */
bool em_kloop_ok(const struct em *m)
{
	/* a kernel.function probe's body is emitted once per way to attach */
	return m->longs_in_frame && !(m->dp && m->dp->target->kind == PK_KFUNC && !m->in_function);
}

void em_kloop(struct em *m, struct ast *n)
{
	struct strbuf saved_body, saved_cvars, out = { 0 };
	int saved_indent = m->indent, id = next_fe++;
	bool saved_cb;
	const char *ct = ctx_type(m);

	if (n->init)
		(void)em_expr(m, n->init);
	sb_printf(&m->frame, "\tchar fe%d;\n", id); /* F is looked up */
	saved_body = m->body; /* after what init added */
	saved_cvars = m->cvars;
	saved_cb = em_enter_callback(true);
	m->body = (struct strbuf){ 0 };
	m->cvars = (struct strbuf){ 0 };
	m->indent = 0;
	em_try_callback_begin();
	if (n->inc) {
		em_line(m, "if (I) {");
		m->indent++;
		(void)em_expr(m, n->inc);
		m->indent--;
		em_line(m, "}");
	}
	em_kact(m, 1 + (n->body && n->body->kind == AST_BLOCK ? n->body->args.len : 1), n->loc);
	if (n->cond)
		em_line(m, "if (!(%s)) return 1;", em_long(m, n->cond));
	em_stmt(m, n->body);
	em_try_callback_end();
	sb_printf(&out, "struct fe_ctx_%d {\n\tstruct %s *F;\n\t%s *ctx;\n\ts64 left;\n\tint rc;\n};\n\n"
			"static __attribute__((always_inline)) inline int lp_body_%d(u32 I, struct fe_ctx_%d *C)\n{\n"
			"\tstruct %s *F = C->F;\n%s%s%s%s\n\t(void)F;\n\t(void)I;\n%s\treturn 0;\n"
			"tapir_out: __attribute__((unused));\n\treturn 2;\n}\n\n"
			"static long lp_%d(u32 i, void *c)\n{\n\tstruct fe_ctx_%d *C = c;\n"
			"\tint rc = lp_body_%d(i, C);\n\n\tif (rc == 0)\n\t\treturn 0;\n"
			"\tC->rc = rc;\n\treturn 1;\n}\n\n",
		  id, m->frame_type, ct ? ct : "void", id, id, m->frame_type, ct ? "\t" : "",
		  ct ? ct : "", ct ? " *ctx = C->ctx;\n" : "", m->cvars.data ? m->cvars.data : "",
		  m->body.data ? m->body.data : "", id, id, id);
	callback_done(m, &out, &saved_body, &saved_cvars, saved_indent, saved_cb);
	em_line(m, "{");
	m->indent++;
	em_kwalk_begin(m, id, "-1");
	em_line(m, "bpf_loop(1 << 23, lp_%d, &__c, 0);", id); /* the kernel's most */
	em_kwalk_end(m);
	m->indent--;
	em_line(m, "}");
}

/* delete of a whole array or statistic in a kernel probe. */
void em_kdelete_all(struct em *m, const struct symbol *s)
{
	if (!s->is_array) { /* a scalar statistic: zero it on every CPU */
		em_kstat_clear(m, s);
		return;
	}
	em_line(m, "bpf_for_each_map_elem(&m_%s, tapir_kdel_cb, NULL, 0);", s->name);
}

/* A walk over arr whose callback runs hit on the keys matching a slice:
 * [1, *] in arr, delete arr[1, *].  The fixed values are in the frame. */
static void kslice_walk(struct em *m, const struct symbol *arr, struct vec *args, const char *hit,
			const char *result)
{
	const char **vals = slice_values(m, arr, args);
	struct strbuf saved = m->body, cb = { 0 };
	int saved_indent = m->indent, id = next_fe++;

	sb_printf(&m->frame, "\tchar fe%d;\n", id); /* F is looked up */
	m->body = (struct strbuf){ 0 };
	m->indent = 0;
	key_copy(m, arr, id);
	em_slice_match(m, arr, args, vals, "return 0;");
	sb_printf(&cb, "struct ksl_ctx_%d {\n\tstruct %s *F;\n\tint found;\n};\n\n"
		       "static long ksl_%d(void *map, const void *key, void *value, void *c)\n{\n"
		       "\tconst struct k_%s *K = key;\n\tstruct ksl_ctx_%d *C = c;\n"
		       "\tstruct %s *F = C->F;\n\n\t(void)value;\n%s\t%s\n}\n\n",
		  id, m->frame_type, id, arr->name, id, m->frame_type,
		  m->body.data ? m->body.data : "", hit);
	em_add_callback(cb.data);
	sb_free(&cb);
	sb_free(&m->body);
	m->body = saved;
	m->indent = saved_indent;
	em_line(m, "{");
	m->indent++;
	em_line(m, "struct ksl_ctx_%d __s = { .F = F, .found = 0 };", id);
	em_line(m, "bpf_for_each_map_elem(&m_%s, ksl_%d, &__s, 0);", arr->name, id);
	if (result)
		em_line(m, "%s = __s.found;", result);
	m->indent--;
	em_line(m, "}");
}

/* [..., *, ...] in arr, in a kernel probe. */
const char *em_kin_slice(struct em *m, struct ast *n)
{
	const char *t = em_tmp_long(m);

	kslice_walk(m, n->rhs->sym, &n->args, "C->found = 1;\n\treturn 1;", t);
	return t;
}

/* delete arr[..., *, ...] in a kernel probe. */
void em_kdelete_slice(struct em *m, struct ast *x)
{
	kslice_walk(m, x->lhs->sym, &x->args, "bpf_map_delete_elem(map, key);\n\treturn 0;", NULL);
}
