/* lex.c - the lexer: source text to tokens.
 *
 * Script arguments ($1 @1 $# @#) come out as TOK_ARG; the preprocessor
 * substitutes them, since they may stand anywhere a token may begin.
 *
 * Every run lexes the whole tapset library (3.8 MB), so this file is built
 * for speed: characters are classified by a table, an operator is found by
 * a switch on its first character, names and numbers are interned (their
 * tokens share one copy of the text), and a column is computed from the
 * start of its line instead of counted character by character.
 */
#include <string.h>

#include "tapir.h"

struct lexer {
	struct arena *arena;    /* for texts */
	struct arena *tokens;   /* its scratch arena, for tokens */
	struct diag_ctx *diag;
	const struct source *src;
	const char *p;
	const char *line_start; /* of the line p is on: col = p - line_start + 1 */
	int line;
	struct token *last;     /* the token lex_next returned last */
	struct token *spare;    /* given back by lex_reuse, for the next one */
};

/* Character classes, as the C locale's isspace, isdigit... see them. */
enum {
	CC_SPACE = 1,     /* ' ' \t \n \v \f \r */
	CC_DIGIT = 2,     /* 0-9 */
	CC_ALPHA = 4,     /* a-z A-Z _ */
	CC_DOLLAR = 8,    /* $, which may continue a $name */
	CC_XDIGIT = 16,   /* 0-9 a-f A-F */
};

static const unsigned char cclass[256] = {
	[' '] = CC_SPACE, ['\t'] = CC_SPACE, ['\n'] = CC_SPACE,
	['\v'] = CC_SPACE, ['\f'] = CC_SPACE, ['\r'] = CC_SPACE,
	['0' ... '9'] = CC_DIGIT | CC_XDIGIT,
	['a' ... 'f'] = CC_ALPHA | CC_XDIGIT, ['g' ... 'z'] = CC_ALPHA,
	['A' ... 'F'] = CC_ALPHA | CC_XDIGIT, ['G' ... 'Z'] = CC_ALPHA,
	['_'] = CC_ALPHA,
	['$'] = CC_DOLLAR,
};

static bool is_space(unsigned char c)
{
	return cclass[c] & CC_SPACE;
}

static bool is_digit(unsigned char c)
{
	return cclass[c] & CC_DIGIT;
}

static bool is_xdigit(unsigned char c)
{
	return cclass[c] & CC_XDIGIT;
}

/* Letters, digits and '_': the characters of an @name, or of a number. */
static bool is_alnum(unsigned char c)
{
	return cclass[c] & (CC_ALPHA | CC_DIGIT);
}

static bool is_ident_start(unsigned char c)
{
	return cclass[c] & CC_ALPHA;
}

static bool is_ident_char(unsigned char c)
{
	return cclass[c] & (CC_ALPHA | CC_DIGIT | CC_DOLLAR);
}

