/* emit_expr.c - lowering expressions to C for the BPF backend. */
#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "emit.h"
#include "emit_uprobe.h"
#include "probes/tracepoint_db.h"
#include "probes/uvar.h"

static bool is_kernel_long_elem(const struct em *m, const struct ast *x);
static const char *em_elem_add(struct em *m, struct ast *x, const char *delta);

void em_line(struct em *m, const char *fmt, ...)
{
	va_list ap;
	char buf[4096];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Every kernel line names its statement's script line: clang's BTF
	 * line info, which the verifier quotes, then points at the script. */
	if (!m->user && m->stmt.src && m->stmt.line > 0)
		sb_printf(&m->body, "#line %d %s\n", m->stmt.line, em_quote(m, m->stmt.src->name));
	for (int i = 0; i < m->indent + 1; i++)
		sb_putc(&m->body, '\t');
	sb_puts(&m->body, buf);
	sb_putc(&m->body, '\n');
}

void em_error(struct em *m, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_at(m->f->e->diag, DIAG_ERROR, loc, "%s", buf);
	m->f->failed = true;
}

/*
 * A frame field for a temporary of the statement being lowered (a string,
 * a key, the frame of a function it calls): decl is its C declaration with
 * %s for its name.  A statement's temporaries are dead once it is done,
 * while its sub-statements run with its own still live (a loop's
 * condition, a foreach's slice); so a field that a finished statement
 * used is taken again by a later statement under the same parent (or its
 * sub-statements), never by the parent itself: the frame grows as its
 * deepest path of statements, not as the sum of its call sites (which
 * nested calls make exponential).  The frame stays a flat struct, as the
 * kernel's BTF checks limit how deep types nest.
 */
struct em_field {
	const char *decl, *name;
	int owner;       /* the statement depth using it, or -1 */
	int free_below;  /* free to statements deeper than this */
};

const char *em_field(struct em *m, const char *prefix, const char *decl)
{
	struct em_field *fl;
	const char *at;

	for (int i = 0; i < m->fields.len; i++) {
		fl = m->fields.items[i];
		if (fl->owner < 0 && fl->free_below < m->stmt_depth && strcmp(fl->decl, decl) == 0) {
			fl->owner = m->stmt_depth;
			return fl->name;
		}
	}
	fl = arena_alloc(m->f->e->arena, sizeof(*fl));
	fl->decl = decl;
	fl->name = arena_printf(m->f->e->arena, "%s%d", prefix, m->ntemps++);
	fl->owner = m->stmt_depth;
	at = strstr(decl, "%s");
	assert(at);
	sb_putc(&m->frame, '\t');
	sb_putn(&m->frame, decl, (size_t)(at - decl));
	sb_puts(&m->frame, fl->name);
	sb_puts(&m->frame, at + 2);
	sb_puts(&m->frame, ";\n");
	vec_push(m->f->e->arena, &m->fields, fl);
	return fl->name;
}

/* The statement at depth is done: what it and its sub-statements used
 * goes to its later siblings. */
void em_fields_release(struct em *m, int depth)
{
	for (int i = 0; i < m->fields.len; i++) {
		struct em_field *fl = m->fields.items[i];

		if (fl->owner == depth || (fl->owner < 0 && fl->free_below == depth)) {
			fl->owner = -1;
			fl->free_below = depth - 1;
		}
	}
}

const char *em_tmp_long(struct em *m)
{
	int n;

	if (m->user)
		return arena_printf(m->f->e->arena, "F->%s", em_field(m, "t", "s64 %s"));
	n = m->ntemps++;
	sb_printf(&m->cvars, "\ts64 t%d = 0;\n", n);
	return arena_printf(m->f->e->arena, "t%d", n);
}

const char *em_tmp_str(struct em *m)
{
	return arena_printf(m->f->e->arena, "F->%s", em_field(m, "t", "char %s[TAPIR_MAXSTRINGLEN]"));
}

