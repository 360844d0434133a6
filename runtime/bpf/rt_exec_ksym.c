// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_ksym.c - kernel addresses to symbols, from /proc/kallsyms, for
 * the stack and symbol functions (rt_exec_sym.c formats them).
 *
 * The table is read on the first lookup of a run, so that a script that
 * prints no kernel symbol never pays for it: the whole file in one
 * buffer, the names pointed into it, sorted by address.  A symbol's size
 * is the distance to the next symbol, as kallsyms keeps no sizes.
 * Without permission to see addresses (kptr_restrict) every address
 * reads 0, and lookups fail: callers print the address in hex.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_exec.h"

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* "kernel" for vmlinux */
};

static struct {
	char *text;
	struct ksym *syms;
	size_t n;
	bool loaded;
} kt;

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 1 << 20, n = 0;
	char *buf = NULL, *p;

	if (!f)
		return NULL;
	for (;;) {
		p = realloc(buf, cap + 1);
		if (!p) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = p;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* "ADDR TYPE NAME[\t[MODULE]]": text and data symbols, not absolute ones. */
static bool parse_line(char *line, struct ksym *s)
{
	char *type, *name, *mod;

	s->addr = strtoull(line, &type, 16);
	if (type[0] != ' ' || !type[1] || type[2] != ' ' || !s->addr)
		return false;
	if (type[1] == 'a' || type[1] == 'A' || type[1] == 'U')
		return false;
	name = type + 3;
	mod = strchr(name, '\t');
	s->module = "kernel";
	if (mod) {
		*mod++ = '\0';
		if (*mod == '[') {
			mod++;
			mod[strcspn(mod, "]")] = '\0';
			s->module = mod;
		}
	}
	s->name = name;
	return true;
}

static void ksym_load(void)
{
	size_t len = 0, cap = 0;
	char *line, *next;

	kt.loaded = true;
	kt.text = read_all("/proc/kallsyms", &len);
	if (!kt.text)
		return;
	for (line = kt.text; line && *line; line = next) {
		struct ksym s;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!parse_line(line, &s))
			continue;
		if (kt.n == cap) {
			struct ksym *p = realloc(kt.syms, (cap = cap ? cap * 2 : 65536) * sizeof(*p));

			if (!p)
				break;
			kt.syms = p;
		}
		kt.syms[kt.n++] = s;
	}
	qsort(kt.syms, kt.n, sizeof(*kt.syms), ksym_cmp);
}

/* The symbol holding addr: true with its name, offset, size, module. */
bool rt_exec_ksym_lookup(uint64_t addr, struct rt_exec_sym *out)
{
	size_t lo = 0, hi, i;

	if (!kt.loaded)
		ksym_load();
	hi = kt.n;
	if (!hi || addr < kt.syms[0].addr)
		return false;
	while (hi - lo > 1) { /* the last symbol at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (kt.syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	i = lo;
	out->name = kt.syms[i].name;
	out->module = kt.syms[i].module;
	out->offset = addr - kt.syms[i].addr;
	out->size = 0;
	for (size_t j = i + 1; j < kt.n; j++) {
		if (kt.syms[j].addr > kt.syms[i].addr) {
			out->size = kt.syms[j].addr - kt.syms[i].addr;
			break;
		}
	}
	return out->size != 0; /* past the last symbol: not known */
}

void rt_exec_ksym_free(void)
{
	free(kt.syms);
	free(kt.text);
	memset(&kt, 0, sizeof(kt));
}
