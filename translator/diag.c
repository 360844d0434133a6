/* diag.c - diagnostics: collected while a pass runs, printed in order as
 *   file:line:col: error: message
 *    LINE | source text
 *         |     ^~~~
 *   file:line:col: note: ...
 * so that one run reports every error it can find, deterministically.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tapir.h"

struct diag_msg {
	enum diag_level level;
	bool has_loc;
	struct loc loc;
	char *text;
	bool is_hint;
};

struct diag_ctx {
	FILE *out;
	struct diag_msg *msgs;
	int n, cap;
	int errors;
	bool warnings_on;
	bool werror;
	bool last_dropped; /* notes of a suppressed warning are dropped too */
};

struct diag_ctx *diag_new(FILE *out)
{
	struct diag_ctx *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	d->out = out;
	d->warnings_on = true;
	return d;
}

static void free_msgs(struct diag_ctx *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	d->n = 0;
}

void diag_free(struct diag_ctx *d)
{
	if (!d)
		return;
	free_msgs(d);
	free(d->msgs);
	free(d);
}

void diag_set_warnings(struct diag_ctx *d, bool on)
{
	d->warnings_on = on;
}

void diag_set_werror(struct diag_ctx *d, bool on)
{
	d->werror = on;
}

int diag_errors(const struct diag_ctx *d)
{
	return d->errors;
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	s = malloc((size_t)n + 1);
	if (!s)
		abort();
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static void push(struct diag_ctx *d, struct diag_msg m)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->msgs = realloc(d->msgs, sizeof(*d->msgs) * (size_t)d->cap);
		if (!d->msgs)
			abort();
	}
	d->msgs[d->n++] = m;
}

/* Decide whether a new top-level message is kept, counting errors. */
static bool admit(struct diag_ctx *d, enum diag_level *lvl)
{
	if (*lvl == DIAG_WARNING && d->werror)
		*lvl = DIAG_ERROR;
	d->last_dropped = *lvl == DIAG_WARNING && !d->warnings_on;
	if (d->last_dropped)
		return false;
	if (*lvl == DIAG_ERROR)
		d->errors++;
	return true;
}

void diag_at(struct diag_ctx *d, enum diag_level lvl, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	struct diag_msg m = { .has_loc = loc.src != NULL, .loc = loc };

	if (!admit(d, &lvl))
		return;
	m.level = lvl;
	va_start(ap, fmt);
	m.text = vformat(fmt, ap);
	va_end(ap);
	push(d, m);
}

void diag_plain(struct diag_ctx *d, enum diag_level lvl, const char *fmt, ...)
{
	va_list ap;
	struct diag_msg m = { 0 };

	if (!admit(d, &lvl))
		return;
	m.level = lvl;
	va_start(ap, fmt);
	m.text = vformat(fmt, ap);
	va_end(ap);
	push(d, m);
}

void diag_note(struct diag_ctx *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	struct diag_msg m = { .level = DIAG_NOTE, .has_loc = loc.src != NULL, .loc = loc };

	if (d->last_dropped)
		return;
	va_start(ap, fmt);
	m.text = vformat(fmt, ap);
	va_end(ap);
	push(d, m);
}

void diag_hint(struct diag_ctx *d, const char *fmt, ...)
{
	va_list ap;
	struct diag_msg m = { .level = DIAG_NOTE, .is_hint = true };

	if (d->last_dropped)
		return;
	va_start(ap, fmt);
	m.text = vformat(fmt, ap);
	va_end(ap);
	push(d, m);
}

static const char *level_name(enum diag_level l)
{
	switch (l) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_NOTE:
		break;
	}
	return "note";
}

/* Print the source line of loc and a caret with '~' under the span. Tabs
 * before the column are kept so that the caret lines up in any terminal. */
static void print_excerpt(FILE *out, struct loc loc)
{
	const char *p = loc.src->text, *end;
	int line = 1, width, i;

	while (line < loc.line && *p) {
		if (*p++ == '\n')
			line++;
	}
	if (line != loc.line)
		return;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	width = fprintf(out, " %d", loc.line);
	fprintf(out, " | %.*s\n", (int)(end - p), p);
	fprintf(out, "%*s | ", width, "");
	for (i = 0; i < loc.col - 1 && p + i < end; i++)
		fputc(p[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	for (i = 1; i < loc.len && p + loc.col - 1 + i < end; i++)
		fputc('~', out);
	fputc('\n', out);
}

void diag_flush(struct diag_ctx *d)
{
	for (int i = 0; i < d->n; i++) {
		struct diag_msg *m = &d->msgs[i];

		if (m->is_hint) {
			fprintf(d->out, "hint: %s\n", m->text);
			continue;
		}
		if (m->has_loc)
			fprintf(d->out, "%s:%d:%d: ", m->loc.src->name, m->loc.line, m->loc.col);
		else if (m->level != DIAG_NOTE)
			fputs("tapir: ", d->out);
		fprintf(d->out, "%s: %s\n", level_name(m->level), m->text);
		if (m->has_loc && m->loc.src->text)
			print_excerpt(d->out, m->loc);
	}
	fflush(d->out);
	free_msgs(d);
}

/* Levenshtein distance, capped: names further than max are not compared. */
static int distance(const char *a, const char *b, int max)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int *row, best = max + 1;

	if (abs(la - lb) > max)
		return max + 1;
	row = malloc(sizeof(int) * (size_t)(lb + 1));
	if (!row)
		abort();
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = diag + cost;

			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (up + 1 < v)
				v = up + 1;
			row[j] = v;
			diag = up;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

const char *diag_closest(const char *name, const char *const *cands, int n)
{
	int max = (int)strlen(name) / 3 + 1;
	const char *best = NULL;
	int best_d = max + 1;

	for (int i = 0; i < n; i++) {
		int dist = distance(name, cands[i], max);

		if (dist < best_d && strcmp(name, cands[i]) != 0) {
			best_d = dist;
			best = cands[i];
		}
	}
	return best;
}
