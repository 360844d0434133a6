/* kmod_regex.c - s =~ "re" and s !~ "re" in the module: the same DFA
 * matcher as the BPF backend's (translator/regex_dfa.c), emitted once per
 * pattern into the module's declarations. */
#include <string.h>

#include "kmod.h"
#include "../../translator/regex_dfa.h"

static struct {
	const struct km_file *f;
	const char **v;
	int n;
} pats;

/* The pattern's index; *fresh when it was not emitted yet. */
static int pattern_index(struct km_file *f, const char *text, bool *fresh)
{
	const char **v;

	if (pats.f != f) {
		pats.f = f;
		pats.v = NULL;
		pats.n = 0;
	}
	*fresh = false;
	for (int i = 0; i < pats.n; i++) {
		if (strcmp(pats.v[i], text) == 0)
			return i;
	}
	v = arena_alloc(f->e->arena, sizeof(*v) * (size_t)(pats.n + 1));
	if (pats.n)
		memcpy(v, pats.v, sizeof(*v) * (size_t)pats.n);
	pats.v = v;
	v[pats.n] = text;
	*fresh = true;
	return pats.n++;
}

const char *km_regex(struct km *m, struct ast *n)
{
	struct km_file *f = m->f;
	const char *s = km_expr(m, n->lhs);
	bool fresh;
	int i = pattern_index(f, n->rhs->str, &fresh);
	const char *name = arena_printf(f->e->arena, "tapir_re_%d", i);

	if (fresh) {
		struct regex_dfa d;
		char err[160];

		if (regex_compile(f->e->arena, n->rhs->str, &d, err, sizeof(err)) < 0) {
			km_error(m, n->rhs->loc, "bad regular expression \"%s\": %s", n->rhs->str, err);
			return "0";
		}
		regex_emit_c(&f->decls, &d, name, "TAPIR_MAXSTRINGLEN");
	}
	return arena_printf(f->e->arena, "((int64_t)(%s%s(%s)))", n->op[0] == '!' ? "!" : "", name, s);
}
