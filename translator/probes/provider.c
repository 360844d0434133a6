/* provider.c - the provider registry and probe-point pattern matching. */
#include <fnmatch.h>
#include <string.h>

#include "elab.h"

const struct provider *const probe_providers[] = {
	&probe_begin_provider,
	&probe_timer_provider,
	&probe_perf_provider,
	&probe_trace_provider,
	&probe_kfunc_provider,
	&probe_process_provider,
	&probe_procfs_provider,
};
const int probe_nproviders = sizeof(probe_providers) / sizeof(probe_providers[0]);

/* One component of a pattern: its name and parameter kind. */
struct pat_comp {
	char name[64];
	enum { PARAM_NONE, PARAM_NUMBER, PARAM_STRING } param;
};

static int split_pattern(const char *text, struct pat_comp *out, int max)
{
	int n = 0;

	while (*text && n < max) {
		size_t len = strcspn(text, ".(");
		struct pat_comp *c = &out[n++];

		snprintf(c->name, sizeof(c->name), "%.*s", (int)len, text);
		text += len;
		c->param = PARAM_NONE;
		if (*text == '(') {
			c->param = strncmp(text, "(number)", 8) == 0 ? PARAM_NUMBER : PARAM_STRING;
			text = strchr(text, ')') + 1;
		}
		if (*text == '.')
			text++;
	}
	return n;
}

static bool comp_matches(const struct pat_comp *pc, const struct ast_component *uc)
{
	if (fnmatch(uc->name, pc->name, 0) != 0)
		return false;
	if (pc->param == PARAM_NONE)
		return uc->arg == NULL;
	if (!uc->arg)
		return false;
	return (pc->param == PARAM_NUMBER) == (uc->arg->kind == AST_NUM);
}

bool probe_pattern_match(const struct probe_pattern *pat, const struct ast_probe_point *pp,
			 struct probe_match *m)
{
	struct pat_comp comps[8];
	int n = split_pattern(pat->text, comps, 8);

	if (n != pp->comps.len)
		return false;
	for (int i = 0; i < n; i++) {
		if (!comp_matches(&comps[i], pp->comps.items[i]))
			return false;
	}
	memset(m, 0, sizeof(*m));
	m->pp = pp;
	m->pattern = pat;
	m->nargs = n;
	for (int i = 0; i < n; i++)
		m->args[i] = ((const struct ast_component *)pp->comps.items[i])->arg;
	return true;
}

bool probe_arg_num(struct elab *e, const struct probe_match *m, int i, int64_t *out)
{
	const struct ast *a = m->args[i];

	if (!a || a->kind != AST_NUM) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "expected a number parameter");
		return false;
	}
	*out = a->num;
	return true;
}

const char *probe_arg_str(struct elab *e, const struct probe_match *m, int i)
{
	const struct ast *a = m->args[i];

	if (!a || a->kind != AST_STR) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "expected a string parameter");
		return NULL;
	}
	return a->str;
}

struct probe_target *probe_target_new(struct elab *e, const struct provider *prov,
				      const struct probe_match *m, const char *name)
{
	struct probe_target *t = arena_alloc(e->arena, sizeof(*t));

	t->prov = prov;
	t->name = name;
	t->kind = m->pattern->kind;
	t->loc = m->pp->loc;
	return t;
}
