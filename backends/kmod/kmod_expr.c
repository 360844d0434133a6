/* kmod_expr.c - lowering expressions to module C. */
#include <stdarg.h>
#include <string.h>

#include "kmod.h"
#include "kmod_uprobe.h"
#include "rt_stats.h"

void km_line(struct km *m, const char *fmt, ...)
{
	va_list ap;
	char buf[8192];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (int i = 0; i < m->indent + 1; i++)
		sb_putc(&m->body, '\t');
	sb_puts(&m->body, buf);
	sb_putc(&m->body, '\n');
}

void km_error(struct km *m, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_at(m->f->e->diag, DIAG_ERROR, loc, "%s", buf);
	m->f->failed = true;
}

/* A field of the frame, in its zeroed part or, where the handler keeps
 * them apart, its scratch (written before it is read); of about bytes,
 * which a light handler's frame on the kernel stack counts. */
void km_field(struct km *m, bool scratch, size_t bytes, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_puts(scratch && m->split_frame ? &m->scratch : &m->frame, buf);
	m->frame_bytes += bytes;
}

/* The size of arr's key struct (struct k_NAME). */
size_t km_key_bytes(const struct km *m, const struct symbol *arr)
{
	size_t n = 0;

	for (int i = 0; i < arr->nkeys; i++)
		n += arr->key_types[i] == TYPE_STRING ? (size_t)m->f->o->maxstringlen : 8;
	return n;
}

/* C locals a handler may have for its long temporaries: bounded, for the
 * kernel stack (gcc shares the slots of those it spills) */
#define KM_MAX_CTEMPS 48

const char *km_tmp_long(struct km *m)
{
	int n = m->ntemps++;

	if (m->split_frame && m->nctemps < KM_MAX_CTEMPS) {
		m->nctemps++;
		sb_printf(&m->ctemps, "\tint64_t t%d;\n", n);
		return arena_printf(m->f->e->arena, "t%d", n);
	}
	km_field(m, true, 8, "\tint64_t t%d;\n", n);
	return arena_printf(m->f->e->arena, "F->t%d", n);
}

/* A long temporary that starts at 0: an embedded-C function's result,
 * 0 when it sets none, as in SystemTap. */
const char *km_tmp_long_zeroed(struct km *m)
{
	int n = m->ntemps++;

	km_field(m, false, 8, "\tint64_t t%d;\n", n);
	return arena_printf(m->f->e->arena, "F->t%d", n);
}

const char *km_tmp_str(struct km *m)
{
	int n = m->ntemps++;

	km_field(m, false, (size_t)m->f->o->maxstringlen, "\tchar t%d[TAPIR_MAXSTRINGLEN];\n", n);
	return arena_printf(m->f->e->arena, "F->t%d", n);
}

const char *km_quote(struct arena *a, const char *s)
{
	struct strbuf sb = { 0 };
	const char *r;

	sb_putc(&sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(&sb, "\\%c", *p);
		else if (*p < 32 || *p >= 127 || *p == '?')
			sb_printf(&sb, "\\%03o", *p);
		else
			sb_putc(&sb, (char)*p);
	}
	sb_putc(&sb, '"');
	r = arena_strdup(a, sb.data);
	sb_free(&sb);
	return r;
}

/* "operator '/' at file:6:20" as a C string, for an error's "near". */
const char *km_near(struct km *m, const char *what, struct loc loc)
{
	struct arena *a = m->f->e->arena;

	return km_quote(a, arena_printf(a, "%s at %s:%d:%d", what, loc.src ? loc.src->name : "?",
					loc.line, loc.col));
}

/* After what may fail: leave for the unwind label. */
void km_check(struct km *m)
{
	km_line(m, "if (unlikely(c->unwind)) goto %s;", m->unwind);
}

struct km_global *km_global_of(struct km_file *f, const struct symbol *s)
{
	for (int i = 0; i < f->globals.len; i++) {
		struct km_global *g = f->globals.items[i];

		if (g->sym == s)
			return g;
	}
	return NULL;
}

const char *km_var_ref(struct km *m, const struct symbol *s)
{
	if (s->kind == SYM_GLOBAL)
		return arena_printf(m->f->e->arena, "g_%s", s->name);
	return arena_printf(m->f->e->arena, "F->l_%s", s->name);
}

/* A key's address and its length, as a map's hot operations take them
 * (tapir_map_find_k() & co.): the length is its struct's sizeof, a
 * constant. */
