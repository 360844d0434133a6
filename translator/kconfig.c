/* kconfig.c - the kernel's .config, for CONFIG_* preprocessor conditions.
 *
 * A kernel's .config has some 10,000 lines; most scripts never ask for one
 * of them, so the file is read at the first kconfig_get, not when it is
 * named. It is read in one piece and cut in place; the entries go into a
 * hash table.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tapir.h"

struct kconfig_entry {
	const char *name, *value;
};

struct kconfig {
	struct arena *arena;
	const char *path;
	bool loaded;
	struct kconfig_entry *slots; /* open addressing; a power of two of them */
	size_t nslots;
};

static size_t hash_name(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void insert(struct kconfig *kc, const char *name, const char *value)
{
	size_t i;

	for (i = hash_name(name) & (kc->nslots - 1); kc->slots[i].name; i = (i + 1) & (kc->nslots - 1)) {
		if (strcmp(kc->slots[i].name, name) == 0)
			break; /* a later line wins, as in Kconfig */
	}
	kc->slots[i] = (struct kconfig_entry){ .name = name, .value = value };
}

/* CONFIG_X=value (a string's quotes dropped); other lines are comments. */
static void add_line(struct kconfig *kc, char *line)
{
	char *eq = strchr(line, '='), *val, *end;

	if (strncmp(line, "CONFIG_", 7) != 0 || !eq)
		return;
	*eq = '\0';
	val = eq + 1;
	end = val + strlen(val);
	if (*val == '"' && end > val + 1 && end[-1] == '"') {
		val++;
		end[-1] = '\0';
	}
	insert(kc, line, val);
}

/* The file in one piece, NUL-terminated (the arena's memory is zeroed). */
static char *read_file(struct arena *a, const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *text = NULL;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0) {
		text = arena_alloc(a, (size_t)st.st_size + 1);
		*len = fread(text, 1, (size_t)st.st_size, f);
	}
	fclose(f);
	return text;
}

static void load(struct kconfig *kc)
{
	size_t len = 0, lines = 0;
	char *text = read_file(kc->arena, kc->path, &len), *line, *nl;

	kc->loaded = true;
	if (!text)
		return;
	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p++)
		lines++;
	for (kc->nslots = 16; kc->nslots < 2 * (lines + 1); kc->nslots *= 2)
		;
	kc->slots = arena_alloc(kc->arena, sizeof(*kc->slots) * kc->nslots);
	for (line = text; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		add_line(kc, line);
		if (!nl)
			break;
	}
}

struct kconfig *kconfig_open(struct arena *a, const char *path)
{
	struct kconfig *kc;

	if (!path || access(path, R_OK) != 0)
		return NULL;
	kc = arena_alloc(a, sizeof(*kc));
	kc->arena = a;
	kc->path = arena_strdup(a, path);
	return kc;
}

const char *kconfig_get(const struct kconfig *kc, const char *name)
{
	struct kconfig *lazy = (struct kconfig *)kc; /* loading is not a change */

	if (!kc)
		return "";
	if (!kc->loaded)
		load(lazy);
	if (!kc->slots)
		return "";
	for (size_t i = hash_name(name) & (kc->nslots - 1); kc->slots[i].name;
	     i = (i + 1) & (kc->nslots - 1)) {
		if (strcmp(kc->slots[i].name, name) == 0)
			return kc->slots[i].value;
	}
	return "";
}
