/* regex_dfa.c - POSIX extended regular expressions for =~ and !~: parsed to a
 * Thompson NFA over bytes plus start/end-of-string symbols, made a DFA by
 * subset construction, its symbols grouped into classes, and emitted as C.
 *
 * Supported: literals, '.', [...] with ranges, negation and [:class:],
 * '^', '$', '|', (...), '*', '+', '?', {m}, {m,}, {m,n}, and backslash
 * escapes (\n \t, \. and the like). The match is a search, as SystemTap's:
 * the pattern may match anywhere unless anchored. Subexpression capture
 * (matched()) is not kept.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_dfa.h"

#define SET_WORDS ((REGEX_NSYMS + 63) / 64)
#define NFA_MAX 8192
#define REPEAT_MAX 255

struct symset {
	uint64_t w[SET_WORDS];
};

struct nstate {
	struct symset set; /* symbols leading to 'to' (none: epsilon-only) */
	int to;
	int eps[2];
};

struct frag {
	int start, end;
};

struct parser {
	const char *p, *pat;
	struct nstate *st;
	int n;
	char *err;
	size_t errlen;
	int failed;
};

static void set_add(struct symset *s, int c)
{
	s->w[c / 64] |= 1ULL << (c % 64);
}

static int set_has(const struct symset *s, int c)
{
	return (s->w[c / 64] >> (c % 64)) & 1;
}

static void fail(struct parser *ps, const char *msg)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "%s at offset %d of the regular expression", msg,
			 (int)(ps->p - ps->pat));
	ps->failed = 1;
}

static int new_state(struct parser *ps)
{
	struct nstate *s;

	if (ps->n >= NFA_MAX) {
		fail(ps, "too complex");
		return 0;
	}
	s = &ps->st[ps->n];
	memset(s, 0, sizeof(*s));
	s->to = s->eps[0] = s->eps[1] = -1;
	return ps->n++;
}

static void add_eps(struct parser *ps, int from, int to)
{
	struct nstate *s = &ps->st[from];

	if (s->eps[0] < 0)
		s->eps[0] = to;
	else
		s->eps[1] = to;
}

static struct frag frag_set(struct parser *ps, const struct symset *set)
{
	struct frag f = { new_state(ps), new_state(ps) };

	ps->st[f.start].set = *set;
	ps->st[f.start].to = f.end;
	return f;
}

static struct frag frag_empty(struct parser *ps)
{
	int s = new_state(ps);

	return (struct frag){ s, s };
}

static struct frag frag_cat(struct parser *ps, struct frag a, struct frag b)
{
	add_eps(ps, a.end, b.start);
	return (struct frag){ a.start, b.end };
}

static struct frag frag_alt(struct parser *ps, struct frag a, struct frag b)
{
	struct frag f = { new_state(ps), new_state(ps) };

	add_eps(ps, f.start, a.start);
	add_eps(ps, f.start, b.start);
	add_eps(ps, a.end, f.end);
	add_eps(ps, b.end, f.end);
	return f;
}

/* a*, a+ (min 1) or a? (max 1). */
static struct frag frag_repeat(struct parser *ps, struct frag a, int min1, int max1)
{
	struct frag f = { new_state(ps), new_state(ps) };

	add_eps(ps, f.start, a.start);
	if (!min1)
		add_eps(ps, f.start, f.end);
	if (!max1)
		add_eps(ps, a.end, a.start);
	add_eps(ps, a.end, f.end);
	return f;
}

static struct frag parse_alt(struct parser *ps);

static void class_named(struct parser *ps, struct symset *set)
{
	static const struct {
		const char *name;
		int (*is)(int);
	} classes[] = {
		{ "alpha", isalpha }, { "digit", isdigit }, { "alnum", isalnum }, { "upper", isupper },
		{ "lower", islower }, { "space", isspace }, { "punct", ispunct }, { "print", isprint },
		{ "graph", isgraph }, { "cntrl", iscntrl }, { "xdigit", isxdigit }, { "blank", isblank },
	};
	const char *end = strstr(ps->p, ":]");
	size_t len = end ? (size_t)(end - ps->p) : 0;

	for (size_t i = 0; end && i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) == len && strncmp(ps->p, classes[i].name, len) == 0) {
			for (int c = 1; c < 128; c++) {
				if (classes[i].is(c))
					set_add(set, c);
			}
			ps->p = end + 2;
			return;
		}
	}
	fail(ps, "unknown character class");
}