const char *em_quote(struct em *m, const char *s)
{
	struct strbuf sb = { 0 };
	const char *r;

	sb_putc(&sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(&sb, "\\%c", *p);
		else if (*p < 32 || *p >= 127)
			sb_printf(&sb, "\\%03o", *p);
		else
			sb_putc(&sb, (char)*p);
	}
	sb_putc(&sb, '"');
	r = arena_strdup(m->f->e->arena, sb.data);
	sb_free(&sb);
	return r;
}

int em_fmt_id(struct em_file *f, const char *fmt)
{
	for (int i = 0; i < f->fmts.len; i++) {
		if (strcmp(f->fmts.items[i], fmt) == 0)
			return i;
	}
	vec_push(f->e->arena, &f->fmts, (void *)fmt);
	return f->fmts.len - 1;
}

int em_loc_id(struct em_file *f, const char *what, struct loc loc)
{
	vec_push(f->e->arena, &f->error_locs,
		 arena_printf(f->e->arena, "%s at %s:%d:%d", what, loc.src ? loc.src->name : "?",
			      loc.line, loc.col));
	return f->error_locs.len - 1;
}

struct em_global *em_global_of(struct em_file *f, const struct symbol *s)
{
	for (int i = 0; i < f->globals.len; i++) {
		struct em_global *g = f->globals.items[i];

		if (g->sym == s)
			return g;
	}
	return NULL;
}

const char *em_local_ref(struct em *m, const struct symbol *s)
{
	if (s->kind == SYM_GLOBAL)
		return arena_printf(m->f->e->arena, "GLOB(g_%s)", s->name);
	if (m->user || s->type == TYPE_STRING || m->longs_in_frame)
		return arena_printf(m->f->e->arena, "F->l_%s", s->name);
	return arena_printf(m->f->e->arena, "l_%s", s->name);
}

/* A key struct for arr filled from the index expressions. */
void em_key(struct em *m, const struct symbol *arr, struct vec *args, const char **key_out)
{
	const char *key = arena_printf(m->f->e->arena, "F->%s",
				       em_field(m, "k", arena_printf(m->f->e->arena, "struct k_%s %%s", arr->name)));

	em_line(m, m->user ? "__builtin_memset(&%s, 0, sizeof(%s));" : "TAPIR_ZERO(&%s, sizeof(%s));",
		key, key);
	for (int i = 0; i < args->len; i++) {
		struct ast *a = args->items[i];
		const char *v;

		if (a->kind == AST_STAR) {
			em_error(m, a->loc, "'*' in an index is not supported on the bpf runtime yet");
			continue;
		}
		v = em_expr(m, a);
		if (arr->key_types[i] == TYPE_STRING)
			em_line(m, "tapir_str_copy(%s.k%d, %s);", key, i, v);
		else
			em_line(m, "%s.k%d = %s;", key, i, v);
	}
	*key_out = key;
}

static const char *em_num(struct em *m, int64_t v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	return arena_printf(m->f->e->arena, "%lldLL", (long long)v);
}

static const char *em_str_lit(struct em *m, const char *s)
{
	const char *t = em_tmp_str(m);

	em_line(m, "tapir_str_copy(%s, %s);", t, em_quote(m, s));
	return t;
}

static const char *em_index_read(struct em *m, struct ast *n)
{
	struct ast *base = n->lhs;
	const char *key, *val;

	if (base->kind == AST_HIST)
		return em_hist_bucket(m, n);
	if (base->kind != AST_VAR || !base->sym) {
		em_error(m, n->loc, "this can't be indexed on the bpf runtime yet");
		return "0";
	}
	if (base->sym->type == TYPE_STATS) {
		em_error(m, n->loc, "a statistic must be read with @count, @sum, ...");
		return "0";
	}
	em_key(m, base->sym, &n->args, &key);
	if (base->sym->type == TYPE_STRING) {
		val = arena_printf(m->f->e->arena, "F->%s", em_field(m, "v", "struct tapir_str %s"));
		em_line(m, "get_%s(&%s, &%s);", base->sym->name, key, val);
		return arena_printf(m->f->e->arena, "%s.s", val);
	}
	val = em_tmp_long(m);
	em_line(m, "get_%s(&%s, &%s);", base->sym->name, key, val);
	return val;
}

