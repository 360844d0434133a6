/* kmod_stmt.c - lowering statements, calls and the print family to module C. */
#include <string.h>

#include "kmod.h"
#include "rt_format.h"

/* ---- the print family --------------------------------------------------------- */

/* An argument of a call or a print, read when it is evaluated: a later
 * argument may change a variable an earlier one named (s, s .= "b"). */
const char *km_arg_value(struct km *m, struct ast *a)
{
	const char *v = km_expr(m, a), *t;

	if (a->kind == AST_NUM || (a->type == TYPE_STRING && a->kind != AST_VAR))
		return v;
	t = a->type == TYPE_STRING ? km_tmp_str(m) : km_tmp_long(m);
	km_line(m, a->type == TYPE_STRING ? "tapir_str_copy(%s, %s);" : "%s = %s;", t, v);
	return t;
}

/* print/println/printd/printdln and their s- forms as a format. */
static const char *synth_format(struct km *m, struct ast *n, int *first)
{
	const char *name = n->name[0] == 's' ? n->name + 1 : n->name;
	bool ln = strstr(name, "ln") != NULL, delim = strncmp(name, "printd", 6) == 0;
	struct strbuf sb = { 0 };
	const char *r;

	*first = delim ? 1 : 0;
	for (int i = *first; i < n->args.len; i++) {
		const struct ast *a = n->args.items[i];

		if (i > *first && delim) {
			const struct ast *d = n->args.items[0];

			for (const char *p = d->kind == AST_STR ? d->str : ""; *p; p++)
				sb_puts(&sb, *p == '%' ? "%%" : (char[]){ *p, 0 });
		}
		sb_puts(&sb, a->type == TYPE_STRING ? "%s" : "%d");
	}
	if (ln)
		sb_putc(&sb, '\n');
	r = arena_strdup(m->f->e->arena, sb.data ? sb.data : "");
	sb_free(&sb);
	return r;
}

static int km_fmt_id(struct km_file *f, const char *fmt)
{
	for (int i = 0; i < f->fmts.len; i++) {
		if (strcmp(f->fmts.items[i], fmt) == 0)
			return i;
	}
	vec_push(f->e->arena, &f->fmts, (void *)fmt);
	return f->fmts.len - 1;
}

static void km_hist_print(struct km *m, struct ast *h)
{
	const struct symbol *s = h->lhs->kind == AST_INDEX ? h->lhs->lhs->sym : h->lhs->sym;
	const char *near = km_near(m, arena_printf(m->f->e->arena, "operator '%s'", h->name), h->loc);
	const char *st = km_stat_ref(m, h->lhs, false, near);

	km_line(m, "tapir_hist_print(c, %s, &sd_%s, %s);", st, s ? s->name : "none", near);
	km_check(m);
}

const char *km_print(struct km *m, struct ast *n)
{
	bool is_s = n->name[0] == 's';
	bool is_f = strcmp(n->name, "printf") == 0 || strcmp(n->name, "sprintf") == 0;
	const char *fmt, *vals[64], *res = "0";
	int first = 0, id, nv;

	if (n->args.len == 1 && ((struct ast *)n->args.items[0])->kind == AST_HIST && !is_s) {
		km_hist_print(m, n->args.items[0]);
		return "0";
	}
	if (is_f) {
		fmt = ((struct ast *)n->args.items[0])->str;
		first = 1;
	} else {
		fmt = synth_format(m, n, &first);
	}
	nv = n->args.len - first;
	if (nv > 64) {
		km_error(m, n->loc, "too many arguments to %s", n->name);
		return "0";
	}
	for (int i = 0; i < nv; i++) {
		struct ast *a = n->args.items[first + i];

		if (a->kind == AST_HIST) {
			km_error(m, a->loc, "a histogram can only be printed alone on the kmod runtime yet");
			return "0";
		}
		vals[i] = km_arg_value(m, a);
	}
	id = km_fmt_id(m->f, fmt);
	if (is_s)
		res = km_tmp_str(m);
	km_line(m, "{");
	m->indent++;
	km_line(m, "struct rt_value v[%d] = {", nv ? nv : 1);
	for (int i = 0; i < nv; i++)
		km_line(m, "\t%s(%s),",
			((struct ast *)n->args.items[first + i])->type == TYPE_STRING ? "RT_STR" :
											  "RT_LONG",
			vals[i]);
	km_line(m, "};");
	if (is_s)
		km_line(m, "rt_fmt_sprint(&tapir_fmt[%d], v, %d, %s, TAPIR_MAXSTRINGLEN, NULL);", id,
			nv, res);
	else
		km_line(m, "rt_fmt_print(&tapir_fmt[%d], v, %d, &c->out, NULL);", id, nv);
	m->indent--;
	km_line(m, "}");
	return res;
}

