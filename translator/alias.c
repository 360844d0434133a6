/* alias.c - derive concrete probes: expand probe aliases (prologue '=',
 * epilogue '+=', nested, wildcards, suffixes), then hand what remains to
 * the providers. Each derived probe gets its own copy of the composed body.
 */
#include <fnmatch.h>
#include <string.h>

#include "elab.h"

#define MAX_ALIAS_DEPTH 32

/* What is being expanded: the user's probe, and the body and condition
 * composed so far on the way down through aliases. */
struct expansion {
	struct ast_decl *decl;
	const struct source *src;
	const char *origin;
	struct ast *body;
	struct ast *cond;
	const struct ast_decl *via[MAX_ALIAS_DEPTH]; /* the alias chain */
	int depth;
	bool optional;     /* a use on the way down had '?': so do its targets */
	const char *listed; /* -l: the alias name the user's point matched */
};

static const char *point_text(struct elab *e, const struct ast_probe_point *pp)
{
	struct strbuf sb = { 0 };
	const char *s;

	print_probe_point(&sb, pp);
	s = arena_strdup(e->arena, sb.data ? sb.data : "");
	sb_free(&sb);
	return s;
}

static bool same_literal(const struct ast *a, const struct ast *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	return a->kind == AST_NUM ? a->num == b->num : strcmp(a->str, b->str) == 0;
}

/* Does the user's point begin with this alias name? The user's components
 * may hold wildcards; what follows the name is a suffix. */
static bool alias_prefix_matches(const struct ast_probe_point *user,
				 const struct ast_probe_point *name)
{
	if (user->comps.len < name->comps.len)
		return false;
	for (int i = 0; i < name->comps.len; i++) {
		const struct ast_component *u = user->comps.items[i], *n = name->comps.items[i];

		if (fnmatch(u->name, n->name, 0) != 0)
			return false;
		if (u->arg && !n->arg)
			return false;
		if (n->arg && !same_literal(u->arg, n->arg))
			return false;
	}
	return true;
}

static struct ast *and_cond(struct elab *e, struct ast *a, struct ast *b)
{
	struct ast *n;

	if (!a || !b)
		return a ? a : b;
	n = ast_new(e->arena, AST_LOGICAL, b->loc);
	n->op = "&&";
	n->lhs = a;
	n->rhs = b;
	return n;
}

static struct ast *block_of(struct elab *e, struct loc loc, struct ast *a, struct ast *b,
			    struct ast *c)
{
	struct ast *blk = ast_new(e->arena, AST_BLOCK, loc);

	if (a)
		vec_push(e->arena, &blk->args, a);
	if (b)
		vec_push(e->arena, &blk->args, b);
	if (c)
		vec_push(e->arena, &blk->args, c);
	return blk;
}

static int expand_points(struct elab *e, const struct vec *points, struct expansion *x,
			 const struct vec *suffix);

static void note_chain(struct elab *e, const struct expansion *x)
{
	for (int i = x->depth - 1; i >= 0; i--)
		diag_note(e->diag, x->via[i]->loc, "expanded from alias '%s'",
			  point_text(e, x->via[i]->alias_names.items[0]));
}

/* pn() in a probe's body: the probe point as the script names it, the
 * alias (wildcards expanded) or else the point, a constant per derived
 * probe. (pn() in a function is pp(), tapsets/context.stp.) */
struct pn_fold {
	struct arena *arena;
	const char *name;
};

static struct ast *fold_pn(struct ast *n, void *ctx)
{
	const struct pn_fold *pf = ctx;
	struct ast *s;

	if (n->kind != AST_CALL || strcmp(n->name, "pn") != 0 || n->args.len != 0)
		return n;
	s = ast_new(pf->arena, AST_STR, n->loc);
	s->str = pf->name;
	return s;
}

static void add_probe(struct elab *e, struct expansion *x, struct probe_target *t,
		      struct ast *cond)
{
	struct derived_probe *dp = arena_alloc(e->arena, sizeof(*dp));

