/* emit_kfunc.c - kernel-function probes (PK_KFUNC) in the BPF backend.
 *
 * One probe becomes up to three programs, the executor picking at run time
 * (runtime/bpf/rt_exec_kfunc.c):
 *   probe_N     kprobe/kretprobe, ctx a struct pt_regs (always there);
 *   probe_N_fe  fentry/fexit, ctx the u64 argument slots (kernel.function
 *               of vmlinux only: the executor tries it first);
 *   probe_N_ke  a kprobe at the entry of a .return probe's function that
 *               saves the argument registers for probe_N (kretprobe), per
 *               thread (a recursive call overwrites its caller's).
 * A .return probe whose @entry(expr) needs the entry has companions there
 * too (emit_entry.c).
 * The body is the same C in each: arguments are read through TAPIR_KARG(i)
 * and the result through TAPIR_KRET, defined before each program. Member
 * chains read memory with bpf_probe_read_kernel, which both program types
 * may, with CO-RE offsets from vmlinux.h.
 */
#include <bpf/btf.h>
#include <string.h>

#include "emit.h"
#include "probes/kfunc.h"

static const char kp_helpers[] =
	"/* kernel-function probes: argument i of a kprobe (x86-64 ABI) */\n"
	"static __attribute__((always_inline)) inline u64 tapir_kp_arg(struct pt_regs *r, int i)\n{\n"
	"\tswitch (i) {\n\tcase 0: return PT_REGS_PARM1(r);\n\tcase 1: return PT_REGS_PARM2(r);\n"
	"\tcase 2: return PT_REGS_PARM3(r);\n\tcase 3: return PT_REGS_PARM4(r);\n"
	"\tcase 4: return PT_REGS_PARM5(r);\n\tcase 5: return r->r9; /* libbpf 1.1 has no PARM6 */\n"
	"\tdefault: return 0;\n\t}\n}\n\n"
	"struct tapir_kargs {\n\tu64 a[6];\n};\n\n";

static bool has_args(const struct probe_target *t)
{
	return !(t->num[3] & KF_UNTYPED) && t->num[1] > 0;
}

/* Does the kretprobe variant need the entry saver? */
static bool needs_entry_saver(const struct probe_target *t)
{
	return t->num[0] && has_args(t);
}

static bool has_fentry(const struct probe_target *t)
{
	return !(t->num[3] & (KF_UNTYPED | KF_MODULE));
}

int em_kfunc_nvariants(const struct derived_probe *dp)
{
	return has_fentry(dp->target) ? 2 : 1;
}

static void add_helpers(struct em_file *f)
{
	if (!f->kern_decls.data || !strstr(f->kern_decls.data, "tapir_kp_arg"))
		sb_puts(&f->kern_decls, kp_helpers);
}

/* The entry saver of a .return probe, before its programs. */
static void emit_entry_saver(const struct derived_probe *dp, struct strbuf *o)
{
	int i = dp->index;

	sb_printf(o, "struct {\n\t__uint(type, BPF_MAP_TYPE_HASH);\n\t__uint(max_entries, 4096);\n"
		     "\t__type(key, u64);\n\t__type(value, struct tapir_kargs);\n} ke_probe_%d SEC(\".maps\");\n\n"
		     "SEC(\"kprobe\")\nint probe_%d_ke(struct pt_regs *ctx)\n{\n"
		     "\tstruct tapir_kargs a = { { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),\n"
		     "\t\t\t\t    PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), ctx->r9 } };\n"
		     "\tu64 id = bpf_get_current_pid_tgid();\n\n"
		     "\tbpf_map_update_elem(&ke_probe_%d, &id, &a, BPF_ANY);\n\treturn 0;\n}\n\n",
		  i, i, i);
}

void em_kfunc_variant(struct em_file *f, const struct derived_probe *dp, int v,
		      struct strbuf *o, struct em_kfunc_prog *p)
{
	const struct probe_target *t = dp->target;
	struct arena *a = f->e->arena;
	bool ret = t->num[0];

