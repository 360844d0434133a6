/* perf.c - perf.type(T).config(C)[.sample(N)|.hz(N)]. The perf.sw.* and
 * perf.hw.* names are aliases in tapsets/perf.stp. */
#include <string.h>

#include "elab.h"

enum { P_DEFAULT, P_SAMPLE, P_HZ };

/* SystemTap's default sampling period for perf probes. */
#define DEFAULT_SAMPLE_PERIOD 1000000

static const struct probe_pattern patterns[] = {
	{ "perf.type(number).config(number)", P_DEFAULT },
	{ "perf.type(number).config(number).sample(number)", P_SAMPLE },
	{ "perf.type(number).config(number).hz(number)", P_HZ },
};

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	struct probe_target *t;
	int64_t type, config, n = DEFAULT_SAMPLE_PERIOD;
	int kind = m->pattern->kind;

	if (!probe_arg_num(e, m, 1, &type) || !probe_arg_num(e, m, 2, &config))
		return -1;
	if (kind != P_DEFAULT && !probe_arg_num(e, m, 3, &n))
		return -1;
	if (type < 0 || config < 0 || n <= 0) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc,
			"perf type and config must be at least 0 and the %s above 0",
			kind == P_HZ ? "frequency" : "sample period");
		return -1;
	}
	t = probe_target_new(e, &probe_perf_provider, m, NULL);
	t->kind = PK_PERF;
	t->num[0] = type;
	t->num[1] = config;
	t->num[2] = n;
	t->num[3] = kind == P_HZ;
	t->name = arena_printf(e->arena, "perf.type(%lld).config(%lld).%s(%lld)", (long long)type,
			       (long long)config, kind == P_HZ ? "hz" : "sample", (long long)n);
	vec_push(e->arena, targets, t);
	return 0;
}

const struct provider probe_perf_provider = {
	.family = "perf",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};