/* ---- calls ------------------------------------------------------------------------ */

static const char *fn_cname(struct km *m, const struct func *fn)
{
	return arena_printf(m->f->e->arena, "%s_%d", fn->name, fn->decl->params.len);
}

/* A %{ %} function: called directly, its arguments in the caller's frame;
 * with no context, no "near" and no check after when it can't touch the
 * context (kmod_ctxfree.c). */
static const char *km_call_embedded(struct km *m, struct ast *n, const char **vals)
{
	struct func *fn = n->fn;
	bool ctxfree = km_fn_ctxfree(m->f, fn);
	struct strbuf sb = { 0 };
	const char *ret = NULL, *r;

	if (fn->ret == TYPE_STRING) {
		ret = km_tmp_str(m);
	} else if (fn->ret == TYPE_LONG && ctxfree) {
		ret = km_tmp_long(m);
		km_line(m, "%s = 0;", ret);
	} else if (fn->ret == TYPE_LONG) {
		ret = km_tmp_long_zeroed(m);
	}
	sb_printf(&sb, "fe_%s(%s", fn_cname(m, fn), ctxfree ? "NULL" : "c");
	if (ret)
		sb_printf(&sb, ", %s%s", fn->ret == TYPE_LONG ? "&" : "", ret);
	for (int i = 0; i < n->args.len; i++)
		sb_printf(&sb, ", %s", vals[i]);
	sb_puts(&sb, ");");
	if (!ctxfree)
		km_line(m, "c->near = %s;",
			km_near(m, arena_printf(m->f->e->arena, "identifier '%s'", fn->name), n->loc));
	km_line(m, "%s", sb.data);
	sb_free(&sb);
	if (!ctxfree)
		km_check(m);
	if (ret)
		return ret;
	r = n->type == TYPE_STRING ? km_tmp_str(m) : "0";
	if (n->type == TYPE_STRING)
		km_line(m, "%s[0] = '\\0';", r);
	return r;
}

const char *km_call(struct km *m, struct ast *n)
{
	struct func *fn = n->fn;
	const char *vals[32], *ret, *cn;

	if (!fn || !fn->decl) {
		km_error(m, n->loc, "unresolved function '%s'", n->name);
		return "0";
	}
	if (n->args.len > 32) {
		km_error(m, n->loc, "too many arguments to '%s'", n->name);
		return "0";
	}
	km_emit_function(m->f, fn);
	for (int i = 0; i < n->args.len; i++) {
		struct ast *a = n->args.items[i];

		vals[i] = km_arg_value(m, a);
	}
	if (fn->decl->embedded)
		return km_call_embedded(m, n, vals);
	cn = fn_cname(m, fn);
	ret = fn->ret == TYPE_STRING || n->type == TYPE_STRING ? km_tmp_str(m) : km_tmp_long(m);
	km_line(m, "{");
	m->indent++;
	km_line(m, "struct fr_%s *C = tapir_push(c, sizeof(*C), %s);", cn,
		km_near(m, arena_printf(m->f->e->arena, "identifier '%s'", fn->name), n->loc));
	km_line(m, "if (C) {");
	for (int i = 0; i < n->args.len; i++) {
		const struct symbol *p = fn->params.items[i];

		km_line(m, p->type == TYPE_STRING ? "\ttapir_str_copy(C->l_%s, %s);" :
						      "\tC->l_%s = %s;",
			p->name, vals[i]);
	}
	km_line(m, "\tfn_%s(c, C);", cn);
	if (fn->ret == TYPE_STRING)
		km_line(m, "\ttapir_str_copy(%s, C->ret_s);", ret);
	else if (n->type == TYPE_STRING)
		km_line(m, "\t%s[0] = '\\0';", ret);
	else
		km_line(m, "\t%s = C->ret_l;", ret);
	km_line(m, "\ttapir_pop(c, sizeof(*C));");
	km_line(m, "}");
	m->indent--;
	km_line(m, "}");
	km_check(m);
	return ret;
}