	add_helpers(f);
	if (v == 0 && needs_entry_saver(t))
		emit_entry_saver(dp, o);
	sb_puts(o, "#undef TAPIR_KARG\n#undef TAPIR_KRET\n#undef TAPIR_KREGS\n");
	p->pre = "";
	if (v == 0) {
		p->section = ret ? "kretprobe" : "kprobe";
		p->name = arena_printf(a, "probe_%d", dp->index);
		p->ctx_type = "struct pt_regs";
		if (needs_entry_saver(t)) {
			sb_puts(o, "#define TAPIR_KARG(i) (__kargs.a[(i) < 6 ? (i) : 0])\n");
			p->pre = arena_printf(a,
				"\tstruct tapir_kargs __kargs;\n\t{\n\t\tu64 __id = bpf_get_current_pid_tgid();\n"
				"\t\tstruct tapir_kargs *__s = bpf_map_lookup_elem(&ke_probe_%d, &__id);\n\n"
				"\t\tif (!__s)\n\t\t\treturn 0;\n\t\t__kargs = *__s;\n"
				"\t\tbpf_map_delete_elem(&ke_probe_%d, &__id);\n\t}\n", dp->index, dp->index);
		} else {
			sb_puts(o, "#define TAPIR_KARG(i) tapir_kp_arg(ctx, (i))\n");
		}
		sb_puts(o, "#define TAPIR_KRET PT_REGS_RC(ctx)\n#define TAPIR_KREGS ctx\n");
		return;
	}
	p->section = arena_printf(a, "%s/%s", ret ? "fexit" : "fentry", t->str[0]);
	p->name = arena_printf(a, "probe_%d_fe", dp->index);
	p->ctx_type = "u64";
	sb_printf(o, "#define TAPIR_KARG(i) (ctx[(i)])\n#define TAPIR_KRET (ctx[%d])\n#define TAPIR_KREGS 0\n",
		  (int)(t->num[1] > 0 ? t->num[1] : 0));
}

/* The executor's tapir_kprobe initialiser. */
const char *em_kfunc_attach(struct em_file *f, const struct probe_target *t, int i)
{
	struct arena *a = f->e->arena;
	bool xe = em_entry_saves(f, i); /* @entry's companions (emit_entry.c) */

	return arena_printf(a, "{ \"probe_%d\", TAPIR_ATTACH_KFUNC, %s, { %lldLL, %lldLL }, %s, %s, %s, %s, %s, %s }",
			    i, t->str[0] ? arena_printf(a, "\"%s\"", t->str[0]) : "NULL",
			    (long long)t->num[0], (long long)t->num[2],
			    em_quote(&(struct em){ .f = f }, t->name),
			    has_fentry(t) ? arena_printf(a, "\"probe_%d_fe\"", i) : "NULL",
			    needs_entry_saver(t) ? arena_printf(a, "\"probe_%d_ke\"", i) : "NULL",
			    t->str[1] ? arena_printf(a, "\"%s\"", t->str[1]) : "NULL",
			    xe ? arena_printf(a, "\"probe_%d_xe\"", i) : "NULL",
			    xe && has_fentry(t) ? arena_printf(a, "\"probe_%d_xfe\"", i) : "NULL");
}

/* ---- context variables --------------------------------------------------- */

static __u32 skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;

	while (id && (t = btf__type_by_id(btf, id)) &&
	       (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t)))
		id = t->type;
	return id;
}

static bool is_aggregate(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, skip_mods(btf, id)) : NULL;

	return t && (btf_is_struct(t) || btf_is_union(t));
}

/* The member's type, looking into anonymous members (as ctxvar.c). */
static bool member_type(const struct btf *btf, __u32 id, const char *name, __u32 *type)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, id));
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);

		if (mn && *mn && strcmp(mn, name) == 0) {
			*type = m->type;
			return true;
		}
		if ((!mn || !*mn) && is_aggregate(btf, m->type) &&
		    member_type(btf, m->type, name, type))
			return true;
	}
	return false;
}

static const char *text(const struct strbuf *b)
{
	return b->data ? b->data : "";
}

static bool is_array(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, skip_mods(btf, id)) : NULL;

	return t && btf_is_array(t);
}

struct chain {
	struct em *m;
	struct strbuf code;  /* the statement expression's statements */
	struct strbuf path;  /* accessors after the last value read */
	int k;               /* __tkN: the last value read */
	const char *uniq;
	int fault;           /* error location id of a read fault */
	bool no_read;        /* the last step: its address, not its value */
};

/* Read the value at __tk<k> PATH into __tk<k+1>. */
static void chain_read(struct chain *c)
{
	sb_printf(&c->code, " typeof(__tk%s%d%s) __tk%s%d; if (bpf_probe_read_kernel(&__tk%s%d, "
			    "sizeof(__tk%s%d), &__tk%s%d%s)) TAPIR_ERROR(%d, \"kernel read fault\");",
		  c->uniq, c->k, text(&c->path), c->uniq, c->k + 1, c->uniq, c->k + 1, c->uniq,
		  c->k + 1, c->uniq, c->k, text(&c->path), c->fault);
	c->k++;
	c->path.len = 0;
	if (c->path.data)
		c->path.data[0] = '\0';
}

/* One step; *id the type reached. False when BTF can't follow it. */
static bool chain_step(struct chain *c, const struct btf *btf, const struct ast_step *st, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, skip_mods(btf, *id));
	bool pending = c->path.len > 0;

	if (!t)
		return false;
	if (st->is_index) {
		const char *ix = em_long(c->m, st->index);

		if (btf_is_ptr(t) && !pending)
			*id = t->type;
		else if (btf_is_array(t))
			*id = btf_array(t)->type;
		else
			return false;
		sb_printf(&c->path, "[%s]", ix);
	} else {
		__u32 agg = btf_is_ptr(t) ? t->type : *id;

		if (btf_is_ptr(t) && pending)
			chain_read(c);
		if (!member_type(btf, agg, st->member, id))
			return false;
		sb_printf(&c->path, "%s%s", btf_is_ptr(t) ? "->" : ".", st->member);
	}
	/* a struct or an array stays an address until a value is needed */
	if (!c->no_read && !is_aggregate(btf, *id) && !is_array(btf, *id))
		chain_read(c);
	return true;
}

