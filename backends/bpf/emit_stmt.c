/* emit_stmt.c - lowering statements, calls and the print family. */
#include <string.h>

#include "emit.h"
#include "rt_format.h"

/* Loop context: how break and continue leave the innermost loop. */
struct loop {
	int label;        /* continue target cont_<label>, or -1 in a foreach callback */
};

static struct loop loops[64];
static int nloops;
static int next_label;
static bool in_callback;

/* ---- the print family --------------------------------------------------- */

static const char *conv_of(const struct ast *a)
{
	return a->type == TYPE_STRING ? "%s" : "%d";
}

/* print/println/printd/printdln and their s- forms as a format. */
static const char *synth_format(struct em *m, struct ast *n, int *first_arg)
{
	const char *name = n->name[0] == 's' ? n->name + 1 : n->name;
	bool ln = strstr(name, "ln") != NULL, delim = strncmp(name, "printd", 6) == 0;
	struct strbuf sb = { 0 };
	const char *r;

	*first_arg = delim ? 1 : 0;
	for (int i = *first_arg; i < n->args.len; i++) {
		if (i > *first_arg && delim) {
			const struct ast *d = n->args.items[0];

			for (const char *p = d->kind == AST_STR ? d->str : ""; *p; p++)
				sb_puts(&sb, *p == '%' ? "%%" : (char[]){ *p, 0 });
		}
		sb_puts(&sb, conv_of(n->args.items[i]));
	}
	if (ln)
		sb_putc(&sb, '\n');
	r = arena_strdup(m->f->e->arena, sb.data ? sb.data : "");
	sb_free(&sb);
	return r;
}

static void em_hist_print(struct em *m, struct ast *h)
{
	struct ast *x = h->lhs;
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	struct em_global *g = s ? em_global_of(m->f, s) : NULL;
	const char *key = "NULL", *a, *hs;

	if (!m->user) {
		em_kstat_hist_print(m, h);
		return;
	}
	if (!g) {
		em_error(m, h->loc, "this needs a global statistic");
		return;
	}
	if (x->kind == AST_INDEX) {
		em_key(m, s, &x->args, &key);
		key = arena_printf(m->f->e->arena, "&%s", key);
	}
	a = em_field(m, "a", "struct rt_agg %s");
	hs = em_field(m, "h", "int64_t %s[RT_HIST_MAX_BUCKETS + 2]");
	em_line(m, "if (tapir_stat_get(%d, %s, &F->%s, F->%s) == 0) {", g->stat_index, key, a, hs);
	em_line(m, "\ttapir_hist_print(%d, &F->%s, F->%s);", g->stat_index, a, hs);
	em_line(m, "} else {");
	m->indent++;
	em_raise(m, arena_printf(m->f->e->arena, "%d", em_loc_id(m->f, arena_printf(m->f->e->arena,
				"operator '%s'", h->name), h->loc)), "\"empty aggregate\"");
	m->indent--;
	em_line(m, "}");
}

/* SystemTap's format as the kernel's bpf_snprintf takes it: integer
 * conversions get "ll" (every argument is a u64), %p and %#x become
 * 0x%llx; NULL when the format uses what bpf_snprintf lacks (%o %b %m %M,
 * '*' widths, other '#' forms). */
static const char *kernel_format(struct em *m, const char *fmt)
{
	struct strbuf sb = { 0 };
	const char *r = NULL;

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sb_putc(&sb, *p);
			continue;
		}
		if (p[1] == '%') {
			sb_puts(&sb, "%%");
			p++;
			continue;
		}
		/* %p and %#x print as SystemTap's do: 0x and the hex digits. */
		if (p[1] == 'p' || (p[1] == '#' && p[2] == 'x')) {
			sb_puts(&sb, "0x%llx");
			p += p[1] == 'p' ? 1 : 2;
			continue;
		}
		sb_putc(&sb, '%');
		for (p++; *p && strchr("-+ 0123456789.", *p); p++)
			sb_putc(&sb, *p);
		if (!*p || !strchr("diuxXsc", *p))
			goto out;
		if (strchr("diuxX", *p))
			sb_puts(&sb, "ll");
		sb_putc(&sb, *p);
	}
	r = arena_strdup(m->f->e->arena, sb.data ? sb.data : "");
out:
	sb_free(&sb);
	return r;
}