/* After '[': the bracket expression up to its ']'. */
static struct frag parse_bracket(struct parser *ps)
{
	struct symset set = { { 0 } }, out = { { 0 } };
	int neg = 0, first = 1;

	if (*ps->p == '^') {
		neg = 1;
		ps->p++;
	}
	while (*ps->p && (first || *ps->p != ']')) {
		int lo = (unsigned char)*ps->p++, hi = lo;

		first = 0;
		if (lo == '[' && *ps->p == ':') {
			ps->p++;
			class_named(ps, &set);
			continue;
		}
		if (*ps->p == '-' && ps->p[1] && ps->p[1] != ']') {
			hi = (unsigned char)ps->p[1];
			ps->p += 2;
		}
		if (hi < lo)
			fail(ps, "invalid range in a bracket expression");
		for (int c = lo; c <= hi; c++)
			set_add(&set, c);
	}
	if (*ps->p != ']') {
		fail(ps, "missing ']'");
		return frag_empty(ps);
	}
	ps->p++;
	for (int c = 1; c < 256; c++) {
		if (set_has(&set, c) != neg)
			set_add(&out, c);
	}
	return frag_set(ps, &out);
}

static struct frag parse_escape(struct parser *ps)
{
	struct symset set = { { 0 } };
	int c = (unsigned char)*ps->p;

	if (!c) {
		fail(ps, "trailing backslash");
		return frag_empty(ps);
	}
	ps->p++;
	set_add(&set, c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c);
	return frag_set(ps, &set);
}

static struct frag parse_atom(struct parser *ps)
{
	struct symset set = { { 0 } };
	int c = (unsigned char)*ps->p++;
	struct frag f;

	switch (c) {
	case '(':
		f = *ps->p == ')' ? frag_empty(ps) : parse_alt(ps);
		if (*ps->p != ')')
			fail(ps, "missing ')'");
		else
			ps->p++;
		return f;
	case '[':
		return parse_bracket(ps);
	case '\\':
		return parse_escape(ps);
	case '.':
		for (int b = 1; b < 256; b++)
			set_add(&set, b);
		break;
	case '^':
		set_add(&set, REGEX_BOS);
		break;
	case '$':
		set_add(&set, REGEX_EOS);
		break;
	case '*':
	case '+':
	case '?':
	case '{':
		ps->p--;
		fail(ps, "nothing to repeat");
		ps->p++;
		return frag_empty(ps);
	default:
		set_add(&set, c);
	}
	return frag_set(ps, &set);
}

/* {m}, {m,}, {m,n} after an atom that starts at 'from': the atom parsed
 * again for each copy. */
static struct frag parse_bounds(struct parser *ps, const char *from, struct frag atom)
{
	char *end;
	long min = strtol(ps->p + 1, &end, 10), max = min;
	const char *after;
	struct frag f;

	if (end == ps->p + 1) {
		fail(ps, "invalid repetition count");
		return atom;
	}
	if (*end == ',') {
		char *e2;

		max = end[1] == '}' ? -1 : strtol(end + 1, &e2, 10);
		end = max < 0 ? end + 1 : e2;
	}
	if (*end != '}' || min > REPEAT_MAX || max > REPEAT_MAX || (max >= 0 && max < min)) {
		fail(ps, "invalid repetition count");
		return atom;
	}
	after = end + 1;
	f = frag_empty(ps);
	for (long i = 0; i < (max < 0 ? min + 1 : max) && !ps->failed; i++) {
		struct frag copy = atom;

		if (i > 0) {
			ps->p = from;
			copy = parse_atom(ps);
		}
		if (max < 0 && i == min)
			copy = frag_repeat(ps, copy, 0, 0);
		else if (i >= min)
			copy = frag_repeat(ps, copy, 0, 1);
		f = frag_cat(ps, f, copy);
	}
	ps->p = after;
	return f;
}

static struct frag parse_piece(struct parser *ps)
{
	const char *from = ps->p;
	struct frag f = parse_atom(ps);

	while (!ps->failed) {
		if (*ps->p == '*')
			f = frag_repeat(ps, f, 0, 0);
		else if (*ps->p == '+')
			f = frag_repeat(ps, f, 1, 0);
		else if (*ps->p == '?')
			f = frag_repeat(ps, f, 0, 1);
		else if (*ps->p == '{') {
			f = parse_bounds(ps, from, f);
			continue;
		} else
			break;
		ps->p++;
	}
	return f;
}

