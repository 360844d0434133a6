/* emit_inline.c - calls of small embedded-C functions, written in place.
 *
 * A %{ %} function is otherwise a subprogram with a frame in the probe's
 * per-CPU frame map (its error text, location and string result), filled
 * and checked around every call. One whose parameters and result are
 * numbers and whose body names nothing of that frame (STAP_ERROR,
 * STAP_WARN, STAP_ABORT, F, CONTEXT, a bare return; nor a macro of the
 * program's %{ %} blocks that does) can neither fail nor read the
 * context: its body is written where it is called, its arguments and
 * result in C locals, STAP_RETURN a jump to its end. pid(), tid(),
 * cpu(), local_clock_ns() are such, so a probe that only prints them
 * needs no frame, and no nesting slot either (emit_file.c).
 */
#include <string.h>

#include "emit.h"

static const char *const FRAME_NAMES[] = {
	"STAP_ERROR", "STAP_WARN", "STAP_ABORT", "F", "CONTEXT", "THIS",
	"return", "goto", "static", "__ret", "__err", "__loc", "__eloc",
};
#define NFRAME (sizeof(FRAME_NAMES) / sizeof(FRAME_NAMES[0]))

/* The program's macros that reach the frame: made at the first question. */
static const struct vec *frame_macros(struct em_file *f)
{
	if (!f->frame_macros)
		f->frame_macros = embed_macros(f->e->arena, &f->e->prog.embeds, FRAME_NAMES, NFRAME);
	return f->frame_macros;
}

bool em_fn_inline(struct em *m, const struct func *fn)
{
	const char *body = fn->decl ? fn->decl->embedded : NULL;

	if (!body || m->user || m->longs_in_frame || em_in_callback() || fn->ret != TYPE_LONG ||
	    fn->params.len > 32)
		return false;
	for (int i = 0; i < fn->params.len; i++) {
		if (((const struct symbol *)fn->params.items[i])->type != TYPE_LONG)
			return false;
	}
	return !embed_names_any(body, strlen(body), FRAME_NAMES, NFRAME, frame_macros(m->f));
}

/* A C local of the probe for the inlined call number c: its name cannot
 * be one the body declares (the body's own t1 would hide a temporary). */
static const char *inline_local(struct em *m, int c, const char *what)
{
	sb_printf(&m->cvars, "\ts64 tapir_il%d_%s = 0;\n", c, what);
	return arena_printf(m->f->e->arena, "tapir_il%d_%s", c, what);
}

const char *em_call_inline(struct em *m, struct ast *n)
{
	const struct func *fn = n->fn;
	const char *ret, *args[32];
	int c = m->ntemps++;

	for (int i = 0; i < n->args.len; i++) {
		args[i] = inline_local(m, c, ((const struct symbol *)fn->params.items[i])->name);
		em_line(m, "%s = %s;", args[i], em_long(m, n->args.items[i]));
	}
	ret = inline_local(m, c, "ret");
	em_line(m, "%s = 0;", ret);
	for (int i = 0; i < n->args.len; i++)
		sb_printf(&m->body, "#define STAP_ARG_%s (%s)\n",
			  ((const struct symbol *)fn->params.items[i])->name, args[i]);
	sb_printf(&m->body, "#define STAP_RETVALUE (%s)\n#undef STAP_RETURN\n"
		  "#define STAP_RETURN(v) do { STAP_RETVALUE = (v); goto tapir_il%d_out; } while (0)\n"
		  "{\n%s\n}\ntapir_il%d_out: __attribute__((unused));\n"
		  "#undef STAP_RETURN\n#define STAP_RETURN(v) TAPIR_STAP_RETURN(v)\n#undef STAP_RETVALUE\n",
		  ret, c, fn->decl->embedded, c);
	for (int i = 0; i < n->args.len; i++)
		sb_printf(&m->body, "#undef STAP_ARG_%s\n", ((const struct symbol *)fn->params.items[i])->name);
	return ret;
}
