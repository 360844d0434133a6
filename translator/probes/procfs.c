/* procfs.c - procfs("PATH").read / .write: files a script serves.
 *
 * procfs("PATH")[.umask(U)].read[.maxsize(N)] runs when a reader opens
 * the file and hands it what the probe left in $value;
 * procfs("PATH")[.umask(U)].write runs on what a writer wrote, in
 * $value. PATH (default "command") is relative to the session's folder:
 * /proc/systemtap/MODULE on the kmod runtime, FIFOs under
 * /var/tmp/systemtap-USER/MODULE on the bpf runtime, as SystemTap's
 * stapbpf does. input.char and input.line (tapsets/input.stp) are write
 * probes on "__stdin", which the runtimes feed from their standard input.
 *
 * $value is not a kernel variable: the probe's body is rewritten so that
 * reading it calls _procfs_value_get(), '$value = X' calls
 * _procfs_value_set(X) and '$value .= X' _procfs_value_append(X), the
 * tapset functions each runtime defines (tapsets/{bpf,kmod}/procfs-*.stp).
 */
#include <string.h>

#include "elab.h"

enum { P_READ, P_WRITE };

static const struct probe_pattern patterns[] = {
	{ "procfs.read", P_READ },
	{ "procfs(string).read", P_READ },
	{ "procfs.read.maxsize(number)", P_READ },
	{ "procfs(string).read.maxsize(number)", P_READ },
	{ "procfs.umask(number).read", P_READ },
	{ "procfs(string).umask(number).read", P_READ },
	{ "procfs.umask(number).read.maxsize(number)", P_READ },
	{ "procfs(string).umask(number).read.maxsize(number)", P_READ },
	{ "procfs.write", P_WRITE },
	{ "procfs(string).write", P_WRITE },
	{ "procfs.umask(number).write", P_WRITE },
	{ "procfs(string).umask(number).write", P_WRITE },
};

/* The largest read buffer: SystemTap takes any size; past a few MiB a
 * procfs file is the wrong tool. */
#define MAXSIZE_LIMIT (16 << 20)

/* A relative path of names: no "", ".", ".." component, no leading '/'. */
static bool path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)p[i] < ' ')
				return false;
		}
		p += n;
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return false;
	}
	return true;
}

/* The literal of the pattern component called name, or NULL. */
static const struct ast *component_arg(const struct probe_match *m, const char *name)
{
	for (int i = 0; i < m->pp->comps.len; i++) {
		const struct ast_component *c = m->pp->comps.items[i];

		if (strcmp(c->name, name) == 0)
			return m->args[i];
	}
	return NULL;
}

static int resolve(struct elab *e, const struct probe_match *m, struct vec *targets)
{
	const struct ast *path = m->args[0];
	const struct ast *umask = component_arg(m, "umask");
	const struct ast *maxsize = component_arg(m, "maxsize");
	bool write = m->pattern->kind == P_WRITE;
	struct probe_target *t;
	struct ctx_var *v;
	const char *p = path ? path->str : "command";

	if (!path_ok(p)) {
		diag_at(e->diag, DIAG_ERROR, path->loc, "procfs path '%s' must be a relative path "
			"of file names (no '.', '..' or empty parts)", p);
		return -1;
	}
	if (umask && (umask->num < 0 || umask->num > 0777)) {
		diag_at(e->diag, DIAG_ERROR, umask->loc, "procfs umask %#llo is out of range "
			"(0 to 0777)", (long long)umask->num);
		return -1;
	}
	if (maxsize && (maxsize->num < 1 || maxsize->num > MAXSIZE_LIMIT)) {
		diag_at(e->diag, DIAG_ERROR, maxsize->loc, "procfs maxsize %lld is out of range "
			"(1 to %d)", (long long)maxsize->num, MAXSIZE_LIMIT);
		return -1;
	}
	t = probe_target_new(e, &probe_procfs_provider, m,
			     arena_printf(e->arena, "procfs(\"%s\")%s%s%s", p,
					  umask ? arena_printf(e->arena, ".umask(%#llo)",
							       (long long)umask->num) : "",
					  write ? ".write" : ".read",
					  maxsize ? arena_printf(e->arena, ".maxsize(%lld)",
								 (long long)maxsize->num) : ""));
	t->kind = write ? PK_PROCFS_WRITE : PK_PROCFS_READ;
	t->str[0] = p;
	t->num[0] = maxsize ? maxsize->num : 0;
	t->num[1] = umask ? umask->num : -1;
	v = arena_alloc(e->arena, sizeof(*v));
	v->name = "value";
	v->type_name = "string";
	v->type = TYPE_STRING;
	vec_push(e->arena, &t->vars, v);
	vec_push(e->arena, targets, t);
	return 0;
}

