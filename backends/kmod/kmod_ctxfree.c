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
 * Names are looked for as C identifiers anywhere in the text, comments and
 * strings included: a mention too many only keeps a function as it was.
 */
#include <ctype.h>
#include <string.h>

#include "kmod.h"

static const char *const CTX_NAMES[] = { "CONTEXT", "_ctx", "STAP_ERROR", "STAP_ABORT" };

struct macro {
	const char *name;
	const char *def;  /* the definition's text, continuation lines included */
	size_t len;
	bool ctx;         /* it names the context, or a macro that does */
};

static bool is_id(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* Does text[0..len) hold the identifier name? */
static bool names(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text, *end = text + len; p + n <= end; p++) {
		if (memcmp(p, name, n) == 0 && (p == text || !is_id(p[-1])) &&
		    (p + n == end || !is_id(p[n])))
			return true;
	}
	return false;
}

static bool names_ctx(const char *text, size_t len, const struct vec *macros)
{
	for (size_t i = 0; i < sizeof(CTX_NAMES) / sizeof(CTX_NAMES[0]); i++) {
		if (names(text, len, CTX_NAMES[i]))
			return true;
	}
	for (int i = 0; i < macros->len; i++) {
		const struct macro *mc = macros->items[i];

		if (mc->ctx && names(text, len, mc->name))
			return true;
	}
	return false;
}

/* The #define lines of one embedded block into macros. */
static void scan_defines(struct arena *a, const char *text, struct vec *macros)
{
	for (const char *p = text; p && *p;) {
		const char *q = p, *end;
		struct macro *mc;

		while (*q == ' ' || *q == '\t')
			q++;
		end = q;
		do { /* the logical line: continuations joined */
			end = strchr(end, '\n');
			end = end ? end + 1 : q + strlen(q);
		} while (end - q >= 2 && end[-1] == '\n' && end[-2] == '\\' && *end);
		if (strncmp(q, "#", 1) == 0) {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, "define", 6) == 0 && (q[6] == ' ' || q[6] == '\t')) {
				const char *n = q + 7, *ne;

				while (*n == ' ' || *n == '\t')
					n++;
				for (ne = n; is_id(*ne); ne++)
					;
				mc = arena_alloc(a, sizeof(*mc));
				mc->name = arena_strndup(a, n, (size_t)(ne - n));
				mc->def = ne;
				mc->len = (size_t)(end - ne);
				vec_push(a, macros, mc);
			}
		}
		p = *end ? end : NULL;
	}
}

/* The program's macros, each marked when it reaches the context: made
 * at the first question, kept in f. */
static const struct vec *ctx_macros(struct km_file *f)
{
	struct vec *macros = f->ctx_macros;
	bool changed = true;

	if (macros)
		return macros;
	macros = f->ctx_macros = arena_alloc(f->e->arena, sizeof(*macros));
	for (int i = 0; i < f->e->prog.embeds.len; i++) {
		const struct ast_decl *d = f->e->prog.embeds.items[i];

		if (d->embedded)
			scan_defines(f->e->arena, d->embedded, macros);
	}
	while (changed) {
		changed = false;
		for (int i = 0; i < macros->len; i++) {
			struct macro *mc = macros->items[i];

			if (!mc->ctx && names_ctx(mc->def, mc->len, macros)) {
				mc->ctx = true;
				changed = true;
			}
		}
	}
	return macros;
}

bool km_fn_ctxfree(struct km_file *f, const struct func *fn)
{
	const char *body = fn->decl ? fn->decl->embedded : NULL;

	return body && !names_ctx(body, strlen(body), ctx_macros(f));
}
