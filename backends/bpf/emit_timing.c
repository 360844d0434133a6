/* emit_timing.c - -t: what the generated program keeps for SystemTap's
 * "probe hit report".
 *
 * With -t every kernel probe reads bpf_ktime_get_ns() after its guards
 * (the syscall filter, the exiting flag, the nesting slot) and again at
 * its end, and adds the difference to its slot of a per-CPU statistics
 * map (struct tapir_stat, merged by the executor as any statistic). The
 * probes that run in user space are timed by the executor. Without -t
 * nothing of this is emitted: the probes are the same as before, and so
 * is their cost.
 *
 * The user side gets one description per probe, in the order of the
 * program's probes (SystemTap's stap_probes[] index): its probe point,
 * where the user wrote it, the points it was derived from ("from: ..."),
 * and its BPF program or user-space function.
 */
#include <string.h>

#include "emit.h"

/* The probe's position among the program's probes: its "index:" and its
 * slot in tapir_timing. */
static int probe_slot(const struct em_file *f, const struct derived_probe *dp)
{
	const struct vec *v = &f->e->prog.probes;

	for (int i = 0; i < v->len; i++) {
		if (v->items[i] == dp)
			return i;
	}
	return 0;
}

void em_timing_kern_decls(struct em_file *f)
{
	if (!f->o->timing || f->e->prog.probes.len == 0)
		return;
	sb_printf(&f->kern_decls,
		  "/* -t: each probe's own time, ns */\n"
		  "struct {\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, %d);\n"
		  "\t__type(key, u32);\n\t__type(value, struct tapir_stat);\n} tapir_timing SEC(\".maps\");\n\n"
		  "static __attribute__((always_inline)) inline void tapir_timing_add(u32 slot, u64 t0)\n{\n"
		  "\tstruct tapir_stat *s = bpf_map_lookup_elem(&tapir_timing, &slot);\n\n"
		  "\tif (s)\n\t\ttapir_stat_add(s, TAPIR_HIST_NONE, 0, 0, 0, 0, 0, true,\n"
		  "\t\t\t       (s64)(bpf_ktime_get_ns() - t0));\n}\n\n",
		  f->e->prog.probes.len);
}

const char *em_timing_begin(const struct em_file *f)
{
	return f->o->timing ? "\tu64 tapir_t0 = bpf_ktime_get_ns();\n" : "";
}

const char *em_timing_end(const struct em_file *f, const struct derived_probe *dp)
{
	if (!f->o->timing)
		return "";
	return arena_printf(f->e->arena, "\ttapir_timing_add(%d, tapir_t0);\n", probe_slot(f, dp));
}

static const char *location_of(struct em_file *f, const struct derived_probe *dp)
{
	struct loc l = dp->decl ? dp->decl->loc : dp->target->loc;

	return arena_printf(f->e->arena, "%s:%d:%d", l.src ? l.src->name : "<input>", l.line,
			    l.col);
}

/* SystemTap's derivation: " from: P" for each point between the user's
 * and the resolved one, the aliases' names first, innermost first. */
static const char *derivation_of(struct em_file *f, const struct derived_probe *dp)
{
	struct strbuf sb = { 0 };
	const char *s;

	for (int i = dp->aliases.len - 1; i > 0; i--) {
		const struct ast_decl *a = dp->aliases.items[i];

		sb_puts(&sb, " from: ");
		print_probe_point(&sb, a->alias_names.items[0]);
	}
	sb_printf(&sb, " from: %s", dp->origin ? dp->origin : dp->target->name);
	s = arena_strdup(f->e->arena, sb.data);
	sb_free(&sb);
	return s;
}

/* The user side's table; user says which probes run there. */
void em_timing_user_table(struct em_file *f, const bool *user)
{
	struct strbuf *o = &f->user;
	const struct vec *v = &f->e->prog.probes;
	struct em m = { .f = f };

	if (!f->o->timing)
		return;
	sb_puts(o, "static const struct tapir_timing_probe timing_probes[] = {\n");
	for (int i = 0; i < v->len; i++) {
		const struct derived_probe *dp = v->items[i];
		bool never = dp->target->kind == PK_NEVER;

		sb_printf(o, "\t{ %d, %s, %s, %s, ", i, em_quote(&m, dp->target->name),
			  em_quote(&m, location_of(f, dp)), em_quote(&m, derivation_of(f, dp)));
		if (never)
			sb_puts(o, "NULL, NULL },\n");
		else if (user[i])
			sb_printf(o, "NULL, probe_%d },\n", dp->index);
		else
			sb_printf(o, "\"probe_%d\", NULL },\n", dp->index);
	}
	sb_puts(o, "};\n\n");
}

/* Fields of struct tapir_program the description adds under -t. */
const char *em_timing_fields(const struct em_file *f)
{
	if (!f->o->timing)
		return "";
	return arena_printf(f->e->arena, "\t.timing = timing_probes, .ntiming = %d,\n",
			    f->e->prog.probes.len);
}
