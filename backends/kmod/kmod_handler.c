/* kmod_handler.c - a derived probe's handler, probe_N(regs, targs).
 *
 * A handler runs as SystemTap's do: it checks the session's state, turns
 * interrupts off, takes this CPU's context (busy: a probe that interrupts
 * another on this CPU is skipped), resets it, takes the locks of the
 * globals it uses, runs the body, and flushes the context's output and
 * reports its error on the way out.
 *
 * A body that never touches the context needs none of that but the state
 * check and, when it takes locks or adds to a statistic that has none
 * (kmod_counters.c), interrupts off around them: no output,
 * no loop (MAXACTION), no call of a script function, no -t, no error but
 * an array's overflow (which the map reports itself, tapir_map.h's
 * tapir_map_overflow()), no embedded C that may use the context
 * (kmod_ctxfree.c: pid() doesn't). Such a handler is "light": its body
 * is lowered for one (m->lite), and if that names the context 'c'
 * anywhere but in its action counts (which nothing reads without a loop
 * or a call), or its frame (then on the kernel stack) is more than a few
 * words, it is lowered again with a context.
 */
#include <ctype.h>
#include <string.h>

#include "kmod.h"
#include "probes/tracepoint_db.h"

/* A tracepoint of the syscalls: subsystem (its pt_regs are the call's). */
static bool is_syscall_event(const struct probe_target *t)
{
	const struct tpdb_event *ev = t->kind == PK_TRACE ? t->data : NULL;

	return ev && ev->kind == TPDB_SYSCALL;
}

/* Where the probe's int_arg() & co. read: TAPIR_ARGS_* */
static const char *args_kind(const struct probe_target *t)
{
	if (is_syscall_event(t))
		return "TAPIR_ARGS_SYSCALL";
	return t->kind == PK_KFUNC ? "TAPIR_ARGS_SLOTS" : "TAPIR_ARGS_CALL";
}

static const char *state_of(int kind)
{
	switch (kind) {
	case PK_BEGIN: return "TAPIR_STARTING";
	case PK_END: return "TAPIR_STOPPING";
	case PK_ERROR: return "TAPIR_ERRORED";
	default: return "TAPIR_RUNNING";
	}
}

/* A tracepoint's arguments: as many as its prototype has, each a u64. */
int km_tp_nargs(const struct probe_target *t)
{
	const struct tpdb_event *ev = t->data;

	return ev ? ev->nr_tp_args : 0;
}

/* The actions a body can make, each statement once; unbounded if it
 * loops or holds embedded C (which may use the context as CONTEXT).
 * Within MAXACTION, the body's action checks can't fail. */
struct bound {
	int actions;
	bool unbounded;
};

static struct ast *count_action(struct ast *n, void *ctx)
{
	struct bound *b = ctx;

	switch (n->kind) {
	case AST_WHILE: case AST_FOR: case AST_FOREACH: case AST_EMBEDDED: case AST_EMBED_STMT:
		b->unbounded = true;
		break;
	case AST_EXPR_STMT: case AST_IF: case AST_RETURN: case AST_DELETE: case AST_TRY:
	case AST_NEXT: case AST_BREAK: case AST_CONTINUE:
		b->actions++;
		break;
	default:
		break;
	}
	return n;
}

/* A light handler's frame is on the kernel stack: a few words (a
 * string's MAXSTRINGLEN bytes don't fit). */
#define LIGHT_FRAME_MAX 128

static const char ACTIONS[] = "c->actions++;", CHECK[] = "if (!tapir_action(c, ",
		  CHECK_END[] = ")) goto out;";

/* Is the line at p (up to eol) only the count of an action, or its check? */
static bool is_action_line(const char *p, const char *eol)
{
	while (p < eol && (*p == '\t' || *p == ' '))
		p++;
	if ((size_t)(eol - p) == sizeof(ACTIONS) - 1 && memcmp(p, ACTIONS, sizeof(ACTIONS) - 1) == 0)
		return true;
	return (size_t)(eol - p) > sizeof(CHECK) + sizeof(CHECK_END) &&
	       memcmp(p, CHECK, sizeof(CHECK) - 1) == 0 &&
	       memcmp(eol - (sizeof(CHECK_END) - 1), CHECK_END, sizeof(CHECK_END) - 1) == 0;
}

