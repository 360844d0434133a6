/* elaborate.c - pass 2's pipeline. The order matters:
 *   1. index every file (user and tapset) by the names it declares;
 *   2. derive probes: aliases expand first, since an alias name may look
 *      like a provider's point; providers resolve what remains;
 *      (@entry(EXPR) of a return probe may add a probe on its entry);
 *   3. resolve symbols, which pulls in tapset files (and their probes);
 *   4. infer types, which needs every use bound to its symbol;
 *   5. optimise and warn, on typed trees;
 *   6. add the auto-print end probes last, over the final set of globals.
 */
#include <stdlib.h>
#include <string.h>

#include "elab.h"

/* --suppress-handler-errors: each handler's body as try { body } catch { },
 * so that a run-time error ends its handler and nothing else, unsaid. */
static void suppress_handler_errors(struct elab *e)
{
	for (int i = 0; i < e->prog.probes.len; i++) {
		struct derived_probe *dp = e->prog.probes.items[i];
		struct ast *t = ast_new(e->arena, AST_TRY, dp->body->loc);
		struct ast *b = ast_new(e->arena, AST_BLOCK, dp->body->loc);

		t->body = dp->body;
		t->els = ast_new(e->arena, AST_BLOCK, dp->body->loc);
		vec_push(e->arena, &b->args, t);
		dp->body = b;
	}
}

int elab_run(struct elab *e)
{
	int errors = diag_errors(e->diag);

	sym_index_files(e);
	if (alias_derive_probes(e) < 0 || (e->opt.list_mode && !e->opt.list_vars))
		return diag_errors(e->diag) > errors ? -1 : 0;
	if (!e->opt.list_mode)
		entry_synthesize(e);
	if (e->opt.suppress_handler_errors && !e->opt.list_mode)
		suppress_handler_errors(e);
	if (sym_resolve_program(e) < 0)
		return -1;
	if (types_infer(e) < 0)
		return -1;
	if (procfs_check_files(e, e->opt.runtime && strcmp(e->opt.runtime, "bpf") == 0) < 0)
		return -1;
	if (e->opt.list_mode)
		return diag_errors(e->diag) > errors ? -1 : 0;
	opt_program(e);
	if (gopt_apply(e) < 0)
		return -1;
	autoprint_add(e);
	if (e->prog.probes.len == 0) {
		diag_plain(e->diag, DIAG_ERROR, "no probes found");
		return -1;
	}
	return diag_errors(e->diag) > errors ? -1 : 0;
}

/* One derived probe as -l/-L sees it: the point (the alias name when the
 * pattern named an alias) and, for -L, its words: an alias's locals
 * ("phase:long"), then the context variables ("$prev:struct task_struct*"). */
struct listing {
	const char *point;
	struct vec words; /* const char * */
};

static void listing_words(struct elab *e, const struct derived_probe *dp, struct listing *l)
{
	for (int i = 0; dp->listed && i < dp->locals.len; i++) {
		const struct symbol *v = dp->locals.items[i];

		if (strncmp(v->name, "__", 2) != 0)
			vec_push(e->arena, &l->words, arena_printf(e->arena, "%s:%s", v->name,
								 ast_type_name(v->type)));
	}
	for (int i = 0; i < dp->target->vars.len; i++) {
		const struct ctx_var *v = dp->target->vars.items[i];

		vec_push(e->arena, &l->words, arena_printf(e->arena, "$%s:%s", v->name,
							 v->type_name ? v->type_name :
									ast_type_name(v->type)));
	}
}

static int listing_cmp(const void *a, const void *b)
{
	return strcmp((*(struct listing *const *)a)->point, (*(struct listing *const *)b)->point);
}

static bool has_word(const struct listing *l, const char *w)
{
	for (int i = 0; i < l->words.len; i++) {
		if (strcmp(l->words.items[i], w) == 0)
			return true;
	}
	return false;
}

/* One line a point; with -L, the words every probe of the point has (as
 * SystemTap prints the variables common to an alias's expansions). */
static void print_group(FILE *out, struct listing **ls, int n, bool vars)
{
	fputs(ls[0]->point, out);
	for (int i = 0; vars && i < ls[0]->words.len; i++) {
		const char *w = ls[0]->words.items[i];
		bool everywhere = true;

		for (int j = 1; j < n && everywhere; j++)
			everywhere = has_word(ls[j], w);
		if (everywhere)
			fprintf(out, " %s", w);
	}
	fputc('\n', out);
}

/* -l / -L: the user's pattern was parsed as 'probe PATTERN {}' into
 * user_files; derive it and print the distinct points, sorted. */
int elab_list(struct elab *e, const char *pattern, bool vars, FILE *out)
{
	struct listing **ls;
	int n = 0;

	(void)pattern;
	e->opt.list_mode = true;
	e->opt.list_vars = vars;
	if (elab_run(e) < 0)
		return -1;
	ls = arena_alloc(e->arena, sizeof(*ls) * (size_t)(e->prog.probes.len + 1));
	for (int i = 0; i < e->prog.probes.len; i++) {
		const struct derived_probe *dp = e->prog.probes.items[i];
		struct listing *l;

		if (dp->src && dp->src->is_library)
			continue; /* a tapset's own probe, pulled in with its file */
		l = arena_alloc(e->arena, sizeof(*l));
		l->point = dp->listed ? dp->listed : dp->target->name;
		if (vars)
			listing_words(e, dp, l);
		ls[n++] = l;
	}
	qsort(ls, (size_t)n, sizeof(*ls), listing_cmp);
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(ls[j]->point, ls[i]->point) == 0; j++)
			;
		print_group(out, ls + i, j - i, vars);
	}
	return 0;
}
