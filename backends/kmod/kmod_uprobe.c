/* kmod_uprobe.c - process(...) probes on the kmod backend: a uprobe or
 * uretprobe per target (runtime/kmod/tapir_uprobe.h registers it on the
 * binary's inode, with the SDT semaphore as its ref_ctr_offset), and the
 * lowering of a context variable's access recipe (translator/probes/uvar.h)
 * to reads of the probed thread's registers (the handler's pt_regs) and
 * memory (copy_from_user_nofault), as backends/bpf/emit_uprobe.c does for
 * BPF.
 *
 * A .return probe reads its parameters as they were at the call: a
 * companion uprobe where the parameters are in place saves them by
 * thread (tapir_entry_save), the return probe takes them back.
 */
#include <string.h>

#include "kmod.h"
#include "kmod_uprobe.h"
#include "probes/uvar.h"

bool km_is_uprobe(const struct probe_target *t)
{
	return t && (t->kind == PK_UPROBE || t->kind == PK_URETPROBE);
}

/* ---- @entry values of a .return probe ------------------------------------------ */

struct entry_save {
	const struct derived_probe *dp;
	struct ast *nodes[TAPIR_KM_ENTRY_MAX];
	int n;
};

/* The probe being lowered: its .return probe's @entry values. */
static struct entry_save cur;

static void entry_reset(const struct derived_probe *dp)
{
	if (cur.dp != dp) {
		cur.dp = dp;
		cur.n = 0;
	}
}

/* In the return probe: the value its entry saved (0 if it missed it),
 * which the probe's uretprobe handler took for it (km_uprobe_emit). */
static const char *entry_read(struct km *m, struct ast *n)
{
	int k;

	entry_reset(m->dp);
	k = cur.n;
	for (int i = 0; i < cur.n; i++) {
		if (cur.nodes[i] == n)
			k = i;
	}
	if (k == TAPIR_KM_ENTRY_MAX) {
		km_error(m, n->loc, "more than %d @entry values in one probe", TAPIR_KM_ENTRY_MAX);
		return "0";
	}
	if (k == cur.n)
		cur.nodes[cur.n++] = n;
	return arena_printf(m->f->e->arena, "((int64_t)c->targs[%d])", k);
}

/* ---- recipes -------------------------------------------------------------------- */

/* A value held in a register, cast to its size and signedness. */
static const char *reg_value(struct km *m, const struct uaccess *acc, const char *expr)
{
	static const char *const s[] = { [1] = "s8", [2] = "s16", [4] = "s32" };
	static const char *const u[] = { [1] = "u8", [2] = "u16", [4] = "u32" };

	if (acc->size >= 8 || acc->size < 1 || !s[acc->size])
		return expr;
	return arena_printf(m->f->e->arena, "(int64_t)(%s)(%s)",
			    acc->is_signed ? s[acc->size] : u[acc->size], expr);
}

static const char *base_expr(struct km *m, const struct uaccess *acc)
{
	struct arena *a = m->f->e->arena;

	switch (acc->base.kind) {
	case ULOC_REG:
		return arena_printf(a, "(int64_t)c->regs->%s", acc->base.reg);
	case ULOC_MEM:
		return arena_printf(a, "((int64_t)c->regs->%s + (%lldLL))", acc->base.reg,
				    (long long)acc->base.off);
	case ULOC_ABS:
		/* the load bias is where the probe runs less where it was linked */
		return arena_printf(a, "((int64_t)c->regs->ip - %lldLL + %lldLL)",
				    (long long)m->dp->target->num[3], (long long)acc->base.off);
	default:
		return arena_printf(a, "(%lldLL)", (long long)acc->base.off);
	}
}

static void read_into(struct km *m, const char *t, int size, bool sgn, const char *near)
{
	km_line(m, "tapir_uread(c, &%s, %s, %d, %d, %s);", t, t, size, sgn, near);
	km_check(m);
}