static bool is_str(const struct ast *n)
{
	return n->type == TYPE_STRING;
}

/* a op b over already-lowered operands; n gives the error location. */
static const char *em_binop(struct em *m, struct ast *n, const char *op, const char *a,
			    const char *b, enum ast_type type)
{
	const char *t;

	(void)type;
	if (strcmp(op, ".") == 0) {
		t = em_tmp_str(m);
		em_line(m, "tapir_str_concat(%s, %s, %s);", t, a, b);
		return t;
	}
	if (strcmp(op, "/") == 0 || strcmp(op, "%") == 0) {
		int id = em_loc_id(m->f, arena_printf(m->f->e->arena, "operator '%s'", op), n->loc);

		t = em_tmp_long(m);
		em_line(m, "if (%s == 0) {", b);
		m->indent++;
		em_raise(m, arena_printf(m->f->e->arena, "%d", id), "\"division by 0\"");
		m->indent--;
		em_line(m, "}");
		em_line(m, "%s = %s(%s, %s);", t, op[0] == '/' ? "TAPIR_DIV" : "TAPIR_MOD", a, b);
		return t;
	}
	if (strcmp(op, ">>>") == 0)
		return arena_printf(m->f->e->arena, "((s64)((u64)(%s) >> ((%s) & 63)))", a, b);
	if (strcmp(op, "<<") == 0 || strcmp(op, ">>") == 0)
		return arena_printf(m->f->e->arena, "((s64)((%s) %s ((%s) & 63)))", a, op, b);
	return arena_printf(m->f->e->arena, "((s64)((u64)(%s) %s (u64)(%s)))", a, op, b);
}

static const char *em_binary(struct em *m, struct ast *n)
{
	const char *a = em_expr(m, n->lhs), *b = em_expr(m, n->rhs);

	return em_binop(m, n, n->op, a, b, n->type);
}

static const char *em_compare(struct em *m, struct ast *n)
{
	if (is_str(n->lhs) || is_str(n->rhs)) {
		const char *a = em_expr(m, n->lhs), *b = em_expr(m, n->rhs);

		return arena_printf(m->f->e->arena, "(tapir_str_cmp(%s, %s) %s 0)", a, b, n->op);
	}
	return arena_printf(m->f->e->arena, "((s64)(%s %s %s))", em_long(m, n->lhs), n->op,
			    em_long(m, n->rhs));
}

/* && and ||: the right side's statements run only when needed. */
static const char *em_logical(struct em *m, struct ast *n)
{
	const char *t = em_tmp_long(m), *a = em_long(m, n->lhs), *b;
	bool is_and = strcmp(n->op, "&&") == 0;

	em_line(m, "%s = %s(%s);", t, is_and ? "!!" : "!!", a);
	em_line(m, "if (%s%s) {", is_and ? "" : "!", t);
	m->indent++;
	b = em_long(m, n->rhs);
	em_line(m, "%s = !!(%s);", t, b);
	m->indent--;
	em_line(m, "}");
	return t;
}

static const char *em_ternary(struct em *m, struct ast *n)
{
	bool s = is_str(n);
	const char *t = s ? em_tmp_str(m) : em_tmp_long(m), *c = em_long(m, n->cond), *v;

	em_line(m, "if (%s) {", c);
	m->indent++;
	v = em_expr(m, n->lhs);
	em_line(m, s ? "tapir_str_copy(%s, %s);" : "%s = %s;", t, v);
	m->indent--;
	em_line(m, "} else {");
	m->indent++;
	v = em_expr(m, n->rhs);
	em_line(m, s ? "tapir_str_copy(%s, %s);" : "%s = %s;", t, v);
	m->indent--;
	em_line(m, "}");
	return t;
}

/* The place an array's run-time errors name: the identifier at this use. */
static int em_array_loc(struct em *m, const struct ast *var)
{
	return em_loc_id(m->f, arena_printf(m->f->e->arena, "identifier '%s'", var->sym->name),
			 var->loc);
}

