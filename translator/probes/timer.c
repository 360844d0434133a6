/* timer.c - timer.UNIT(N)[.randomize(M)], timer.profile[.tick]. */
#include <stdlib.h>
#include <string.h>

#include "elab.h"

enum { T_S, T_MS, T_US, T_NS, T_JIFFIES, T_HZ, T_PROFILE };

static const struct probe_pattern patterns[] = {
	{ "timer.s(number)", T_S },		{ "timer.s(number).randomize(number)", T_S },
	{ "timer.sec(number)", T_S },		{ "timer.sec(number).randomize(number)", T_S },
	{ "timer.ms(number)", T_MS },		{ "timer.ms(number).randomize(number)", T_MS },
	{ "timer.msec(number)", T_MS },		{ "timer.msec(number).randomize(number)", T_MS },
	{ "timer.us(number)", T_US },		{ "timer.us(number).randomize(number)", T_US },
	{ "timer.usec(number)", T_US },		{ "timer.usec(number).randomize(number)", T_US },
	{ "timer.ns(number)", T_NS },		{ "timer.ns(number).randomize(number)", T_NS },
	{ "timer.nsec(number)", T_NS },		{ "timer.nsec(number).randomize(number)", T_NS },
	{ "timer.jiffies(number)", T_JIFFIES }, { "timer.jiffies(number).randomize(number)", T_JIFFIES },
	{ "timer.hz(number)", T_HZ },
	{ "timer.profile", T_PROFILE },		{ "timer.profile.tick", T_PROFILE },
};

/* The kernel's tick rate, for jiffies: CONFIG_HZ, 250 if the config is absent. */
static int64_t kernel_hz(const struct elab *e)
{
	const char *hz = kconfig_get(e->env->kconfig, "CONFIG_HZ");
	long v = *hz ? strtol(hz, NULL, 10) : 0;

	return v > 0 ? v : 250;
}

static int64_t unit_ns(const struct elab *e, int kind)
{
	switch (kind) {
	case T_S:
		return 1000000000;
	case T_MS:
		return 1000000;
	case T_US:
		return 1000;
	case T_JIFFIES:
		return 1000000000 / kernel_hz(e);
	default:
		return 1;
	}
}

/* SystemTap's high-resolution timers run every 100 us at most and once a
 * day at least; its jiffies timers take 1 to 1000000 jiffies. A randomize
 * value may be as large as the interval. The limits are said in the
 * probe's own unit, as SystemTap says them. */
#define MIN_INTERVAL_NS 100000LL
#define MAX_INTERVAL_NS (86400LL * 1000000000LL)
#define MAX_JIFFIES 1000000

static int check_limits(struct elab *e, const struct probe_match *m, int kind, int64_t n,
			int64_t r)
{
	int64_t scale = kind == T_JIFFIES || kind == T_HZ ? 1 : unit_ns(e, kind);
	int64_t lo = scale < MIN_INTERVAL_NS ? MIN_INTERVAL_NS / scale : 1;
	int64_t hi = MAX_INTERVAL_NS / scale;

	if (kind == T_JIFFIES) {
		lo = 1;
		hi = MAX_JIFFIES;
	} else if (kind == T_HZ) {
		lo = 1;
		hi = 1000000000 / MIN_INTERVAL_NS;
	}
	if (n < lo || n > hi) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc, "timer %s out of range (%lld, %lld): %lld",
			kind == T_HZ ? "frequency" : "interval value", (long long)lo, (long long)hi,
			(long long)n);
		return -1;
	}
	if (r < 0 || r > n) {
		diag_at(e->diag, DIAG_ERROR, m->pp->loc,
			"timer randomization value out of range (0, %lld): %lld", (long long)n,
			(long long)r);
		return -1;
	}
	return 0;
}

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	int kind = m->pattern->kind;
	const struct ast_component *c0 = m->pp->comps.items[1];
	struct probe_target *t;
	int64_t n = 0, r = 0;

	if (kind == T_PROFILE) {
		t = probe_target_new(e, &probe_timer_provider, m, "timer.profile.tick");
		t->kind = PK_TIMER_PROFILE;
		vec_push(e->arena, targets, t);
		return 0;
	}
	if (!probe_arg_num(e, m, 1, &n))
		return -1;
	if (m->nargs > 2 && !probe_arg_num(e, m, 2, &r))
		return -1;
	if (check_limits(e, m, kind, n, r) < 0)
		return -1;
	t = probe_target_new(e, &probe_timer_provider, m, NULL);
	t->kind = PK_TIMER;
	t->num[0] = kind == T_HZ ? 1000000000 / n : n * unit_ns(e, kind);
	t->num[1] = r * unit_ns(e, kind);
	t->name = m->nargs > 2 ? arena_printf(e->arena, "timer.%s(%lld).randomize(%lld)", c0->name,
					      (long long)n, (long long)r)
			       : arena_printf(e->arena, "timer.%s(%lld)", c0->name, (long long)n);
	vec_push(e->arena, targets, t);
	return 0;
}

const struct provider probe_timer_provider = {
	.family = "timer",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
};
