/* kmod_ctxfree.c - the embedded-C functions that never touch the context.
 *
 * An embedded-C function is given the handler's context as CONTEXT (its
 * parameter _ctx), through which STAP_ERROR and STAP_ABORT go, as do the
 * macros of the tapsets' %{ %} blocks that report a fault. A function
 * whose body names none of them, nor a macro of the program's embedded
 * blocks that names one (directly or through another macro), can't err
 * nor read the context: it is called with none (NULL), without a "near"
 * for its errors nor a check after it, and doesn't keep its handler from
 * being light (kmod_handler.c). pid(), tid(), local_clock_ns() are such.
 *
 * The search is translator/embed_names.c's.
 */
#include <string.h>

#include "kmod.h"

static const char *const CTX_NAMES[] = { "CONTEXT", "_ctx", "STAP_ERROR", "STAP_ABORT" };
#define NCTX (sizeof(CTX_NAMES) / sizeof(CTX_NAMES[0]))

bool km_fn_ctxfree(struct km_file *f, const struct func *fn)
{
	const char *body = fn->decl ? fn->decl->embedded : NULL;

	if (!body)
		return false;
	if (!f->ctx_macros) /* made at the first question, kept in f */
		f->ctx_macros = embed_macros(f->e->arena, &f->e->prog.embeds, CTX_NAMES, NCTX);
	return !embed_names_any(body, strlen(body), CTX_NAMES, NCTX, f->ctx_macros);
}
