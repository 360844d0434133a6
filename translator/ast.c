/* ast.c - constructors and names for the AST. */
#include <string.h>

#include "tapir.h"

struct ast *ast_new(struct arena *a, enum ast_kind kind, struct loc loc)
{
	struct ast *n = arena_alloc(a, sizeof(*n));

	n->kind = kind;
	n->loc = loc;
	return n;
}

const char *ast_type_name(enum ast_type t)
{
	switch (t) {
	case TYPE_LONG:
		return "long";
	case TYPE_STRING:
		return "string";
	case TYPE_STATS:
		return "stats";
	case TYPE_UNKNOWN:
		break;
	}
	return "unknown";
}

static const char *const print_names[] = {
	"print", "printf", "println", "printd", "printdln",
	"sprint", "sprintf", "sprintln", "sprintd", "sprintdln",
};

bool ast_is_print_name(const char *name)
{
	for (size_t i = 0; i < sizeof(print_names) / sizeof(print_names[0]); i++) {
		if (strcmp(name, print_names[i]) == 0)
			return true;
	}
	return false;
}
