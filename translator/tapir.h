/* tapir.h - the translator's shared header: memory, diagnostics, tokens, AST.
 *
 * Memory policy: everything that lives as long as a translation (source
 * text, AST nodes, strings) is allocated from one arena and freed at once
 * when the session ends; no pass frees individual nodes. Tokens, which die
 * with their declaration, live in the arena's scratch arena, emptied
 * between declarations (arena_scratch, pp_recycle).
 */
#ifndef TAPIR_H
#define TAPIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- arena.c ---------------------------------------------------------- */

struct arena;
struct arena *arena_new(void);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed, aligned to 8 */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* The arena's one copy of s[0..n): equal strings get the same pointer
 * (names in tokens and the AST share their text). */
const char *arena_intern(struct arena *a, const char *s, size_t n);
/* A second arena, freed with a, for what dies young: the tokens, which
 * the parser drops at each declaration (see pp_recycle). */
struct arena *arena_scratch(struct arena *a);
/* Free all that was allocated from a (a scratch arena), keeping its memory. */
void arena_reset(struct arena *a);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A growable byte buffer, heap-backed (for output and string building). */
struct strbuf {
	char *data;
	size_t len, cap;
};
void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct strbuf *sb);

/* A growable array of pointers, arena-backed. */
struct vec {
	void **items;
	int len, cap;
};
void vec_push(struct arena *a, struct vec *v, void *item);

/* ---- diag.c: source files and diagnostics ----------------------------- */

struct source {
	const char *name;   /* as shown in messages */
	const char *text;   /* NUL-terminated contents */
	size_t len;
	bool is_library;    /* a tapset file, not the user's script */
};