/* sprintf in a kernel probe, through bpf_snprintf (kernel 5.13). */
static const char *em_kernel_sprintf(struct em *m, struct ast *n, const char *fmt,
				     const char *const *vals, int first)
{
	const char *kfmt = kernel_format(m, fmt), *res;
	int nv = n->args.len - first;

	if (!kfmt || nv > 12) {
		em_error(m, n->loc, "%s with this format is not supported in a kernel probe on the "
			 "bpf runtime yet (only %%d %%i %%u %%x %%X %%p %%#x %%s %%c, up to 12 values)", n->name);
		return "0";
	}
	res = em_tmp_str(m);
	em_line(m, "{");
	m->indent++;
	em_line(m, "u64 __a[%d] = { 0 };", nv > 0 ? nv : 1);
	for (int i = 0; i < nv; i++)
		em_line(m, "__a[%d] = (u64)(%s);", i, vals[i]);
	em_line(m, "bpf_snprintf(%s, TAPIR_MAXSTRINGLEN, %s, __a, %d);", res, em_quote(m, kfmt),
		nv * 8);
	m->indent--;
	em_line(m, "}");
	return res;
}

/* Can evaluating n change a variable? (assignments, ++/--, calls of
 * script functions: embedded C can't reach the script's variables) */
static bool has_effects(const struct ast *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case AST_ASSIGN:
	case AST_PREINC:
	case AST_POSTINC:
		return true;
	case AST_CALL:
		if (!n->fn || !n->fn->decl->embedded)
			return true;
		break;
	default:
		break;
	}
	if (has_effects(n->lhs) || has_effects(n->rhs) || has_effects(n->cond))
		return true;
	for (int i = 0; i < n->args.len; i++) {
		if (has_effects(n->args.items[i]))
			return true;
	}
	return false;
}

/* Argument i of n, read now: a variable is copied when a later argument
 * may change it (printf("%d %d", x, ++x) prints "10 11"). */
static const char *em_arg_now(struct em *m, struct ast *n, int i)
{
	struct ast *a = n->args.items[i];
	const char *v = em_expr(m, a), *t;
	bool later = false;

	if (a->kind != AST_VAR)
		return v;
	for (int j = i + 1; j < n->args.len && !later; j++)
		later = has_effects(n->args.items[j]);
	if (!later)
		return v;
	if (a->type == TYPE_STRING) {
		t = em_tmp_str(m);
		em_line(m, "tapir_str_copy(%s, %s);", t, v);
	} else {
		t = em_tmp_long(m);
		em_line(m, "%s = %s;", t, v);
	}
	return t;
}

/* Are the arguments from first on all longs? */
static bool longs_only(const struct ast *n, int first)
{
	for (int i = first; i < n->args.len; i++) {
		if (((const struct ast *)n->args.items[i])->type == TYPE_STRING)
			return false;
	}
	return true;
}

/* A kernel probe's print of nv longs: a record of a known size, written
 * in place in the ring buffer (tapir_rec_reserve()). A value that may
 * leave the handler (a read that faults: a statement expression) is read
 * before the reservation, which the verifier requires to be submitted or
 * discarded on every path. */
static void em_print_longs(struct em *m, int id, const char **vals, int nv)
{
	for (int i = 0; i < nv; i++) {
		if (strstr(vals[i], "({")) {
			const char *t = em_tmp_long(m);

			em_line(m, "%s = %s;", t, vals[i]);
			vals[i] = t;
		}
	}
	em_line(m, "{");
	m->indent++;
	em_line(m, "struct tapir_rec *__r = tapir_rec_reserve(TAPIR_REC_PRINTF, %d, %d);", id,
		nv * 8);
	em_line(m, "if (__r) {");
	for (int i = 0; i < nv; i++)
		em_line(m, "\t((__s64 *)(__r + 1))[%d] = %s;", i, vals[i]);
	em_line(m, "\ttapir_rec_commit(__r);");
	em_line(m, "}");
	m->indent--;
	em_line(m, "}");
}

