/* entry.c - @entry(EXPR) in a return probe, for the kmod runtime: EXPR is
 * to be evaluated when the system call (or process function) is entered.
 * A probe made here on the entry saves each such EXPR per thread and per
 * nesting depth (a recursive function's returns each read their own
 * call's), and the return probe takes them out first thing:
 *
 *     probe syscall.read.return { t = now() - @entry(now()) }
 * is run as
 *     probe syscall.read {
 *             __tapir_entry_3_d[tid()]++
 *             __tapir_entry_3_0[tid(), __tapir_entry_3_d[tid()]] = now()
 *     }
 *     probe syscall.read.return {
 *             __tapir_entry_at = __tapir_entry_3_d[tid()]  (one level less,
 *             __tapir_entry_v0 = __tapir_entry_3_0[tid(), __tapir_entry_at]  the
 *             delete __tapir_entry_3_0[tid(), __tapir_entry_at]  slots freed)
 *             if (!(the probe's condition)) next
 *             t = now() - __tapir_entry_v0
 *     }
 *
 * Done before symbols are resolved, so that the new code is resolved and
 * typed as the user's (a string EXPR gives string slots). A kernel
 * function's return needs none of this: its kretprobe keeps every @entry
 * in the instance's data (backends/kmod/kmod_entry.c), as the bpf runtime
 * saves @entry values itself (backends/bpf/emit_entry.c).
 */
#include <string.h>

#include "elab.h"
#include "probes/tracepoint_db.h"
#include "probes/uelf.h"

/* Which @entry the backend saves itself, at the entry: none, a bare $var
 * (process functions). */
enum entry_keep { KEEP_NONE, KEEP_TARGET };

struct entry_rewrite {
	struct elab *e;
	struct derived_probe *ret;   /* the return probe */
	struct probe_target *entry;  /* its entry, or NULL: not found */
	enum entry_keep keep;
	struct ast *saves;           /* BLOCK of the entry probe, made on the first */
	struct ast *takes;           /* BLOCK the return probe starts with */
	int n;
};

bool entry_params_only(const struct ast *n)
{
	if (!n)
		return true;
	switch (n->kind) {
	case AST_NUM:
	case AST_STR:
		return true;
	case AST_TARGET:
		return n->chain.len == 0 && !n->pretty && strncmp(n->name, "$$", 2) != 0;
	case AST_UNARY:
	case AST_BINARY:
	case AST_COMPARE:
	case AST_LOGICAL:
	case AST_TERNARY:
	case AST_GROUP:
		return entry_params_only(n->lhs) && entry_params_only(n->rhs) &&
		       entry_params_only(n->cond);
	default:
		return false;
	}
}

/* t's target without ".return", the rest the same. */
static struct probe_target *call_of(struct elab *e, const struct probe_target *t)
{
	struct probe_target *c = arena_alloc(e->arena, sizeof(*c));
	size_t n = strlen(t->name);

	*c = *t;
	if (n > 7 && strcmp(t->name + n - 7, ".return") == 0)
		c->name = arena_strndup(e->arena, t->name, n - 7);
	return c;
}

/* A process function's return: its probe after the prologue, where the
 * return target's variables (its parameters) are read. */
static struct probe_target *uprobe_call_of(struct elab *e, const struct probe_target *t)
{
	const struct ufunc *f = t->data;
	struct probe_target *c = call_of(e, t);

	c->kind = PK_UPROBE;
	c->num[0] = t->num[2];
	c->num[2] = 0; /* no SDT semaphore */
	c->num[3] = f ? (int64_t)f->probe : t->num[3];
	c->vars = (struct vec){ 0 };
	for (int i = 0; i < t->vars.len; i++) {
		const struct ctx_var *v = t->vars.items[i];

		if (strcmp(v->name, "return") != 0)
			vec_push(e->arena, &c->vars, (void *)v);
	}
	return c;
}

/* The entry of a return target: the function's call, or the system
 * call's sys_enter event; NULL if t is not one this file handles. */
static struct probe_target *entry_of(struct elab *e, const struct probe_target *t,
				     enum entry_keep *keep)
{
	const struct tpdb_event *ev = t->data;

	if (t->kind == PK_KFUNC)
		return NULL; /* the kretprobe keeps them (kmod_entry.c) */
	*keep = KEEP_TARGET;
	if (t->kind == PK_URETPROBE && t->num[2])
		return uprobe_call_of(e, t);
	if (t->kind == PK_TRACE && ev && ev->kind == TPDB_SYSCALL && ev->syscall_exit &&
	    strncmp(ev->name, "sys_exit_", 9) == 0) {
		*keep = KEEP_NONE;
		return trace_target(e, ev->system, arena_printf(e->arena, "sys_enter_%s",
								 ev->name + 9), t->loc);
	}
	return NULL;
}

/* The statements of text, parsed as a probe's body; PLACEHOLDER() calls
 * in it are left for the caller to replace. */
static struct ast *parse_body(struct elab *e, const char *text)
{
	const struct source *src =
		source_from_string(e->arena, "<@entry>", arena_printf(e->arena, "probe never { %s }", text));
	struct ast_file *f = parse_file(e->arena, e->diag, e->env, src, NULL);
	const struct ast_decl *d = f && f->decls.len ? f->decls.items[0] : NULL;

	return d ? d->body : NULL;
}

