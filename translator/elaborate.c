/* elaborate.c - pass 2's pipeline. The order matters:
 *   1. index every file (user and tapset) by the names it declares;
 *   2. derive probes: aliases expand first, since an alias name may look
 *      like a provider's point; providers resolve what remains;
 *   3. resolve symbols, which pulls in tapset files (and their probes);
 *   4. infer types, which needs every use bound to its symbol;
 *   5. optimise and warn, on typed trees;
 *   6. add the auto-print end probes last, over the final set of globals.
 */
#include <stdlib.h>
#include <string.h>

#include "elab.h"

int elab_run(struct elab *e)
{
	int errors = diag_errors(e->diag);

	sym_index_files(e);
	if (alias_derive_probes(e) < 0 || e->opt.list_mode)
		return diag_errors(e->diag) > errors ? -1 : 0;
	if (sym_resolve_program(e) < 0)
		return -1;
	if (types_infer(e) < 0)
		return -1;
	opt_program(e);
	autoprint_add(e);
	if (e->prog.probes.len == 0) {
		diag_plain(e->diag, DIAG_ERROR, "no probes found");
		return -1;
	}
	return diag_errors(e->diag) > errors ? -1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *listing_line(struct elab *e, const struct probe_target *t, bool vars)
{
	struct strbuf sb = { 0 };
	const char *s;

	sb_puts(&sb, t->name);
	for (int i = 0; vars && i < t->vars.len; i++) {
		const struct ctx_var *v = t->vars.items[i];

		sb_printf(&sb, " $%s:%s", v->name, v->type_name ? v->type_name : ast_type_name(v->type));
	}
	s = arena_strdup(e->arena, sb.data);
	sb_free(&sb);
	return s;
}

/* -l / -L: the user's pattern was parsed as 'probe PATTERN {}' into
 * user_files; derive it and print the distinct targets, sorted. */
int elab_list(struct elab *e, const char *pattern, bool vars, FILE *out)
{
	const char **lines;
	int n;

	(void)pattern;
	e->opt.list_mode = true;
	if (elab_run(e) < 0)
		return -1;
	n = e->prog.probes.len;
	lines = arena_alloc(e->arena, sizeof(*lines) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		lines[i] = listing_line(e, ((struct derived_probe *)e->prog.probes.items[i])->target,
					vars);
	qsort(lines, (size_t)n, sizeof(*lines), name_cmp);
	for (int i = 0; i < n; i++) {
		if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
			fprintf(out, "%s\n", lines[i]);
	}
	return 0;
}