/* SystemTap's message when an array is full: its size, or MAXMAPENTRIES. */
const char *em_overflow_msg(struct em_file *f, const struct symbol *s)
{
	if (s->decl && s->decl->max_size > 0)
		return arena_printf(f->e->arena, "Array overflow, check size limit (%lld)",
				    (long long)s->decl->max_size);
	return "Array overflow, check MAXMAPENTRIES";
}

/* call stores into array arr, and returns < 0 when arr is full. */
static void em_store(struct em *m, const char *call, const struct symbol *arr, int loc)
{
	em_line(m, "if (%s < 0) {", call);
	m->indent++;
	em_raise(m, arena_printf(m->f->e->arena, "%d", loc), em_quote(m, em_overflow_msg(m->f, arr)));
	m->indent--;
	em_line(m, "}");
}

/* An lvalue, with its array key computed once. */
struct lval {
	const struct symbol *var;  /* a variable, or the array */
	const char *key;           /* the array element's key, or NULL */
	int loc;                   /* an element's error location */
	bool bad;
};

static struct lval em_lval(struct em *m, struct ast *lhs)
{
	struct lval lv = { 0 };

	if (lhs->kind == AST_VAR) {
		lv.var = lhs->sym;
	} else if (lhs->kind == AST_INDEX && lhs->lhs->kind == AST_VAR) {
		lv.var = lhs->lhs->sym;
		em_key(m, lv.var, &lhs->args, &lv.key);
		lv.loc = em_array_loc(m, lhs->lhs);
	} else {
		em_error(m, lhs->loc, "this can't be assigned on the bpf runtime yet");
		lv.bad = true;
	}
	return lv;
}

static const char *em_lval_read(struct em *m, const struct lval *lv)
{
	const char *val, *v;

	if (lv->bad)
		return "0";
	if (!lv->key)
		return em_local_ref(m, lv->var);
	if (lv->var->type == TYPE_STRING) {
		v = em_field(m, "v", "struct tapir_str %s");
		em_line(m, "get_%s(&%s, &F->%s);", lv->var->name, lv->key, v);
		return arena_printf(m->f->e->arena, "F->%s.s", v);
	}
	val = em_tmp_long(m);
	em_line(m, "get_%s(&%s, &%s);", lv->var->name, lv->key, val);
	return val;
}

static void em_lval_write(struct em *m, const struct lval *lv, const char *val, enum ast_type t)
{
	if (lv->bad)
		return;
	if (!lv->key) {
		em_line(m, t == TYPE_STRING ? "tapir_str_copy(%s, %s);" : "%s = %s;",
			em_local_ref(m, lv->var), val);
	} else if (t == TYPE_STRING) {
		const char *v = em_field(m, "v", "struct tapir_str %s");

		em_line(m, "tapir_str_copy(F->%s.s, %s);", v, val);
		em_store(m, arena_printf(m->f->e->arena, "set_%s(&%s, &F->%s)", lv->var->name,
					 lv->key, v), lv->var, lv->loc);
	} else {
		const char *v = em_tmp_long(m);

		em_line(m, "%s = %s;", v, val);
		em_store(m, arena_printf(m->f->e->arena, "set_%s(&%s, &%s)", lv->var->name, lv->key, v),
			 lv->var, lv->loc);
	}
}

/* Store val into an lvalue: a variable or an array element. */
void em_assign_to(struct em *m, struct ast *lhs, const char *val, enum ast_type t)
{
	struct lval lv = em_lval(m, lhs);

	em_lval_write(m, &lv, val, t);
}

/* A global long updated from a kernel probe, atomically: probes run on
 * every CPU at once. Returns the old value's temporary. */
static const char *em_atomic_add(struct em *m, struct ast *var, const char *delta)
{
	const char *old = em_tmp_long(m);

	em_line(m, "%s = __sync_fetch_and_add(&%s, %s);", old, em_local_ref(m, var->sym), delta);
	return old;
}

static bool is_kernel_global_long(const struct em *m, const struct ast *x)
{
	return !m->user && x->kind == AST_VAR && x->sym && x->sym->kind == SYM_GLOBAL &&
	       x->sym->type == TYPE_LONG;
}

