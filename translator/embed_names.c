/* embed_names.c - which identifiers an embedded-C text reaches.
 *
 * The backends ask of a %{ %} function's body whether it names one of a
 * few identifiers (the context, STAP_ERROR...), directly or through a
 * macro that one of the program's %{ %} blocks #defines: kmod to call it
 * without a context (kmod_ctxfree.c), bpf to write it in place without a
 * frame (emit_inline.c). Names are looked for as C identifiers anywhere
 * in the text, comments and strings included: a mention too many only
 * keeps a function as it was.
 */
#include <ctype.h>
#include <string.h>

#include "elab.h"

struct embed_macro {
	const char *name;
	const char *def;  /* the definition's text, continuation lines included */
	size_t len;
	bool hit;         /* it names one of the names, or a macro that does */
};

static bool is_id(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* Does text[0..len) hold the identifier name? */
static bool embed_names(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text, *end = text + len; p + n <= end; p++) {
		if (memcmp(p, name, n) == 0 && (p == text || !is_id(p[-1])) &&
		    (p + n == end || !is_id(p[n])))
			return true;
	}
	return false;
}

bool embed_names_any(const char *text, size_t len, const char *const *names, size_t n,
		     const struct vec *macros)
{
	for (size_t i = 0; i < n; i++) {
		if (embed_names(text, len, names[i]))
			return true;
	}
	for (int i = 0; macros && i < macros->len; i++) {
		const struct embed_macro *mc = macros->items[i];

		if (mc->hit && embed_names(text, len, mc->name))
			return true;
	}
	return false;
}

/* The #define lines of one embedded block into macros. */
static void scan_defines(struct arena *a, const char *text, struct vec *macros)
{
	for (const char *p = text; p && *p;) {
		const char *q = p, *end;
		struct embed_macro *mc;

		while (*q == ' ' || *q == '\t')
			q++;
		end = q;
		do { /* the logical line: continuations joined */
			end = strchr(end, '\n');
			end = end ? end + 1 : q + strlen(q);
		} while (end - q >= 2 && end[-1] == '\n' && end[-2] == '\\' && *end);
		if (*q == '#') {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, "define", 6) == 0 && (q[6] == ' ' || q[6] == '\t')) {
				const char *nm = q + 7, *ne;

				while (*nm == ' ' || *nm == '\t')
					nm++;
				for (ne = nm; is_id(*ne); ne++)
					;
				mc = arena_alloc(a, sizeof(*mc));
				mc->name = arena_strndup(a, nm, (size_t)(ne - nm));
				mc->def = ne;
				mc->len = (size_t)(end - ne);
				vec_push(a, macros, mc);
			}
		}
		p = *end ? end : NULL;
	}
}

struct vec *embed_macros(struct arena *a, const struct vec *embeds, const char *const *names,
			 size_t n)
{
	struct vec *macros = arena_alloc(a, sizeof(*macros));
	bool changed = true;

	for (int i = 0; i < embeds->len; i++) {
		const struct ast_decl *d = embeds->items[i];

		if (d->embedded)
			scan_defines(a, d->embedded, macros);
	}
	while (changed) {
		changed = false;
		for (int i = 0; i < macros->len; i++) {
			struct embed_macro *mc = macros->items[i];

			if (!mc->hit && embed_names_any(mc->def, mc->len, names, n, macros)) {
				mc->hit = true;
				changed = true;
			}
		}
	}
	return macros;
}