	dp->target = t;
	dp->body = ast_copy(e->arena, x->body);
	dp->cond = ast_copy(e->arena, cond);
	dp->origin = x->origin;
	dp->listed = x->listed;
	for (int i = 0; i < x->depth; i++)
		vec_push(e->arena, &dp->aliases, (void *)x->via[i]);
	dp->decl = x->decl;
	dp->src = x->src;
	dp->index = e->probe_counter++;
	if (t->prov && t->prov->derive)
		t->prov->derive(e, dp);
	ast_map(&dp->body, fold_pn, &(struct pn_fold){ e->arena, dp->listed ? dp->listed : t->name });
	vec_push(e->arena, &e->prog.probes, dp);
}

/* Hand a point that no alias took to the providers. Returns the number of
 * targets, or -1 after an error. */
static int resolve_with_providers(struct elab *e, const struct ast_probe_point *pp,
				  struct expansion *x, struct ast *cond)
{
	int found = 0, matched = 0;

	for (int i = 0; i < probe_nproviders; i++) {
		const struct provider *prov = probe_providers[i];

		for (int j = 0; j < prov->npatterns; j++) {
			struct probe_match m;
			struct vec targets = { 0 };

			if (!probe_pattern_match(&prov->patterns[j], pp, &m))
				continue;
			matched++;
			if (prov->resolve(e, &m, &targets) < 0) {
				note_chain(e, x);
				return -1;
			}
			for (int k = 0; k < targets.len; k++)
				add_probe(e, x, targets.items[k], cond);
			found += targets.len;
		}
	}
	return matched ? found : -2;
}

static void report_unresolved(struct elab *e, const struct ast_probe_point *pp,
			      const struct expansion *x)
{
	const char *why = probe_unsupported_reason(point_text(e, pp));

	diag_at(e->diag, DIAG_ERROR, pp->loc, "probe point not resolved: %s", point_text(e, pp));
	note_chain(e, x);
	if (why) {
		diag_hint(e->diag, "%s", why);
		return;
	}
	diag_hint(e->diag, "tapir resolves these probe families today: begin, end, error, never, "
			   "timer.*, perf.*, kernel.trace(\"...\"), and the aliases of its tapset "
			   "library (see --dump-probe-types and --dump-probe-aliases)");
}

static const char *alias_name(struct elab *e, const struct ast_decl *alias)
{
	return point_text(e, alias->alias_names.items[0]);
}

/* The alias via[from] expands, through via[from+1..], back to itself at pp:
 * one error, the cycle spelled out, one note an alias. */
static void report_recursion(struct elab *e, const struct expansion *x, int from,
			     const struct ast_probe_point *pp)
{
	struct strbuf sb = { 0 };

	for (int i = from; i < x->depth; i++)
		sb_printf(&sb, "%s -> ", alias_name(e, x->via[i]));
	sb_puts(&sb, alias_name(e, x->via[from]));
	diag_at(e->diag, DIAG_ERROR, pp->loc, "recursive probe alias: %s", sb.data);
	sb_free(&sb);
	for (int i = from; i < x->depth; i++)
		diag_note(e->diag, x->via[i]->loc, "alias '%s' is defined here",
			  alias_name(e, x->via[i]));
}

/* What -l prints for a point that named an alias: the alias's name as
 * its definition spells it, then the point's suffix. */
static const char *listed_name(struct elab *e, const struct ast_probe_point *name,
			       const struct ast_probe_point *pp)
{
	struct ast_probe_point whole = *name;

	whole.optional = whole.sufficient = false;
	whole.cond = NULL;
	whole.comps = (struct vec){ 0 };
	for (int i = 0; i < name->comps.len; i++)
		vec_push(e->arena, &whole.comps, name->comps.items[i]);
	for (int i = name->comps.len; i < pp->comps.len; i++)
		vec_push(e->arena, &whole.comps, pp->comps.items[i]);
	return point_text(e, &whole);
}