struct loc {
	const struct source *src;
	int line, col;      /* 1-based */
	int len;            /* span length in columns, >= 1 */
};

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag_ctx;
struct diag_ctx *diag_new(FILE *out);
void diag_free(struct diag_ctx *d);
/* Report at a location. Messages are kept and printed in order by diag_flush. */
void diag_at(struct diag_ctx *d, enum diag_level lvl, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A note attached to the last error or warning (e.g. "expanded from ..."). */
void diag_note(struct diag_ctx *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A hint without a location attached to the last error ("did you mean 'x'?"). */
void diag_hint(struct diag_ctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error without a location (bad option, missing file). */
void diag_plain(struct diag_ctx *d, enum diag_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int diag_errors(const struct diag_ctx *d);
void diag_flush(struct diag_ctx *d);
void diag_set_warnings(struct diag_ctx *d, bool on); /* -w turns them off */
void diag_set_werror(struct diag_ctx *d, bool on);   /* -W: warnings are errors */
/* The closest of n candidate names to name, or NULL when none is close. */
const char *diag_closest(const char *name, const char *const *cands, int n);

/* ---- lex.c ------------------------------------------------------------ */

enum tok_kind {
	TOK_EOF,
	TOK_IDENT,    /* foo, also keywords: the parser compares words */
	TOK_NUMBER,   /* 42 0x2a 052 */
	TOK_STRING,   /* "..." : text is the decoded value */
	TOK_OP,       /* punctuation: text holds it ("<<<", "{", "%(" ...) */
	TOK_EMBEDDED, /* %{ ... %} : text is what lies between */
	TOK_DOLLAR,   /* $name, $name$, $$vars, $$parms$$ : text includes '$' */
	TOK_AT,       /* @name : text includes '@' */
	TOK_ARG,      /* $1 @2 $# @# before substitution: text as written */
};

/* A token is 56 bytes and its text is shared where it can be: operators
 * point to static strings, names and numbers to interned ones (arena_intern);
 * only strings and embedded C are copies. Tokens live in the scratch arena
 * and die young (pp_recycle); their texts live as long as the translation,
 * so that the AST may point to them. */
struct token {
	const char *text;
	/* Set when the token came from a macro or argument expansion. */
	const struct token *expanded_from;
	union {
		int64_t num;   /* TOK_NUMBER */
		uint64_t word; /* TOK_OP, TOK_IDENT: tok_word(text), 0 if longer than 8 */
	};
	struct loc loc;
	enum tok_kind kind;
	bool space_before; /* whitespace or comment precedes it */
	bool line_before;  /* a newline precedes it */
};

/* The bytes of a text of at most 8 bytes packed into an integer, 0 for a
 * longer one: every operator and keyword has a distinct word, so that
 * tokens compare by value. tok_word computes it at run time, TOK_WORD of a
 * string literal at compile time ("" lit refuses anything but a literal,
 * and a literal longer than 8 bytes makes a negative array size). */
uint64_t tok_word(const char *s);
#define TOK_WORD_BYTE(lit, i) \
	((uint64_t)(unsigned char)("" lit)[(i) < sizeof(lit) ? (i) : sizeof(lit) - 1] << (8 * (i)))
#define TOK_WORD(lit)                                                                      \
	(0 * sizeof(char[sizeof("" lit) > 9 ? -1 : 1]) + (TOK_WORD_BYTE(lit, 0) |         \
	 TOK_WORD_BYTE(lit, 1) | TOK_WORD_BYTE(lit, 2) | TOK_WORD_BYTE(lit, 3) |           \
	 TOK_WORD_BYTE(lit, 4) | TOK_WORD_BYTE(lit, 5) | TOK_WORD_BYTE(lit, 6) |           \
	 TOK_WORD_BYTE(lit, 7)))

struct lexer;
struct lexer *lex_new(struct arena *a, struct diag_ctx *d, const struct source *src);
/* The next token; TOK_EOF forever at the end. Lexical errors go to diag. */
struct token *lex_next(struct lexer *lx);
/* Nothing refers any more to t, the token lex_next returned last: its
 * memory may hold the next one (a third of the library's tokens are in
 * branches not taken, and die at once). lex_reuse(lx, NULL) forgets such
 * a token, before the token arena is reset. */
void lex_reuse(struct lexer *lx, struct token *t);
/* Is t an operator or a name with this text? */
bool tok_is(const struct token *t, const char *text);
/* The same for a literal text of at most 8 bytes, in one compare. */
#define TOK_IS(t, lit) tok_has_word((t), TOK_WORD(lit))
static inline bool tok_has_word(const struct token *t, uint64_t word)
{
	return (t->kind == TOK_OP || t->kind == TOK_IDENT) && t->word == word;
}

/* ---- preprocess.c ----------------------------------------------------- */

/* What %( conditions are evaluated against. */
struct pp_env {
	const char *kernel_v;   /* "6.1.0" */
	const char *kernel_vr;  /* "6.1.0-56-amd64" */
	const char *arch;       /* "x86_64" */
	const char *runtime;    /* "kernel" or "bpf" */
	const char *systemtap_v; /* compatibility version, "4.8" */
	const char *privilege;  /* "stapdev" */
	bool guru_mode;
	const struct kconfig *kconfig; /* the kernel's .config, or NULL */
	int nargs;              /* script arguments for $# @# $N @N */
	char **args;
};

struct kconfig;
/* The CONFIG_X=value lines of a kernel .config, read at the first
 * kconfig_get (most runs never need them); NULL if path can't be read. */
struct kconfig *kconfig_open(struct arena *a, const char *path);
/* The value of CONFIG_X ("y", "m", "64", a string without quotes), or ""
 * when unset or when there is no config. */
const char *kconfig_get(const struct kconfig *kc, const char *name);

struct macro_table;
struct macro_table *pp_macros_new(struct arena *a);

struct preproc;
/* Macros defined by the source go into local; lookups also see global
 * (the .stpm libraries). */
struct preproc *pp_new(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
		       struct lexer *lx, struct macro_table *local, const struct macro_table *global);
struct token *pp_next(struct preproc *pp);
/* At a declaration boundary, where the parser holds no token but the nkeep
 * it has peeked: unless an expansion is under way, free every token handed
 * out so far (they are in arena_scratch) but those, which are moved (keep[]
 * is updated). False, doing nothing, when older tokens may still be used. */
bool pp_recycle(struct preproc *pp, struct token **keep, int nkeep);

/* ---- ast.h part: the parsed script ------------------------------------- */

struct symbol; /* elab.h */
struct func;

enum ast_type { TYPE_UNKNOWN, TYPE_LONG, TYPE_STRING, TYPE_STATS };

enum ast_kind {
	/* expressions */
	AST_NUM,        /* num */
	AST_STR,        /* str */
	AST_VAR,        /* name: a script variable */
	AST_INDEX,      /* base[args]: array element, or histogram bucket */
	AST_CALL,       /* name(args) */
	AST_PRINT,      /* name(args): print printf println printd printdln sprint... */
	AST_UNARY,      /* op lhs: - + ! ~ */
	AST_PREINC,     /* op lhs: ++x --x */
	AST_POSTINC,    /* lhs op: x++ x-- */
	AST_BINARY,     /* lhs op rhs: arithmetic, bitwise, shifts, '.' */
	AST_COMPARE,    /* lhs op rhs: < > <= >= == != */
	AST_REGEX,      /* lhs op rhs: =~ !~ (rhs a string literal) */
	AST_LOGICAL,    /* lhs op rhs: && || */
	AST_TERNARY,    /* cond ? lhs : rhs */
	AST_ASSIGN,     /* lhs op rhs: = += -= ... .= <<< */
	AST_IN,         /* [args] in base   (args may hold AST_STAR) */
	AST_STAT_OP,    /* name(lhs): @count @sum @min @max @avg @variance ; args: extra */
	AST_HIST,       /* name(lhs, args): @hist_linear @hist_log */
	AST_TARGET,     /* name: $var $var$ $$vars ... ; chain: member/index steps */
	AST_CAST,       /* @cast(lhs, "type" [, "module"]) chain */
	AST_ATVAR,      /* @var("name@file" [, "module"]) chain */
	AST_ENTRY,      /* @entry(lhs) */
	AST_DEFINED,    /* @defined(lhs) */
	AST_PROBEWRITE, /* @probewrite(lhs) */
	AST_ATFUNC,     /* name(args): @const @kregister @uregister @kderef @uderef @perf ... */
	AST_ADDROF,     /* &lhs (lhs a target expression) */
	AST_DEREF,      /* lhs chain: member access on a typed value (autocast):
			 * x->a, f()->b, (p)[0]; printed as (lhs)->a */
	AST_EMBEDDED,   /* %{ str %} as an expression */
	AST_STAR,       /* '*' in an 'in' test or a foreach slice */
	AST_GROUP,      /* ( lhs ) kept only where printing must keep it: none */

	/* statements */
	AST_BLOCK,      /* { stmts } */
	AST_EXPR_STMT,  /* lhs */
	AST_IF,         /* if (cond) then else els */
	AST_WHILE,      /* while (cond) body */
	AST_FOR,        /* for (init; cond; inc) body */
	AST_FOREACH,    /* see struct ast_foreach */
	AST_BREAK,
	AST_CONTINUE,
	AST_NEXT,
	AST_RETURN,     /* return [lhs] */
	AST_DELETE,     /* delete lhs */
	AST_TRY,        /* try body catch [(name)] els */
	AST_EMBED_STMT, /* %{ str %} as a statement */
	AST_NULL_STMT,  /* ; */
};

/* A @cast chain laid out by the host's BTF, for a read without CO-RE (the
 * bpf runtime's probes that run in user space). */
struct cast_layout {
	const int64_t *steps;  /* per step: a member's byte offset, an index's element size */
	int64_t size;          /* bytes of the value at the end */
	bool is_signed;
	int bit_offset, bit_size; /* a bitfield: its bits past the byte at its offset */
};

/* One step of a target-variable chain: ->name or [expr]. */
struct ast_step {
	bool is_index;
	const char *member;
	struct ast *index;
	struct loc loc;
};

struct ast_foreach {
	struct ast *value;     /* AST_VAR bound to the value, or NULL */
	struct vec keys;       /* AST_VAR each */
	int key_sort[9];       /* per key: 0, +1 or -1 */
	int key_sort_at[9];    /* order of sort marks: priority (unused if 0) */
	struct ast *array;     /* AST_VAR, or AST_STAT_OP/AST_HIST in some forms */
	struct vec slice;      /* slice expressions ([*, 5]); empty if none */
	int value_sort;        /* +1/-1 when the array itself carries the mark */
	const char *agg;       /* "@sum" ... when sorting by an aggregate, or NULL */
	struct ast *limit;     /* NULL if none */
};

struct ast {
	enum ast_kind kind;
	struct loc loc;
	const char *op;        /* operator text for UNARY/BINARY/ASSIGN/... */
	const char *name;      /* VAR, CALL, PRINT, STAT_OP, HIST, TARGET, ATFUNC, try var */
	const char *str;       /* STR value, EMBEDDED code */
	int64_t num;           /* NUM */
	struct ast *lhs, *rhs; /* operands; INDEX base; EXPR_STMT/RETURN/DELETE operand */
	struct ast *cond;      /* IF/WHILE/FOR/TERNARY */
	struct ast *then, *els; /* IF; TERNARY uses lhs/rhs; TRY body/catch */
	struct ast *init, *inc, *body; /* FOR; WHILE body; FOREACH body */
	struct vec args;       /* CALL/PRINT/INDEX/IN/HIST/ATFUNC args; BLOCK stmts */
	struct vec chain;      /* struct ast_step *: TARGET/CAST/ATVAR/ENTRY chains */
	bool chain_pretty;     /* trailing '$' or '$$' on a chain */
	const char *pretty;    /* "$" or "$$" */
	struct ast_foreach *fe;
	/* Filled in by pass 2: */
	enum ast_type type;    /* of an expression */
	struct symbol *sym;    /* VAR (also the VAR under INDEX/IN/FOREACH) */
	struct func *fn;       /* CALL */
	const char *plan;      /* CAST: what each chain step does (ctx_chain_walk) */
	const struct cast_layout *layout; /* CAST: the host's offsets of the chain */
};

/* A probe point: components joined by '.', each a name with an optional
 * literal parameter, then optional '?' / '!' and 'if (cond)'. */
struct ast_component {
	const char *name;      /* may hold '*' '**' and {a,b} braces */
	struct ast *arg;       /* AST_NUM or AST_STR, or NULL */
	struct loc loc;
};

struct ast_probe_point {
	struct vec comps;      /* struct ast_component * */
	bool optional;         /* '?' */
	bool sufficient;       /* '!' */
	struct ast *cond;      /* if (cond) or NULL */
	struct loc loc;
};

enum ast_decl_kind { DECL_PROBE, DECL_ALIAS, DECL_GLOBAL, DECL_FUNCTION, DECL_EMBEDDED };


struct ast_global {
	const char *name;
	struct loc loc;
	bool is_array;
	bool wrap;             /* '%' */
	int64_t max_size;      /* [N]; 0 if unsized */
	struct ast *init;      /* literal or NULL */
};

struct ast_param {
	const char *name;
	enum ast_type type;
	struct loc loc;
};

struct ast_decl {
	enum ast_decl_kind kind;
	struct loc loc;
	bool is_private;
	/* DECL_PROBE: points; DECL_ALIAS: alias names in alias_names, targets
	 * in points, epilogue for '+=' */
	struct vec points;     /* struct ast_probe_point * */
	struct vec alias_names; /* struct ast_probe_point * */
	bool epilogue;
	struct ast *body;      /* BLOCK; FUNCTION body or NULL if embedded */
	struct ast *body2;     /* DECL_ALIAS written '= points { prologue }, { epilogue }':
				* the block after the comma, else NULL */
	/* DECL_GLOBAL: one declaration per variable */
	struct ast_global *global;
	/* DECL_FUNCTION */
	const char *name;
	enum ast_type ret_type;
	struct vec params;     /* struct ast_param * */
	const char *embedded;  /* FUNCTION with %{ %} body, or DECL_EMBEDDED code */
};

struct ast_file {
	const struct source *src;
	struct vec decls;      /* struct ast_decl * in source order */
	struct macro_table *macros; /* @define'd in this file */
};

/* ---- parse.c ---------------------------------------------------------- */

/* Parse one source file. Returns NULL only on out-of-memory; syntax errors
 * are reported to diag and the parser recovers at the next declaration. */
struct ast_file *parse_file(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
			    const struct source *src, const struct macro_table *global_macros);
/* Parse a .stpm macro library: @define's only, into the given table. */
void parse_macro_file(struct arena *a, struct diag_ctx *d, const struct pp_env *env,
		      const struct source *src, struct macro_table *into);

/* ---- ast.c ------------------------------------------------------------ */

struct ast *ast_new(struct arena *a, enum ast_kind kind, struct loc loc);
/* A deep copy (a probe body is copied for each probe it is derived into). */
struct ast *ast_copy(struct arena *a, const struct ast *n);
/* Pre-order over the expression and statement tree at *np: fn returns a
 * node to put in place of n (not visited further), or n itself to go on
 * into n's operands. */
void ast_map(struct ast **np, struct ast *(*fn)(struct ast *n, void *ctx), void *ctx);
/* Does pred hold for n or a node under it (operands, statements, args,
 * a foreach's parts)? ctx is handed to pred. */
bool ast_any(const struct ast *n, bool (*pred)(const struct ast *n, const void *ctx),
	     const void *ctx);
const char *ast_type_name(enum ast_type t);
/* Is this a print-family function name (print, printf, sprintf, ...)? */
bool ast_is_print_name(const char *name);

/* ---- print.c: -p1 output ---------------------------------------------- */

void print_file(FILE *out, const struct ast_file *f);
void print_expr(struct strbuf *sb, const struct ast *e);
void print_stmt(struct strbuf *sb, const struct ast *s, int depth);
void print_probe_point(struct strbuf *sb, const struct ast_probe_point *pp);
/* Quote a string value as a SystemTap literal ("a\n\"b"). */
void print_quoted(struct strbuf *sb, const char *s);

/* ---- session.c -------------------------------------------------------- */

struct source *source_load(struct arena *a, struct diag_ctx *d, const char *path,
			   const char *display_name);
struct source *source_from_string(struct arena *a, const char *name, const char *text);

#endif /* TAPIR_H */