static const char *em_stats_add(struct em *m, struct ast *n)
{
	struct ast *lhs = n->lhs;
	const char *v = em_long(m, n->rhs);
	const struct symbol *s = lhs->kind == AST_INDEX ? lhs->lhs->sym : lhs->sym;
	const char *key = "tapir_zero_key";

	if (lhs->kind == AST_INDEX)
		em_key(m, s, &lhs->args, &key);
	else
		key = "tapir_zero_key";
	if (m->user) {
		struct em_global *g = em_global_of(m->f, s);

		em_line(m, "tapir_stat_add(%d, %s%s, %s);", g ? g->stat_index : -1,
			lhs->kind == AST_INDEX ? "&" : "", lhs->kind == AST_INDEX ? key : "NULL", v);
		return v;
	}
	em_store(m, arena_printf(m->f->e->arena, "add_%s(&%s, %s)", s->name, key, v), s,
		 em_array_loc(m, lhs->kind == AST_INDEX ? lhs->lhs : lhs));
	return v;
}

static const char *em_assign(struct em *m, struct ast *n)
{
	const char *op = n->op;
	enum ast_type t = n->lhs->type;
	const char *v;

	if (strcmp(op, "<<<") == 0)
		return em_stats_add(m, n);
	if (strcmp(op, "=") == 0) {
		v = em_expr(m, n->rhs);
		if (t == TYPE_STRING && n->lhs->kind == AST_VAR) {
			em_assign_to(m, n->lhs, v, t);
			return em_local_ref(m, n->lhs->sym);
		}
		if (t != TYPE_STRING) {
			const char *tmp = em_tmp_long(m);

			em_line(m, "%s = %s;", tmp, v);
			v = tmp;
		}
		em_assign_to(m, n->lhs, v, t);
		return v;
	}
	if ((strcmp(op, "+=") == 0 || strcmp(op, "-=") == 0) && is_kernel_long_elem(m, n->lhs)) {
		const char *d = em_long(m, n->rhs);
		const char *old = em_elem_add(m, n->lhs, op[0] == '+' ? d :
					      arena_printf(m->f->e->arena, "-(%s)", d));

		return arena_printf(m->f->e->arena, "(%s %c (%s))", old, op[0], d);
	}
	if ((strcmp(op, "+=") == 0 || strcmp(op, "-=") == 0) && is_kernel_global_long(m, n->lhs)) {
		const char *d = em_long(m, n->rhs);
		const char *old = em_atomic_add(m, n->lhs, op[0] == '+' ? d :
					       arena_printf(m->f->e->arena, "-(%s)", d));

		return arena_printf(m->f->e->arena, "(%s %c (%s))", old, op[0], d);
	}
	/* x op= y is x = x op y, with x's key computed once */
	{
		struct lval lv = em_lval(m, n->lhs);
		const char *cur = em_lval_read(m, &lv), *rhs = em_expr(m, n->rhs), *res;
		char bop[4];

		snprintf(bop, sizeof(bop), "%.*s", (int)strlen(op) - 1, op);
		res = em_binop(m, n, bop, cur, rhs, t);
		if (t != TYPE_STRING) { /* the value now, not x's later */
			const char *tmp = em_tmp_long(m);

			em_line(m, "%s = %s;", tmp, res);
			res = tmp;
		}
		em_lval_write(m, &lv, res, t);
		return res;
	}
}

static bool is_kernel_long_elem(const struct em *m, const struct ast *x)
{
	return !m->user && x->kind == AST_INDEX && x->lhs->kind == AST_VAR && x->lhs->sym &&
	       x->lhs->sym->kind == SYM_GLOBAL && x->lhs->sym->type == TYPE_LONG;
}

/* a[k] += d in a kernel probe: one lookup and an atomic add in the map's
 * value, as a hand-written program would do it. Returns the old value. */