static struct ast *put_expr(struct ast *n, void *ctx)
{
	if (n->kind == AST_CALL && strcmp(n->name, "PLACEHOLDER") == 0)
		return ctx;
	return n;
}

static void add_global(struct elab *e, const char *name, struct loc loc)
{
	struct symbol *s = arena_alloc(e->arena, sizeof(*s));

	s->kind = SYM_GLOBAL;
	s->name = name;
	s->loc = loc;
	s->is_array = true;
	s->arity_loc = loc;
	s->nkeys = -1;
	s->from_library = true; /* no -G parameter, no auto-print */
	s->index = e->prog.globals.len;
	vec_push(e->arena, &e->prog.globals, s);
}

/* @entry(EXPR) number r->n: saved at the entry, taken at the return into
 * the local that replaces it. */
static struct ast *rewrite(struct ast *n, void *ctx)
{
	struct entry_rewrite *r = ctx;
	struct elab *e = r->e;
	const char *slot, *local;
	struct ast *save, *var;
	int id = r->ret->index;

	if (n->kind != AST_ENTRY || !r->entry || (r->keep == KEEP_TARGET && n->lhs->kind == AST_TARGET))
		return n;
	if (!r->saves) {
		add_global(e, arena_printf(e->arena, "__tapir_entry_%d_d", id), n->loc);
		r->saves = parse_body(e, arena_printf(e->arena, "__tapir_entry_%d_d[tid()]++", id));
		r->takes = parse_body(e, arena_printf(e->arena,
			"__tapir_entry_at = __tapir_entry_%d_d[tid()]\n"
			"if (__tapir_entry_at > 1) __tapir_entry_%d_d[tid()] = __tapir_entry_at - 1\n"
			"else delete __tapir_entry_%d_d[tid()]", id, id, id));
		if (!r->saves || !r->takes)
			return n;
	}
	slot = arena_printf(e->arena, "__tapir_entry_%d_%d", id, r->n);
	local = arena_printf(e->arena, "__tapir_entry_v%d", r->n++);
	add_global(e, slot, n->loc);
	save = parse_body(e, arena_printf(e->arena,
		"%s[tid(), __tapir_entry_%d_d[tid()]] = PLACEHOLDER()", slot, id));
	var = parse_body(e, arena_printf(e->arena,
		"%s = %s[tid(), __tapir_entry_at]; delete %s[tid(), __tapir_entry_at]", local,
		slot, slot));
	if (!save || !var)
		return n;
	ast_map(&save, put_expr, n->lhs);
	vec_push(e->arena, &r->saves->args, save);
	vec_push(e->arena, &r->takes->args, var);
	var = ast_new(e->arena, AST_VAR, n->loc);
	var->name = local;
	return var;
}

/* The probe on r->entry that saves what the return probe's @entry read. */
static void add_entry_probe(struct elab *e, const struct entry_rewrite *r)
{
	struct derived_probe *dp = arena_alloc(e->arena, sizeof(*dp));

	dp->target = r->entry;
	dp->body = r->saves;
	dp->origin = arena_printf(e->arena, "@entry of %s", r->ret->target->name);
	dp->src = r->ret->src;
	dp->decl = r->ret->decl;
	dp->index = e->probe_counter++;
	vec_push(e->arena, &e->prog.probes, dp);
}

/* The return probe takes its values first, then tests its condition. */
static void add_takes(struct elab *e, struct derived_probe *dp, struct ast *takes)
{
	struct ast *body = ast_new(e->arena, AST_BLOCK, dp->body ? dp->body->loc : takes->loc);

	vec_push(e->arena, &body->args, takes);
	if (dp->cond) {
		struct ast *test = parse_body(e, "if (!(PLACEHOLDER())) next");

		if (test) {
			ast_map(&test, put_expr, dp->cond);
			vec_push(e->arena, &body->args, test);
			dp->cond = NULL;
		}
	}
	if (dp->body)
		vec_push(e->arena, &body->args, dp->body);
	dp->body = body;
}

static bool is_defined(const struct ast *n, const void *ctx)
{
	(void)ctx;
	return n->kind == AST_DEFINED;
}

static bool is_entry(const struct ast *n, const void *ctx)
{
	(void)ctx;
	return n->kind == AST_ENTRY;
}

/* A body with @defined is left as it is: @defined folds a branch away
 * only once symbols are resolved, after this, and an @entry in the dead
 * branch moved to the entry probe would be checked there. Its @entry of
 * parameters still works (the saved ones); others are read at the return. */
void entry_synthesize(struct elab *e)
{
	int nprobes = e->prog.probes.len;

	if (!e->opt.runtime || strcmp(e->opt.runtime, "kernel") != 0)
		return;
	for (int i = 0; i < nprobes; i++) {
		struct derived_probe *dp = e->prog.probes.items[i];
		struct entry_rewrite r = { .e = e, .ret = dp };

		if (!ast_any(dp->body, is_entry, NULL)) /* most probes: no lookup of an entry */
			continue;
		r.entry = entry_of(e, dp->target, &r.keep);
		if (!r.entry || ast_any(dp->body, is_defined, NULL))
			continue;
		ast_map(&dp->body, rewrite, &r);
		if (!r.saves)
			continue;
		add_entry_probe(e, &r);
		add_takes(e, dp, r.takes);
	}
}