const char *km_kargs(struct km *m, const char *key)
{
	return arena_printf(m->f->e->arena, "%s, sizeof(*%s)", key, key);
}

/* The call that gives the value of key in map (a struct tapir_map *),
 * added when absent; NULL after an overflow, reported into the context,
 * or at once in a light handler, which has none. */
const char *km_map_set(struct km *m, const char *map, const char *key, const char *near)
{
	return arena_printf(m->f->e->arena, "tapir_map_set_k(%s, %s, %s, %s)",
			    m->lite ? "NULL" : "c", map, km_kargs(m, key), near);
}

/* A zeroed key of arr filled from the index expressions; returns "&F->kN". */
const char *km_key(struct km *m, const struct symbol *arr, struct vec *args)
{
	const char *vals[ELAB_MAX_KEYS];
	int n = m->ntemps++;

	for (int i = 0; i < args->len && i < ELAB_MAX_KEYS; i++) {
		struct ast *a = args->items[i];

		if (a->kind == AST_STAR) {
			km_error(m, a->loc, "'*' in an index is not supported on the kmod runtime yet");
			vals[i] = "0";
			continue;
		}
		vals[i] = km_expr(m, a);
	}
	/* zeroed here, where it is filled: not in the frame's zeroed part */
	km_field(m, true, km_key_bytes(m, arr), "\tstruct k_%s k%d;\n", arr->name, n);
	km_line(m, "memset(&F->k%d, 0, sizeof(F->k%d));", n, n);
	for (int i = 0; i < args->len && i < ELAB_MAX_KEYS; i++) {
		if (arr->key_types[i] == TYPE_STRING)
			km_line(m, "tapir_str_copy(F->k%d.k%d, %s);", n, i, vals[i]);
		else
			km_line(m, "F->k%d.k%d = %s;", n, i, vals[i]);
	}
	return arena_printf(m->f->e->arena, "&F->k%d", n);
}

static const char *km_num(struct km *m, int64_t v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	return arena_printf(m->f->e->arena, "%lldLL", (long long)v);
}

static const char *km_str_lit(struct km *m, const char *s)
{
	const char *t = km_tmp_str(m);

	km_line(m, "tapir_str_copy(%s, %s);", t, km_quote(m->f->e->arena, s));
	return t;
}

static const char *km_sdesc(struct km *m, struct ast *x);

/* @hist_*(x)[i]: the count in bucket i; 0 out of range or when empty. */
static const char *km_hist_bucket(struct km *m, struct ast *n)
{
	struct ast *h = n->lhs;
	const char *near = km_near(m, arena_printf(m->f->e->arena, "operator '%s'", h->name), h->loc);
	const char *st = km_stat_ref(m, h->lhs, false, near), *ix, *t = km_tmp_long(m);

	ix = km_expr(m, n->args.items[0]);
	km_line(m, "%s = tapir_hist_bucket(%s, %s, %s);", t, st, km_sdesc(m, h->lhs), ix);
	return t;
}

/* a[k] read: 0 or "" when absent, never added. */
static const char *km_index_read(struct km *m, struct ast *n)
{
	const struct symbol *s = n->lhs->kind == AST_VAR ? n->lhs->sym : NULL;
	const char *key, *t;

	if (n->lhs->kind == AST_HIST && n->args.len == 1)
		return km_hist_bucket(m, n);
	if (!s || s->type == TYPE_STATS) {
		km_error(m, n->loc, "this index can't be read on the kmod runtime yet");
		return "0";
	}
	key = km_key(m, s, &n->args);
	if (s->type == TYPE_STRING) {
		t = km_tmp_str(m);
		km_line(m, "{ const char *v = tapir_map_find_k(g_%s, %s); tapir_str_copy(%s, v ? v : \"\"); }",
			s->name, km_kargs(m, key), t);
	} else {
		t = km_tmp_long(m);
		km_line(m, "{ const int64_t *v = tapir_map_find_k(g_%s, %s); %s = v ? *v : 0; }",
			s->name, km_kargs(m, key), t);
	}
	return t;
}