static const char *em_elem_add(struct em *m, struct ast *x, const char *delta)
{
	const char *key, *old = em_tmp_long(m);

	em_key(m, x->lhs->sym, &x->args, &key);
	em_store(m, arena_printf(m->f->e->arena, "add_%s(&%s, %s, &%s)", x->lhs->sym->name, key,
				 delta, old), x->lhs->sym, em_array_loc(m, x->lhs));
	return old;
}

static const char *em_incdec(struct em *m, struct ast *n)
{
	const char *old, *cur, *nv;

	if (is_kernel_long_elem(m, n->lhs)) {
		old = em_elem_add(m, n->lhs, n->op[0] == '+' ? "1" : "-1");
		return n->kind == AST_PREINC ? arena_printf(m->f->e->arena, "(%s %s 1)", old,
							    n->op[0] == '+' ? "+" : "-") : old;
	}

	if (is_kernel_global_long(m, n->lhs)) {
		old = em_atomic_add(m, n->lhs, n->op[0] == '+' ? "1" : "-1");
		return n->kind == AST_PREINC ? arena_printf(m->f->e->arena, "(%s %s 1)", old,
							    n->op[0] == '+' ? "+" : "-") : old;
	}
	{
		struct lval lv = em_lval(m, n->lhs);

		old = em_tmp_long(m);
		cur = em_lval_read(m, &lv);
		nv = em_tmp_long(m);
		em_line(m, "%s = %s;", old, cur);
		em_line(m, "%s = (s64)((u64)%s %s 1);", nv, old, n->op[0] == '+' ? "+" : "-");
		em_lval_write(m, &lv, nv, TYPE_LONG);
	}
	return n->kind == AST_PREINC ? nv : old;
}

static const char *em_in(struct em *m, struct ast *n)
{
	const char *key;

	if (em_has_star(&n->args))
		return em_in_slice(m, n);
	em_key(m, n->rhs->sym, &n->args, &key);
	return arena_printf(m->f->e->arena, "((s64)has_%s(&%s))", n->rhs->sym->name, key);
}

/* @count(x) ... in user space: aggregate over every CPU. */
static const char *em_stat_op(struct em *m, struct ast *n)
{
	struct ast *x = n->lhs;
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	struct em_global *g = s ? em_global_of(m->f, s) : NULL;
	const char *key = "NULL", *t, *a, *h;

	if (!m->user)
		return em_kstat_op(m, n);
	if (!g) {
		em_error(m, n->loc, "%s needs a global statistic", n->name);
		return "0";
	}
	if (x->kind == AST_INDEX) {
		em_key(m, s, &x->args, &key);
		key = arena_printf(m->f->e->arena, "&%s", key);
	}
	a = em_field(m, "a", "struct rt_agg %s");
	h = em_field(m, "h", "int64_t %s[RT_HIST_MAX_BUCKETS + 2]");
	t = em_tmp_long(m);
	em_line(m, "if (tapir_stat_get(%d, %s, &F->%s, F->%s) < 0)", g->stat_index, key, a, h);
	if (strcmp(n->name, "@count") == 0 || strcmp(n->name, "@sum") == 0)
		em_line(m, "\tF->%s.count = F->%s.sum = 0;", a, a);
	else
		em_raise(m, arena_printf(m->f->e->arena, "%d", em_loc_id(m->f, arena_printf(
				m->f->e->arena, "operator '%s'", n->name), n->loc)), "\"empty aggregate\"");
	em_line(m, "%s = F->%s.%s;", t, a, n->name + 1);
	return t;
}

static const char *em_target(struct em *m, struct ast *n);