static const char *em_print(struct em *m, struct ast *n)
{
	bool is_s = n->name[0] == 's';
	bool is_f = strcmp(n->name, "printf") == 0 || strcmp(n->name, "sprintf") == 0;
	const char *fmt, *vals[64], *res = "0";
	int first = 0, id;

	/* print, println, printd, printdln of a histogram print it alone,
	 * with no newline, as SystemTap's translator does */
	if (n->args.len == 1 && ((struct ast *)n->args.items[0])->kind == AST_HIST && !is_s) {
		em_hist_print(m, n->args.items[0]);
		return "0";
	}
	if (is_f) {
		fmt = ((struct ast *)n->args.items[0])->str;
		first = 1;
	} else {
		fmt = synth_format(m, n, &first);
	}
	if (n->args.len - first > 64) {
		em_error(m, n->loc, "too many arguments to %s", n->name);
		return "0";
	}
	for (int i = first; i < n->args.len; i++)
		vals[i - first] = em_arg_now(m, n, i);
	id = em_fmt_id(m->f, fmt);
	if (is_s && !m->user)
		return em_kernel_sprintf(m, n, fmt, vals, first);
	if (!is_s && !m->user && longs_only(n, first)) {
		em_print_longs(m, id, vals, n->args.len - first);
		return res;
	}
	if (is_s)
		res = em_tmp_str(m);
	em_line(m, "{");
	m->indent++;
	em_line(m, "TAPIR_REC_BEGIN(%d, %d);", id, n->args.len - first);
	for (int i = first; i < n->args.len; i++)
		em_line(m, ((struct ast *)n->args.items[i])->type == TYPE_STRING ?
				   "TAPIR_REC_STR(%s);" : "TAPIR_REC_LONG(%s);", vals[i - first]);
	if (is_s)
		em_line(m, "TAPIR_REC_SPRINT(%s);", res);
	else
		em_line(m, "TAPIR_REC_END();");
	m->indent--;
	em_line(m, "}");
	return res;
}

/* ---- script and tapset functions ---------------------------------------- */

static void emit_function(struct em_file *f, struct func *fn, bool user);

/* The functions being lowered, callers first: a call of one of them is
 * recursion. */
static struct func *lowering[64];
static int nlowering;

static bool in_progress(const struct func *fn)
{
	for (int i = 0; i < nlowering && i < 64; i++) {
		if (lowering[i] == fn)
			return true;
	}
	return false;
}

