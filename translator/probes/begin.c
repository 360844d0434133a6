/* begin.c - begin, end, error (with priorities) and never. */
#include <string.h>

#include "elab.h"

static const struct probe_pattern patterns[] = {
	{ "begin", PK_BEGIN }, { "begin(number)", PK_BEGIN },
	{ "end", PK_END },     { "end(number)", PK_END },
	{ "error", PK_ERROR }, { "error(number)", PK_ERROR },
	{ "never", PK_NEVER },
};

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	struct probe_target *t;
	int64_t prio = 0;
	const char *name = m->pattern->kind == PK_BEGIN ? "begin" :
	       m->pattern->kind == PK_END   ? "end" :
	       m->pattern->kind == PK_ERROR ? "error" : "never";
	if (m->args[0]) {
		if (!probe_arg_num(e, m, 0, &prio))
			return -1;
		name = arena_printf(e->arena, "%s(%lld)", name, (long long)prio);
	}
	t = probe_target_new(e, &probe_begin_provider, m, name);
	t->priority = prio;
	vec_push(e->arena, targets, t);
	return 0;
}

const struct provider probe_begin_provider = {
	.family = "begin/end/error/never",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};