const char *em_expr(struct em *m, struct ast *n)
{
	switch (n->kind) {
	case AST_NUM:
		return em_num(m, n->num);
	case AST_STR:
		return em_str_lit(m, n->str);
	case AST_VAR:
		return em_local_ref(m, n->sym);
	case AST_INDEX:
		return em_index_read(m, n);
	case AST_ASSIGN:
		return em_assign(m, n);
	case AST_BINARY:
		return em_binary(m, n);
	case AST_COMPARE:
		return em_compare(m, n);
	case AST_LOGICAL:
		return em_logical(m, n);
	case AST_TERNARY:
		return em_ternary(m, n);
	case AST_UNARY:
		return arena_printf(m->f->e->arena, "((s64)(%s(%s)))",
				    n->op[0] == '-' ? "0 - (u64)" : n->op, em_long(m, n->lhs));
	case AST_PREINC:
	case AST_POSTINC:
		return em_incdec(m, n);
	case AST_IN:
		return em_in(m, n);
	case AST_STAT_OP:
		return em_stat_op(m, n);
	case AST_CALL:
	case AST_PRINT:
		return em_call(m, n);
	case AST_TARGET:
		return em_target(m, n);
	case AST_CAST:
		if (m->dp && !m->user && bpf_is_uprobe(m->dp->target))
			return em_ucast(m, n);
		return em_cast(m, n, false);
	case AST_ATVAR:
		if (m->dp && !m->user && bpf_is_uprobe(m->dp->target))
			return em_ucast(m, n);
		em_error(m, n->loc, "%s is only supported in process(...) probes on the bpf runtime yet", n->name);
		return "0";
	case AST_ADDROF:
		if (n->lhs->kind == AST_CAST)
			return em_cast(m, n->lhs, true);
		if (n->lhs->kind == AST_TARGET && !m->user && m->dp &&
		    m->dp->target->kind == PK_KFUNC)
			return em_kfunc_addr(m, n->lhs);
		em_error(m, n->loc, "'&' is only supported on @cast() and kernel-function variables on the bpf runtime yet");
		return "0";
	case AST_ENTRY:
		return em_entry(m, n);
	case AST_REGEX:
		return em_regex(m, n);
	default:
		em_error(m, n->loc, "this expression is not supported on the bpf runtime yet");
		return "0";
	}
}

const char *em_long(struct em *m, struct ast *n)
{
	return em_expr(m, n);
}

/* ---- context variables ------------------------------------------------- */

static const char *const syscall_regs[] = { "di", "si", "dx", "r10", "r8", "r9" };

static const struct ctx_var *find_var(const struct derived_probe *dp, const char *name, int *idx)
{
	for (int i = 0; dp && i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		if (strcmp(v->name, name) == 0) {
			*idx = i;
			return v;
		}
	}
	return NULL;
}

/* The raw value of a tracepoint's argument v, as its C type. */
static void ctx_arg(struct strbuf *sb, const struct ctx_var *v)
{
	if (v->src == TPDB_SRC_SYSCALL_ARG)
		sb_printf(sb, "((%s)((struct pt_regs *)ctx[0])->%s)", v->type_name,
			  syscall_regs[v->index < 6 ? v->index : 5]);
	else
		sb_printf(sb, "((%s)ctx[%d])", v->type_name, v->index);
}

/* "name=0x1f name2=0x0 ..." of n values into a new string temp: the
 * $$vars family, as SystemTap formats it with %#x, through bpf_snprintf
 * (which takes no '#' and at most 12 values). */
const char *em_hex_list(struct em *m, struct ast *n, int count, const char *const *names,
			const char *const *vals)
{
	const char *res = em_tmp_str(m);
	struct strbuf fmt = { 0 };

	if (count == 0) {
		em_line(m, "%s[0] = '\\0';", res);
		return res;
	}
	if (count > 12) {
		em_error(m, n->loc, "'%s' of more than 12 arguments is not supported on the bpf "
			 "runtime yet", n->name);
		return res;
	}
	em_line(m, "{");
	m->indent++;
	em_line(m, "u64 __a[%d];", count);
	for (int i = 0; i < count; i++) {
		sb_printf(&fmt, "%s%s=0x%%llx", i ? " " : "", names[i]);
		em_line(m, "__a[%d] = (u64)%s;", i, vals[i]);
	}
	em_line(m, "bpf_snprintf(%s, TAPIR_MAXSTRINGLEN, %s, __a, sizeof(__a));", res,
		em_quote(m, fmt.data));
	m->indent--;
	em_line(m, "}");
	sb_free(&fmt);
	return res;
}

/* $$vars and $$parms of a tracepoint (its arguments are all parameters;
 * $$locals is empty). */