static bool is_ident(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* Does the lowered body name the context, but in its actions and their
 * checks? */
static bool uses_context(const char *body)
{
	for (const char *p = body; p && *p;) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (!is_action_line(p, eol)) {
			for (const char *q = p; q < eol; q++) {
				if (*q == 'c' && (q == p || !is_ident(q[-1])) && !is_ident(q[1]))
					return true;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return false;
}

/* The body without its actions and their checks. */
static char *without_actions(struct arena *a, const char *body)
{
	struct strbuf sb = { 0 };
	char *s;

	for (const char *p = body; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);

		if (!is_action_line(p, p + (eol ? n - 1 : n)))
			sb_printf(&sb, "%.*s", (int)n, p);
		p += n;
	}
	s = arena_strdup(a, sb.data ? sb.data : "");
	sb_free(&sb);
	return s;
}

/* The parameters after regs: a tracepoint's arguments come by value
 * and go into the context, not through an array on the stack (and its
 * stack protector). */
static const char *params_of(struct arena *a, int ntp)
{
	struct strbuf sb = { 0 };
	char *s;

	if (ntp < 0)
		return ", const u64 *targs";
	for (int i = 0; i < ntp; i++)
		sb_printf(&sb, ", u64 a%d", i);
	s = arena_strdup(a, sb.data ? sb.data : "");
	sb_free(&sb);
	return s;
}

static void emit_light(struct km_file *f, struct derived_probe *dp, int id, const struct km *m,
		       bool lock, int ntp, bool frame)
{
	struct arena *a = f->e->arena;
	const char *body = without_actions(a, m->body.data);
	bool irqoff = lock || m->irqoff;

	/* the frame is a local zeroed whole where it is declared, which gcc
	 * splits into registers (a memset() of its zeroed part would keep
	 * it in memory, and bring the stack protector's canary) */

	sb_printf(&f->probes,
		  "/* %s: a light handler (no context) */\n"
		  "static void probe_%d(struct pt_regs *regs%s)\n{\n%s%s%s%s"
		  "\tif (atomic_read(&tapir_session) != %s)\n\t\treturn;\n",
		  dp->target->name, id, params_of(a, ntp), irqoff ? "\tunsigned long flags;\n" : "",
		  frame ? arena_printf(a, "\tstruct pf_%d F_ = {}, *const F = &F_;\n", id) : "",
		  m->ctemps.data ? m->ctemps.data : "",
		  irqoff || frame || m->ctemps.data ? "\n" : "", state_of(dp->target->kind));
	if (m->pre.data)
		sb_puts(&f->probes, m->pre.data);
	if (irqoff)
		sb_puts(&f->probes, "\tlocal_irq_save(flags);\n");
	if (lock)
		sb_printf(&f->probes, "\tif (!tapir_lock(tapir_locks_%d, ARRAY_SIZE(tapir_locks_%d)))\n"
				      "\t\tgoto leave;\n", id, id);
	sb_printf(&f->probes, "%sout: __attribute__((unused));\n", body);
	if (lock)
		sb_printf(&f->probes, "\ttapir_unlock(tapir_locks_%d, ARRAY_SIZE(tapir_locks_%d));\n"
				      "leave:\n", id, id);
	if (irqoff)
		sb_puts(&f->probes, "\tlocal_irq_restore(flags);\n");
	sb_puts(&f->probes, "}\n\n");
}

static void emit_context(struct km_file *f, struct derived_probe *dp, int id, const struct km *m,
			 bool lock, int ntp, bool frame, bool timed)
{
	struct arena *a = f->e->arena;
	const char *enter = arena_printf(a, "tapir_enter_regs(%s, %s, regs, %s, %s, %s, &flags)",
					 state_of(dp->target->kind), km_quote(a, dp->target->name),
					 dp->target->kind == PK_KFUNC ? "0" : "-1",
					 ntp >= 0 ? "NULL" : "targs", args_kind(dp->target));

	/* a hoisted test (m->pre) runs before the entry */
	sb_printf(&f->probes,
		  "/* %s */\nstatic void probe_%d(struct pt_regs *regs%s)\n{\n"
		  "\tunsigned long flags;\n"
		  "\tstruct tapir_ctx *c%s%s;\n"
		  "%s%s%s\n%s%s%s\tif (!c)\n\t\treturn;\n%s",
		  dp->target->name, id, params_of(a, ntp), m->pre.data ? "" : " = ",
		  m->pre.data ? "" : enter,
		  frame ? arena_printf(a, "\tstruct pf_%d *F;\n", id) : "",
		  m->ctemps.data ? m->ctemps.data : "", timed ? km_timing_decl(f) : "",
		  m->pre.data ? m->pre.data : "", m->pre.data ? "\tc = " : "",
		  m->pre.data ? arena_printf(a, "%s;\n", enter) : "",
		  timed ? km_timing_begin(f) : "");
	if (lock)
		sb_printf(&f->probes, "\tif (!tapir_lock(tapir_locks_%d, ARRAY_SIZE(tapir_locks_%d)))\n"
				      "\t\tgoto leave;\n", id, id);
	/* the frame is c->stack where it fits: no null check then (the
	 * kernel's -fno-delete-null-pointer-checks keeps it otherwise); a
	 * handler whose temporaries are all C locals has none */
	if (frame)
		sb_printf(&f->probes, "\tF = tapir_frame(c, sizeof(*F));\n"
				      "\tif (sizeof(*F) > sizeof(c->stack) && !F)\n\t\tgoto out;\n");
	if (m->frame.data)
		sb_printf(&f->probes, "\tmemset(F, 0, offsetof(struct pf_%d, scratch));\n", id);
	sb_printf(&f->probes, "%sout: __attribute__((unused));\n", m->body.data ? m->body.data : "");
	if (lock)
		sb_printf(&f->probes, "\ttapir_unlock(tapir_locks_%d, ARRAY_SIZE(tapir_locks_%d));\n"
				      "leave: __attribute__((unused));\n", id, id);
	sb_printf(&f->probes, "%s\ttapir_leave(c, &flags);\n}\n\n", timed ? km_timing_end(f, id) : "");
}

static void km_free(struct km *m)
{
	sb_free(&m->pre);
	sb_free(&m->body);
	sb_free(&m->frame);
	sb_free(&m->scratch);
	sb_free(&m->ctemps);
}

/* The hoisted test of flt into m->pre, the rest of the body into
 * m->body; false (m to be lowered again) if the test's C turned out to
 * need the context or the frame. */
static bool lower_filtered(struct km *m, const struct km_filter *flt)
{
	struct strbuf body = m->body;
	const char *p;

	m->body = (struct strbuf){ 0 };
	km_line(m, "if (%s(%s))\n\t\treturn;", flt->leave_when_true ? "" : "!",
		km_expr(m, flt->test_if->cond));
	m->pre = m->body;
	m->body = body;
	p = m->pre.data ? m->pre.data : "";
	if (uses_context(p) || strstr(p, "F->") || strstr(p, "goto"))
		return false;
	/* the if's action, as km_stmt() counts it */
	km_line(m, "if (!tapir_action(c, %s)) goto %s;", km_near(m, "keyword", flt->test_if->loc),
		m->unwind);
	km_stmt(m, flt->rest);
	return true;
}

/* The body of dp lowered into m, for a light handler or not, its leading
 * test hoisted when flt is given. */
static void lower(struct km_file *f, struct derived_probe *dp, struct km *m, bool lite,
		  const struct km_filter *flt)
{
	*m = (struct km){ .f = f, .dp = dp, .unwind = "out", .locals = &dp->locals,
			  .split_frame = true, .lite = lite };
	for (int i = 0; i < dp->locals.len; i++) {
		const struct symbol *s = dp->locals.items[i];

		if (s->type == TYPE_STRING)
			km_field(m, false, (size_t)f->o->maxstringlen,
				 "\tchar l_%s[TAPIR_MAXSTRINGLEN];\n", s->name);
		else
			km_field(m, false, 8, "\tint64_t l_%s;\n", s->name);
	}
	if (dp->cond)
		km_line(m, "if (!(%s)) goto out;", km_expr(m, dp->cond));
	if (!flt) {
		km_stmt(m, dp->body);
	} else if (!lower_filtered(m, flt)) {
		km_free(m);
		lower(f, dp, m, lite, NULL);
	}
}

bool km_emit_handler(struct km_file *f, struct derived_probe *dp, int id)
{
	struct km m;
	bool lock = km_locks_emit(f, dp, id), failed = f->failed, frame;
	/* an @entry saver (kmod_entry.c) is not in -t's report */
	bool timed = f->o->timing && !km_entry_is_saver(f, dp);
	int ntp = dp->target->kind == PK_TRACE ? km_tp_nargs(dp->target) : -1;
	struct bound b = { 0 };
	struct km_filter flt;
	const struct km_filter *fp = km_filter_split(f, dp, &flt) ? &flt : NULL;
	bool args;

	/* light if its body, lowered for a light handler, names no context
	 * and its frame fits the kernel stack; else lowered again (once the
	 * first lowering reported errors, the module isn't built anyway) */
	ast_map(&dp->cond, count_action, &b);
	ast_map(&dp->body, count_action, &b);
	lower(f, dp, &m, !timed && !b.unbounded && b.actions <= f->o->maxaction, fp);
	if (m.lite && (m.frame_bytes > LIGHT_FRAME_MAX || uses_context(m.body.data))) {
		if (f->failed && !failed) {
			m.lite = false;
		} else {
			km_free(&m);
			lower(f, dp, &m, false, fp);
		}
	}
	frame = m.frame.data || m.scratch.data;
	/* zeroed: the locals and what needs zeroes (keys, strings); after
	 * 'scratch', temporaries that are written before they are read */
	sb_printf(&f->decls, "struct pf_%d {\n%s\tint64_t scratch;\n%s};\n\n", id,
		  m.frame.data ? m.frame.data : "", m.scratch.data ? m.scratch.data : "");
	if (m.lite)
		emit_light(f, dp, id, &m, lock, ntp, frame);
	else
		emit_context(f, dp, id, &m, lock, ntp, frame, timed);
	/* a light body reads the arguments where it says so; a context
	 * lends them to the tapsets' C too (int_arg() & co.) */
	args = !m.lite || m.reads_args;
	km_free(&m);
	return args;
}
