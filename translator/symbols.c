/* symbols.c - name resolution: globals, locals, parameters and functions,
 * pulling tapset files into the program when the script uses what they
 * define. Also folds @defined() and prunes the branches it decides, before
 * context variables are checked, as SystemTap does.
 */
#include <stdarg.h>
#include <string.h>

#include "elab.h"

struct scope {
	struct elab *e;
	const struct source *src;
	struct vec *locals;
	struct vec *params;       /* function parameters, or NULL */
	struct derived_probe *dp; /* NULL in a function */
	struct func *fn;
	int in_defined;           /* inside @defined(): no errors for $vars */
	int in_addrof;            /* inside &: a $var may name a struct */
	const struct ast *void_expr; /* an expression whose value is dropped */
	bool *failed;
};

/* ---- indexes ------------------------------------------------------------ */

static struct symbol *global_symbol(struct elab *e, struct ast_decl *d, const struct source *src,
				    bool lib)
{
	struct symbol *s = arena_alloc(e->arena, sizeof(*s));

	s->kind = SYM_GLOBAL;
	s->name = d->global->name;
	s->loc = d->global->loc;
	s->decl = d->global;
	s->src = src;
	s->is_private = d->is_private;
	s->from_library = lib;
	s->is_array = d->global->is_array || d->global->wrap;
	if (s->is_array)
		s->arity_loc = s->loc;
	s->nkeys = -1;
	if (d->global->init) {
		s->type = d->global->init->kind == AST_NUM ? TYPE_LONG : TYPE_STRING;
		s->type_loc = d->global->init->loc;
	}
	return s;
}

/* A file declares a global once (SystemTap: "duplicate global name"). */
static bool duplicate_global(struct elab *e, const struct ast_decl *d, const struct source *src)
{
	for (int i = 0; i < e->all_globals.len; i++) {
		const struct symbol *s = e->all_globals.items[i];

		if (s->src != src || strcmp(s->name, d->global->name) != 0)
			continue;
		diag_at(e->diag, DIAG_ERROR, d->global->loc, "global '%s' is declared twice",
			s->name);
		diag_note(e->diag, s->loc, "'%s' is first declared here", s->name);
		return true;
	}
	return false;
}

static void index_file(struct elab *e, struct ast_file *f, bool lib)
{
	for (int i = 0; i < f->decls.len; i++) {
		struct ast_decl *d = f->decls.items[i];

		if (d->kind == DECL_ALIAS) {
			vec_push(e->arena, &e->all_aliases, d);
		} else if (d->kind == DECL_GLOBAL) {
			if (!duplicate_global(e, d, f->src))
				vec_push(e->arena, &e->all_globals,
					 global_symbol(e, d, f->src, lib));
		} else if (d->kind == DECL_FUNCTION) {
			struct func *fn = arena_alloc(e->arena, sizeof(*fn));

			fn->name = d->name;
			fn->decl = d;
			fn->src = f->src;
			fn->ret = d->ret_type;
			fn->ret_loc = d->loc;
			fn->from_library = lib;
			vec_push(e->arena, &e->all_functions, fn);
		}
	}
}

static struct ast_file *file_of(struct elab *e, const struct source *src, bool *is_lib)
{
	for (int i = 0; i < e->user_files.len; i++) {
		struct ast_file *f = e->user_files.items[i];

		if (f->src == src) {
			*is_lib = false;
			return f;
		}
	}
	for (int i = 0; i < e->lib_files.len; i++) {
		struct ast_file *f = e->lib_files.items[i];

		if (f->src == src) {
			*is_lib = true;
			return f;
		}
	}
	return NULL;
}

/* Bring a file into the program: its globals, embeds and probes. */
void elab_use_file(struct elab *e, const struct source *src)
{
	bool lib = false;
	struct ast_file *f = file_of(e, src, &lib);

	if (!f)
		return;
	for (int i = 0; i < e->used_files.len; i++) {
		if (e->used_files.items[i] == f)
			return;
	}
	vec_push(e->arena, &e->used_files, f);
	for (int i = 0; i < e->all_globals.len; i++) {
		struct symbol *s = e->all_globals.items[i];

		if (s->src == src) {
			s->index = e->prog.globals.len;
			vec_push(e->arena, &e->prog.globals, s);
		}
	}
	for (int i = 0; i < f->decls.len; i++) {
		struct ast_decl *d = f->decls.items[i];

		if (d->kind == DECL_EMBEDDED)
			vec_push(e->arena, &e->prog.embeds, d);
	}
	if (lib)
		alias_derive_file(e, f);
}

