// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_log.c - libbpf's messages.  While the object opens and loads
 * they are kept, to be shown whole with -v and summed up otherwise: on a
 * verifier rejection, libbpf's own message and the one line of the
 * verifier's log that says why, with the source line it was checking
 * (the backend's #line directives make that a script line).  Outside
 * loading they are shown with -v only.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "rt_exec.h"

#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define LOG_END "-- END PROG LOAD LOG --"

static libbpf_print_fn_t saved_print;
static bool print_hooked;
static char first_warning[512];

static void log_append(struct rt_exec *x, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n <= 0)
		return;
	if (x->log_len + (size_t)n + 1 > x->log_cap) {
		size_t cap = (x->log_len + (size_t)n + 1) * 2;
		char *p = realloc(x->log, cap);

		if (!p)
			return;
		x->log = p;
		x->log_cap = cap;
	}
	vsnprintf(x->log + x->log_len, (size_t)n + 1, fmt, ap);
	x->log_len += (size_t)n;
}

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct rt_exec *x = &rt_exec_run;
	va_list aq;

	if (level == LIBBPF_DEBUG && x->opt.verbose < 2)
		return 0;
	if (x->log_capture && level == LIBBPF_WARN && !first_warning[0]) {
		va_copy(aq, ap);
		vsnprintf(first_warning, sizeof(first_warning), fmt, aq);
		va_end(aq);
	}
	if (x->log_capture && level != LIBBPF_DEBUG) {
		log_append(x, fmt, ap);
	} else if (x->opt.verbose) {
		rt_exec_out_flush(x);
		vfprintf(stderr, fmt, ap);
	}
	return 0;
}

void rt_exec_log_start(struct rt_exec *x)
{
	if (!print_hooked) {
		saved_print = libbpf_set_print(on_libbpf_print);
		print_hooked = true;
	}
	x->log_capture = true;
	x->log_len = 0;
	first_warning[0] = '\0';
}

/* Back to -v only; rt_exec_log_unhook() gives libbpf its printer back. */
void rt_exec_log_stop(struct rt_exec *x)
{
	x->log_capture = false;
	free(x->log);
	x->log = NULL;
	x->log_len = x->log_cap = 0;
}

void rt_exec_log_unhook(void)
{
	if (print_hooked)
		libbpf_set_print(saved_print);
	print_hooked = false;
}