static struct frag parse_seq(struct parser *ps)
{
	struct frag f = frag_empty(ps);

	while (*ps->p && *ps->p != '|' && *ps->p != ')' && !ps->failed)
		f = frag_cat(ps, f, parse_piece(ps));
	return f;
}

static struct frag parse_alt(struct parser *ps)
{
	struct frag f = parse_seq(ps);

	while (*ps->p == '|' && !ps->failed) {
		ps->p++;
		f = frag_alt(ps, f, parse_seq(ps));
	}
	return f;
}

/* ---- subset construction ------------------------------------------------ */

struct builder {
	const struct parser *ps;
	int accept;      /* the NFA's final state */
	int words;       /* uint64_t words of an NFA-state set */
	uint64_t *sets;  /* DFA state i: sets + i * words */
	int n;
	uint16_t *next;  /* [state * REGEX_NSYMS + sym] */
};

static void closure(const struct builder *b, uint64_t *set)
{
	int stack[NFA_MAX], sp = 0;

	for (int i = 0; i < b->ps->n; i++) {
		if ((set[i / 64] >> (i % 64)) & 1)
			stack[sp++] = i;
	}
	while (sp > 0) {
		const struct nstate *s = &b->ps->st[stack[--sp]];

		for (int k = 0; k < 2; k++) {
			int t = s->eps[k];

			if (t >= 0 && !((set[t / 64] >> (t % 64)) & 1)) {
				set[t / 64] |= 1ULL << (t % 64);
				stack[sp++] = t;
			}
		}
	}
}

/* The DFA state of an NFA-state set: found, or added. -1 past the limit. */
static int intern(struct builder *b, const uint64_t *set)
{
	for (int i = 0; i < b->n; i++) {
		if (memcmp(b->sets + (size_t)i * b->words, set, sizeof(uint64_t) * (size_t)b->words) == 0)
			return i;
	}
	if (b->n >= REGEX_MAX_STATES)
		return -1;
	memcpy(b->sets + (size_t)b->n * b->words, set, sizeof(uint64_t) * (size_t)b->words);
	return b->n++;
}

static int is_accepting(const struct builder *b, int d)
{
	return (b->sets[(size_t)d * b->words + b->accept / 64] >> (b->accept % 64)) & 1;
}

static int build_dfa(struct builder *b, int start)
{
	uint64_t *set = calloc((size_t)b->words, sizeof(uint64_t));

	set[start / 64] |= 1ULL << (start % 64);
	closure(b, set);
	intern(b, set);
	for (int d = 0; d < b->n; d++) {
		for (int sym = 0; sym < REGEX_NSYMS; sym++) {
			int t;

			if (is_accepting(b, d)) { /* a search: matched stays matched */
				b->next[(size_t)d * REGEX_NSYMS + sym] = (uint16_t)d;
				continue;
			}
			memset(set, 0, sizeof(uint64_t) * (size_t)b->words);
			for (int i = 0; i < b->ps->n; i++) {
				const struct nstate *s = &b->ps->st[i];

				if (((b->sets[(size_t)d * b->words + i / 64] >> (i % 64)) & 1) &&
				    s->to >= 0 && set_has(&s->set, sym))
					set[s->to / 64] |= 1ULL << (s->to % 64);
			}
			closure(b, set);
			t = intern(b, set);
			if (t < 0) {
				free(set);
				return -1;
			}
			b->next[(size_t)d * REGEX_NSYMS + sym] = (uint16_t)t;
		}
	}
	free(set);
	return 0;
}

/* Symbols that go to the same states from every state share a class. */
static void make_classes(struct arena *a, const struct builder *b, struct regex_dfa *out)
{
	int rep[REGEX_NSYMS];

	out->nstates = b->n;
	out->nclasses = 0;
	for (int sym = 0; sym < REGEX_NSYMS; sym++) {
		int k;

		for (k = 0; k < out->nclasses; k++) {
			int d;

			for (d = 0; d < b->n; d++) {
				if (b->next[(size_t)d * REGEX_NSYMS + sym] !=
				    b->next[(size_t)d * REGEX_NSYMS + rep[k]])
					break;
			}
			if (d == b->n)
				break;
		}
		if (k == out->nclasses)
			rep[out->nclasses++] = sym;
		out->cls[sym] = (uint16_t)k;
	}
	out->next = arena_alloc(a, sizeof(uint16_t) * (size_t)b->n * (size_t)out->nclasses);
	out->accept = arena_alloc(a, (size_t)b->n);
	for (int d = 0; d < b->n; d++) {
		out->accept[d] = (uint8_t)is_accepting(b, d);
		for (int k = 0; k < out->nclasses; k++)
			out->next[(size_t)d * out->nclasses + k] = b->next[(size_t)d * REGEX_NSYMS + rep[k]];
	}
}