static struct ast *call(struct elab *e, struct loc loc, const char *fn, struct ast *arg)
{
	struct ast *c = ast_new(e->arena, AST_CALL, loc);

	c->name = fn;
	if (arg)
		vec_push(e->arena, &c->args, arg);
	return c;
}

static bool is_value(const struct ast *n)
{
	return n && n->kind == AST_TARGET && strcmp(n->name, "$value") == 0 && n->chain.len == 0;
}

struct rewrite {
	struct elab *e;
	bool write;
};

/* Rewrites one use of $value (see the top of the file). */
static struct ast *rewrite(struct ast *n, void *ctx)
{
	struct rewrite *r = ctx;

	if (n->kind == AST_ASSIGN && is_value(n->lhs)) {
		bool set = strcmp(n->op, "=") == 0, append = strcmp(n->op, ".=") == 0;

		ast_map(&n->rhs, rewrite, r);
		if (r->write || (!set && !append)) {
			diag_at(r->e->diag, DIAG_ERROR, n->lhs->loc, r->write ?
				"$value can't be assigned in a procfs write probe: it is what was written" :
				"$value takes only '=' and '.=' in a procfs read probe");
			return n->rhs;
		}
		return call(r->e, n->loc, set ? "_procfs_value_set" : "_procfs_value_append", n->rhs);
	}
	if (is_value(n))
		return call(r->e, n->loc, "_procfs_value_get", NULL);
	return n;
}

static void derive(struct elab *e, struct derived_probe *dp)
{
	struct rewrite r = { e, dp->target->kind == PK_PROCFS_WRITE };

	ast_map(&dp->body, rewrite, &r);
	ast_map(&dp->cond, rewrite, &r);
}

const struct provider probe_procfs_provider = {
	.family = "procfs",
	.patterns = patterns,
	.npatterns = sizeof(patterns) / sizeof(patterns[0]),
	.resolve = resolve,
	.derive = derive,
};

/* Two read probes on one file can't both fill it; on the bpf runtime
 * (fifo) a file is read or written, not both, as with stapbpf. Reports
 * each conflict at the later probe; returns -1 after one. */
int procfs_check_files(struct elab *e, bool fifo)
{
	const struct vec *probes = &e->prog.probes;
	int rc = 0;

	for (int i = 0; i < probes->len; i++) {
		const struct probe_target *t = ((struct derived_probe *)probes->items[i])->target;

		if (t->kind != PK_PROCFS_READ && t->kind != PK_PROCFS_WRITE)
			continue;
		for (int j = 0; j < i; j++) {
			const struct probe_target *u = ((struct derived_probe *)probes->items[j])->target;
			bool reads = t->kind == PK_PROCFS_READ && u->kind == PK_PROCFS_READ;

			if ((u->kind != PK_PROCFS_READ && u->kind != PK_PROCFS_WRITE) ||
			    strcmp(t->str[0], u->str[0]) != 0 || (!reads && (!fifo || t->kind == u->kind)))
				continue;
			diag_at(e->diag, DIAG_ERROR, t->loc, reads ?
				"procfs file '%s' has a second read probe" :
				"procfs file '%s' has read and write probes, which the bpf runtime's "
				"FIFOs can't serve", t->str[0]);
			diag_note(e->diag, u->loc, "the other probe is here");
			rc = -1;
			break;
		}
	}
	return rc;
}