void sym_index_files(struct elab *e)
{
	for (int i = 0; i < e->user_files.len; i++)
		index_file(e, e->user_files.items[i], false);
	for (int i = 0; i < e->lib_files.len; i++)
		index_file(e, e->lib_files.items[i], true);
	for (int i = 0; i < e->user_files.len; i++)
		elab_use_file(e, ((struct ast_file *)e->user_files.items[i])->src);
}

/* ---- lookups ------------------------------------------------------------- */

static bool visible(const struct source *decl_src, bool is_private, const struct source *from)
{
	return !is_private || decl_src == from;
}

static struct symbol *find_in(struct vec *v, const char *name)
{
	for (int i = 0; v && i < v->len; i++) {
		struct symbol *s = v->items[i];

		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* A global called name, visible from the file the use is written in (an
 * alias's body is written in the alias's file, not the probe's). */
static struct symbol *find_global(struct scope *sc, const char *name, struct loc loc)
{
	struct elab *e = sc->e;
	const struct source *from = loc.src ? loc.src : sc->src;

	for (int i = 0; i < e->prog.globals.len; i++) {
		struct symbol *s = e->prog.globals.items[i];

		if (strcmp(s->name, name) == 0 && visible(s->src, s->is_private, from))
			return s;
	}
	/* A tapset global the script uses pulls its file in. */
	for (int i = 0; i < e->all_globals.len; i++) {
		struct symbol *s = e->all_globals.items[i];

		if (s->from_library && visible(s->src, s->is_private, from) &&
		    strcmp(s->name, name) == 0) {
			elab_use_file(e, s->src);
			return s;
		}
	}
	return NULL;
}

static struct symbol *new_local(struct scope *sc, const char *name, struct loc loc)
{
	struct symbol *s = arena_alloc(sc->e->arena, sizeof(*s));

	s->kind = SYM_LOCAL;
	s->name = name;
	s->loc = loc;
	s->nkeys = -1;
	s->src = sc->src;
	s->index = sc->locals->len;
	vec_push(sc->e->arena, sc->locals, s);
	return s;
}

static struct symbol *lookup_var(struct scope *sc, const char *name, struct loc loc)
{
	struct symbol *s = find_in(sc->params, name);

	if (!s)
		s = find_in(sc->locals, name);
	if (!s)
		s = find_global(sc, name, loc);
	if (!s)
		s = new_local(sc, name, loc);
	return s;
}

struct func *sym_find_function(struct elab *e, const char *name, int nargs)
{
	struct func *any = NULL;

	for (int i = 0; i < e->all_functions.len; i++) {
		struct func *fn = e->all_functions.items[i];

		if (strcmp(fn->name, name) != 0)
			continue;
		if (fn->decl->params.len == nargs)
			return fn;
		any = fn;
	}
	return any;
}

/* ---- resolution ----------------------------------------------------------- */

static void resolve(struct scope *sc, struct ast **slot);
static int resolve_function(struct elab *e, struct func *fn);

static void resolve_vec(struct scope *sc, struct vec *v)
{
	for (int i = 0; i < v->len; i++)
		resolve(sc, (struct ast **)&v->items[i]);
}

static __attribute__((format(printf, 3, 4))) void error_at(struct scope *sc, struct loc loc,
							    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_at(sc->e->diag, DIAG_ERROR, loc, "%s", msg);
	*sc->failed = true;
}

static bool same_loc(struct loc a, struct loc b)
{
	return a.src == b.src && a.line == b.line && a.col == b.col;
}

/* An array used as a scalar, or the reverse: SystemTap's "inconsistent
 * arity". Reported at this use, with a note where the other kind began. */
static void arity_conflict(struct scope *sc, struct symbol *s, struct loc at, bool as_array)
{
	const char *here = as_array ? "an array" : "a scalar", *there = as_array ? "a scalar" :
										     "an array";

	error_at(sc, at, "'%s' is used as %s here, but as %s elsewhere", s->name, here, there);
	if (s->kind == SYM_GLOBAL && same_loc(s->arity_loc, s->loc))
		diag_note(sc->e->diag, s->arity_loc, "'%s' is declared as %s here", s->name, there);
	else
		diag_note(sc->e->diag, s->arity_loc, "'%s' is first used as %s here", s->name, there);
	s->reported = true;
}

static void use_array(struct scope *sc, struct ast *var)
{
	struct symbol *s = var->sym;

	if (!s || s->reported)
		return;
	if (s->kind != SYM_GLOBAL) {
		if (s->kind == SYM_PARAM) {
			error_at(sc, var->loc, "'%s' is a function parameter, not an array", s->name);
		} else {
			error_at(sc, var->loc, "'%s' is used as an array, but arrays must be global",
				 s->name);
			diag_hint(sc->e->diag, "missing global declaration? add 'global %s' at the "
					       "top level", s->name);
		}
		s->reported = true;
		return;
	}
	if (s->is_scalar) {
		arity_conflict(sc, s, var->loc, true);
		return;
	}
	if (!s->arity_loc.src)
		s->arity_loc = var->loc;
	s->is_array = true;
}

static void use_scalar(struct scope *sc, struct ast *var)
{
	struct symbol *s = var->sym;

	if (!s || s->reported)
		return;
	if (s->is_array) {
		arity_conflict(sc, s, var->loc, false);
		return;
	}
	if (!s->is_scalar)
		s->arity_loc = var->loc;
	s->is_scalar = true;
}

static void bind_var(struct scope *sc, struct ast *n)
{
	n->sym = lookup_var(sc, n->name, n->loc);
}

static void unresolved_function(struct scope *sc, struct ast *n)
{
	const char *names[512];
	int nn = 0;
	const char *close;

	for (int i = 0; i < sc->e->all_functions.len && nn < 512; i++) {
		struct func *fn = sc->e->all_functions.items[i];

		if (visible(fn->src, fn->decl->is_private, sc->src))
			names[nn++] = fn->name;
	}
	diag_at(sc->e->diag, DIAG_ERROR, n->loc, "unresolved function '%s'", n->name);
	for (int i = 0; i < sc->e->all_functions.len; i++) {
		struct func *fn = sc->e->all_functions.items[i];

		if (strcmp(fn->name, n->name) == 0 && !visible(fn->src, fn->decl->is_private, sc->src)) {
			diag_hint(sc->e->diag, "'%s' (%s:%d) is private to its file", fn->name,
				  fn->src->name, fn->decl->loc.line);
			*sc->failed = true;
			return;
		}
	}
	close = diag_closest(n->name, names, nn);
	if (close)
		diag_hint(sc->e->diag, "did you mean '%s'?", close);
	*sc->failed = true;
}

static void bind_call(struct scope *sc, struct ast *n)
{
	struct func *fn = sym_find_function(sc->e, n->name, n->args.len);

	if (fn && !visible(fn->src, fn->decl->is_private, sc->src))
		fn = NULL;
	if (!fn) {
		unresolved_function(sc, n);
		return;
	}
	if (fn->decl->params.len != n->args.len) {
		diag_at(sc->e->diag, DIAG_ERROR, n->loc, "function '%s' takes %d argument%s, not %d",
			n->name, fn->decl->params.len, fn->decl->params.len == 1 ? "" : "s",
			n->args.len);
		diag_note(sc->e->diag, fn->decl->loc, "'%s' is declared here", fn->name);
		*sc->failed = true;
		return;
	}
	n->fn = fn;
	if (!fn->used && resolve_function(sc->e, fn) < 0)
		*sc->failed = true;
}

static const struct ctx_var *find_ctx_var(const struct derived_probe *dp, const char *name)
{
	for (int i = 0; dp && i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		if (strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

static bool is_multi_var(const char *name)
{
	return strncmp(name, "$$", 2) == 0;
}

/* Is a $var (or $$vars) available where it is used? */
static bool target_available(const struct scope *sc, const struct ast *n)
{
	if (!sc->dp)
		return false;
	if (is_multi_var(n->name))
		return sc->dp->target->vars.len > 0 || strcmp(n->name, "$$return") != 0;
	return find_ctx_var(sc->dp, n->name + 1) != NULL;
}

static bool written_at(const struct ast *n, const void *ctx)
{
	const struct loc *loc = ctx;

	return n->loc.src == loc->src && n->loc.line == loc->line && n->loc.col == loc->col;
}

/* Does the original (uncopied) tree n hold a node written at loc? */
static bool tree_has_loc(const struct ast *n, struct loc loc)
{
	return ast_any(n, written_at, &loc);
}

/* An error in a probe body written in an alias: name the aliases it came
 * through, from the one that holds it out to the one the probe used. */
static void note_alias_origin(struct scope *sc, struct loc at)
{
	const struct vec *via = sc->dp ? &sc->dp->aliases : NULL;
	int from = -1;

	for (int i = 0; via && i < via->len && from < 0; i++) {
		const struct ast_decl *a = via->items[i];

		if (tree_has_loc(a->body, at) || tree_has_loc(a->body2, at))
			from = i;
	}
	for (int i = from; i >= 0; i--) {
		const struct ast_decl *a = via->items[i];
		struct strbuf sb = { 0 };

		print_probe_point(&sb, a->alias_names.items[0]);
		diag_note(sc->e->diag, a->loc, "expanded from alias '%s'", sb.data);
		sb_free(&sb);
	}
}

static void unavailable_hint(struct scope *sc, const char *name)
{
	const struct vec *vars = &sc->dp->target->vars;
	const char *names[64] = { 0 }, *close;
	struct strbuf sb = { 0 };
	int nn = 0;

	for (int i = 0; i < vars->len && nn < 64; i++)
		names[nn++] = arena_printf(sc->e->arena, "$%s",
					   ((struct ctx_var *)vars->items[i])->name);
	close = diag_closest(name, names, nn);
	if (close) {
		diag_hint(sc->e->diag, "did you mean '%s'?", close);
		return;
	}
	if (nn == 0) {
		diag_hint(sc->e->diag, "this probe has no context variables");
		return;
	}
	for (int i = 0; i < nn; i++)
		sb_printf(&sb, "%s%s", i ? " " : "", names[i]);
	diag_hint(sc->e->diag, "the variables of this probe are: %s", sb.data);
	sb_free(&sb);
}

/* A $var's member chain, against its type where the provider gave one. */
static void check_chain(struct scope *sc, struct ast *n)
{
	const struct ctx_var *v = find_ctx_var(sc->dp, n->name + 1);
	const char *type = NULL;
	enum ctx_chain r;

	if (!v || (n->chain.len == 0 && !v->data)) /* DWARF vars: out of scope? */
		return;
	r = ctx_chain_check(sc->e, v, n, true, &type);
	if (r == CTX_CHAIN_BAD) {
		note_alias_origin(sc, n->loc);
		*sc->failed = true;
	} else if (r == CTX_CHAIN_AGGREGATE && !n->pretty && !sc->in_addrof) {
		struct strbuf sb = { 0 };

		print_expr(&sb, n);
		error_at(sc, n->loc, "'%s' is a %s, which has no value to read", sb.data, type);
		sb_free(&sb);
		diag_hint(sc->e->diag, "read one of its members, take its address with '&', or "
				       "pretty-print it with a trailing '$'");
		note_alias_origin(sc, n->loc);
	}
}

/* $x->member$ : the lexer takes '$' into identifiers, so a pretty-print
 * suffix may end the last member's name; move it where $x$ has it. */
static void split_pretty_member(struct scope *sc, struct ast *n)
{
	struct ast_step *last, *copy;
	size_t len, cut;

	if (n->pretty || n->chain.len == 0)
		return;
	last = n->chain.items[n->chain.len - 1];
	len = last->member ? strlen(last->member) : 0;
	if (last->is_index || len < 2 || last->member[len - 1] != '$')
		return;
	cut = last->member[len - 2] == '$' ? 2 : 1;
	if (len <= cut)
		return;
	copy = arena_alloc(sc->e->arena, sizeof(*copy));
	*copy = *last;
	copy->member = arena_strndup(sc->e->arena, last->member, len - cut);
	n->chain.items[n->chain.len - 1] = copy;
	n->pretty = cut == 2 ? "$$" : "$";
}

static void check_target(struct scope *sc, struct ast *n)
{
	if (sc->in_defined)
		return;
	if (!target_available(sc, n)) {
		if (!sc->dp) {
			error_at(sc, n->loc, "context variable '%s' can't be used in function '%s' "
					     "(pass its value as an argument)", n->name, sc->fn->name);
			return;
		}
		error_at(sc, n->loc, "context variable '%s' isn't available in probe %s", n->name,
			 sc->dp->target->name);
		unavailable_hint(sc, n->name);
		note_alias_origin(sc, n->loc);
		return;
	}
	if (!is_multi_var(n->name))
		check_chain(sc, n);
}

/* &@cast(N, "type")->member...: an offset known now (@offsetof,
 * @cast_sizeof), folded to its number so that both sides can use it.
 * Not for the kmod runtime: the module is built for the kernel -r names,
 * whose layout the host's BTF may not have; its C computes the offset. */
static void fold_cast_address(struct scope *sc, struct ast **slot)
{
	struct ast *num;
	int64_t v;

	if (sc->e->opt.runtime && strcmp(sc->e->opt.runtime, "kernel") == 0)
		return;
	if (!cast_address((*slot)->lhs, &v))
		return;
	num = ast_new(sc->e->arena, AST_NUM, (*slot)->loc);
	num->num = v;
	*slot = num;
}

/* @defined(x): 1 when x resolves here. Decided now, so that the branch it
 * guards can be dropped before its $vars are checked. */
static void fold_defined(struct scope *sc, struct ast **slot)
{
	struct ast *n = *slot, *inner = n->lhs, *num;
	bool defined = true;

	if (inner->kind == AST_TARGET)
		defined = target_available(sc, inner) &&
			  (is_multi_var(inner->name) || !sc->dp ||
			   ctx_chain_check(sc->e, find_ctx_var(sc->dp, inner->name + 1), inner, false,
					   NULL) != CTX_CHAIN_BAD);
	else if (inner->kind == AST_DEREF || inner->kind == AST_ENTRY)
		defined = inner->lhs->kind != AST_TARGET || target_available(sc, inner->lhs);
	else if (inner->kind == AST_CAST)
		defined = cast_resolve(sc->e, inner, false, false);
	else if (inner->kind == AST_ADDROF && inner->lhs->kind == AST_CAST)
		defined = cast_resolve(sc->e, inner->lhs, false, true);
	num = ast_new(sc->e->arena, AST_NUM, n->loc);
	num->num = defined;
	*slot = num;
}

/* The value of a condition made of constants: a number, '!' or '-' of
 * one, '&&'/'||' of two; so that "if (!@defined(...))" is decided too. */
static bool const_value(const struct ast *n, int64_t *v)
{
	int64_t a, b;

	switch (n->kind) {
	case AST_NUM:
		*v = n->num;
		return true;
	case AST_UNARY:
		if (!const_value(n->lhs, &a) || (strcmp(n->op, "!") && strcmp(n->op, "-")))
			return false;
		*v = n->op[0] == '!' ? !a : (int64_t)(0 - (uint64_t)a);
		return true;
	case AST_LOGICAL:
		if (!const_value(n->lhs, &a) || !const_value(n->rhs, &b))
			return false;
		*v = strcmp(n->op, "&&") == 0 ? (a && b) : (a || b);
		return true;
	default:
		return false;
	}
}

static void resolve_foreach(struct scope *sc, struct ast *n)
{
	struct ast_foreach *fe = n->fe;

	if (fe->array->kind == AST_HIST) {
		resolve(sc, &fe->array);
	} else {
		bind_var(sc, fe->array);
		use_array(sc, fe->array);
		if (fe->array->sym)
			fe->array->sym->read = true;
	}
	resolve_vec(sc, &fe->keys);
	for (int i = 0; i < fe->keys.len; i++) {
		struct ast *k = fe->keys.items[i];

		if (k->sym)
			k->sym->written = true;
	}
	if (fe->value) {
		resolve(sc, &fe->value);
		if (fe->value->sym)
			fe->value->sym->written = true;
	}
	resolve_vec(sc, &fe->slice);
	if (fe->limit)
		resolve(sc, &fe->limit);
	resolve(sc, &n->body);
}

static void resolve_index(struct scope *sc, struct ast *n)
{
	resolve_vec(sc, &n->args);
	if (n->lhs->kind == AST_VAR) {
		n->lhs->sym = lookup_var(sc, n->lhs->name, n->lhs->loc);
		use_array(sc, n->lhs);
		n->lhs->sym->read = true;
	} else {
		resolve(sc, &n->lhs);
	}
}

static void resolve_children(struct scope *sc, struct ast *n)
{
	if (n->lhs)
		resolve(sc, &n->lhs);
	if (n->rhs)
		resolve(sc, &n->rhs);
	if (n->init)
		resolve(sc, &n->init);
	if (n->cond)
		resolve(sc, &n->cond);
	if (n->inc)
		resolve(sc, &n->inc);
	if (n->then)
		resolve(sc, &n->then);
	if (n->els)
		resolve(sc, &n->els);
	if (n->body)
		resolve(sc, &n->body);
	resolve_vec(sc, &n->args);
	for (int i = 0; i < n->chain.len; i++) {
		struct ast_step *st = n->chain.items[i];

		if (st->index)
			resolve(sc, &st->index);
	}
}

static const char *hist_text(struct scope *sc, const struct ast *h)
{
	struct strbuf sb = { 0 };
	const char *text;

	sb_puts(&sb, h->name);
	for (int i = 0; i < h->args.len; i++) {
		sb_puts(&sb, i ? ", " : "(");
		print_expr(&sb, h->args.items[i]);
	}
	if (h->args.len)
		sb_putc(&sb, ')');
	text = arena_strdup(sc->e->arena, sb.data);
	sb_free(&sb);
	return text;
}

/* A statistic keeps one kind of histogram, with one set of buckets
 * (SystemTap: "multiple histogram types declared"). */
static void check_hist(struct scope *sc, struct ast *n)
{
	struct ast *base = n->lhs->kind == AST_INDEX ? n->lhs->lhs : n->lhs;
	struct symbol *s = base->kind == AST_VAR ? base->sym : NULL;
	const char *mine, *first;

	if (!s || s->reported)
		return;
	if (!s->hist) {
		s->hist = n;
		return;
	}
	mine = hist_text(sc, n);
	first = hist_text(sc, s->hist);
	if (strcmp(mine, first) == 0)
		return;
	error_at(sc, n->loc, "statistic '%s' can't have both %s and %s histograms", s->name, first,
		 mine);
	diag_note(sc->e->diag, s->hist->loc, "its %s histogram is asked for here", first);
	s->reported = true;
}

/* if/ternary: its parts, each once; one whose condition became a
 * constant keeps only the taken branch. */
static void prune_branch(struct scope *sc, struct ast **slot)
{
	struct ast *n = *slot;
	int64_t v;

	resolve(sc, &n->cond);
	if (!const_value(n->cond, &v)) {
		/* the condition once: a second pass would report twice */
		resolve(sc, n->kind == AST_TERNARY ? &n->lhs : &n->then);
		resolve(sc, n->kind == AST_TERNARY ? &n->rhs : &n->els);
		return;
	}
	if (n->kind == AST_TERNARY) {
		*slot = v ? n->lhs : n->rhs;
	} else {
		struct ast *keep = v ? n->then : n->els;

		if (!keep)
			keep = ast_new(sc->e->arena, AST_NULL_STMT, n->loc);
		*slot = keep;
	}
	resolve(sc, slot);
}

/* The target of an assignment, ++/-- or delete: written; updated by ++,
 * -- and op=, which read it too when their value is used; read by delete
 * (SystemTap's varuse: so a deleted global is not auto-printed, a counter
 * is, unless 'if (n++)' reads it). */
enum lvalue_use { LV_WRITE, LV_UPDATE, LV_UPDATE_READ, LV_DELETE };

/* SystemTap lets guru mode write context variables, except pretty-printed
 * ones; a tracepoint's only there ("write to tracepoint variable '$x' not
 * permitted; need stap -g"). */
static void check_target_write(struct scope *sc, struct ast *n)
{
	struct strbuf sb = { 0 };
	bool trace = sc->dp && sc->dp->target->prov == &probe_trace_provider;

	if (sc->e->opt.guru && !n->pretty && !is_multi_var(n->name))
		return;
	print_expr(&sb, n);
	if (n->pretty || is_multi_var(n->name))
		error_at(sc, n->loc, "'%s' is a pretty-printed string: it can't be written",
			 sb.data);
	else
		error_at(sc, n->loc, "write to %s variable '%s' is not permitted",
			 trace ? "tracepoint" : "context", sb.data);
	if (!n->pretty && !is_multi_var(n->name))
		diag_hint(sc->e->diag, "guru mode (-g) allows it");
	sb_free(&sb);
}

static void resolve_lvalue(struct scope *sc, struct ast **slot, enum lvalue_use use)
{
	struct ast *n = *slot, *v = n;

	if (n->kind == AST_INDEX && n->lhs->kind == AST_VAR) {
		resolve_vec(sc, &n->args);
		v = n->lhs;
	} else if (n->kind != AST_VAR) {
		resolve(sc, slot);
		if (n->kind == AST_TARGET)
			check_target_write(sc, n);
		return;
	}
	bind_var(sc, v);
	if (v != n)
		use_array(sc, v);
	else if (use != LV_DELETE)
		use_scalar(sc, v);
	v->sym->written = true;
	v->sym->updated |= use == LV_UPDATE || use == LV_UPDATE_READ;
	v->sym->read |= use == LV_DELETE || use == LV_UPDATE_READ;
}

static enum lvalue_use update_use(const struct scope *sc, const struct ast *n)
{
	return n == sc->void_expr ? LV_UPDATE : LV_UPDATE_READ;
}

static void resolve_assign(struct scope *sc, struct ast *n)
{
	bool plain = strcmp(n->op, "=") == 0 || strcmp(n->op, "<<<") == 0;
	enum lvalue_use use = plain ? LV_WRITE : update_use(sc, n);

	resolve(sc, &n->rhs);
	resolve_lvalue(sc, &n->lhs, use);
}

/* resolve n in a place whose value is dropped: an expression statement,
 * a for's init and step, and (as SystemTap's void-statement reducer sees
 * them) the operands of arithmetic whose own value is dropped. */
static void resolve_void(struct scope *sc, struct ast **slot)
{
	const struct ast *outer = sc->void_expr;

	sc->void_expr = *slot;
	resolve(sc, slot);
	sc->void_expr = outer;
}

static bool resolve_void_operands(struct scope *sc, struct ast *n)
{
	if (n != sc->void_expr || (n->kind != AST_BINARY && n->kind != AST_COMPARE &&
				   n->kind != AST_UNARY))
		return false;
	resolve_void(sc, &n->lhs);
	if (n->rhs)
		resolve_void(sc, &n->rhs);
	return true;
}

static void resolve(struct scope *sc, struct ast **slot)
{
	struct ast *n = *slot;

	if (!n)
		return;
	switch (n->kind) {
	case AST_VAR:
		bind_var(sc, n);
		use_scalar(sc, n);
		n->sym->read = true;
		return;
	case AST_INDEX:
		resolve_index(sc, n);
		return;
	case AST_IN:
		resolve_vec(sc, &n->args);
		bind_var(sc, n->rhs);
		use_array(sc, n->rhs);
		n->rhs->sym->read = true;
		return;
	case AST_CALL:
		resolve_vec(sc, &n->args);
		bind_call(sc, n);
		return;
	case AST_ASSIGN:
		resolve_assign(sc, n);
		return;
	case AST_PREINC:
	case AST_POSTINC:
		resolve_lvalue(sc, &n->lhs, update_use(sc, n));
		return;
	case AST_EXPR_STMT:
		resolve_void(sc, &n->lhs);
		return;
	case AST_FOR:
		resolve_void(sc, &n->init);
		resolve(sc, &n->cond);
		resolve_void(sc, &n->inc);
		resolve(sc, &n->body);
		return;
	case AST_BINARY:
	case AST_COMPARE:
	case AST_UNARY:
		if (!resolve_void_operands(sc, n))
			resolve_children(sc, n);
		return;
	case AST_DELETE:
		resolve_lvalue(sc, &n->lhs, LV_DELETE);
		return;
	case AST_DEFINED:
		sc->in_defined++;
		resolve(sc, &n->lhs);
		sc->in_defined--;
		fold_defined(sc, slot);
		return;
	case AST_HIST:
		resolve_children(sc, n);
		check_hist(sc, n);
		return;
	case AST_TARGET:
		split_pretty_member(sc, n);
		check_target(sc, n);
		resolve_children(sc, n);
		return;
	case AST_CAST:
		resolve_children(sc, n);
		/* in process(...) probes the backend reads @cast through DWARF */
		if (sc->dp && (sc->dp->target->kind == PK_UPROBE ||
			       sc->dp->target->kind == PK_URETPROBE))
			return;
		if (!sc->in_defined && !cast_resolve(sc->e, n, true, sc->in_addrof > 0)) {
			note_alias_origin(sc, n->loc);
			*sc->failed = true;
		}
		return;
	case AST_ADDROF:
		sc->in_addrof++;
		resolve_children(sc, n);
		sc->in_addrof--;
		fold_cast_address(sc, slot);
		return;
	case AST_IF:
	case AST_TERNARY:
		prune_branch(sc, slot);
		return;
	case AST_FOREACH:
		resolve_foreach(sc, n);
		return;
	case AST_TRY:
		resolve(sc, &n->body);
		if (n->name) {
			struct symbol *s = lookup_var(sc, n->name, n->loc);

			s->written = true;
			s->type = TYPE_STRING;
			n->sym = s;
		}
		resolve(sc, &n->els);
		return;
	case AST_EMBEDDED:
	case AST_EMBED_STMT:
		return;
	default:
		resolve_children(sc, n);
		return;
	}
}

static int resolve_function(struct elab *e, struct func *fn)
{
	bool failed = false;
	struct scope sc = { .e = e, .src = fn->src, .locals = &fn->locals, .params = &fn->params,
			    .fn = fn, .failed = &failed };

	fn->used = true;
	elab_use_file(e, fn->src);
	vec_push(e->arena, &e->prog.functions, fn);
	for (int i = 0; i < fn->decl->params.len; i++) {
		struct ast_param *p = fn->decl->params.items[i];
		struct symbol *s = arena_alloc(e->arena, sizeof(*s));

		s->kind = SYM_PARAM;
		s->name = p->name;
		s->loc = p->loc;
		s->type = p->type;
		s->type_loc = p->loc;
		s->nkeys = -1;
		s->index = i;
		s->written = true;
		vec_push(e->arena, &fn->params, s);
	}
	if (fn->decl->body)
		resolve(&sc, &fn->decl->body);
	fn->resolved = true;
	return failed ? -1 : 0;
}

static int resolve_probe(struct elab *e, struct derived_probe *dp)
{
	bool failed = false;
	struct scope sc = { .e = e, .src = dp->src, .locals = &dp->locals, .dp = dp,
			    .failed = &failed };

	resolve(&sc, &dp->body);
	if (dp->cond) {
		struct vec none = { 0 };

		sc.locals = &none;
		resolve(&sc, &dp->cond);
		if (none.len > 0) {
			struct symbol *s = none.items[0];

			diag_at(e->diag, DIAG_ERROR, s->loc,
				"a probe condition may only use global variables, not '%s'", s->name);
			failed = true;
		}
	}
	return failed ? -1 : 0;
}

int sym_resolve_program(struct elab *e)
{
	int rc = 0;

	/* Resolving can pull in tapset files, and with them more probes. */
	for (int i = 0; i < e->prog.probes.len; i++) {
		if (resolve_probe(e, e->prog.probes.items[i]) < 0)
			rc = -1;
	}
	return rc;
}