static const char *km_binop(struct km *m, struct loc loc, const char *op, const char *a,
			    const char *b)
{
	struct arena *ar = m->f->e->arena;
	const char *t;

	if (strcmp(op, ".") == 0) {
		t = km_tmp_str(m);
		km_line(m, "tapir_str_concat(%s, %s, %s);", t, a, b);
		return t;
	}
	if (strcmp(op, "/") == 0 || strcmp(op, "%") == 0) {
		t = km_tmp_long(m);
		km_line(m, "%s = tapir_%s(c, %s, %s, %s);", t, op[0] == '/' ? "div" : "mod", a, b,
			km_near(m, arena_printf(ar, "operator '%s'", op), loc));
		km_check(m);
		return t;
	}
	if (strcmp(op, "<<") == 0)
		return arena_printf(ar, "tapir_shl(%s, %s)", a, b);
	if (strcmp(op, ">>") == 0)
		return arena_printf(ar, "tapir_shr(%s, %s)", a, b);
	if (strcmp(op, ">>>") == 0)
		return arena_printf(ar, "((int64_t)((uint64_t)(%s) >> ((%s) & 63)))", a, b);
	if (strcmp(op, "+") == 0)
		return arena_printf(ar, "rt_add64(%s, %s)", a, b);
	if (strcmp(op, "-") == 0)
		return arena_printf(ar, "rt_sub64(%s, %s)", a, b);
	if (strcmp(op, "*") == 0)
		return arena_printf(ar, "rt_mul64(%s, %s)", a, b);
	return arena_printf(ar, "((int64_t)((%s) %s (%s)))", a, op, b);
}

/* Operands go into temporaries: the right side may change the left. */
static const char *km_operand(struct km *m, struct ast *n)
{
	const char *v = km_expr(m, n), *t;

	if (n->type == TYPE_STRING || n->kind == AST_NUM)
		return v;
	t = km_tmp_long(m);
	km_line(m, "%s = %s;", t, v);
	return t;
}

static const char *km_binary(struct km *m, struct ast *n)
{
	const char *a = km_operand(m, n->lhs), *b = km_operand(m, n->rhs);

	return km_binop(m, n->loc, n->op, a, b);
}

static const char *km_compare(struct km *m, struct ast *n)
{
	const char *a = km_operand(m, n->lhs), *b = km_operand(m, n->rhs);

	if (n->lhs->type == TYPE_STRING || n->rhs->type == TYPE_STRING)
		return arena_printf(m->f->e->arena, "((int64_t)(strcmp(%s, %s) %s 0))", a, b,
				    n->op);
	return arena_printf(m->f->e->arena, "((int64_t)(%s %s %s))", a, n->op, b);
}

static const char *km_logical(struct km *m, struct ast *n)
{
	const char *t = km_tmp_long(m), *a = km_expr(m, n->lhs), *b;
	bool is_and = strcmp(n->op, "&&") == 0;

	km_line(m, "%s = !!(%s);", t, a);
	km_line(m, "if (%s%s) {", is_and ? "" : "!", t);
	m->indent++;
	b = km_expr(m, n->rhs);
	km_line(m, "%s = !!(%s);", t, b);
	m->indent--;
	km_line(m, "}");
	return t;
}

static const char *km_ternary(struct km *m, struct ast *n)
{
	bool s = n->type == TYPE_STRING;
	const char *t = s ? km_tmp_str(m) : km_tmp_long(m), *c = km_expr(m, n->cond), *v;

	km_line(m, "if (%s) {", c);
	m->indent++;
	v = km_expr(m, n->lhs);
	km_line(m, s ? "tapir_str_copy(%s, %s);" : "%s = %s;", t, v);
	m->indent--;
	km_line(m, "} else {");
	m->indent++;
	v = km_expr(m, n->rhs);
	km_line(m, s ? "tapir_str_copy(%s, %s);" : "%s = %s;", t, v);
	m->indent--;
	km_line(m, "}");
	return t;
}

/* An lvalue: a variable, or an array element whose key is computed once. */
struct lval {
	const struct symbol *var;
	const char *key;
	struct loc loc;
	bool bad;
};

static struct lval km_lval(struct km *m, struct ast *lhs)
{
	struct lval lv = { .loc = lhs->loc };

	if (lhs->kind == AST_VAR && lhs->sym) {
		lv.var = lhs->sym;
	} else if (lhs->kind == AST_INDEX && lhs->lhs->kind == AST_VAR && lhs->lhs->sym) {
		lv.var = lhs->lhs->sym;
		lv.key = km_key(m, lv.var, &lhs->args);
	} else {
		km_error(m, lhs->loc, "this can't be assigned on the kmod runtime yet");
		lv.bad = true;
	}
	return lv;
}

