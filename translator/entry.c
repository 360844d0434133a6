/* entry.c - @entry(EXPR) in a return probe, for the kmod runtime: EXPR is
 * to be evaluated when the function (or system call) is entered. Each
 * such @entry becomes a read of a global array keyed by tid(), which a
 * probe made here on the matching entry fills:
 *
 *     probe kernel.function("f").return { t = now() - @entry(now()) }
 * is run as
 *     probe kernel.function("f") { __tapir_entry_3_0[tid()] = now() }
 *     probe kernel.function("f").return { t = now() - __tapir_entry_3_0[tid()] }
 *
 * Done before symbols are resolved, so that the new probe's body is
 * resolved and typed as the user's (a string EXPR gives a string array).
 * A kernel function's parameters (and constants and operators over them)
 * need none of this: the module saves the parameters at the entry. The
 * bpf runtime saves @entry values itself (backends/bpf/emit_entry.c).
 * A recursive call's inner entry overwrites the outer's value, as the
 * key is the thread.
 */
#include <string.h>

#include "elab.h"
#include "probes/tracepoint_db.h"

struct entry_rewrite {
	struct elab *e;
	struct derived_probe *ret;   /* the return probe */
	struct probe_target *entry;  /* its entry, or NULL: not found */
	bool all;                    /* rewrite every @entry, not only non-parameters */
	struct ast *saves;           /* BLOCK of the entry probe, made on the first */
	int n;
};

/* Is n made of the function's parameters, constants and operators only? */
static bool params_only(const struct ast *n)
{
	if (!n)
		return true;
	switch (n->kind) {
	case AST_NUM:
	case AST_STR:
		return true;
	case AST_TARGET:
		return n->chain.len == 0 && strncmp(n->name, "$$", 2) != 0;
	case AST_UNARY:
	case AST_BINARY:
	case AST_COMPARE:
	case AST_LOGICAL:
	case AST_TERNARY:
	case AST_GROUP:
		return params_only(n->lhs) && params_only(n->rhs) && params_only(n->cond);
	default:
		return false;
	}
}

/* The entry of a return target: the function's call, or the system
 * call's sys_enter event; NULL if t is not one this file handles. */
static struct probe_target *entry_of(struct elab *e, const struct probe_target *t, bool *all)
{
	const struct tpdb_event *ev = t->data;
	struct probe_target *c;
	size_t n;

	if (t->kind == PK_KFUNC && t->num[0]) {
		c = arena_alloc(e->arena, sizeof(*c));
		*c = *t;
		c->num[0] = 0;
		n = strlen(t->name);
		if (n > 7 && strcmp(t->name + n - 7, ".return") == 0)
			c->name = arena_strndup(e->arena, t->name, n - 7);
		*all = false;
		return c;
	}
	if (t->kind == PK_TRACE && ev && ev->kind == TPDB_SYSCALL && ev->syscall_exit &&
	    strncmp(ev->name, "sys_exit_", 9) == 0) {
		*all = true;
		return trace_target(e, ev->system, arena_printf(e->arena, "sys_enter_%s",
								 ev->name + 9), t->loc);
	}
	return NULL;
}

static struct ast *node(struct elab *e, enum ast_kind k, struct loc loc)
{
	return ast_new(e->arena, k, loc);
}

/* name[tid()] */
static struct ast *slot(struct elab *e, const char *name, struct loc loc)
{
	struct ast *idx = node(e, AST_INDEX, loc), *tid = node(e, AST_CALL, loc);

	idx->lhs = node(e, AST_VAR, loc);
	idx->lhs->name = name;
	tid->name = "tid";
	vec_push(e->arena, &idx->args, tid);
	return idx;
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

static struct ast *rewrite(struct ast *n, void *ctx)
{
	struct entry_rewrite *r = ctx;
	struct elab *e = r->e;
	struct ast *save;
	const char *name;

	if (n->kind != AST_ENTRY || !r->entry || (!r->all && params_only(n->lhs)))
		return n;
	if (!r->saves)
		r->saves = node(e, AST_BLOCK, n->loc);
	name = arena_printf(e->arena, "__tapir_entry_%d_%d", r->ret->index, r->n++);
	add_global(e, name, n->loc);
	save = node(e, AST_EXPR_STMT, n->loc);
	save->lhs = node(e, AST_ASSIGN, n->loc);
	save->lhs->op = "=";
	save->lhs->lhs = slot(e, name, n->loc);
	save->lhs->rhs = n->lhs;
	vec_push(e->arena, &r->saves->args, save);
	return slot(e, name, n->loc);
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

void entry_synthesize(struct elab *e)
{
	int nprobes = e->prog.probes.len;

	if (!e->opt.runtime || strcmp(e->opt.runtime, "kernel") != 0)
		return;
	for (int i = 0; i < nprobes; i++) {
		struct derived_probe *dp = e->prog.probes.items[i];
		struct entry_rewrite r = { .e = e, .ret = dp };

		r.entry = entry_of(e, dp->target, &r.all);
		if (!r.entry)
			continue;
		ast_map(&dp->body, rewrite, &r);
		if (r.saves)
			add_entry_probe(e, &r);
	}
}