/* The line [b, e) with its ends trimmed. */
static int line_len(const char *b, const char *e)
{
	while (e > b && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (int)(e - b);
}

/* The verifier's summary lines, not its reason. */
static bool is_summary(const char *s, int len)
{
	static const char *const prefixes[] = {"processed ", "verification time", "stack depth",
	                                       "mark_read", "insn ", "cur state:", "old state:"};
	size_t i;

	if (len == 0)
		return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* The name in "prog 'NAME': " before the log, into name. */
static void prog_name(const char *log, const char *begin, char *name, size_t size)
{
	const char *q = begin, *e;

	name[0] = '\0';
	while (q > log && q[-1] != '\n')
		q--;
	q = strstr(q, "prog '");
	if (!q || q > begin)
		return;
	q += 6;
	e = strchr(q, '\'');
	if (e && (size_t)(e - q) < size) {
		memcpy(name, q, (size_t)(e - q));
		name[e - q] = '\0';
	}
}

static const char *probe_of(struct rt_exec *x, const char *prog)
{
	int i;

	for (i = 0; i < x->p->nkprobes; i++)
		if (strcmp(x->p->kprobes[i].prog, prog) == 0)
			return x->p->kprobes[i].pp;
	return NULL;
}

/* The column of the first non-blank of line n of the script, or 1. */
static int script_col(const char *path, long n)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	int col = 1;

	if (!f)
		return 1;
	while (n > 0 && fgets(buf, sizeof(buf), f)) {
		if (--n == 0)
			col = 1 + (int)strspn(buf, " \t");
		else if (!strchr(buf, '\n'))
			n++; /* the rest of a long line */
	}
	fclose(f);
	return col;
}

/* A rejection at "FILE:LINE" of the script (the generated code's #line
 * directives point there): "script:line:col: error: reason", as the
 * translator reports errors, with a hint for loops. */
static bool report_at_script(struct rt_exec *x, const char *reason, int rlen, const char *at,
                             int alen)
{
	const char *script = x->p->script, *base, *colon;
	long line;

	if (!script || !(colon = memchr(at, ':', (size_t)alen)))
		return false;
	base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	if ((size_t)(colon - at) != strlen(base) || strncmp(at, base, strlen(base)) != 0)
		return false;
	line = strtol(colon + 1, NULL, 10);
	if (line <= 0)
		return false;
	rt_exec_out_flush(x);
	fprintf(stderr, "%s:%ld:%d: error: the BPF verifier rejected this: %.*s%s\n", script, line,
	        script_col(script, line), rlen, reason,
	        memmem(reason, (size_t)rlen, "loop", 4) || memmem(reason, (size_t)rlen, "too large", 9)
	                ? " (a loop the verifier can't bound: give it a constant bound, or run it "
	                  "in a begin or end probe)"
	                : "");
	x->status = 1;
	return true;
}

/* Is the source annotation s ("code @ file:line") in the script?  The
 * runtime's inline helpers (MAXACTION at a loop's head, say) have their
 * own lines, after the script's line that the verifier is really at. */
static bool in_script(struct rt_exec *x, const char *s, int slen)
{
	const char *script = x->p->script, *base, *at;
	size_t blen;

	if (!s || !script)
		return false;
	base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	blen = strlen(base);
	at = memmem(s, (size_t)slen, " @ ", 3);
	return at && (size_t)(s + slen - at - 3) > blen && strncmp(at + 3, base, blen) == 0 &&
	       at[3 + blen] == ':';
}

/* The reason: the last line of the log that is not its summary; the place:
 * the last script line annotated before it, else the last line. */
static void report_verifier(struct rt_exec *x, const char *body, const char *end)
{
	const char *reason = NULL, *source = NULL, *l, *nl;
	int rlen = 0, slen = 0;

	for (l = body; l < end; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(end - l));
		if (!nl)
			nl = end;
		if (!is_summary(l, line_len(l, nl))) {
			reason = l;
			rlen = line_len(l, nl);
		}
	}
	for (l = body; reason && l < reason; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(reason - l));
		if (!nl)
			nl = reason;
		if (l[0] == ';' && l[1] == ' ' && (!in_script(x, source, slen) ||
		                                   in_script(x, l + 2, line_len(l + 2, nl)))) {
			source = l + 2;
			slen = line_len(source, nl);
		}
	}
	if (!reason)
		return;
	if (source) {
		const char *at = strstr(source, " @ ");

		if (at && at < source + slen &&
		    report_at_script(x, reason, rlen, at + 3, (int)(source + slen - at - 3)))
			return;
		if (at && at < source + slen)
			rt_exec_errorf(x, "verifier: %.*s at %.*s (%.*s)", rlen, reason,
			               (int)(source + slen - at - 3), at + 3, (int)(at - source),
			               source);
		else
			rt_exec_errorf(x, "verifier: %.*s (at %.*s)", rlen, reason, slen, source);
	} else {
		rt_exec_errorf(x, "verifier: %.*s", rlen, reason);
	}
}

void rt_exec_log_report(struct rt_exec *x, int err)
{
	const char *log = x->log ? x->log : "", *begin = NULL, *p, *end;
	char name[128] = "";
	const char *pp = NULL, *msg = first_warning;

	for (p = log; (p = strstr(p, LOG_BEGIN)); p += sizeof(LOG_BEGIN) - 1)
		begin = p;
	if (begin)
		prog_name(log, begin, name, sizeof(name));
	if (name[0])
		pp = probe_of(x, name);
	if (strncmp(msg, "libbpf: ", 8) == 0)
		msg += 8;
	if (msg[0])
		rt_exec_errorf(x, "%.*s%s%s%s", line_len(msg, msg + strlen(msg)), msg,
		               pp ? " (probe " : "", pp ? pp : "", pp ? ")" : "");
	else
		rt_exec_errorf(x, "cannot load the BPF object: %s", strerror(-err));
	if (begin) {
		begin += sizeof(LOG_BEGIN) - 1;
		if (*begin == '\n')
			begin++;
		end = strstr(begin, LOG_END);
		report_verifier(x, begin, end ? end : begin + strlen(begin));
	}
	if (x->opt.verbose && x->log_len) {
		fputs("tapir: libbpf said:\n", stderr);
		fwrite(x->log, 1, x->log_len, stderr);
	}
}
