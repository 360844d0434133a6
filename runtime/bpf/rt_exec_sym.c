// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_sym.c - symbolic stacks and addresses, formatted where the
 * output is made.
 *
 * A BPF program can take a stack or an address but not name it, so the
 * stack and symbol functions of tapsets/bpf/context-symbols-bpf.stp
 * return a marker that travels inside an ordinary string:
 *
 *	"\x1f" KIND [PID ":"] ADDRESS [" " ADDRESS]... "\x1e"
 *
 * KIND is upper case for kernel addresses, lower case for the user-space
 * addresses of process PID; ADDRESS is hexadecimal, as written by
 * backtrace() ("0x..."). The kinds, in SystemTap's formats:
 *	F f	print_syms(): " ADDRESS : SYMDATA\n" a line
 *	S s	sprint_backtrace(): "NAME+0xOFF [MODULE]\n" a line
 *	D d	symdata(): "NAME+0xOFF/0xSIZE [MODULE]"
 *	N n	symname(): "NAME"
 *	M m	modname(), umodname(): the module, the file's base name
 * and, in print records only, a binary form of F and f (expand_binary).
 * An address with no symbol is printed as 0x and 16 hex digits.
 *
 * The executor replaces markers in what it prints (printf's %s
 * arguments, print()) and in sprintf's arguments; user-space probes call
 * tapir_sym_resolve() to name at once.  A marker copied, cut or compared
 * by the script before it is printed is compared as its raw text.
 */
#define _GNU_SOURCE /* memrchr */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_exec.h"

#define MARK_START '\x1f'
#define MARK_END '\x1e'

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap)
			break;
		{
			size_t cap = (b->cap ? b->cap : 256) * 2 + (size_t)n;
			char *p = realloc(b->p, cap);

			if (!p)
				return;
			b->p = p;
			b->cap = cap;
		}
	}
	b->len += (size_t)n;
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
	buf_printf(b, "%.*s", (int)n, s);
}

