/* gopt.c - -G NAME=VALUE: a global of the script starts with VALUE.
 *
 * After the types are known: NAME must be a scalar global of the user's
 * script (not a tapset's), a number's VALUE a number. The bpf runtime
 * takes it as the global's initialiser; the kmod runtime's module keeps
 * its own and the loader sets the module parameter of the same name
 * (tapir-load -G), so that one module serves every value, as
 * SystemTap's. A global the optimiser left out (nothing uses it) is
 * skipped: the module has no parameter for it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elab.h"

static struct symbol *find_global(struct vec *v, const char *name, size_t n)
{
	for (int i = 0; i < v->len; i++) {
		struct symbol *s = v->items[i];

		if (!s->from_library && strlen(s->name) == n && strncmp(s->name, name, n) == 0)
			return s;
	}
	return NULL;
}

/* A number as C reads it; past the signed range (an address) it wraps,
 * as the script's literals. */
static bool parse_number(const char *v, int64_t *out)
{
	char *end;

	errno = 0;
	if (*v == '-')
		*out = strtoll(v, &end, 0);
	else
		*out = (int64_t)strtoull(v, &end, 0);
	return *v && *v != '+' && !*end && errno == 0;
}

/* The globals -G sets that type inference left untyped take the type of
 * the value: a number if it reads as one, else a string (SystemTap's
 * rule). True if one did. */
bool gopt_type_globals(struct elab *e)
{
	bool typed = false;

	for (int i = 0; i < e->opt.nglobals_set; i++) {
		const char *arg = e->opt.globals_set[i], *eq = strchr(arg, '=');
		struct symbol *s = find_global(&e->prog.globals, arg, (size_t)(eq - arg));
		int64_t num;

		if (!s || s->type != TYPE_UNKNOWN || s->is_array)
			continue;
		s->type = parse_number(eq + 1, &num) ? TYPE_LONG : TYPE_STRING;
		s->type_loc = s->loc;
		typed = true;
	}
	return typed;
}

/* One -G: checks it; 'set' is the global it sets, NULL if none is left. */
static int check_one(struct elab *e, const char *arg, struct symbol **set, int64_t *num)
{
	const char *eq = strchr(arg, '=');
	size_t n = (size_t)(eq - arg);
	struct symbol *s = find_global(&e->prog.globals, arg, n);

	*set = NULL;
	if (!s) {
		if (find_global(&e->all_globals, arg, n))
			return 0; /* declared, unused: left out of the program */
		diag_plain(e->diag, DIAG_ERROR, "option -G %s: the script has no global '%.*s'", arg,
			   (int)n, arg);
		return -1;
	}
	if (s->is_array || s->type == TYPE_STATS || !s->decl) {
		diag_plain(e->diag, DIAG_ERROR, "option -G %s: '%s' is %s: -G sets a number or a string",
			   arg, s->name, s->is_array ? "an array" : "a statistic");
		return -1;
	}
	if (s->type == TYPE_LONG && !parse_number(eq + 1, num)) {
		diag_plain(e->diag, DIAG_ERROR, "option -G %s: '%s' is a number, and '%s' is not one",
			   arg, s->name, eq + 1);
		return -1;
	}
	*set = s;
	return 0;
}

static void set_init(struct elab *e, struct symbol *s, const char *value, int64_t num)
{
	struct ast *lit = ast_new(e->arena, s->type == TYPE_LONG ? AST_NUM : AST_STR, s->decl->loc);

	lit->type = s->type;
	if (s->type == TYPE_LONG)
		lit->num = num;
	else
		lit->str = arena_strdup(e->arena, value);
	s->decl->init = lit;
}

int gopt_apply(struct elab *e)
{
	bool bpf = e->opt.runtime && strcmp(e->opt.runtime, "bpf") == 0;
	int rc = 0;

	for (int i = 0; i < e->opt.nglobals_set; i++) {
		const char *arg = e->opt.globals_set[i];
		struct symbol *s;
		int64_t num = 0;

		if (check_one(e, arg, &s, &num) < 0) {
			rc = -1;
			continue;
		}
		if (!s)
			continue;
		if (bpf)
			set_init(e, s, strchr(arg, '=') + 1, num);
		else
			vec_push(e->arena, &e->globals_passed, (void *)arg);
	}
	return rc;
}
