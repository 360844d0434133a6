/* kmod_backend.h - the kmod backend's entry points for the driver. */
#ifndef TAPIR_KMOD_DRIVER_H
#define TAPIR_KMOD_DRIVER_H

#include "config.h"
#include "elab.h"
#include "options.h"

/* Pass 3: dir/prog.c from the elaborated program. */
int kmod_translate(struct elab *e, const struct options *o, const char *dir);
/* Pass 4: the cached .ko for -r (or the running kernel). */
int kmod_pass_build(struct arena *a, struct diag_ctx *d, const struct options *o,
		    const char *src_dir, const char **artifact, bool *cached);
/* Pass 5: exec the loader on the module, with the run's options and the
 * -G NAME=VALUE of the globals the module has (pass 2's list); returns
 * only on failure. */
int kmod_pass_run(struct arena *a, struct diag_ctx *d, const struct options *o, const char *ko,
		  const char *const *gsets, int ngsets);

#endif