static bool lookup(bool user, int pid, uint64_t addr, struct rt_exec_sym *s)
{
	*s = (struct rt_exec_sym){ 0 };
	return user ? rt_exec_usym_lookup(pid, addr, s) : rt_exec_ksym_lookup(addr, s);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* symdata(): SystemTap's _STP_SYM_DATA. */
static void put_data(struct buf *b, bool user, int pid, uint64_t addr)
{
	struct rt_exec_sym s;

	if (lookup(user, pid, addr, &s))
		buf_printf(b, "%s+0x%llx/0x%llx [%s]", s.name, (unsigned long long)s.offset,
		           (unsigned long long)s.size, s.module);
	else if (s.module)
		buf_printf(b, "0x%016llx [%s+0x%llx]", (unsigned long long)addr, s.module,
		           (unsigned long long)s.offset);
	else
		buf_printf(b, "0x%016llx", (unsigned long long)addr);
}

/* One line of sprint_backtrace(): SystemTap's _STP_SYM_SIMPLE. */
static void put_simple(struct buf *b, bool user, int pid, uint64_t addr)
{
	struct rt_exec_sym s;

	if (lookup(user, pid, addr, &s))
		buf_printf(b, "%s+0x%llx [%s]\n", s.name, (unsigned long long)s.offset,
		           base_name(s.module));
	else if (s.module)
		buf_printf(b, "0x%016llx [%s+0x%llx]\n", (unsigned long long)addr,
		           base_name(s.module), (unsigned long long)s.offset);
	else
		buf_printf(b, "0x%016llx\n", (unsigned long long)addr);
}

static void put_one(struct buf *b, char kind, int pid, const char *tok, size_t n)
{
	bool user = kind >= 'a';
	uint64_t addr = strtoull(tok, NULL, 16);
	struct rt_exec_sym s;

	switch (kind | 0x20) {
	case 'f':
		buf_put(b, " ", 1);
		buf_put(b, tok, n);
		buf_put(b, " : ", 3);
		put_data(b, user, pid, addr);
		buf_put(b, "\n", 1);
		break;
	case 's':
		put_simple(b, user, pid, addr);
		break;
	case 'd':
		put_data(b, user, pid, addr);
		break;
	case 'm':
		if (lookup(user, pid, addr, &s) || s.module)
			buf_printf(b, "%s", user ? base_name(s.module) : s.module);
		else
			buf_printf(b, "<unknown>");
		break;
	default:
		if (lookup(user, pid, addr, &s))
			buf_printf(b, "%s", s.name);
		else
			buf_printf(b, "0x%016llx", (unsigned long long)addr);
	}
}

/* The body of one marker, between its kind and its end; a marker the
 * string's length cut (cut) loses its last address, which may be part. */
static void expand_one(struct buf *b, char kind, const char *from, const char *to, bool cut)
{
	/* a copy that ends in a NUL: a record's bytes go on after a string */
	char *body = strndup(from, (size_t)(to - from));
	const char *p = body, *end;
	int pid = 0;

	if (!body)
		return;
	end = body + strlen(body);
	if (kind >= 'a') {
		pid = (int)strtol(p, NULL, 10);
		p = memchr(p, ':', (size_t)(end - p));
		p = p ? p + 1 : end;
	}
	while (p < end) {
		size_t n;

		while (p < end && *p == ' ')
			p++;
		n = strcspn(p, " \x1e");
		if (p + n > end)
			n = (size_t)(end - p);
		if (cut && p + n == end)
			break;
		if (n)
			put_one(b, kind, pid, p, n);
		p += n;
	}
	free(body);
}

/* A binary marker of print_backtrace() or print_ubacktrace() at m (only
 * in a print record, whose bytes may be anything): "\x1f", 'B' or 'b',
 * the count of frames (a byte), the pid (4 bytes), 8 bytes a frame.
 * Where it ends, or NULL if it does not fit before end. */
static const char *expand_binary(struct buf *b, const char *m, const char *end)
{
	size_t n, need;
	uint32_t pid;
	char tok[24];

	if (end - m < 7)
		return NULL;
	n = (unsigned char)m[2];
	need = 7 + n * sizeof(uint64_t);
	if ((size_t)(end - m) < need)
		return NULL;
	memcpy(&pid, m + 3, sizeof(pid));
	for (size_t i = 0; i < n; i++) {
		uint64_t a;

		memcpy(&a, m + 7 + i * sizeof(a), sizeof(a));
		snprintf(tok, sizeof(tok), "0x%016llx", (unsigned long long)a);
		put_one(b, m[1] == 'b' ? 'f' : 'F', (int)pid, tok, strlen(tok));
	}
	return m + need;
}

bool rt_exec_sym_marked(const char *s, size_t len)
{
	return s && memchr(s, MARK_START, len) != NULL;
}

/* s[0..len) with its markers replaced, malloc'd, NUL-terminated. */
char *rt_exec_sym_expand(const char *s, size_t len, size_t *out_len)
{
	struct buf b = { 0 };
	const char *end = s + len;

	buf_put(&b, "", 0);
	while (s < end) {
		const char *m = memchr(s, MARK_START, (size_t)(end - s));
		const char *e;

		if (!m || m + 1 >= end) {
			buf_put(&b, s, (size_t)(end - s));
			break;
		}
		buf_put(&b, s, (size_t)(m - s));
		if ((m[1] == 'B' || m[1] == 'b') && (e = expand_binary(&b, m, end))) {
			s = e;
			continue;
		}
		e = memchr(m, MARK_END, (size_t)(end - m));
		expand_one(&b, m[1], m + 2, e ? e : end, !e);
		s = e ? e + 1 : end;
	}
	*out_len = b.len;
	return b.p;
}

/* printf's string arguments with markers, replaced; owned[i] is what to
 * free after printing (NULL where nothing was replaced). */
void rt_exec_sym_args(struct rt_value *v, size_t n, char **owned)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = v[i].len == (size_t)-1 && v[i].s ? strlen(v[i].s) : v[i].len;

		owned[i] = NULL;
		if (!v[i].s || !rt_exec_sym_marked(v[i].s, len))
			continue;
		owned[i] = rt_exec_sym_expand(v[i].s, len, &v[i].len);
		if (owned[i])
			v[i].s = owned[i];
	}
}

void rt_exec_sym_args_free(char **owned, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
}

void tapir_sym_resolve(char *buf, size_t size)
{
	size_t len;
	char *s;

	if (!size || !rt_exec_sym_marked(buf, strnlen(buf, size)))
		return;
	s = rt_exec_sym_expand(buf, strnlen(buf, size), &len);
	if (s && len >= size) {
		/* cut at the end of a line, as SystemTap's sprint_syms() */
		char *nl = memrchr(s, '\n', size - 1);

		if (nl)
			nl[1] = '\0';
	}
	if (s)
		snprintf(buf, size, "%s", s);
	free(s);
}

void rt_exec_sym_free(void)
{
	rt_exec_ksym_free();
	rt_exec_usym_free();
}