static const char *base_expr(struct em *m, const struct ctx_var *v)
{
	struct arena *a = m->f->e->arena;

	if (v->src == KF_SRC_RETURN)
		return arena_printf(a, "((%s)TAPIR_KRET)", v->type_name);
	return arena_printf(a, "((%s)TAPIR_KARG(%d))", v->type_name, v->index);
}

static const struct ctx_var *find_var(const struct derived_probe *dp, const char *name)
{
	for (int i = 0; i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		if (strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

/* $$parms, $$vars (the same: BTF gives parameters only), $$locals (empty)
 * and $$return of a kernel function. */
static const char *kfunc_var_set(struct em *m, struct ast *n)
{
	const struct vec *vars = &m->dp->target->vars;
	struct arena *a = m->f->e->arena;
	bool ret = strcmp(n->name, "$$return") == 0;
	const char **names = arena_alloc(a, (vars->len + 1) * sizeof(*names));
	const char **vals = arena_alloc(a, (vars->len + 1) * sizeof(*vals));
	int nv = 0;

	for (int i = 0; i < vars->len && strcmp(n->name, "$$locals") != 0; i++) {
		const struct ctx_var *v = vars->items[i];

		if ((v->src == KF_SRC_RETURN) != ret)
			continue;
		names[nv] = ret ? "return" : v->name;
		vals[nv++] = base_expr(m, v);
	}
	return em_hex_list(m, n, nv, names, vals);
}

static const char *kfunc_chain(struct em *m, struct ast *n, bool address);

const char *em_kfunc_target(struct em *m, struct ast *n)
{
	return kfunc_chain(m, n, false);
}

/* &$var->member...: the member's kernel address, nothing read at the end. */
const char *em_kfunc_addr(struct em *m, struct ast *n)
{
	if (n->chain.len == 0 || n->pretty || strncmp(n->name, "$$", 2) == 0 ||
	    ((const struct ast_step *)n->chain.items[n->chain.len - 1])->is_index) {
		em_error(m, n->loc, "'&' takes a member of a context variable ('&%s->member')",
			 n->name);
		return "0";
	}
	return kfunc_chain(m, n, true);
}

static const char *kfunc_chain(struct em *m, struct ast *n, bool address)
{
	struct arena *a = m->f->e->arena;
	const struct ctx_var *v = find_var(m->dp, n->name + 1);

	if (!n->pretty && n->chain.len == 0 &&
	    (strcmp(n->name, "$$parms") == 0 || strcmp(n->name, "$$vars") == 0 ||
	     strcmp(n->name, "$$locals") == 0 || strcmp(n->name, "$$return") == 0))
		return kfunc_var_set(m, n);
	if (!v || n->pretty) {
		em_error(m, n->loc, n->pretty ? "pretty-printing '%s' is not supported on the bpf "
						 "runtime yet" : "context variable '%s' is not available here",
			 n->pretty ? n->pretty : n->name);
		return "0";
	}
	if (n->chain.len == 0)
		return arena_printf(a, "((s64)%s)", base_expr(m, v));
	return em_read_chain(m, n, base_expr(m, v), v->btf, (__u32)v->btf_id, address);
}

/* n's member chain from the kernel value base of BTF type id, each value
 * read with bpf_probe_read_kernel (SystemTap's read fault naming n where
 * one fails): its value, or its address when address is set. */
const char *em_read_chain(struct em *m, struct ast *n, const char *base, const struct btf *btf,
			  __u32 id, bool address)
{
	struct arena *a = m->f->e->arena;
	struct chain c = { .m = m };
	const char *r;

	c.uniq = arena_printf(a, "%d_", m->ntemps++);
	c.fault = em_loc_id(m->f, arena_printf(a, "identifier '%s'", n->name), n->loc);
	sb_printf(&c.code, "({ typeof(%s) __tk%s0 = %s;", base, c.uniq, base);
	for (int i = 0; i < n->chain.len; i++) {
		c.no_read = address && i == n->chain.len - 1;
		if (!btf || !id || !chain_step(&c, btf, n->chain.items[i], &id)) {
			em_error(m, n->loc, "cannot read '%s' here: its type does not allow this step",
				 n->name);
			break;
		}
	}
	sb_printf(&c.code, address ? " (s64)(long)&(__tk%s%d%s); })" : " (s64)(__tk%s%d%s); })",
		  c.uniq, c.k, text(&c.path));
	r = arena_strdup(a, c.code.data);
	sb_free(&c.code);
	sb_free(&c.path);
	return r;
}