static const char *km_lval_read(struct km *m, const struct lval *lv)
{
	const char *t;

	if (lv->bad)
		return "0";
	if (!lv->key)
		return km_var_ref(m, lv->var);
	if (lv->var->type == TYPE_STRING) {
		t = km_tmp_str(m);
		km_line(m, "{ const char *v = tapir_map_find_k(g_%s, %s); tapir_str_copy(%s, v ? v : \"\"); }",
			lv->var->name, km_kargs(m, lv->key), t);
	} else {
		t = km_tmp_long(m);
		km_line(m, "{ const int64_t *v = tapir_map_find_k(g_%s, %s); %s = v ? *v : 0; }",
			lv->var->name, km_kargs(m, lv->key), t);
	}
	return t;
}

static void km_lval_write(struct km *m, const struct lval *lv, const char *val, enum ast_type t)
{
	const char *near;

	if (lv->bad)
		return;
	if (!lv->key) {
		km_line(m, t == TYPE_STRING ? "tapir_str_copy(%s, %s);" : "%s = %s;",
			km_var_ref(m, lv->var), val);
		return;
	}
	near = km_near(m, arena_printf(m->f->e->arena, "identifier '%s'", lv->var->name), lv->loc);
	km_line(m, "{ %s *v = %s;", t == TYPE_STRING ? "char" : "int64_t",
		km_map_set(m, arena_printf(m->f->e->arena, "g_%s", lv->var->name), lv->key, near));
	km_line(m, "  if (unlikely(!v)) goto %s;", m->unwind);
	km_line(m, t == TYPE_STRING ? "  tapir_str_copy(v, %s); }" : "  *v = %s; }", val);
}

void km_assign_to(struct km *m, struct ast *lhs, const char *val, enum ast_type t)
{
	struct lval lv = km_lval(m, lhs);

	km_lval_write(m, &lv, val, t);
}

/* The struct tapir_stat of x (a global or an element), "NULL" when absent
 * and !create; created (or NULL after an overflow error) when create. */
const char *km_stat_ref(struct km *m, struct ast *x, bool create, const char *near)
{
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	const char *key, *t;
	int k;

	if (!s || s->kind != SYM_GLOBAL) {
		km_error(m, x->loc, "a statistic must be a global on the kmod runtime");
		return "NULL";
	}
	/* '<<<' adds to this CPU's part; a read merges the parts */
	if (x->kind != AST_INDEX && create)
		return arena_printf(m->f->e->arena, "this_cpu_ptr(p_%s)", s->name);
	if (x->kind != AST_INDEX) {
		km_line(m, "tapir_pstat_merge(&g_%s, p_%s, &sd_%s);", s->name, s->name, s->name);
		return arena_printf(m->f->e->arena, "(&g_%s)", s->name);
	}
	key = km_key(m, s, &x->args);
	k = m->ntemps++;
	km_field(m, false, 8, "\tstruct tapir_stat *s%d;\n", k);
	t = arena_printf(m->f->e->arena, "F->s%d", k);
	if (create) {
		km_line(m, "%s = %s;", t,
			km_map_set(m, arena_printf(m->f->e->arena, "pm_%s[smp_processor_id()]", s->name),
				   key, near));
		km_line(m, "if (unlikely(!%s)) goto %s;", t, m->unwind);
	} else {
		km_line(m, "%s = tapir_pmap_find(pm_%s, &sd_%s, &gs_%s, %s);", t, s->name, s->name,
			s->name, key);
	}
	return t;
}

/* s's running variance is kept, at each '<<<', only where the script
 * reads @variance of s (SystemTap's STAT_OP_VARIANCE): set at load. */
void km_stat_variance(struct km *m, const struct symbol *s)
{
	const char *line;

	if (!s || s->type != TYPE_STATS)
		return;
	/* once: a handler's body may be lowered twice (kmod_handler.c) */
	line = arena_printf(m->f->e->arena, "\tsd_%s.ops |= RT_STAT_VARIANCE;\n", s->name);
	if (!m->f->init.data || !strstr(m->f->init.data, line))
		sb_puts(&m->f->init, line);
}

/* Before a walk of an array of statistics: its CPUs' maps merged into
 * the aggregate map g_NAME, which the walk then reads. */
void km_pmap_agg(struct km *m, const struct symbol *arr, struct loc loc)
{
	if (arr->type != TYPE_STATS)
		return;
	km_line(m, "if (!tapir_pmap_agg(c, pm_%s, g_%s, %s)) goto %s;", arr->name, arr->name,
		km_near(m, "keyword", loc), m->unwind);
}

