/* kconfig.c - the kernel's .config, for CONFIG_* preprocessor conditions. */
#include <stdlib.h>
#include <string.h>

#include "tapir.h"

struct kconfig_entry {
	const char *name, *value;
};

struct kconfig {
	struct kconfig_entry *entries;
	int n;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kconfig_entry *)a)->name,
		      ((const struct kconfig_entry *)b)->name);
}

static void add_line(struct arena *a, struct vec *v, char *line)
{
	char *eq = strchr(line, '='), *val, *end;
	struct kconfig_entry *e;

	if (strncmp(line, "CONFIG_", 7) != 0 || !eq)
		return;
	*eq = '\0';
	val = eq + 1;
	end = val + strcspn(val, "\n");
	*end = '\0';
	if (*val == '"' && end > val + 1 && end[-1] == '"') {
		val++;
		end[-1] = '\0';
	}
	e = arena_alloc(a, sizeof(*e));
	e->name = arena_strdup(a, line);
	e->value = arena_strdup(a, val);
	vec_push(a, v, e);
}

struct kconfig *kconfig_load(struct arena *a, const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	struct kconfig *kc;
	struct vec v = { 0 };
	char line[4096];

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		add_line(a, &v, line);
	fclose(f);
	kc = arena_alloc(a, sizeof(*kc));
	kc->n = v.len;
	kc->entries = arena_alloc(a, sizeof(*kc->entries) * (size_t)(v.len + 1));
	for (int i = 0; i < v.len; i++)
		kc->entries[i] = *(struct kconfig_entry *)v.items[i];
	qsort(kc->entries, (size_t)kc->n, sizeof(*kc->entries), entry_cmp);
	return kc;
}

const char *kconfig_get(const struct kconfig *kc, const char *name)
{
	struct kconfig_entry key = { .name = name }, *e;

	if (!kc)
		return "";
	e = bsearch(&key, kc->entries, (size_t)kc->n, sizeof(*kc->entries), entry_cmp);
	return e ? e->value : "";
}