static const char *var_near(struct km *m, struct ast *n)
{
	return km_near(m, arena_printf(m->f->e->arena, "identifier '%s'", n->name ? n->name : "@cast"),
		       n->loc);
}

/* The recipe as C statements; value: the address a ULOC_EXPR base is. */
static const char *lower(struct km *m, struct ast *n, const struct uaccess *pacc, const char *value)
{
	struct uaccess acc = *pacc;
	const char *t, *near;

	if (acc.base.kind == ULOC_ABS && m->dp->target->kind == PK_URETPROBE) {
		km_error(m, n->loc, "'%s' is a static variable: not readable in a .return probe yet",
			 n->name);
		return "0";
	}
	near = var_near(m, n);
	t = km_tmp_long(m);
	km_line(m, "%s = %s;", t, value ? value : base_expr(m, &acc));
	for (int i = 0; i < acc.nsteps; i++) {
		const struct ustep *st = &acc.steps[i];

		if (st->op == USTEP_DEREF)
			read_into(m, t, 8, false, near);
		else if (st->op == USTEP_ADD)
			km_line(m, "%s += %lldLL;", t, (long long)st->num);
		else
			km_line(m, "%s += (%s) * %lldLL;", t, km_expr(m, st->index), (long long)st->num);
	}
	if (acc.at_address && !acc.aggregate && !acc.is_array) {
		read_into(m, t, acc.size, acc.is_signed, near);
		return t;
	}
	if (!acc.at_address)
		km_line(m, "%s = %s;", t, reg_value(m, &acc, t));
	return t;
}

/* ---- $var$ and $$vars: strings as SystemTap prints them ------------------------------ */

struct pretty {
	struct strbuf fmt;
	const char *vals[16];
	int nv;
};

static void pretty_add(struct km *m, struct pretty *p, const char *fmt, const char *cast,
		       const char *val)
{
	sb_puts(&p->fmt, fmt);
	if (val && p->nv < 16)
		p->vals[p->nv++] = arena_printf(m->f->e->arena, "(%s)(%s)", cast, val);
}

static const char *pretty_finish(struct km *m, struct pretty *p)
{
	const char *res = km_tmp_str(m);
	struct strbuf call = { 0 };

	sb_printf(&call, "scnprintf(%s, TAPIR_MAXSTRINGLEN, %s", res,
		  km_quote(m->f->e->arena, p->fmt.data ? p->fmt.data : ""));
	for (int i = 0; i < p->nv; i++)
		sb_printf(&call, ", %s", p->vals[i]);
	km_line(m, "%s);", call.data);
	sb_free(&call);
	sb_free(&p->fmt);
	return res;
}

/* A member of the struct at address base: integers in decimal, pointers
 * in hex, char arrays as quoted strings, nested aggregates as {...}. */
static void pretty_member(struct km *m, const struct umember *mb, const char *base,
			  const char *near, struct pretty *p)
{
	const char *t;

	sb_printf(&p->fmt, "%s.%s=", p->fmt.len > 1 ? ", " : "", mb->name);
	if (mb->kind == UMEM_AGGREGATE || mb->kind == UMEM_ARRAY || p->nv == 16) {
		sb_puts(&p->fmt, mb->kind == UMEM_ARRAY ? "[...]" : "{...}");
		return;
	}
	if (mb->kind == UMEM_CHARS) {
		t = km_tmp_str(m);
		km_line(m, "tapir_ustr(%s, %s + %lldLL, %d);", t, base, (long long)mb->offset,
			mb->size + 1);
		pretty_add(m, p, "\"%s\"", "const char *", t);
		return;
	}
	t = km_tmp_long(m);
	km_line(m, "%s = %s + %lldLL;", t, base, (long long)mb->offset);
	read_into(m, t, mb->kind == UMEM_PTR ? 8 : mb->size, mb->kind != UMEM_PTR && mb->is_signed,
		  near);
	if (mb->kind == UMEM_PTR)
		pretty_add(m, p, "0x%llx", "unsigned long long", t);
	else
		pretty_add(m, p, mb->is_signed ? "%lld" : "%llu",
			   mb->is_signed ? "long long" : "unsigned long long", t);
}