/* ---- statements ------------------------------------------------------------------ */

static int new_label(struct km *m)
{
	return m->f->nlabels++;
}

static void km_block(struct km *m, struct ast *n)
{
	for (int i = 0; i < n->args.len; i++)
		km_stmt(m, n->args.items[i]);
}

static void km_if(struct km *m, struct ast *n)
{
	const char *c = km_expr(m, n->cond);

	km_line(m, "if (%s) {", c);
	m->indent++;
	km_stmt(m, n->then);
	m->indent--;
	if (n->els) {
		km_line(m, "} else {");
		m->indent++;
		km_stmt(m, n->els);
		m->indent--;
	}
	km_line(m, "}");
}

static void km_loop_begin(struct km *m, int label)
{
	m->loops[m->nloops++] = (struct km_loop){ .label = label };
}

/* After a loop's opening line: its action count, the condition (while
 * and for), the body, cont_N: the increment, and the close with brk_N. */
static void km_loop_body(struct km *m, struct ast *n, int label)
{
	m->indent++;
	km_line(m, "if (!tapir_action(c, %s)) goto %s;", km_near(m, "keyword", n->loc), m->unwind);
	if (n->cond)
		km_line(m, "if (!(%s)) break;", km_expr(m, n->cond));
	km_loop_begin(m, label);
	km_stmt(m, n->body);
	m->nloops--;
	km_line(m, "goto cont_%d;", label);
	km_line(m, "cont_%d: __attribute__((unused));", label);
	if (n->inc)
		(void)km_expr(m, n->inc);
	m->indent--;
	km_line(m, "}");
	km_line(m, "brk_%d: __attribute__((unused));", label);
}

/* while and for: for (;;) { if (!cond) break; body; cont_N: inc } brk_N: */
static void km_loop(struct km *m, struct ast *n)
{
	int label = new_label(m);

	if (n->init)
		(void)km_expr(m, n->init);
	km_line(m, "for (;;) {");
	km_loop_body(m, n, label);
}

/* foreach (b in @hist_*(s)): every bucket's index, as SystemTap walks
 * them (the under- and overflow buckets of @hist_linear included). */
static void km_foreach_hist(struct km *m, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	struct ast *x = fe->array->lhs;
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	int label = new_label(m);
	const char *b;

	if (fe->keys.len != 1 || fe->value || fe->slice.len || fe->limit || !s) {
		km_error(m, n->loc, "foreach over histogram buckets takes one key, and no value, "
			 "slice or limit");
		return;
	}
	b = km_var_ref(m, ((struct ast *)fe->keys.items[0])->sym);
	km_line(m, "for (%s = 0; %s < sd_%s.buckets; %s++) {", b, b, s->name, b);
	km_loop_body(m, n, label);
}

