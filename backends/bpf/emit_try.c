/* emit_try.c - run-time errors in generated code: where an error goes
 * (the innermost try's catch, the calling function, or the report that
 * ends the probe), try/catch itself, and abort().
 *
 * An error is raised with its location (an index into the error table)
 * and its message (a C string expression).  Inside a try the message is
 * stored in the catch's variable and control jumps to the catch; in a
 * function outside any try it is stored in the function's frame (__ret,
 * __eloc, __err = 1) and the function returns, for its caller to raise it
 * again at the call; in a probe it is reported (TAPIR_ERROR), which ends
 * the probe.  abort() returns __err = 2 from its function: the caller
 * leaves at once, past every catch.
 *
 * A user-side foreach body is a callback: an error in it whose try is
 * outside the callback stores the message and returns 3, and the loop
 * jumps on from the tapir_foreach() call.
 */
#include "emit.h"

struct try_ctx {
	int label;             /* catch_<label>, try_end_<label> */
	const char *msg;       /* the catch's variable, or NULL */
	int depth;             /* callback depth of the try */
};

static struct try_ctx tries[64];
static int ntries, base; /* the tries of the body being lowered: base to ntries */
static int cb_depth;

/* A function is lowered at its first call, maybe inside a try: the
 * caller's tries are not the function's. Returns what to resume. */
struct em_try_saved em_try_suspend(void)
{
	struct em_try_saved saved = { .base = base, .depth = cb_depth };

	base = ntries;
	cb_depth = 0;
	return saved;
}

void em_try_resume(struct em_try_saved saved)
{
	base = saved.base;
	cb_depth = saved.depth;
}

void em_try_callback_begin(void)
{
	cb_depth++;
}

void em_try_callback_end(void)
{
	cb_depth--;
}

bool em_try_active(void)
{
	return ntries > base;
}

/* Goes to the innermost try's catch, its message already stored. */
void em_try_jump(struct em *m)
{
	const struct try_ctx *t = &tries[ntries - 1];

	if (t->depth == cb_depth)
		em_line(m, "goto catch_%d;", t->label);
	else
		em_line(m, "return 3;");
}

void em_raise(struct em *m, const char *loc, const char *msg)
{
	if (ntries > base) {
		const struct try_ctx *t = &tries[ntries - 1];

		em_line(m, "{");
		m->indent++;
		if (t->msg)
			em_line(m, "tapir_str_copy(%s, %s);", t->msg, msg);
		em_try_jump(m);
		m->indent--;
		em_line(m, "}");
	} else if (m->in_function) {
		em_line(m, "{ F->__eloc = %s; tapir_str_copy(F->__ret, %s); goto tapir_out; }", loc,
			msg);
	} else {
		em_line(m, "TAPIR_ERROR(%s, %s);", loc, msg);
	}
}

/* After a call of a script function whose frame is frame. */
void em_call_check(struct em *m, const char *frame)
{
	em_line(m, "if (%s.__err) {", frame);
	m->indent++;
	if (m->in_function) /* abort(); a loop body (a callback) passes it on as 5 */
		em_line(m, "if (%s.__err > 1) { F->__err = 2; return%s; }", frame,
			!m->user && em_in_callback() ? " 5" : "");
	else
		em_line(m, "if (%s.__err > 1) goto tapir_out;", frame);
	em_raise(m, arena_printf(m->f->e->arena, "%s.__eloc", frame),
		 arena_printf(m->f->e->arena, "%s.__ret", frame));
	m->indent--;
	em_line(m, "}");
}

/* try { body } catch [(msg)] { els } */
void em_try(struct em *m, struct ast *n, int label)
{
	const char *msg = n->name && n->sym ? em_local_ref(m, n->sym) : NULL;

	if (ntries == (int)(sizeof(tries) / sizeof(tries[0]))) {
		em_error(m, n->loc, "try statements nested too deep");
		return;
	}
	tries[ntries++] = (struct try_ctx){ .label = label, .msg = msg, .depth = cb_depth };
	em_line(m, "{");
	m->indent++;
	em_stmt(m, n->body);
	m->indent--;
	em_line(m, "}");
	ntries--;
	em_line(m, "goto try_end_%d;", label);
	em_line(m, "catch_%d: __attribute__((unused));", label);
	em_line(m, "{");
	m->indent++;
	em_stmt(m, n->els);
	m->indent--;
	em_line(m, "}");
	em_line(m, "try_end_%d: __attribute__((unused));", label);
}
