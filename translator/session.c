/* session.c - loading sources into the arena. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "tapir.h"

struct source *source_from_string(struct arena *a, const char *name, const char *text)
{
	struct source *s = arena_alloc(a, sizeof(*s));

	s->name = arena_strdup(a, name);
	s->len = strlen(text);
	s->text = arena_strndup(a, text, s->len);
	return s;
}

static char *slurp(struct arena *a, FILE *f, size_t *len)
{
	struct strbuf sb = { 0 };
	char buf[65536];
	struct stat st;
	size_t n;
	char *text;

	/* A regular file is read straight into the arena, in one piece. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		size_t size = (size_t)st.st_size;
		int c;

		text = arena_alloc(a, size + 1);
		*len = fread(text, 1, size, f);
		if (*len < size || (c = getc(f)) == EOF)
			return ferror(f) ? NULL : text;
		ungetc(c, f); /* it grew while read: the rest as a stream */
		sb_putn(&sb, text, *len);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_putn(&sb, buf, n);
	if (ferror(f)) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	text = arena_strndup(a, sb.data ? sb.data : "", sb.len);
	sb_free(&sb);
	return text;
}

/* Load a script; "-" reads standard input. */
struct source *source_load(struct arena *a, struct diag_ctx *d, const char *path,
			   const char *display_name)
{
	struct source *s;
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	char *text;
	size_t len = 0;

	if (!f) {
		diag_plain(d, DIAG_ERROR, "cannot open script '%s': %s", path, strerror(errno));
		return NULL;
	}
	text = slurp(a, f, &len);
	if (!is_stdin)
		fclose(f);
	if (!text) {
		diag_plain(d, DIAG_ERROR, "cannot read script '%s'", path);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		diag_plain(d, DIAG_ERROR, "script '%s' is not text (it holds a NUL byte)", path);
		return NULL;
	}
	s = arena_alloc(a, sizeof(*s));
	s->name = arena_strdup(a, display_name ? display_name : path);
	s->text = text;
	s->len = len;
	return s;
}