/* foreach: the entries sorted into an array on the context's stack. */
static void km_foreach(struct km *m, struct ast *n)
{
	struct ast_foreach *fe = n->fe;
	const struct symbol *arr = fe->array->kind == AST_VAR ? fe->array->sym : NULL;
	int label = new_label(m), col = -1, dir = fe->value_sort, k = m->ntemps++;
	const char *limit = "-1", *match = NULL;

	if (fe->array->kind == AST_HIST) {
		km_foreach_hist(m, n);
		return;
	}
	if (!arr || arr->kind != SYM_GLOBAL || !arr->is_array) {
		km_error(m, n->loc, "this foreach is not supported on the kmod runtime yet");
		return;
	}
	for (int i = 0; i < fe->keys.len; i++) {
		if (fe->key_sort[i]) {
			dir = fe->key_sort[i];
			col = i;
		}
	}
	if (fe->limit)
		limit = km_expr(m, fe->limit);
	if (fe->slice.len)
		match = km_slice_match(m, arr, &fe->slice, "K");
	km_field(m, false, 40, "\tstruct tapir_ent **e%d;\n\tint n%d, i%d, c%d;\n\tint64_t lim%d;\n"
		  "\tsize_t sz%d;\n", k, k, k, k, k, k);
	km_line(m, "F->lim%d = %s;", k, limit);
	km_pmap_agg(m, arr, n->loc);
	km_line(m, "F->sz%d = (g_%s->count + 1) * sizeof(void *);", k, arr->name);
	km_line(m, "F->e%d = tapir_alloc(c, F->sz%d, %s);", k, k, km_near(m, "keyword", n->loc));
	km_check(m);
	if (km_agg_index(fe->agg) == 5)
		km_stat_variance(m, arr);
	km_line(m, "{ struct tapir_sort s = { g_%s, %d, %d, %d };", arr->name, col, dir,
		km_agg_index(fe->agg));
	km_line(m, "  F->n%d = tapir_map_sorted(g_%s, F->e%d, &s); }", k, arr->name, k);
	/* c counts the entries visited: those of the slice, if any */
	km_line(m, "for (F->i%d = F->c%d = 0; F->i%d < F->n%d; F->i%d++) {", k, k, k, k, k);
	m->indent++;
	km_line(m, "const struct k_%s *K = tapir_ent_key(F->e%d[F->i%d]);", arr->name, k, k);
	if (match)
		km_line(m, "if (!%s) continue;", match);
	km_line(m, "if (F->lim%d >= 0 && F->c%d >= F->lim%d) break;", k, k, k);
	km_line(m, "F->c%d++;", k);
	km_line(m, "if (!tapir_action(c, %s)) goto %s;", km_near(m, "keyword", n->loc), m->unwind);
	for (int i = 0; i < fe->keys.len; i++) {
		struct ast *kv = fe->keys.items[i];

		km_line(m, arr->key_types[i] == TYPE_STRING ? "tapir_str_copy(%s, K->k%d);" :
							       "%s = K->k%d;",
			km_var_ref(m, kv->sym), i);
	}
	km_line(m, "(void)K;");
	if (fe->value && arr->type != TYPE_STATS)
		km_line(m, arr->type == TYPE_STRING ?
				   "tapir_str_copy(%s, tapir_ent_val(g_%s, F->e%d[F->i%d]));" :
				   "%s = *(int64_t *)tapir_ent_val(g_%s, F->e%d[F->i%d]);",
			km_var_ref(m, fe->value->sym), arr->name, k, k);
	km_loop_begin(m, label);
	km_stmt(m, n->body);
	m->nloops--;
	km_line(m, "cont_%d: __attribute__((unused));", label);
	m->indent--;
	km_line(m, "}");
	km_line(m, "brk_%d: __attribute__((unused));", label);
	km_line(m, "tapir_free(c, F->sz%d, F->e%d);", k, k);
}

static void km_delete(struct km *m, struct ast *n)
{
	struct ast *x = n->lhs;

	if (x->kind == AST_INDEX && x->lhs->kind == AST_VAR && x->lhs->sym && km_has_star(&x->args)) {
		km_slice_delete(m, x);
	} else if (x->kind == AST_INDEX && x->lhs->kind == AST_VAR && x->lhs->sym) {
		const char *key = km_key(m, x->lhs->sym, &x->args);

		if (x->lhs->sym->type == TYPE_STATS)
			km_line(m, "tapir_pmap_del(pm_%s, %s);", x->lhs->sym->name, key);
		else
			km_line(m, "tapir_map_del_k(g_%s, %s);", x->lhs->sym->name, km_kargs(m, key));
	} else if (x->kind == AST_VAR && x->sym && x->sym->is_array) {
		km_line(m, x->sym->type == TYPE_STATS ? "tapir_pmap_clear(pm_%s);" :
							"tapir_map_clear(g_%s);", x->sym->name);
	} else if (x->kind == AST_VAR && x->sym && x->sym->type == TYPE_STATS) {
		km_line(m, "tapir_pstat_clear(p_%s);", x->sym->name);
	} else if (x->kind == AST_VAR && x->sym) {
		km_assign_to(m, x, x->type == TYPE_STRING ? "\"\"" : "0", x->type);
	} else {
		km_error(m, n->loc, "this can't be deleted on the kmod runtime yet");
	}
}

