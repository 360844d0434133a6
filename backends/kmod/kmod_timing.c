/* kmod_timing.c - -t on the kmod backend: what the module keeps for
 * SystemTap's "probe hit report" (runtime/kmod/tapir_timing.h).
 *
 * With -t each handler reads the clock once its context is taken and adds
 * the elapsed time to its probe's per-CPU statistic just before it gives
 * the context back; the module gets the table of its probes (probe point,
 * where the user wrote it, the points it was derived from), in the order
 * of the program's probes, which is the report's "index:" as on the BPF
 * backend (backends/bpf/emit_timing.c). Without -t nothing of this is
 * emitted, so the handlers cost what they cost before.
 */
#include <string.h>

#include "kmod.h"

/* The proc file's fields are tab-separated: no tab or newline inside. */
static const char *one_line(struct arena *a, const char *s)
{
	char *r = arena_strdup(a, s);

	for (char *p = r; *p; p++) {
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	}
	return km_quote(a, r);
}

static const char *location_of(struct arena *a, const struct derived_probe *dp)
{
	struct loc l = dp->decl ? dp->decl->loc : dp->target->loc;

	return arena_printf(a, "%s:%d:%d", l.src ? l.src->name : "<input>", l.line, l.col);
}

/* SystemTap's derivation: " from: P" for each point between the user's
 * and the resolved one, the aliases' names first, innermost first. */
static const char *derivation_of(struct arena *a, const struct derived_probe *dp)
{
	struct strbuf sb = { 0 };
	const char *s;

	for (int i = dp->aliases.len - 1; i > 0; i--) {
		const struct ast_decl *al = dp->aliases.items[i];

		sb_puts(&sb, " from: ");
		print_probe_point(&sb, al->alias_names.items[0]);
	}
	sb_printf(&sb, " from: %s", dp->origin ? dp->origin : dp->target->name);
	s = arena_strdup(a, sb.data);
	sb_free(&sb);
	return s;
}

/* After the runtime headers: the probes' table and tapir_timing.h. */
void km_timing_decls(struct km_file *f, struct strbuf *out)
{
	const struct vec *v = &f->e->prog.probes;
	struct arena *a = f->e->arena;

	if (!f->o->timing || v->len == 0)
		return;
	sb_printf(out, "/* -t: each probe's own time */\n#define TAPIR_NTIMING %d\n"
		       "#include \"tapir_timing.h\"\n"
		       "static const struct tapir_timing_probe tapir_timing_probes[TAPIR_NTIMING] = {\n",
		  v->len);
	for (int i = 0; i < v->len; i++) {
		const struct derived_probe *dp = v->items[i];

		sb_printf(out, "\t{ %s, %s, %s },\n", one_line(a, dp->target->name),
			  one_line(a, location_of(a, dp)), one_line(a, derivation_of(a, dp)));
	}
	sb_puts(out, "};\n\n");
	sb_puts(&f->init, "\tif (tapir_timing_init())\n\t\treturn -ENOMEM;\n");
}

/* Handler hooks: a declaration, the start after the context is taken, and
 * the end before it is given back. */
const char *km_timing_decl(const struct km_file *f)
{
	return f->o->timing ? "\tu64 tapir_t0;\n" : "";
}

const char *km_timing_begin(const struct km_file *f)
{
	return f->o->timing ? "\ttapir_t0 = tapir_timing_now();\n" : "";
}

const char *km_timing_end(const struct km_file *f, int id)
{
	if (!f->o->timing)
		return "";
	return arena_printf(f->e->arena, "\ttapir_timing_add(%d, tapir_t0);\n", id);
}

const char *km_timing_cleanup(const struct km_file *f)
{
	return f->o->timing && f->e->prog.probes.len ? "\ttapir_timing_exit();\n" : "";
}