/* Expand through one alias whose name matched: compose its body around
 * what we have, then expand its targets with the user's suffix. */
static int through_alias(struct elab *e, struct ast_decl *alias, const struct ast_probe_point *pp,
			 const struct ast_probe_point *name, struct expansion *x)
{
	struct expansion inner = *x;
	struct vec suffix = { 0 };
	int name_len = name->comps.len;

	for (int i = 0; i < x->depth; i++) {
		if (x->via[i] == alias) {
			report_recursion(e, x, i, pp);
			return -1;
		}
	}
	if (x->depth == MAX_ALIAS_DEPTH) {
		diag_at(e->diag, DIAG_ERROR, pp->loc, "probe alias nesting too deep (over %d aliases)",
			MAX_ALIAS_DEPTH);
		note_chain(e, x);
		return -1;
	}
	elab_use_file(e, alias->loc.src);
	for (int i = name_len; i < pp->comps.len; i++)
		vec_push(e->arena, &suffix, pp->comps.items[i]);
	if (x->depth == 0) /* for -l, and for pn() */
		inner.listed = listed_name(e, name, pp);
	inner.via[inner.depth++] = alias;
	inner.optional = x->optional || pp->optional;
	if (alias->body2)
		inner.body = block_of(e, alias->loc, alias->body, x->body, alias->body2);
	else if (alias->epilogue)
		inner.body = block_of(e, alias->loc, x->body, alias->body, NULL);
	else
		inner.body = block_of(e, alias->loc, alias->body, x->body, NULL);
	return expand_points(e, &alias->points, &inner, &suffix);
}

/* Does some alias's whole name match pp? Then, as in SystemTap's match
 * tree, the longer aliases win over suffixes of a shorter one: 'lib.tick.*'
 * is lib.tick.fast, and 'syscall.read.return' is that alias, not
 * syscall.read with a '.return' suffix. */
static bool whole_name_matches(struct elab *e, const struct ast_probe_point *pp)
{
	for (int i = 0; i < e->all_aliases.len; i++) {
		const struct ast_decl *a = e->all_aliases.items[i];

		for (int j = 0; j < a->alias_names.len; j++) {
			const struct ast_probe_point *name = a->alias_names.items[j];

			if (name->comps.len == pp->comps.len && alias_prefix_matches(pp, name))
				return true;
		}
	}
	return false;
}

static bool all_optional(const struct ast_decl *alias)
{
	for (int i = 0; i < alias->points.len; i++)
		if (!((const struct ast_probe_point *)alias->points.items[i])->optional)
			return false;
	return alias->points.len > 0;
}

/* An alias kept for old kernels (socket.aio_write on sock_aio_write ?)
 * matches nothing on a new one, as in SystemTap: say so, and how to
 * accept it. */
static void note_all_optional(struct elab *e, const struct ast_decl *alias,
			      const struct ast_probe_point *pp)
{
	diag_note(e->diag, alias->loc,
		  "every probe point of alias '%s' is optional ('?'), and none exists on this kernel",
		  point_text(e, alias->alias_names.items[0]));
	diag_hint(e->diag, "write 'probe %s ?' to accept a probe point that matches nothing",
		  point_text(e, pp));
}