int regex_compile(struct arena *a, const char *pat, struct regex_dfa *out, char *err,
		  size_t errlen)
{
	struct parser ps = { .p = pat, .pat = pat, .err = err, .errlen = errlen };
	struct builder b = { .ps = &ps };
	struct symset any = { { 0 } };
	struct frag f, search;
	int rc = -1;

	ps.st = calloc(NFA_MAX, sizeof(*ps.st));
	f = parse_alt(&ps);
	if (!ps.failed && *ps.p)
		fail(&ps, "unmatched ')'");
	for (int c = 1; c <= REGEX_BOS; c++)
		set_add(&any, c);
	search = frag_cat(&ps, frag_repeat(&ps, frag_set(&ps, &any), 0, 0), f);
	if (ps.failed)
		goto out;
	b.accept = search.end;
	b.words = (ps.n + 63) / 64;
	b.sets = calloc((size_t)REGEX_MAX_STATES * (size_t)b.words, sizeof(uint64_t));
	b.next = calloc((size_t)REGEX_MAX_STATES * REGEX_NSYMS, sizeof(uint16_t));
	if (build_dfa(&b, search.start) < 0) {
		snprintf(err, errlen, "the regular expression needs more than %d states",
			 REGEX_MAX_STATES);
	} else {
		make_classes(a, &b, out);
		rc = 0;
	}
	free(b.sets);
	free(b.next);
out:
	free(ps.st);
	return rc;
}

/* ---- the C function ------------------------------------------------------ */

static void emit_table(struct strbuf *o, const char *type, const char *name, const char *suffix,
		       const uint16_t *v16, const uint8_t *v8, size_t n)
{
	sb_printf(o, "static const %s %s_%s[%zu] = {", type, name, suffix, n);
	for (size_t i = 0; i < n; i++)
		sb_printf(o, "%s%u,", i % 16 ? " " : "\n\t", v16 ? v16[i] : v8[i]);
	sb_puts(o, "\n};\n");
}

void regex_emit_c(struct strbuf *o, const struct regex_dfa *d, const char *name,
		  const char *maxlen)
{
	size_t cells = (size_t)d->nstates * (size_t)d->nclasses;

	emit_table(o, "unsigned short", name, "cls", d->cls, NULL, REGEX_NSYMS);
	emit_table(o, "unsigned short", name, "next", d->next, NULL, cells);
	emit_table(o, "unsigned char", name, "acc", NULL, d->accept, (size_t)d->nstates);
	sb_printf(o,
		  "static inline __attribute__((always_inline)) int %s_step(unsigned int *st, unsigned int sym)\n{\n"
		  "\tunsigned int i;\n\n"
		  "\tif (sym >= %dU)\n\t\treturn 0;\n"
		  "\ti = *st * %dU + %s_cls[sym];\n"
		  "\tif (i >= %zuU)\n\t\treturn 0;\n"
		  "\t*st = %s_next[i];\n"
		  "\treturn *st < %dU && %s_acc[*st];\n}\n\n",
		  name, REGEX_NSYMS, d->nclasses, name, cells, name, d->nstates, name);
	sb_printf(o,
		  "static inline __attribute__((always_inline)) int %s(const char *s)\n{\n"
		  "\tunsigned int st = 0;\n\tint i;\n\n"
		  "\tif (%s_acc[0] || %s_step(&st, %dU))\n\t\treturn 1;\n"
		  "\tfor (i = 0; i < (%s); i++) {\n"
		  "\t\tunsigned char c = (unsigned char)s[i];\n\n"
		  "\t\tif (!c)\n\t\t\tbreak;\n"
		  "\t\tif (%s_step(&st, c))\n\t\t\treturn 1;\n\t}\n"
		  "\treturn %s_step(&st, %dU);\n}\n\n",
		  name, name, name, REGEX_BOS, maxlen, name, name, REGEX_EOS);
}