static void pretty_struct(struct km *m, struct ast *n, struct uelf *u, Dwarf_Off type,
			  const char *base, struct pretty *p)
{
	struct umember mbs[64];
	int nm = uvar_members(u, type, mbs, 64);
	const char *near = var_near(m, n);

	sb_putc(&p->fmt, '{');
	for (int i = 0; i < nm; i++)
		pretty_member(m, &mbs[i], base, near, p);
	sb_putc(&p->fmt, '}');
}

/* $var$ and $var$$ (one level deep either way). */
static const char *pretty(struct km *m, struct ast *n, struct uaccess *acc, struct uelf *u)
{
	struct pretty p = { 0 };
	Dwarf_Off pointee = 0;
	enum umember_kind pk = acc->aggregate ? UMEM_INT : uvar_pointee(u, acc->type_die, &pointee);
	const char *base;

	if (pk == UMEM_CHARS) {
		const char *s = km_tmp_str(m);

		base = lower(m, n, acc, NULL);
		km_line(m, "tapir_ustr(%s, %s, TAPIR_MAXSTRINGLEN);", s, base);
		pretty_add(m, &p, "\"%s\"", "const char *", s);
	} else if (pk == UMEM_AGGREGATE) {
		pretty_struct(m, n, u, pointee, lower(m, n, acc, NULL), &p);
	} else if (!acc->aggregate) {
		base = lower(m, n, acc, NULL);
		if (acc->is_array)
			pretty_add(m, &p, "[...]", NULL, NULL);
		else if (acc->size == 8 && acc->type && strchr(acc->type, '*'))
			pretty_add(m, &p, "0x%llx", "unsigned long long", base);
		else
			pretty_add(m, &p, acc->is_signed ? "%lld" : "%llu",
				   acc->is_signed ? "long long" : "unsigned long long", base);
	} else {
		if (!acc->at_address) {
			km_error(m, n->loc, "'%s' is held in registers: it can't be pretty-printed", n->name);
			return "0";
		}
		acc->aggregate = false;
		acc->is_array = true; /* lower() leaves the address */
		pretty_struct(m, n, u, acc->type_die, lower(m, n, acc, NULL), &p);
	}
	return pretty_finish(m, &p);
}

/* Is v in the $$ set: $$parms, $$locals, $$vars or $$return? */
static bool in_set(const char *set, const struct ctx_var *v)
{
	const struct uvar *uv = v->data;

	if (strcmp(v->name, "return") == 0)
		return strcmp(set, "$$return") == 0;
	if (strcmp(set, "$$vars") == 0)
		return true;
	return strcmp(set, uv->is_param ? "$$parms" : "$$locals") == 0;
}

static const char *uvar(struct km *m, struct ast *n, const struct ctx_var *v);

/* $$parms and friends: "a=0x15 b=0xfffffffffffffffb" (aggregates {...}). */
static const char *uvar_set(struct km *m, struct ast *n)
{
	const struct vec *vars = &m->dp->target->vars;
	struct pretty p = { 0 };

	if (n->pretty) {
		km_error(m, n->loc, "pretty-printing '%s%s' is not supported on the kmod runtime yet",
			 n->name, n->pretty);
		return "\"\"";
	}
	for (int i = 0; i < vars->len; i++) {
		const struct ctx_var *v = vars->items[i];
		const struct uvar *uv = v->data;
		struct uaccess acc;
		struct ast *one;

		if (v->src != CTX_SRC_UVAR || !in_set(n->name, v))
			continue;
		sb_printf(&p.fmt, "%s%s=", p.fmt.len ? " " : "", v->name);
		one = ast_new(m->f->e->arena, AST_TARGET, n->loc);
		one->name = arena_printf(m->f->e->arena, "$%s", v->name);
		if ((uv->err && !m->f->e->opt.skip_badvars) || !uvar_access(m->f->e, v, one, false, &acc)) {
			sb_puts(&p.fmt, "?");
			continue;
		}
		if (acc.aggregate || acc.is_array || p.nv == 16) {
			sb_puts(&p.fmt, acc.aggregate ? "{...}" : acc.is_array ? "[...]" : "?");
			continue;
		}
		pretty_add(m, &p, "0x%llx", "unsigned long long", uvar(m, one, v));
	}
	return pretty_finish(m, &p);
}

