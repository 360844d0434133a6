/* ucast.c - @cast(ptr, "type"[, "path"]) and @var("name[@file]"[,
 * "path"]) in process(...) probes: the type or the static variable is
 * looked up by name in the DWARF of the named program or library, or of
 * the probed binary, and the chain after it walks from there (utype.c).
 */
#include <dwarf.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "probes/uvar.h"

/* The binary an @cast/@var names, or the probe's own. */
static struct uelf *binary_of(struct elab *e, const struct probe_target *t, const struct ast *n,
			      int path_arg)
{
	const struct ast *p = n->args.len > path_arg ? n->args.items[path_arg] : NULL;
	const char *path = p ? uelf_find_program(e->arena, p->str) : t->str[0];
	char err[PATH_MAX + 64];
	struct uelf *u;

	if (p && !path)
		path = uelf_find_library(e->arena, NULL, p->str);
	if (!path) {
		diag_at(e->diag, DIAG_ERROR, n->loc, "%s: no such program or library '%s'", n->name,
			p ? p->str : "");
		return NULL;
	}
	if (!(u = process_open(e, path, err, sizeof(err))))
		diag_at(e->diag, DIAG_ERROR, n->loc, "%s: %s", n->name, err);
	else if (!u->dw)
		diag_at(e->diag, DIAG_ERROR, n->loc, "%s: %s has no debuginfo", n->name, path);
	return u && u->dw ? u : NULL;
}

/* "struct point", "union u", "enum e" or a bare name: its tag and name. */
static int split_type(const char *s, const char **name)
{
	static const struct { const char *kw; int tag; } kws[] = {
		{ "struct ", DW_TAG_structure_type },
		{ "union ", DW_TAG_union_type },
		{ "enum ", DW_TAG_enumeration_type },
	};

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if (strncmp(s, kws[i].kw, strlen(kws[i].kw)) == 0) {
			*name = s + strlen(kws[i].kw);
			return kws[i].tag;
		}
	}
	*name = s;
	return 0;
}

/* The first CU-level DIE called name with a tag in tags, in a CU whose
 * name matches file (any when NULL); its offset, or 0. */
static Dwarf_Off find_die(struct uelf *u, const char *name, const int *tags, int ntags,
			  const char *file, bool definition)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (dwarf_nextcu(u->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c;
		const char *cun;

		if (!dwarf_offdie(u->dw, off + hsize, &cu) || dwarf_child(&cu, &c) != 0 ||
		    (file && (!(cun = dwarf_diename(&cu)) ||
			      (fnmatch(file, cun, 0) != 0 && !strstr(cun, file))))) {
			off = next;
			continue;
		}
		do {
			const char *n = dwarf_diename(&c);
			int tag = dwarf_tag(&c);

			for (int i = 0; n && i < ntags; i++) {
				if (tag == tags[i] && strcmp(n, name) == 0 &&
				    (!definition || !dwarf_hasattr(&c, DW_AT_declaration)))
					return dwarf_dieoffset(&c);
			}
		} while (dwarf_siblingof(&c, &c) == 0);
		off = next;
	}
	return 0;
}

bool ucast_access(struct elab *e, const struct probe_target *t, const struct ast *n,
		  struct uaccess *acc)
{
	const struct ast *ts = n->args.items[0];
	struct uelf *u = binary_of(e, t, n, 1);
	const char *name;
	int tag = split_type(ts->str, &name);
	int any[] = { DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_typedef, DW_TAG_base_type,
		      DW_TAG_enumeration_type };
	Dwarf_Off type;

	memset(acc, 0, sizeof(*acc));
	if (!u)
		return false;
	type = tag ? find_die(u, name, &tag, 1, NULL, true) : find_die(u, name, any, 5, NULL, true);
	if (!type) {
		diag_at(e->diag, DIAG_ERROR, n->loc, "@cast: no type '%s' in %s", ts->str, u->path);
		return false;
	}
	return uvar_walk(e, u, type, (struct uloc){ ULOC_EXPR, NULL, 0 }, n, true, acc);
}

bool uatvar_access(struct elab *e, const struct probe_target *t, const struct ast *n,
		   struct uaccess *acc)
{
	const char *spec = ((const struct ast *)n->args.items[0])->str, *at = strchr(spec, '@');
	const char *name = at ? arena_strndup(e->arena, spec, (size_t)(at - spec)) : spec;
	struct uelf *u = binary_of(e, t, n, 1);
	int tag = DW_TAG_variable;
	Dwarf_Off off;
	Dwarf_Die die, type;
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;

	memset(acc, 0, sizeof(*acc));
	if (!u)
		return false;
	off = find_die(u, name, &tag, 1, at ? at + 1 : NULL, true);
	if (!off || !dwarf_offdie(u->dw, off, &die)) {
		diag_at(e->diag, DIAG_ERROR, n->loc, "@var: no global variable '%s' in %s", spec,
			u->path);
		return false;
	}
	if (!dwarf_attr(&die, DW_AT_location, &a) || dwarf_getlocation(&a, &ops, &nops) != 0 ||
	    nops != 1 || ops[0].atom != DW_OP_addr || !dwarf_attr_integrate(&die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &type)) {
		diag_at(e->diag, DIAG_ERROR, n->loc, "@var: '%s' has no static address", spec);
		return false;
	}
	if (u != process_open(e, t->str[0], NULL, 0)) {
		diag_at(e->diag, DIAG_ERROR, n->loc,
			"@var: '%s' is not in the probed binary: not supported yet", spec);
		return false;
	}
	return uvar_walk(e, u, dwarf_dieoffset(&type),
			 (struct uloc){ ULOC_ABS, NULL, (int64_t)ops[0].number }, n, true, acc);
}