static const char *em_multi_var(struct em *m, struct ast *n)
{
	const struct vec *vars = &m->dp->target->vars;
	int count = strcmp(n->name, "$$locals") == 0 ? 0 : vars->len;
	const char **names = arena_alloc(m->f->e->arena, (count + 1) * sizeof(*names));
	const char **vals = arena_alloc(m->f->e->arena, (count + 1) * sizeof(*vals));

	for (int i = 0; i < count; i++) {
		const struct ctx_var *v = vars->items[i];
		struct strbuf val = { 0 };

		ctx_arg(&val, v);
		names[i] = v->name;
		vals[i] = arena_strdup(m->f->e->arena, val.data);
		sb_free(&val);
	}
	return em_hex_list(m, n, count, names, vals);
}

/* $var of a tracepoint: the raw tracepoint argument, or a syscall argument
 * read from the pt_regs of sys_enter; member chains dereference BTF
 * pointers directly, as tp_btf programs may. */
static const char *em_target(struct em *m, struct ast *n)
{
	struct arena *a = m->f->e->arena;
	struct strbuf sb = { 0 };
	const struct ctx_var *v;
	const char *r;
	int idx = 0;

	if (!m->user && m->dp && m->dp->target->kind == PK_KFUNC)
		return em_kfunc_target(m, n);
	if (!m->user && m->dp && (v = find_var(m->dp, n->name + 1, &idx)) && v->src == CTX_SRC_UVAR)
		return em_uvar(m, n, v);
	if (!m->user && m->dp && bpf_is_uprobe(m->dp->target) && strncmp(n->name, "$$", 2) == 0)
		return em_uvar_set(m, n);
	if (!m->user && m->dp && m->dp->target->kind == PK_TRACE && !n->pretty &&
	    n->chain.len == 0 && (strcmp(n->name, "$$vars") == 0 ||
				  strcmp(n->name, "$$parms") == 0 || strcmp(n->name, "$$locals") == 0))
		return em_multi_var(m, n);
	if (m->user || !m->dp || m->dp->target->kind != PK_TRACE ||
	    !(v = find_var(m->dp, n->name + 1, &idx))) {
		em_error(m, n->loc, "context variable '%s' is not available here", n->name);
		return "0";
	}
	if (n->pretty) {
		em_error(m, n->loc, "pretty-printing '%s' is not supported on the bpf runtime yet",
			 n->pretty);
		return "0";
	}
	ctx_arg(&sb, v);
	if (v->src == TPDB_SRC_SYSCALL_ARG && n->chain.len > 0) {
		/* a syscall's pointer is a number to the verifier: each step
		 * is read, and a user address faults as SystemTap's would */
		const struct btf *btf = m->f->e->tpdb ? tpdb_btf(m->f->e->tpdb) : NULL;

		r = em_read_chain(m, n, arena_strdup(a, sb.data), btf, (uint32_t)v->btf_id, false);
		sb_free(&sb);
		return r;
	}
	uint32_t id = (uint32_t)v->btf_id;
	for (int i = 0; i < n->chain.len; i++) {
		const struct ast_step *st = n->chain.items[i];
		bool bitfield;
		const char *op = em_tp_chain_step(m, &id, st->is_index ? NULL : st->member, &bitfield);

		if (st->is_index) {
			const char *ix = em_long(m, st->index);

			r = arena_strdup(a, sb.data);
			sb.len = 0;
			sb_printf(&sb, "(%s)[%s]", r, ix);
		} else if (bitfield) {
			r = arena_strdup(a, sb.data);
			sb.len = 0;
			sb_printf(&sb, "BPF_CORE_READ_BITFIELD(%s(%s), %s)", strcmp(op, ".") == 0 ? "&" : "",
				  r, st->member);
		} else {
			r = arena_strdup(a, sb.data);
			sb.len = 0;
			sb_printf(&sb, "(%s)%s%s", r, op, st->member);
		}
	}
	r = arena_printf(a, "((s64)(%s))", sb.data);
	sb_free(&sb);
	return r;
}
