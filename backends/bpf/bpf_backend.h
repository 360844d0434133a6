/* bpf_backend.h - the BPF backend's entry points for the driver. */
#ifndef TAPIR_BPF_BACKEND_H
#define TAPIR_BPF_BACKEND_H

#include "config.h"
#include "emit.h"

/* Pass 4: build the sources in src_dir into a cached runnable artifact. */
int bpf_build(struct arena *a, struct diag_ctx *d, const char *src_dir, int verbose,
	      const char **artifact, bool *cached);

#endif