static const char *uvar(struct km *m, struct ast *n, const struct ctx_var *v)
{
	const struct uvar *uv = v->data;
	struct uaccess acc;

	/* pass 2 reported what does not resolve: no second message here */
	if (!uvar_access(m->f->e, v, n, false, &acc)) {
		km_error(m, n->loc, "can't read '%s' here", n->name);
		return "0";
	}
	if (uv->at_entry && m->dp->target->kind == PK_URETPROBE)
		return entry_read(m, n);
	if (n->pretty)
		return pretty(m, n, &acc, uv->u);
	return lower(m, n, &acc, NULL);
}

/* @cast(ptr, "type"[, "path"])->chain and @var("name@file")->chain. */
static const char *ucast(struct km *m, struct ast *n)
{
	struct uaccess acc;
	bool ok = n->kind == AST_CAST ? ucast_access(m->f->e, m->dp->target, n, &acc) :
					uatvar_access(m->f->e, m->dp->target, n, &acc);

	if (!ok) {
		m->f->failed = true;
		return "0";
	}
	if (acc.aggregate) {
		km_error(m, n->loc, "%s ends at a %s, which has no value to read", n->name, acc.type);
		return "0";
	}
	return lower(m, n, &acc, n->kind == AST_CAST ? km_expr(m, n->lhs) : NULL);
}