const char *em_call(struct em *m, struct ast *n)
{
	struct func *fn = n->fn;
	int c = m->ntemps++;
	const char *frame;

	if (n->kind == AST_PRINT)
		return em_print(m, n);
	if (!fn) {
		em_error(m, n->loc, "unresolved function '%s'", n->name);
		return "0";
	}
	if (em_fn_inline(m, fn))
		return em_call_inline(m, n);
	if (m->fn == fn && !m->user) {
		em_error(m, n->loc, "recursive call of '%s': recursion is not supported in a kernel "
			 "probe on the bpf runtime", fn->name);
		return "0";
	}
	if (m->fn == fn) {
		/* user side: each call's frame on the C stack, MAXNESTING deep */
		sb_printf(&m->cvars, "\tstruct fr_%s_%d c%d;\n", fn->name, fn->decl->params.len, c);
		frame = arena_printf(m->f->e->arena, "c%d", c);
		em_line(m, "if (tapir_nesting >= TAPIR_MAXNESTING) TAPIR_ERROR(%d, \"MAXNESTING exceeded\");",
			em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", fn->name), n->loc));
	} else if (in_progress(fn)) {
		em_error(m, n->loc, "mutual recursion of '%s' and '%s' is not supported on the bpf "
			 "runtime", fn->name, m->fn ? m->fn->name : "?");
		return "0";
	} else {
		emit_function(m->f, fn, m->user);
		frame = arena_printf(m->f->e->arena, "F->%s",
				     em_field(m, "c", arena_printf(m->f->e->arena, "struct fr_%s_%d %%s",
								    fn->name, fn->decl->params.len)));
	}
	for (int i = 0; i < n->args.len; i++) {
		const struct symbol *p = fn->params.items[i];
		const char *v = em_expr(m, n->args.items[i]);

		em_line(m, p->type == TYPE_STRING ? "tapir_str_copy(%s.l_%s, %s);" : "%s.l_%s = %s;",
			frame, p->name, v);
	}
	em_line(m, "%s.__err = 0;", frame);
	em_line(m, "%s.__loc = %d;", frame,
		em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", fn->name), n->loc));
	if (m->fn == fn)
		em_line(m, "tapir_nesting++;");
	em_line(m, "fn_%s_%d(&%s);", fn->name, fn->decl->params.len, frame);
	if (m->fn == fn)
		em_line(m, "tapir_nesting--;");
	em_call_check(m, frame);
	if (fn->ret == TYPE_STRING)
		return arena_printf(m->f->e->arena, "%s.__ret", frame);
	if (fn->ret == TYPE_UNKNOWN && n->type == TYPE_STRING) {
		/* a function with no value, used where a string goes: "" */
		const char *t = em_tmp_str(m);

		em_line(m, "%s[0] = '\\0';", t);
		return t;
	}
	return arena_printf(m->f->e->arena, "%s.__retl", frame);
}

/* ---- statements ----------------------------------------------------------- */

static void em_block(struct em *m, struct ast *n)
{
	for (int i = 0; i < n->args.len; i++)
		em_stmt(m, n->args.items[i]);
}

static void em_if(struct em *m, struct ast *n)
{
	const char *c = em_long(m, n->cond);

	em_line(m, "if (%s) {", c);
	m->indent++;
	em_stmt(m, n->then);
	m->indent--;
	if (n->els) {
		em_line(m, "} else {");
		m->indent++;
		em_stmt(m, n->els);
		m->indent--;
	}
	em_line(m, "}");
}

/* MAXACTION, counted at each iteration of a loop. */
static void em_count_actions(struct em *m, struct ast *n)
{
	if (!m->user)
		em_kact(m, 1 + (n->body && n->body->kind == AST_BLOCK ? n->body->args.len : 1), n->loc);
	else
		em_line(m, "if ((tapir_actions -= %d) < 0) TAPIR_ERROR(%d, \"MAXACTION exceeded\");",
			1 + (n->body && n->body->kind == AST_BLOCK ? n->body->args.len : 1),
			em_loc_id(m->f, "keyword", n->loc));
}

/* foreach (i in @hist_*(s)): every bucket's index, in user space. */
static void em_foreach_hist(struct em *m, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	int label = next_label++, buckets = em_hist_buckets(m, fe->array);
	bool saved = in_callback;
	const char *b;

	if (buckets < 0)
		return;
	if (fe->keys.len != 1 || fe->value || fe->slice.len || fe->limit) {
		em_error(m, n->loc, "foreach over histogram buckets takes one key, and no value, "
			 "slice or limit");
		return;
	}
	b = em_local_ref(m, ((struct ast *)fe->keys.items[0])->sym);
	em_line(m, "for (%s = 0; %s < %d; %s++) {", b, b, buckets, b);
	m->indent++;
	em_count_actions(m, n);
	loops[nloops++] = (struct loop){ .label = label };
	in_callback = false;
	em_stmt(m, n->body);
	in_callback = saved;
	nloops--;
	em_line(m, "goto cont_%d;", label);
	em_line(m, "cont_%d: ;", label);
	m->indent--;
	em_line(m, "}");
}

/* while and for: for (;;) { cond; body; cont_N: inc } */
static void em_loop(struct em *m, struct ast *n)
{
	int label = next_label++;
	bool saved = in_callback;

	if (!m->user && em_kloop_ok(m)) {
		em_kloop(m, n);
		return;
	}
	if (n->init)
		(void)em_expr(m, n->init);
	em_line(m, "for (;;) {");
	m->indent++;
	em_count_actions(m, n);
	if (n->cond)
		em_line(m, "if (!(%s)) break;", em_long(m, n->cond));
	loops[nloops++] = (struct loop){ .label = label };
	in_callback = false;
	em_stmt(m, n->body);
	in_callback = saved;
	nloops--;
	em_line(m, "goto cont_%d;", label);
	em_line(m, "cont_%d: ;", label);
	if (n->inc)
		(void)em_expr(m, n->inc);
	m->indent--;
	em_line(m, "}");
}

static void em_delete(struct em *m, struct ast *n)
{
	struct ast *x = n->lhs;

	if (x->kind == AST_INDEX && x->lhs->kind == AST_VAR && em_has_star(&x->args)) {
		em_delete_slice(m, x);
	} else if (x->kind == AST_INDEX && x->lhs->kind == AST_VAR) {
		const char *key;

		em_key(m, x->lhs->sym, &x->args, &key);
		em_line(m, "del_%s(&%s);", x->lhs->sym->name, key);
	} else if (x->kind == AST_VAR && (x->sym->is_array || x->sym->type == TYPE_STATS)) {
		if (!m->user) {
			em_kdelete_all(m, x->sym);
			return;
		}
		em_line(m, "tapir_map_clear(MAP_%s);", x->sym->name);
	} else if (x->kind == AST_VAR) {
		em_assign_to(m, x, x->type == TYPE_STRING ? "\"\"" : "0", x->type);
	} else {
		em_error(m, n->loc, "this can't be deleted on the bpf runtime yet");
	}
}

static void em_return(struct em *m, struct ast *n)
{
	if (!m->in_function) {
		em_error(m, n->loc, "'return' outside a function");
		return;
	}
	if (n->lhs) {
		const char *v = em_expr(m, n->lhs);

		em_line(m, n->lhs->type == TYPE_STRING ? "tapir_str_copy(F->__ret, %s);" :
							  "F->__retl = %s;", v);
	}
	/* in a foreach body (a callback), 4 stops the loop and returns */
	em_line(m, in_callback ? "return 4;" : "return;");
}

void em_foreach(struct em *m, struct ast *n);

static void em_stmt_lower(struct em *m, struct ast *n);

/* A statement; its frame temporaries go to its later siblings once it is
 * done (em_field). */
void em_stmt(struct em *m, struct ast *n)
{
	if (!n)
		return;
	m->stmt_depth++;
	em_stmt_lower(m, n);
	em_fields_release(m, m->stmt_depth);
	m->stmt_depth--;
}

static void em_stmt_lower(struct em *m, struct ast *n)
{
	/* Kernel code names the script line it came from (em_line), so
	 * that the verifier's source annotations point at the script. */
	if (!m->user && n->kind != AST_BLOCK && n->loc.src && n->loc.line > 0)
		m->stmt = n->loc;
	switch (n->kind) {
	case AST_BLOCK:
		em_block(m, n);
		break;
	case AST_EXPR_STMT: {
		const char *v = em_expr(m, n->lhs);

		if (n->lhs->kind == AST_VAR || n->lhs->kind == AST_NUM)
			em_line(m, "(void)(%s);", v);
		break;
	}
	case AST_IF:
		em_if(m, n);
		break;
	case AST_WHILE:
	case AST_FOR:
		em_loop(m, n);
		break;
	case AST_FOREACH:
		if (n->fe->array->kind == AST_HIST)
			em_foreach_hist(m, n);
		else
			em_foreach(m, n);
		break;
	case AST_BREAK:
		em_line(m, in_callback ? "return 1;" : "break;");
		break;
	case AST_CONTINUE:
		if (in_callback)
			em_line(m, "return 0;");
		else if (nloops > 0)
			em_line(m, "goto cont_%d;", loops[nloops - 1].label);
		break;
	case AST_NEXT:
		if (m->in_function)
			em_error(m, n->loc, "'next' in a function is not supported on the bpf runtime yet");
		else
			em_line(m, in_callback ? "return 2;" : "goto tapir_out;");
		break;
	case AST_RETURN:
		em_return(m, n);
		break;
	case AST_DELETE:
		em_delete(m, n);
		break;
	case AST_NULL_STMT:
		break;
	case AST_TRY:
		em_try(m, n, next_label++);
		break;
	default:
		em_error(m, n->loc, "this statement is not supported on the bpf runtime yet");
		break;
	}
}

/* ---- foreach (user side): the body becomes a callback over sorted keys ---- */

static struct strbuf callbacks;

void em_foreach(struct em *m, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	const struct symbol *arr = fe->array->sym;
	struct em_global *g = em_global_of(m->f, arr);
	int id = next_label++;
	struct strbuf saved_body;
	int saved_indent = m->indent;
	bool saved_cb = in_callback;
	const char **slice = NULL;

	if (!m->user) {
		em_kforeach(m, n);
		return;
	}
	if (!g) {
		em_error(m, n->loc, "foreach needs a global array");
		return;
	}
	if (fe->slice.len) /* foreach (k in arr[v, *]): the fixed values, once */
		slice = em_slice_values(m, arr, &fe->slice);
	/* the body, as a callback */
	saved_body = m->body;
	m->body = (struct strbuf){ 0 };
	m->indent = 0;
	in_callback = true;
	em_try_callback_begin();
	if (slice)
		em_slice_match(m, arr, &fe->slice, slice, "return 0;");
	for (int i = 0; i < fe->keys.len; i++) {
		struct ast *k = fe->keys.items[i];

		em_line(m, arr->key_types[i] == TYPE_STRING ? "tapir_str_copy(%s, K->k%d);" :
							       "%s = K->k%d;",
			em_local_ref(m, k->sym), i);
	}
	if (fe->value) {
		if (arr->type == TYPE_STRING) {
			int k = m->ntemps++;

			sb_printf(&m->frame, "\tstruct tapir_str v%d;\n", k);
			em_line(m, "get_%s(K, &F->v%d);", arr->name, k);
			em_line(m, "tapir_str_copy(%s, F->v%d.s);", em_local_ref(m, fe->value->sym), k);
		} else {
			em_line(m, "get_%s(K, &%s);", arr->name, em_local_ref(m, fe->value->sym));
		}
	}
	em_stmt(m, n->body);
	em_try_callback_end();
	sb_printf(&callbacks, "static int fe_%d(const void *key, void *ctx)\n{\n"
			      "\tconst struct k_%s *K = key;\n\tstruct %s *F = ctx;\n\n"
			      "%s\treturn 0;\ntapir_out: __attribute__((unused));\n"
			      "\treturn 2;\n}\n\n",
		  id, arr->name, m->frame_type, m->body.data ? m->body.data : "");
	sb_free(&m->body);
	m->body = saved_body;
	m->indent = saved_indent;
	in_callback = saved_cb;
	/* the loop */
	{
		const char *limit = fe->limit ? em_long(m, fe->limit) : "-1";
		int sort_col = -1, sort = fe->value_sort;

		for (int i = 0; i < fe->keys.len; i++) {
			if (fe->key_sort[i]) {
				sort = fe->key_sort[i];
				sort_col = i;
			}
		}
		em_line(m, "{");
		m->indent++;
		em_line(m, "struct tapir_iter it = { .map_index = MAP_%s, .stat_index = %d, "
			   ".key_size = sizeof(struct k_%s), .value_size = %s, .cols = cols_%s, "
			   ".ncols = %d, .sort = %d, .sort_col = %d, .agg = %s, .limit = %s, "
			   ".value_is_string = %d };",
			arr->name, g->stat_index, arr->name,
			arr->type == TYPE_STATS ? "0" :
			arr->type == TYPE_STRING ? "sizeof(struct tapir_str)" : "sizeof(s64)",
			arr->name, arr->nkeys, sort, sort_col,
			fe->agg ? em_quote(m, fe->agg) :
			(arr->type == TYPE_STATS && sort && sort_col < 0 ? "\"@count\"" : "NULL"),
			limit, arr->type == TYPE_STRING);
		em_line(m, "int rc = tapir_foreach(&it, fe_%d, F);", id);
		em_line(m, "if (rc == 2) goto tapir_out;");
		if (m->in_function) /* a 'return' in the body */
			em_line(m, in_callback ? "if (rc == 4) return 4;" : "if (rc == 4) return;");
		if (em_try_active()) {
			em_line(m, "if (rc == 3) {");
			em_try_jump(m);
			em_line(m, "}");
		}
		m->indent--;
		em_line(m, "}");
	}
}

/* ---- functions ------------------------------------------------------------ */

static bool emitted(struct em_file *f, struct func *fn, bool user)
{
	struct vec *v = &f->done_funcs[user];

	for (int i = 0; i < v->len; i++) {
		if (v->items[i] == fn)
			return true;
	}
	vec_push(f->e->arena, v, fn);
	return false;
}

static void embedded_body(struct em *m, struct func *fn)
{
	for (int i = 0; i < fn->params.len; i++) {
		const struct symbol *p = fn->params.items[i];

		sb_printf(&m->body, "#define STAP_ARG_%s (F->l_%s)\n", p->name, p->name);
	}
	sb_printf(&m->body, "#define STAP_RETVALUE (F->%s)\n",
		  fn->ret == TYPE_STRING ? "__ret" : "__retl");
	sb_printf(&m->body, "{\n%s\n}\n", fn->decl->embedded);
	for (int i = 0; i < fn->params.len; i++)
		sb_printf(&m->body, "#undef STAP_ARG_%s\n",
			  ((const struct symbol *)fn->params.items[i])->name);
	sb_puts(&m->body, "#undef STAP_RETVALUE\n");
}

static void frame_fields(struct em *m, const struct vec *syms, bool params)
{
	for (int i = 0; i < syms->len; i++) {
		const struct symbol *s = syms->items[i];

		if (s->type == TYPE_STRING)
			sb_printf(&m->frame, "\tchar l_%s[TAPIR_MAXSTRINGLEN];\n", s->name);
		else if (m->user || params || m->longs_in_frame)
			sb_printf(&m->frame, "\ts64 l_%s;\n", s->name);
		else
			sb_printf(&m->cvars, "\ts64 l_%s = 0;\n", s->name);
	}
}

/* Locals start at 0 and "" in every call: the frame is reused. */
void em_reset_locals(struct em *m, const struct vec *locals)
{
	for (int i = 0; i < locals->len; i++) {
		const struct symbol *s = locals->items[i];

		if (s->type == TYPE_STRING)
			em_line(m, "F->l_%s[0] = '\\0';", s->name);
		else if (m->user || m->longs_in_frame)
			em_line(m, "F->l_%s = 0;", s->name);
	}
}

static void emit_function(struct em_file *f, struct func *fn, bool user)
{
	struct em m = { .f = f, .user = user, .in_function = true, .fn = fn,
			.longs_in_frame = !user && em_kwalks(fn->decl->body) };
	struct strbuf *out = user ? &f->user_decls : &f->kern_decls;
	int n = fn->decl->params.len;
	struct strbuf outer_callbacks = callbacks; /* of the probe being lowered */
	bool outer_in_callback = in_callback;
	struct em_try_saved tries;

	if (emitted(f, fn, user))
		return;
	tries = em_try_suspend();
	if (nlowering < 64)
		lowering[nlowering] = fn;
	nlowering++;
	m.frame_type = arena_printf(f->e->arena, "fr_%s_%d", fn->name, n);
	callbacks = (struct strbuf){ 0 };
	in_callback = false;
	frame_fields(&m, &fn->params, true);
	frame_fields(&m, &fn->locals, false);
	if (fn->decl->embedded) {
		embedded_body(&m, fn);
	} else {
		/* long parameters live as C locals in the kernel, like other locals */
		for (int i = 0; i < fn->params.len && !user && !m.longs_in_frame; i++) {
			const struct symbol *p = fn->params.items[i];

			if (p->type != TYPE_STRING)
				sb_printf(&m.cvars, "\ts64 l_%s = F->l_%s;\n", p->name, p->name);
		}
		em_reset_locals(&m, &fn->locals);
		em_stmt(&m, fn->decl->body);
	}
	sb_printf(out, "struct fr_%s_%d {\n\ts64 __retl;\n\tint __err;\n\tint __loc;\n\tint __eloc;\n\tchar __ret[TAPIR_MAXSTRINGLEN];\n%s};\n\n",
		  fn->name, n, m.frame.data ? m.frame.data : "");
	sb_puts(out, em_take_callbacks(f)); /* its foreach bodies */
	callbacks = outer_callbacks;
	in_callback = outer_in_callback;
	/* In the kernel, inlined or a subprogram as the build decides
	 * (TAPIR_FN); user space calls, and needs them for recursion. */
	if (!user)
		em_line_at(f, out, fn->decl->loc);
	sb_printf(out, "%s void fn_%s_%d(struct fr_%s_%d *F)\n{\n%s%s%s",
		  user ? "static" : "TAPIR_FN", fn->name, n, fn->name, n, m.cvars.data ? m.cvars.data : "",
		  m.cvars.len ? "\n" : "", m.body.data ? m.body.data : "");
	sb_puts(out, "\treturn;\ntapir_out: __attribute__((unused));\n\tF->__err = 1;\n}\n\n");
	sb_free(&m.frame);
	sb_free(&m.cvars);
	sb_free(&m.body);
	em_try_resume(tries);
	nlowering--;
}

bool em_enter_callback(bool on)
{
	bool was = in_callback;

	in_callback = on;
	return was;
}

bool em_in_callback(void)
{
	return in_callback;
}

void em_add_callback(const char *text)
{
	sb_puts(&callbacks, text);
}

/* The callbacks collected while lowering a user probe, then cleared. */
const char *em_take_callbacks(struct em_file *f)
{
	const char *s = arena_strdup(f->e->arena, callbacks.data ? callbacks.data : "");

	sb_free(&callbacks);
	return s;
}
