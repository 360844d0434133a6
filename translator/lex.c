/* lex.c - the lexer: source text to tokens.
 *
 * Script arguments ($1 @1 $# @#) come out as TOK_ARG; the preprocessor
 * substitutes them, since they may stand anywhere a token may begin.
 */
#include <ctype.h>
#include <string.h>

#include "tapir.h"

struct lexer {
	struct arena *arena;
	struct diag_ctx *diag;
	const struct source *src;
	const char *p;
	int line, col;
};

/* Longest first, so that a prefix never wins over a longer operator. */
static const char *const operators[] = {
	"<<<", "<<=", ">>=",
	"%{", "%}", "%(", "%?", "%:", "%)",
	"==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=",
	"%=", "&=", "^=", "|=", ".=", "<<", ">>", "->", "=~", "!~",
	"{", "}", "(", ")", "[", "]", ";", ",", ".", "+", "-", "*", "/", "%",
	"&", "|", "^", "~", "!", "<", ">", "=", "?", ":",
};

struct lexer *lex_new(struct arena *a, struct diag_ctx *d, const struct source *src)
{
	struct lexer *lx = arena_alloc(a, sizeof(*lx));

	lx->arena = a;
	lx->diag = d;
	lx->src = src;
	lx->p = src->text;
	lx->line = 1;
	lx->col = 1;
	return lx;
}

bool tok_is(const struct token *t, const char *text)
{
	return (t->kind == TOK_OP || t->kind == TOK_IDENT) && t->text[0] == text[0] &&
	       strcmp(t->text, text) == 0;
}

static struct loc here(const struct lexer *lx)
{
	return (struct loc){ .src = lx->src, .line = lx->line, .col = lx->col, .len = 1 };
}

static void advance(struct lexer *lx, size_t n)
{
	while (n-- > 0 && *lx->p) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->p++;
	}
}

/* Skip blanks and comments; report whether any newline was crossed. */
static bool skip_space(struct lexer *lx, bool *newline)
{
	bool any = false;

	for (;;) {
		const char *p = lx->p;

		if (*p == '\n')
			*newline = true;
		if (isspace((unsigned char)*p)) {
			advance(lx, 1);
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*lx->p && *lx->p != '\n')
				advance(lx, 1);
		} else if (p[0] == '/' && p[1] == '*') {
			struct loc start = here(lx);
			const char *end = strstr(p + 2, "*/");

			if (!end) {
				diag_at(lx->diag, DIAG_ERROR, start, "unterminated comment");
				advance(lx, strlen(p));
				return true;
			}
			for (const char *q = p; q < end; q++)
				*newline |= *q == '\n';
			advance(lx, (size_t)(end + 2 - p));
		} else {
			return any;
		}
		any = true;
	}
}

