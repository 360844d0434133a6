/* dump.c - what -p2 prints, in SystemTap's -p2 shape, and the --dump-*
 * listings. */
#include <stdlib.h>
#include <string.h>

#include "elab.h"

static void print_sym_type(FILE *out, const struct symbol *s)
{
	fprintf(out, "%s:%s", s->name, ast_type_name(s->type));
	if (!s->is_array)
		return;
	fputs(" [", out);
	for (int i = 0; i < s->nkeys; i++)
		fprintf(out, "%s%s", i ? ", " : "", ast_type_name(s->key_types[i]));
	fputc(']', out);
}

static void print_signature(FILE *out, const struct func *fn)
{
	fprintf(out, "%s:%s (", fn->name, ast_type_name(fn->ret));
	for (int i = 0; i < fn->decl->params.len; i++) {
		const struct ast_param *p = fn->decl->params.items[i];
		enum ast_type t = i < fn->params.len ? ((struct symbol *)fn->params.items[i])->type :
						       p->type;

		fprintf(out, "%s%s:%s", i ? ", " : "", p->name, ast_type_name(t));
	}
	fputc(')', out);
}

static void print_locals(FILE *out, const struct vec *locals, const char *indent)
{
	if (locals->len == 0)
		return;
	fprintf(out, "%s# locals\n", indent);
	for (int i = 0; i < locals->len; i++) {
		fputs(indent, out);
		print_sym_type(out, locals->items[i]);
		fputc('\n', out);
	}
}

static void print_body(FILE *out, const struct ast *body, const char *indent)
{
	struct strbuf sb = { 0 };

	if (!body)
		return;
	print_stmt(&sb, body, 1);
	fprintf(out, "%s%s\n", indent, sb.data ? sb.data : "");
	sb_free(&sb);
}

void elab_dump(const struct elab *e, FILE *out, int verbose)
{
	const struct program *p = &e->prog;

	if (p->globals.len)
		fputs("# globals\n", out);
	for (int i = 0; i < p->globals.len; i++) {
		print_sym_type(out, p->globals.items[i]);
		fputc('\n', out);
	}
	if (p->functions.len)
		fputs("# functions\n", out);
	for (int i = 0; i < p->functions.len; i++) {
		const struct func *fn = p->functions.items[i];

		print_signature(out, fn);
		fputc('\n', out);
		print_locals(out, &fn->locals, "  ");
		if (verbose >= 2)
			print_body(out, fn->decl->body, "");
	}
	if (p->probes.len)
		fputs("# probes\n", out);
	for (int i = 0; i < p->probes.len; i++) {
		const struct derived_probe *dp = p->probes.items[i];

		fprintf(out, "%s /* <- %s */\n", dp->target->name, dp->origin);
		print_locals(out, &dp->locals, "  ");
		if (verbose >= 2)
			print_body(out, dp->body, "");
	}
}

void elab_dump_functions(const struct elab *e, FILE *out)
{
	for (int i = 0; i < e->all_functions.len; i++) {
		const struct func *fn = e->all_functions.items[i];

		if (!fn->from_library || fn->decl->is_private || fn->name[0] == '_')
			continue;
		print_signature(out, fn);
		fputc('\n', out);
	}
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name = target, target?" a line, sorted, as SystemTap prints them; names
 * that begin with '_' are the library's own. */
void elab_dump_aliases(const struct elab *e, FILE *out)
{
	struct vec lines = { 0 };

	for (int i = 0; i < e->all_aliases.len; i++) {
		const struct ast_decl *d = e->all_aliases.items[i];
		struct strbuf targets = { 0 };

		for (int k = 0; k < d->points.len; k++) {
			if (k)
				sb_puts(&targets, ", ");
			print_probe_point(&targets, d->points.items[k]);
		}
		for (int j = 0; j < d->alias_names.len; j++) {
			struct strbuf sb = { 0 };

			print_probe_point(&sb, d->alias_names.items[j]);
			if (sb.data && sb.data[0] != '_')
				vec_push(e->arena, &lines, arena_printf(e->arena, "%s %s %s", sb.data,
									d->epilogue ? "+=" : "=",
									targets.data ? targets.data : ""));
			sb_free(&sb);
		}
		sb_free(&targets);
	}
	qsort(lines.items, (size_t)lines.len, sizeof(*lines.items), line_cmp);
	for (int i = 0; i < lines.len; i++) {
		if (i == 0 || strcmp(lines.items[i], lines.items[i - 1]) != 0)
			fprintf(out, "%s\n", (const char *)lines.items[i]);
	}
}

void elab_dump_probe_types(FILE *out)
{
	for (int i = 0; i < probe_nproviders; i++) {
		const struct provider *p = probe_providers[i];

		for (int j = 0; j < p->npatterns; j++)
			fprintf(out, "%s\n", p->patterns[j].text);
	}
}