/* Returns the number of probes derived from pp, or -1 after an error. */
static int expand_one(struct elab *e, const struct ast_probe_point *pp, struct expansion *x)
{
	struct expansion here = *x;
	int total = 0, aliases = 0;
	const struct ast_decl *last = NULL;

	bool whole = whole_name_matches(e, pp);

	here.cond = and_cond(e, x->cond, pp->cond);
	for (int i = 0; i < e->all_aliases.len; i++) {
		struct ast_decl *a = e->all_aliases.items[i];

		for (int j = 0; j < a->alias_names.len; j++) {
			const struct ast_probe_point *name = a->alias_names.items[j];
			int n;

			if (!alias_prefix_matches(pp, name))
				continue;
			/* an alias named in full (syscall_any.return) wins over a
			 * shorter one with a suffix (syscall_any + .return), as
			 * SystemTap's match tree tries children first */
			if (whole && name->comps.len < pp->comps.len)
				continue;
			aliases++;
			last = a;
			n = through_alias(e, a, pp, name, &here);
			if (n < 0)
				return -1;
			total += n;
			break;
		}
	}
	if (aliases == 0) {
		int n = resolve_with_providers(e, pp, &here, here.cond);

		if (n == -1)
			return -1;
		if (n == -2) {
			if (pp->optional)
				return 0;
			report_unresolved(e, pp, x);
			return -1;
		}
		total = n;
	}
	if (total == 0 && !pp->optional && aliases > 0) {
		diag_at(e->diag, DIAG_ERROR, pp->loc, "probe point %s matched no probe",
			point_text(e, pp));
		note_chain(e, x);
		if (aliases == 1 && all_optional(last))
			note_all_optional(e, last, pp);
		return -1;
	}
	return total;
}

/* An alias's target as this use sees it: the use's suffix appended, and
 * optional when the use was (SystemTap's derive_probes passes '?' down). */
static struct ast_probe_point *as_used(struct elab *e, const struct ast_probe_point *pp,
				       const struct vec *suffix, bool optional)
{
	struct ast_probe_point *c;

	if ((!suffix || suffix->len == 0) && (pp->optional || !optional))
		return (struct ast_probe_point *)pp;
	c = arena_alloc(e->arena, sizeof(*c));
	*c = *pp;
	c->optional |= optional;
	c->comps = (struct vec){ 0 };
	for (int i = 0; i < pp->comps.len; i++)
		vec_push(e->arena, &c->comps, pp->comps.items[i]);
	for (int i = 0; suffix && i < suffix->len; i++)
		vec_push(e->arena, &c->comps, suffix->items[i]);
	return c;
}

/* A list of points: '!' stops at the first that resolved something. */
static int expand_points(struct elab *e, const struct vec *points, struct expansion *x,
			 const struct vec *suffix)
{
	int total = 0, failed = 0;

	for (int i = 0; i < points->len; i++) {
		const struct ast_probe_point *pp = as_used(e, points->items[i], suffix, x->optional);
		int n = expand_one(e, pp, x);

		if (n < 0) {
			failed = 1;
			continue;
		}
		total += n;
		if (n > 0 && pp->sufficient)
			break;
	}
	return failed ? -1 : total;
}

static const char *origin_of(struct elab *e, const struct ast_decl *d)
{
	struct strbuf sb = { 0 };
	const char *s;

	for (int i = 0; i < d->points.len; i++) {
		if (i)
			sb_putc(&sb, ',');
		print_probe_point(&sb, d->points.items[i]);
	}
	s = arena_strdup(e->arena, sb.data ? sb.data : "");
	sb_free(&sb);
	return s;
}

static int derive_decl(struct elab *e, struct ast_decl *d, const struct source *src)
{
	struct expansion x = { .decl = d, .src = src, .body = d->body };

	x.origin = origin_of(e, d);
	return expand_points(e, &d->points, &x, NULL) < 0 ? -1 : 0;
}

void alias_derive_file(struct elab *e, struct ast_file *f)
{
	for (int j = 0; j < f->decls.len; j++) {
		struct ast_decl *d = f->decls.items[j];

		if (d->kind == DECL_PROBE)
			derive_decl(e, d, f->src);
	}
}

int alias_derive_probes(struct elab *e)
{
	int rc = 0;

	for (int i = 0; i < e->user_files.len; i++) {
		struct ast_file *f = e->user_files.items[i];

		for (int j = 0; j < f->decls.len; j++) {
			struct ast_decl *d = f->decls.items[j];

			if (d->kind == DECL_PROBE && derive_decl(e, d, f->src) < 0)
				rc = -1;
		}
	}
	return rc;
}
