/* regex_dfa.h - the =~ and !~ operators: a POSIX extended regular expression
 * compiled at translation time to a DFA, emitted as a small C function
 * that both runtimes build (BPF: a bounded loop over table lookups). */
#ifndef TAPIR_REGEX_DFA_H
#define TAPIR_REGEX_DFA_H

#include <stdint.h>

#include "tapir.h"

/* Input symbols: the bytes, then the start and the end of the string, so
 * that ^ and $ are transitions like the others. */
#define REGEX_BOS 256
#define REGEX_EOS 257
#define REGEX_NSYMS 258
#define REGEX_MAX_STATES 1024

struct regex_dfa {
	int nstates, nclasses;
	uint16_t cls[REGEX_NSYMS]; /* symbol -> its class */
	uint16_t *next;            /* [state * nclasses + class] */
	uint8_t *accept;           /* [state]: the pattern matched (absorbing) */
};

/* Compiles PAT (searching: it matches anywhere in the string unless
 * anchored). 0, or -1 with a message in err. */
int regex_compile(struct arena *a, const char *pat, struct regex_dfa *out, char *err,
		  size_t errlen);

/* "static ... int NAME(const char *s)": 1 when s matches, else 0; s is
 * read up to its NUL and at most MAXLEN bytes (a C expression). */
void regex_emit_c(struct strbuf *o, const struct regex_dfa *d, const char *name,
		  const char *maxlen);

#endif /* TAPIR_REGEX_DFA_H */