static const struct ctx_var *find_uvar(const struct derived_probe *dp, const char *name)
{
	for (int i = 0; i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		if (v->src == CTX_SRC_UVAR && strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

bool km_uprobe_claims(const struct km *m, const struct ast *n)
{
	if (!m->dp || !km_is_uprobe(m->dp->target))
		return false;
	switch (n->kind) {
	case AST_TARGET:
	case AST_CAST:
	case AST_ATVAR:
		return true;
	case AST_ENTRY:
		return n->lhs && n->lhs->kind == AST_TARGET;
	default:
		return false;
	}
}

const char *km_uprobe_expr(struct km *m, struct ast *n)
{
	const struct ctx_var *v;

	switch (n->kind) {
	case AST_CAST:
	case AST_ATVAR:
		return ucast(m, n);
	case AST_ENTRY:
		return km_uprobe_expr(m, n->lhs); /* its parameters are saved at the entry */
	default:
		break;
	}
	if ((v = find_uvar(m->dp, n->name + 1)))
		return uvar(m, n, v);
	if (strncmp(n->name, "$$", 2) == 0)
		return uvar_set(m, n);
	km_error(m, n->loc, "context variable '%s' is not available here", n->name);
	return "0";
}

/* ---- the probes ------------------------------------------------------------------------ */

/* The companion uprobe of a .return probe that reads @entry values. */
static void emit_entry(struct km_file *f, struct derived_probe *dp, int id)
{
	struct probe_target t = *dp->target;
	struct derived_probe edp = *dp;
	struct km m = { .f = f, .dp = &edp, .unwind = "out" };

	t.kind = PK_UPROBE;
	t.num[0] = t.num[2];
	t.num[2] = 0;
	edp.target = &t;
	for (int i = 0; i < cur.n; i++) {
		const struct ctx_var *v = find_uvar(&edp, cur.nodes[i]->name + 1);

		if (v)
			km_line(&m, "ev[%d] = %s;", i, uvar(&m, cur.nodes[i], v));
	}
	sb_printf(&f->decls, "static struct tapir_entries entries_%d = { .lock = "
			     "__RAW_SPIN_LOCK_UNLOCKED(entries_%d.lock) };\n"
			     "struct pf_%d_entry {\n\tint64_t unused;\n%s};\n\n",
		  id, id, id, m.frame.data ? m.frame.data : "");
	sb_printf(&f->probes,
		  "static void probe_%d_entry_read(struct pt_regs *regs, s64 *ev)\n{\n"
		  "\tunsigned long flags;\n"
		  "\tstruct tapir_ctx *c = tapir_enter(TAPIR_RUNNING, %s, &flags);\n"
		  "\tstruct pf_%d_entry *F;\n\n\tif (!c)\n\t\treturn;\n\tc->regs = regs;\n"
		  "\tc->user_mode_p = 1;\n\tF = tapir_alloc(c, sizeof(*F), NULL);\n\tif (!F)\n"
		  "\t\tgoto out;\n\tmemset(F, 0, sizeof(*F));\n%s"
		  "out: __attribute__((unused));\n\ttapir_leave(c, &flags);\n}\n\n",
		  id, km_quote(f->e->arena, arena_printf(f->e->arena, "%s (entry)", t.name)), id,
		  m.body.data ? m.body.data : "");
	/* saved at every call, read or skipped, so that each return takes its own */
	sb_printf(&f->probes,
		  "static void probe_%d_entry(struct pt_regs *regs)\n{\n"
		  "\ts64 ev[TAPIR_ENTRY_MAX] = { 0 };\n\n\tprobe_%d_entry_read(regs, ev);\n"
		  "\ttapir_entry_save(&entries_%d, ev);\n}\n"
		  "static struct tapir_uprobe uprobe_%d_entry = { .path = %s, .offset = %lldLL, "
		  ".pid = %lld, .handler = probe_%d_entry };\n\n",
		  id, id, id, id, km_quote(f->e->arena, t.str[0]), (long long)t.num[0],
		  (long long)t.num[1], id);
	/* armed before the return probe, so that a call it sees was saved */
	sb_printf(&f->arm, "\trc = rc ? rc : tapir_uprobe_register(&uprobe_%d_entry);\n", id);
	sb_printf(&f->disarm, "\ttapir_uprobe_unregister(&uprobe_%d_entry);\n", id);
	sb_free(&m.body);
	sb_free(&m.frame);
}

int km_uprobe_emit(struct km_file *f, struct derived_probe *dp, int id)
{
	const struct probe_target *t = dp->target;
	bool ret = t->kind == PK_URETPROBE;

	km_usyms_note(f, t->str[0]);
	if (ret && cur.dp == dp && cur.n) {
		emit_entry(f, dp, id);
		/* taken at every return, read or not, so that no slot is left behind */
		sb_printf(&f->probes, "static void probe_%d_u(struct pt_regs *regs)\n{\n"
				      "\ts64 ev[TAPIR_ENTRY_MAX];\n\n"
				      "\ttapir_entry_take(&entries_%d, ev);\n"
				      "\tprobe_%d(regs, (const u64 *)ev);\n}\n", id, id, id);
	} else {
		sb_printf(&f->probes, "static void probe_%d_u(struct pt_regs *regs)\n{\n"
				      "\tprobe_%d(regs, NULL);\n}\n", id, id);
	}
	sb_printf(&f->probes,
		  "static struct tapir_uprobe uprobe_%d = { .path = %s, .offset = %lldLL, "
		  ".ref_ctr = %lldLL, .ret = %d, .pid = %lld, .handler = probe_%d_u };\n\n",
		  id, km_quote(f->e->arena, t->str[0]), (long long)t->num[0],
		  ret ? 0LL : (long long)t->num[2], ret, (long long)t->num[1], id);
	sb_printf(&f->arm, "\trc = rc ? rc : tapir_uprobe_register(&uprobe_%d);\n", id);
	sb_printf(&f->disarm, "\ttapir_uprobe_unregister(&uprobe_%d);\n", id);
	cur.dp = NULL;
	cur.n = 0;
	return 0;
}