static struct token *make(struct lexer *lx, enum tok_kind kind, struct loc loc, const char *start,
			  size_t len)
{
	struct token *t = arena_alloc(lx->arena, sizeof(*t));

	t->kind = kind;
	t->loc = loc;
	t->loc.len = len > 0 ? (int)len : 1;
	t->text = arena_strndup(lx->arena, start, len);
	t->len = len;
	return t;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

static struct token *lex_number(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s;
	int base = 10;
	uint64_t v = 0;
	bool overflow = false, bad = false;
	struct token *t;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (; isalnum((unsigned char)*p); p++) {
		int c = tolower((unsigned char)*p), digit;

		digit = isdigit(c) ? c - '0' : c - 'a' + 10;
		if (digit >= base) {
			bad = true;
			continue;
		}
		if (v > (UINT64_MAX - (uint64_t)digit) / (uint64_t)base)
			overflow = true;
		v = v * (uint64_t)base + (uint64_t)digit;
	}
	if (base == 16 && p == s + 2)
		bad = true;
	t = make(lx, TOK_NUMBER, loc, s, (size_t)(p - s));
	advance(lx, (size_t)(p - s));
	if (bad)
		diag_at(lx->diag, DIAG_ERROR, t->loc, "malformed number '%s'", t->text);
	else if (overflow)
		diag_at(lx->diag, DIAG_ERROR, t->loc, "number '%s' is out of the 64-bit range",
			t->text);
	t->num = (int64_t)v;
	return t;
}

/* One escape after a backslash; p points past the backslash. */
static const char *decode_escape(const char *p, struct strbuf *sb)
{
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v\\\\\"\"''??";
	int v = 0, i;

	for (i = 0; simple[i]; i += 2) {
		if (*p == simple[i]) {
			sb_putc(sb, simple[i + 1]);
			return p + 1;
		}
	}
	if (*p >= '0' && *p <= '7') {
		for (i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
			v = v * 8 + (*p++ - '0');
		sb_putc(sb, (char)v);
		return p;
	}
	if (*p == 'x' && isxdigit((unsigned char)p[1])) {
		for (p++, i = 0; i < 2 && isxdigit((unsigned char)*p); i++, p++)
			v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' : tolower(*p) - 'a' + 10);
		sb_putc(sb, (char)v);
		return p;
	}
	/* Unknown escapes keep their backslash, as the C compiler would see it. */
	sb_putc(sb, '\\');
	if (*p)
		sb_putc(sb, *p++);
	return p;
}

static struct token *lex_string(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s + 1;
	struct strbuf sb = { 0 };
	struct token *t;

	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p = decode_escape(p + 1, &sb);
		else
			sb_putc(&sb, *p++);
	}
	if (!*p) {
		diag_at(lx->diag, DIAG_ERROR, loc, "unterminated string literal");
		advance(lx, (size_t)(p - s));
	} else {
		advance(lx, (size_t)(p + 1 - s));
	}
	t = make(lx, TOK_STRING, loc, sb.data ? sb.data : "", sb.len);
	t->loc.len = (int)(p - s) + 1;
	sb_free(&sb);
	return t;
}

static struct token *lex_embedded(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p + 2;
	const char *end = strstr(s, "%}");
	struct token *t;

	if (!end) {
		diag_at(lx->diag, DIAG_ERROR, loc, "unterminated embedded C: '%%{' without '%%}'");
		end = s + strlen(s);
		t = make(lx, TOK_EMBEDDED, loc, s, (size_t)(end - s));
		advance(lx, (size_t)(end - lx->p));
	} else {
		t = make(lx, TOK_EMBEDDED, loc, s, (size_t)(end - s));
		advance(lx, (size_t)(end + 2 - lx->p));
	}
	t->loc.len = 2;
	return t;
}

/* $name $name$ $$vars $1 $#, and @name @1 @# */
static struct token *lex_sigil(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s + 1;
	struct token *t;
	enum tok_kind kind = *s == '$' ? TOK_DOLLAR : TOK_AT;

	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p))
			p++;
		kind = TOK_ARG;
	} else if (*p == '#') {
		p++;
		kind = TOK_ARG;
	} else if (*s == '$') {
		while (is_ident_char((unsigned char)*p))
			p++;
	} else {
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
	}
	t = make(lx, kind, loc, s, (size_t)(p - s));
	advance(lx, (size_t)(p - s));
	if (p == s + 1 && *s == '@')
		diag_at(lx->diag, DIAG_ERROR, loc, "'@' must be followed by a name");
	return t;
}

static struct token *lex_op(struct lexer *lx, struct loc loc)
{
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
		const char *op = operators[i];
		size_t n;

		if (op[0] != lx->p[0])
			continue;
		n = op[1] == '\0' ? 1 : op[2] == '\0' ? 2 : 3;
		if (strncmp(lx->p, op, n) == 0) {
			struct token *t = make(lx, TOK_OP, loc, lx->p, n);

			advance(lx, n);
			return t;
		}
	}
	return NULL;
}

struct token *lex_next(struct lexer *lx)
{
	bool newline = lx->p == lx->src->text, space;
	struct token *t;
	struct loc loc;
	unsigned char c;

	for (;;) {
		space = skip_space(lx, &newline);
		loc = here(lx);
		c = (unsigned char)*lx->p;
		if (!c) {
			t = make(lx, TOK_EOF, loc, "", 0);
		} else if (is_ident_start(c)) {
			const char *s = lx->p;

			while (is_ident_char((unsigned char)*lx->p))
				advance(lx, 1);
			t = make(lx, TOK_IDENT, loc, s, (size_t)(lx->p - s));
		} else if (isdigit(c)) {
			t = lex_number(lx, loc);
		} else if (c == '"') {
			t = lex_string(lx, loc);
		} else if (c == '%' && lx->p[1] == '{') {
			t = lex_embedded(lx, loc);
		} else if (c == '$' || c == '@') {
			t = lex_sigil(lx, loc);
		} else if ((t = lex_op(lx, loc)) == NULL) {
			if (isprint(c))
				diag_at(lx->diag, DIAG_ERROR, loc, "unexpected character '%c'", c);
			else
				diag_at(lx->diag, DIAG_ERROR, loc, "unexpected byte 0x%02x", c);
			advance(lx, 1);
			continue;
		}
		break;
	}
	t->space_before = space || newline;
	t->line_before = newline;
	return t;
}