static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool is_print(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

uint64_t tok_word(const char *s)
{
	uint64_t w = 0;
	int i;

	for (i = 0; i < 8 && s[i]; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return s[i] ? 0 : w;
}

bool tok_is(const struct token *t, const char *text)
{
	uint64_t w = tok_word(text);

	if (t->kind != TOK_OP && t->kind != TOK_IDENT)
		return false;
	return w ? t->word == w : strcmp(t->text, text) == 0;
}

struct lexer *lex_new(struct arena *a, struct diag_ctx *d, const struct source *src)
{
	struct lexer *lx = arena_alloc(a, sizeof(*lx));

	lx->arena = a;
	lx->tokens = arena_scratch(a);
	lx->diag = d;
	lx->src = src;
	lx->p = src->text;
	lx->line_start = src->text;
	lx->line = 1;
	return lx;
}

static struct loc here(const struct lexer *lx)
{
	return (struct loc){ .src = lx->src, .line = lx->line,
			     .col = (int)(lx->p - lx->line_start) + 1, .len = 1 };
}

/* Move to end, which lies on the same line or further: count the lines. */
static void move_to(struct lexer *lx, const char *end)
{
	const char *q = lx->p;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		lx->line++;
		lx->line_start = ++q;
	}
	lx->p = end;
}

/* Skip blanks and comments; report whether any newline was crossed. */
static bool skip_space(struct lexer *lx, bool *newline)
{
	const char *p = lx->p, *start = p;

	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n') {
			*newline = true;
			lx->line++;
			lx->line_start = ++p;
		} else if (is_space(c)) {
			p++;
		} else if (c == '#' || (c == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (c == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			lx->p = p;
			if (!end) {
				diag_at(lx->diag, DIAG_ERROR, here(lx), "unterminated comment");
				move_to(lx, p + strlen(p));
				return true;
			}
			if (memchr(p, '\n', (size_t)(end - p)))
				*newline = true;
			move_to(lx, end + 2);
			p = lx->p;
		} else {
			lx->p = p;
			return p != start;
		}
	}
}

/* A token whose text is text (not copied) and whose span is len bytes. */
static struct token *make(struct lexer *lx, enum tok_kind kind, struct loc loc, const char *text,
			  size_t len)
{
	struct token *t = lx->spare ? lx->spare : arena_alloc(lx->tokens, sizeof(*t));

	lx->spare = NULL;
	loc.len = len > 0 ? (int)len : 1;
	*t = (struct token){ .kind = kind, .loc = loc, .text = text };
	return t;
}

/* A token for the len bytes at p, its text interned. */
static struct token *make_interned(struct lexer *lx, enum tok_kind kind, struct loc loc, size_t len)
{
	struct token *t = make(lx, kind, loc, arena_intern(lx->arena, lx->p, len), len);

	lx->p += len;
	return t;
}

static struct token *lex_ident(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s + 1;
	uint64_t word = 0;
	struct token *t;

	while (is_ident_char((unsigned char)*p))
		p++;
	if (p - s <= 8) {
		for (int i = 0; i < p - s; i++)
			word |= (uint64_t)(unsigned char)s[i] << (8 * i);
	}
	t = make_interned(lx, TOK_IDENT, loc, (size_t)(p - s));
	t->word = word;
	return t;
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
	for (; is_alnum((unsigned char)*p) && *p != '_'; p++) {
		int c = lower((unsigned char)*p);
		int digit = is_digit((unsigned char)c) ? c - '0' : c - 'a' + 10;

		if (digit >= base) {
			bad = true;
			continue;
		}
		/* (no division per digit: the multiply tells when it wraps) */
		overflow |= __builtin_mul_overflow(v, (uint64_t)base, &v);
		overflow |= __builtin_add_overflow(v, (uint64_t)digit, &v);
	}
	if (base == 16 && p == s + 2)
		bad = true;
	t = make_interned(lx, TOK_NUMBER, loc, (size_t)(p - s));
	if (bad)
		diag_at(lx->diag, DIAG_ERROR, t->loc, "malformed number '%s'", t->text);
	else if (overflow)
		diag_at(lx->diag, DIAG_ERROR, t->loc, "number '%s' is out of the 64-bit range",
			t->text);
	t->num = (int64_t)v;
	return t;
}

/* One escape after a backslash; p points past the backslash. The decoded
 * bytes go to *out, never more than were read. */
static const char *decode_escape(const char *p, char **out)
{
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v\\\\\"\"''??";
	int v = 0, i;

	for (i = 0; simple[i]; i += 2) {
		if (*p == simple[i]) {
			*(*out)++ = simple[i + 1];
			return p + 1;
		}
	}
	if (*p >= '0' && *p <= '7') {
		for (i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
			v = v * 8 + (*p++ - '0');
		*(*out)++ = (char)v;
		return p;
	}
	if (*p == 'x' && is_xdigit((unsigned char)p[1])) {
		for (p++, i = 0; i < 2 && is_xdigit((unsigned char)*p); i++, p++)
			v = v * 16 + (is_digit((unsigned char)*p) ? *p - '0' : lower(*p) - 'a' + 10);
		*(*out)++ = (char)v;
		return p;
	}
	/* Unknown escapes keep their backslash, as the C compiler would see it. */
	*(*out)++ = '\\';
	if (*p)
		*(*out)++ = *p++;
	return p;
}

static struct token *lex_string(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s + 1, *end;
	char *text, *out;
	struct token *t;

	end = p + strcspn(p, "\"\\");
	if (*end == '\\')
		end += strcspn(end, "\"");
	/* end: the closing quote (or the NUL), perhaps after an escaped one */
	while (*end == '"' && end[-1] == '\\') {
		const char *q = end - 1;

		while (q > p && q[-1] == '\\')
			q--;
		if ((end - q) % 2 == 0)
			break; /* an even run of backslashes: the quote is real */
		end = end + 1 + strcspn(end + 1, "\"");
	}
	text = out = arena_alloc(lx->arena, (size_t)(end - p) + 1);
	while (p < end) {
		if (*p == '\\' && p[1])
			p = decode_escape(p + 1, &out);
		else
			*out++ = *p++;
	}
	t = make(lx, TOK_STRING, loc, text, (size_t)(end - s) + 1);
	if (!*end) {
		diag_at(lx->diag, DIAG_ERROR, loc, "unterminated string literal");
		move_to(lx, end);
	} else {
		move_to(lx, end + 1);
	}
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
		t = make(lx, TOK_EMBEDDED, loc, arena_strndup(lx->arena, s, (size_t)(end - s)), 2);
		move_to(lx, end);
	} else {
		t = make(lx, TOK_EMBEDDED, loc, arena_strndup(lx->arena, s, (size_t)(end - s)), 2);
		move_to(lx, end + 2);
	}
	return t;
}

/* $name $name$ $$vars $1 $#, and @name @1 @# */
static struct token *lex_sigil(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p, *p = s + 1;
	enum tok_kind kind = *s == '$' ? TOK_DOLLAR : TOK_AT;

	if (is_digit((unsigned char)*p)) {
		while (is_digit((unsigned char)*p))
			p++;
		kind = TOK_ARG;
	} else if (*p == '#') {
		p++;
		kind = TOK_ARG;
	} else if (*s == '$') {
		while (is_ident_char((unsigned char)*p))
			p++;
	} else {
		while (is_alnum((unsigned char)*p))
			p++;
	}
	if (p == s + 1 && *s == '@')
		diag_at(lx->diag, DIAG_ERROR, loc, "'@' must be followed by a name");
	return make_interned(lx, kind, loc, (size_t)(p - s));
}

/* The operator at p, longest match first, or NULL. ("%{" is embedded C,
 * taken before.) */
static const char *op_at(const char *p)
{
	char c1 = p[1];

	switch (p[0]) {
	case '<':
		if (c1 == '<')
			return p[2] == '<' ? "<<<" : p[2] == '=' ? "<<=" : "<<";
		return c1 == '=' ? "<=" : "<";
	case '>':
		if (c1 == '>')
			return p[2] == '>' ? ">>>" : p[2] == '=' ? ">>=" : ">>";
		return c1 == '=' ? ">=" : ">";
	case '%':
		switch (c1) {
		case '}': return "%}";
		case '(': return "%(";
		case '?': return "%?";
		case ':': return "%:";
		case ')': return "%)";
		case '=': return "%=";
		default: return "%";
		}
	case '=': return c1 == '=' ? "==" : c1 == '~' ? "=~" : "=";
	case '!': return c1 == '=' ? "!=" : c1 == '~' ? "!~" : "!";
	case '&': return c1 == '&' ? "&&" : c1 == '=' ? "&=" : "&";
	case '|': return c1 == '|' ? "||" : c1 == '=' ? "|=" : "|";
	case '+': return c1 == '+' ? "++" : c1 == '=' ? "+=" : "+";
	case '-': return c1 == '-' ? "--" : c1 == '=' ? "-=" : c1 == '>' ? "->" : "-";
	case '*': return c1 == '=' ? "*=" : "*";
	case '/': return c1 == '=' ? "/=" : "/";
	case '^': return c1 == '=' ? "^=" : "^";
	case '.': return c1 == '=' ? ".=" : ".";
	case '{': return "{";
	case '}': return "}";
	case '(': return "(";
	case ')': return ")";
	case '[': return "[";
	case ']': return "]";
	case ';': return ";";
	case ',': return ",";
	case '~': return "~";
	case '?': return "?";
	case ':': return ":";
	default: return NULL;
	}
}

static struct token *lex_op(struct lexer *lx, struct loc loc)
{
	const char *op = op_at(lx->p);
	size_t n;
	struct token *t;

	if (!op)
		return NULL;
	n = strlen(op);
	t = make(lx, TOK_OP, loc, op, n);
	t->word = tok_word(op);
	lx->p += n;
	return t;
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
			t = lex_ident(lx, loc);
		} else if (is_digit(c)) {
			t = lex_number(lx, loc);
		} else if (c == '"') {
			t = lex_string(lx, loc);
		} else if (c == '%' && lx->p[1] == '{') {
			t = lex_embedded(lx, loc);
		} else if (c == '$' || c == '@') {
			t = lex_sigil(lx, loc);
		} else if ((t = lex_op(lx, loc)) == NULL) {
			if (is_print(c))
				diag_at(lx->diag, DIAG_ERROR, loc, "unexpected character '%c'", c);
			else
				diag_at(lx->diag, DIAG_ERROR, loc, "unexpected byte 0x%02x", c);
			lx->p++;
			continue;
		}
		break;
	}
	t->space_before = space || newline;
	t->line_before = newline;
	lx->last = t;
	return t;
}

void lex_reuse(struct lexer *lx, struct token *t)
{
	if (!t)
		lx->last = NULL;
	lx->spare = t && t == lx->last && t->kind != TOK_EOF ? t : NULL;
}