static const char *km_sdesc(struct km *m, struct ast *x)
{
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;

	return arena_printf(m->f->e->arena, "&sd_%s", s ? s->name : "none");
}

/* The histogram type of x's statistic, as the runtime names it. */
static const char *km_hist_type(struct km *m, struct ast *x)
{
	const struct symbol *s = x->kind == AST_INDEX ? x->lhs->sym : x->sym;
	const struct km_global *g = s ? km_global_of(m->f, s) : NULL;

	switch (g ? g->hist_type : RT_HIST_NONE) {
	case RT_HIST_LOG: return "RT_HIST_LOG";
	case RT_HIST_LINEAR: return "RT_HIST_LINEAR";
	default: return "RT_HIST_NONE";
	}
}

static const char *km_stats_add(struct km *m, struct ast *n)
{
	const char *v = km_operand(m, n->rhs);
	const char *near = km_near(m, "operator '<<<'", n->loc);
	const char *st = km_stat_ref(m, n->lhs, true, near);

	/* a lock-free statistic's part is this CPU's with interrupts off */
	if (n->lhs->kind == AST_VAR && km_is_counter(m->f, n->lhs->sym))
		m->irqoff = true;
	/* an element's set has left for the unwind label if it gave NULL */
	km_line(m, "tapir_stat_add(%s, %s, %s, %s);", st, km_sdesc(m, n->lhs),
		km_hist_type(m, n->lhs), v);
	return v;
}

static const char *km_assign(struct km *m, struct ast *n)
{
	const char *op = n->op;
	enum ast_type t = n->lhs->type;
	struct lval lv;
	const char *cur, *rhs, *res;
	char bop[4];

	if (strcmp(op, "<<<") == 0)
		return km_stats_add(m, n);
	if (strcmp(op, "=") == 0) {
		const char *v = km_expr(m, n->rhs), *tmp;

		tmp = t == TYPE_STRING ? km_tmp_str(m) : km_tmp_long(m);
		km_line(m, t == TYPE_STRING ? "tapir_str_copy(%s, %s);" : "%s = %s;", tmp, v);
		km_assign_to(m, n->lhs, tmp, t);
		return tmp;
	}
	lv = km_lval(m, n->lhs);
	rhs = km_operand(m, n->rhs);
	cur = km_lval_read(m, &lv);
	snprintf(bop, sizeof(bop), "%.*s", (int)strlen(op) - 1, op);
	res = km_binop(m, n->loc, bop, cur, rhs);
	if (t != TYPE_STRING) {
		const char *tmp = km_tmp_long(m);

		km_line(m, "%s = %s;", tmp, res);
		res = tmp;
	}
	km_lval_write(m, &lv, res, t);
	return res;
}

static const char *km_incdec(struct km *m, struct ast *n)
{
	struct lval lv = km_lval(m, n->lhs);
	const char *old = km_tmp_long(m), *nv = km_tmp_long(m);
	const char *op = n->op[0] == '+' ? "add" : "sub";

	/* a[k]++: one lookup, the element added first; nothing between the
	 * read and the write can fail, so the array ends the same, overflow
	 * error included */
	if (lv.key && !lv.bad) {
		km_line(m, "{ int64_t *v = %s;",
			km_map_set(m, arena_printf(m->f->e->arena, "g_%s", lv.var->name), lv.key,
				   km_near(m, arena_printf(m->f->e->arena, "identifier '%s'",
							   lv.var->name), lv.loc)));
		km_line(m, "  if (unlikely(!v)) goto %s;", m->unwind);
		km_line(m, "  %s = *v; %s = rt_%s64(%s, 1); *v = %s; }", old, nv, op, old, nv);
		return n->kind == AST_PREINC ? nv : old;
	}
	km_line(m, "%s = %s;", old, km_lval_read(m, &lv));
	km_line(m, "%s = rt_%s64(%s, 1);", nv, op, old);
	km_lval_write(m, &lv, nv, TYPE_LONG);
	return n->kind == AST_PREINC ? nv : old;
}

static const char *km_in(struct km *m, struct ast *n)
{
	const char *key;

	if (km_has_star(&n->args))
		return km_slice_in(m, n);
	key = km_key(m, n->rhs->sym, &n->args);
	if (n->rhs->sym->type == TYPE_STATS)
		return arena_printf(m->f->e->arena, "((int64_t)tapir_pmap_has(pm_%s, %s))",
				    n->rhs->sym->name, key);
	return arena_printf(m->f->e->arena, "((int64_t)(tapir_map_find_k(g_%s, %s) != NULL))",
			    n->rhs->sym->name, km_kargs(m, key));
}

