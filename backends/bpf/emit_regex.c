/* emit_regex.c - s =~ "re" and s !~ "re": the pattern compiled once per
 * file to a DFA (translator/regex_dfa.c), its matcher emitted into the
 * side (BPF or user) that uses it, and called on the string. */
#include <string.h>

#include "emit.h"
#include "../../translator/regex_dfa.h"

struct pattern {
	const char *text;
	bool in_kern, in_user;
};

static struct {
	const struct em_file *f;
	struct pattern *v;
	int n;
} pats;

/* The pattern's index in this file's list, added if new. */
static int pattern_index(struct em_file *f, const char *text)
{
	struct pattern *v;

	if (pats.f != f) {
		pats.f = f;
		pats.v = NULL;
		pats.n = 0;
	}
	for (int i = 0; i < pats.n; i++) {
		if (strcmp(pats.v[i].text, text) == 0)
			return i;
	}
	v = arena_alloc(f->e->arena, sizeof(*v) * (size_t)(pats.n + 1));
	if (pats.n)
		memcpy(v, pats.v, sizeof(*v) * (size_t)pats.n);
	pats.v = v;
	v[pats.n].text = text;
	return pats.n++;
}

const char *em_regex(struct em *m, struct ast *n)
{
	struct em_file *f = m->f;
	const char *s = em_expr(m, n->lhs);
	int i = pattern_index(f, n->rhs->str);
	struct pattern *p = &pats.v[i];
	bool *done = m->user ? &p->in_user : &p->in_kern;
	const char *name = arena_printf(f->e->arena, "tapir_re_%d", i);

	if (!*done) {
		struct regex_dfa d;
		char err[160];

		if (regex_compile(f->e->arena, p->text, &d, err, sizeof(err)) < 0) {
			em_error(m, n->rhs->loc, "bad regular expression \"%s\": %s", p->text, err);
			return "0";
		}
		regex_emit_c(m->user ? &f->user_decls : &f->kern_decls, &d, name, "TAPIR_MAXSTRINGLEN");
		*done = true;
	}
	return arena_printf(f->e->arena, "((s64)(%s%s(%s)))", n->op[0] == '!' ? "!" : "", name, s);
}