static void km_return(struct km *m, struct ast *n)
{
	if (!m->fn) {
		km_error(m, n->loc, "'return' outside a function");
		return;
	}
	if (n->lhs) {
		const char *v = km_expr(m, n->lhs);

		km_line(m, n->lhs->type == TYPE_STRING ? "tapir_str_copy(F->ret_s, %s);" :
							  "F->ret_l = %s;", v);
	}
	km_line(m, "goto out;");
}

static const struct symbol *find_local(struct km *m, const char *name)
{
	for (int i = 0; m->locals && i < m->locals->len; i++) {
		const struct symbol *s = m->locals->items[i];

		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* try { body } catch (msg) { els }: an error in body jumps to catch_N. */
static void km_try(struct km *m, struct ast *n)
{
	int label = new_label(m), k = m->ntemps++;
	const char *saved = m->unwind;
	const struct symbol *var = n->name ? find_local(m, n->name) : NULL;

	km_field(m, false, 16, "\tsize_t sp%d;\n\tint nest%d;\n", k, k);
	km_line(m, "F->sp%d = c->sp; F->nest%d = c->nesting;", k, k);
	m->unwind = arena_printf(m->f->e->arena, "catch_%d", label);
	km_stmt(m, n->body);
	m->unwind = saved;
	km_line(m, "goto tried_%d;", label);
	km_line(m, "catch_%d: __attribute__((unused));", label);
	km_line(m, "if (c->aborted) goto %s;", m->unwind);
	km_line(m, "c->sp = F->sp%d; c->nesting = F->nest%d;", k, k);
	if (var)
		km_line(m, "tapir_str_copy(%s, c->error);", km_var_ref(m, var));
	km_line(m, "c->unwind = c->error_set = false; c->near = NULL;");
	km_stmt(m, n->els);
	km_line(m, "tried_%d: __attribute__((unused));", label);
}

static void km_simple(struct km *m, struct ast *n)
{
	switch (n->kind) {
	case AST_BREAK:
		if (m->nloops)
			km_line(m, "goto brk_%d;", m->loops[m->nloops - 1].label);
		break;
	case AST_CONTINUE:
		if (m->nloops)
			km_line(m, "goto cont_%d;", m->loops[m->nloops - 1].label);
		break;
	case AST_NEXT:
		if (m->fn)
			km_error(m, n->loc, "'next' in a function is not supported on the kmod runtime yet");
		else
			km_line(m, "goto out;");
		break;
	default:
		km_error(m, n->loc, "this statement is not supported on the kmod runtime yet");
		break;
	}
}

void km_stmt(struct km *m, struct ast *n)
{
	if (!n)
		return;
	/* As SystemTap's module does, an expression statement only counts
	 * its action; the check is at statements with a keyword (loop heads
	 * above all), so MAXACTION is reported near the loop's keyword. */
	if (n->kind == AST_EXPR_STMT)
		km_line(m, "c->actions++;");
	else if (n->kind != AST_BLOCK && n->kind != AST_NULL_STMT)
		km_line(m, "if (!tapir_action(c, %s)) goto %s;", km_near(m, "keyword", n->loc),
			m->unwind);
	switch (n->kind) {
	case AST_BLOCK:
		km_block(m, n);
		break;
	case AST_EXPR_STMT:
		if (!km_counter_stmt(m, n))
			km_line(m, "(void)(%s);", km_expr(m, n->lhs));
		break;
	case AST_IF:
		km_if(m, n);
		break;
	case AST_WHILE:
	case AST_FOR:
		km_loop(m, n);
		break;
	case AST_FOREACH:
		km_foreach(m, n);
		break;
	case AST_RETURN:
		km_return(m, n);
		break;
	case AST_DELETE:
		km_delete(m, n);
		break;
	case AST_TRY:
		km_try(m, n);
		break;
	case AST_NULL_STMT:
		break;
	case AST_EMBED_STMT:
		km_line(m, "{\n%s\n}", n->str ? n->str : "");
		break;
	default:
		km_simple(m, n);
		break;
	}
}

/* ---- functions --------------------------------------------------------------------- */

static void param_list(struct km_file *f, struct func *fn, struct strbuf *sb)
{
	sb_puts(sb, "struct tapir_ctx *_ctx");
	if (fn->ret == TYPE_LONG)
		sb_puts(sb, ", int64_t *_retp");
	else if (fn->ret == TYPE_STRING)
		sb_puts(sb, ", char *_retbuf");
	for (int i = 0; i < fn->params.len; i++) {
		const struct symbol *p = fn->params.items[i];

		sb_printf(sb, p->type == TYPE_STRING ? ", const char *STAP_ARG_%s" :
						      ", int64_t STAP_ARG_%s",
			  p->name);
	}
	(void)f;
}

static void emit_embedded(struct km_file *f, struct func *fn, const char *cn)
{
	struct strbuf params = { 0 };
	struct loc l = fn->decl->loc;

	param_list(f, fn, &params);
	sb_printf(&f->protos, "static void fe_%s(%s);\n", cn, params.data);
	if (fn->ret == TYPE_LONG)
		sb_puts(&f->funcs, "#define STAP_RETVALUE (*_retp)\n");
	else if (fn->ret == TYPE_STRING)
		sb_puts(&f->funcs, "#define STAP_RETVALUE _retbuf\n");
	sb_printf(&f->funcs, "static void __maybe_unused fe_%s(%s)\n{\n", cn, params.data);
	if (l.src)
		sb_printf(&f->funcs, "\t/* %s:%d */\n", l.src->name, l.line);
	sb_printf(&f->funcs, "%s\n}\n", fn->decl->embedded);
	if (fn->ret != TYPE_UNKNOWN)
		sb_puts(&f->funcs, "#undef STAP_RETVALUE\n");
	sb_puts(&f->funcs, "\n");
	sb_free(&params);
}

static void frame_field(struct strbuf *sb, const struct symbol *s)
{
	if (s->type == TYPE_STRING)
		sb_printf(sb, "\tchar l_%s[TAPIR_MAXSTRINGLEN];\n", s->name);
	else
		sb_printf(sb, "\tint64_t l_%s;\n", s->name);
}

void km_emit_function(struct km_file *f, struct func *fn)
{
	struct km m = { .f = f, .fn = fn, .unwind = "out", .locals = &fn->locals };
	const char *cn;

	for (int i = 0; i < f->done_funcs.len; i++) {
		if (f->done_funcs.items[i] == fn)
			return;
	}
	vec_push(f->e->arena, &f->done_funcs, fn);
	cn = arena_printf(f->e->arena, "%s_%d", fn->name, fn->decl->params.len);
	if (fn->decl->embedded) {
		emit_embedded(f, fn, cn);
		return;
	}
	for (int i = 0; i < fn->params.len; i++)
		frame_field(&m.frame, fn->params.items[i]);
	for (int i = 0; i < fn->locals.len; i++)
		frame_field(&m.frame, fn->locals.items[i]);
	sb_puts(&m.frame, "\tint64_t ret_l;\n\tchar ret_s[TAPIR_MAXSTRINGLEN];\n");
	sb_printf(&f->protos, "struct fr_%s;\nstatic void fn_%s(struct tapir_ctx *c, struct fr_%s *F);\n",
		  cn, cn, cn);
	km_stmt(&m, fn->decl->body);
	sb_printf(&f->decls, "struct fr_%s {\n%s};\n\n", cn, m.frame.data);
	sb_printf(&f->funcs, "static void fn_%s(struct tapir_ctx *c, struct fr_%s *F)\n{\n%s"
			     "out: __attribute__((unused));\n\treturn;\n}\n\n",
		  cn, cn, m.body.data ? m.body.data : "");
	sb_free(&m.body);
	sb_free(&m.frame);
}