int km_agg_index(const char *name)
{
	static const char *const names[] = { "@count", "@sum", "@min", "@max", "@avg",
					     "@variance" };

	for (int i = 0; i < 6; i++) {
		if (name && strcmp(name, names[i]) == 0)
			return i;
	}
	return 0;
}

static const char *km_stat_op(struct km *m, struct ast *n)
{
	const char *near = km_near(m, arena_printf(m->f->e->arena, "operator '%s'", n->name), n->loc);
	const char *st = km_stat_ref(m, n->lhs, false, near), *t = km_tmp_long(m);
	const struct ast *shift = n->args.len ? n->args.items[0] : NULL;

	/* the shift is the statistic's, as in SystemTap: set once at load */
	if (shift && shift->kind == AST_NUM && strcmp(n->name, "@variance") == 0)
		sb_printf(&m->f->init, "\t%s.shift = %d;\n", km_sdesc(m, n->lhs) + 1,
			  (int)shift->num);
	if (strcmp(n->name, "@variance") == 0)
		km_stat_variance(m, n->lhs->kind == AST_INDEX ? n->lhs->lhs->sym : n->lhs->sym);
	km_line(m, "%s = tapir_stat_read(c, %s, %s, %d, %s);", t, st, km_sdesc(m, n->lhs),
		km_agg_index(n->name), near);
	km_check(m);
	return t;
}

/* $var of a tracepoint or a kernel function: kmod_ctxvar.c. */
static const char *km_target(struct km *m, struct ast *n)
{
	if (m->dp && (m->dp->target->kind == PK_TRACE || m->dp->target->kind == PK_KFUNC))
		return km_ctx_target(m, n, false);
	km_error(m, n->loc, "context variable '%s' is not available here", n->name);
	return "0";
}

/* &@cast(...)->chain, &$var->chain */
static const char *km_addrof(struct km *m, struct ast *n)
{
	if (n->lhs->kind == AST_CAST)
		return km_cast(m, n->lhs, true);
	if (n->lhs->kind == AST_TARGET && m->dp &&
	    (m->dp->target->kind == PK_TRACE || m->dp->target->kind == PK_KFUNC))
		return km_ctx_target(m, n->lhs, true);
	km_error(m, n->loc, "'&' of this is not supported on the kmod runtime yet");
	return "0";
}

const char *km_expr(struct km *m, struct ast *n)
{
	struct arena *a = m->f->e->arena;

	if (km_uprobe_claims(m, n))
		return km_uprobe_expr(m, n);
	switch (n->kind) {
	case AST_NUM:
		return km_num(m, n->num);
	case AST_STR:
		return km_str_lit(m, n->str);
	case AST_VAR:
		if (n->sym && n->sym->type == TYPE_STATS) {
			km_error(m, n->loc, "a statistic must be read with @count, @sum, ...");
			return "0";
		}
		return n->sym ? km_var_ref(m, n->sym) : "0";
	case AST_INDEX:
		return km_index_read(m, n);
	case AST_ASSIGN:
		return km_assign(m, n);
	case AST_BINARY:
		return km_binary(m, n);
	case AST_COMPARE:
		return km_compare(m, n);
	case AST_REGEX:
		return km_regex(m, n);
	case AST_LOGICAL:
		return km_logical(m, n);
	case AST_TERNARY:
		return km_ternary(m, n);
	case AST_UNARY:
		if (n->op[0] == '-')
			return arena_printf(a, "rt_neg64(%s)", km_expr(m, n->lhs));
		return arena_printf(a, "((int64_t)(%s(%s)))", n->op, km_expr(m, n->lhs));
	case AST_PREINC:
	case AST_POSTINC:
		return km_incdec(m, n);
	case AST_IN:
		return km_in(m, n);
	case AST_STAT_OP:
		return km_stat_op(m, n);
	case AST_CALL:
		return km_call(m, n);
	case AST_PRINT:
		return km_print(m, n);
	case AST_TARGET:
		return km_target(m, n);
	case AST_CAST:
		return km_cast(m, n, false);
	case AST_ADDROF:
		return km_addrof(m, n);
	case AST_ENTRY:
		return km_entry(m, n);
	case AST_GROUP:
		return km_expr(m, n->lhs);
	default:
		km_error(m, n->loc, "this expression is not supported on the kmod runtime yet");
		return "0";
	}
}
