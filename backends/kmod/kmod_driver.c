/* kmod_driver.c - the kmod backend's passes as the driver calls them:
 * options to limits (pass 3), the build tree (pass 4), the loader (pass 5).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kmod.h"
#include "kmod_backend.h"

static int define_int(const struct options *o, const char *name, int dflt, int lo, int hi)
{
	const char *v = opt_define(o, name);
	long n = v ? strtol(v, NULL, 0) : dflt;

	return n < lo ? lo : n > hi ? hi : (int)n;
}

/* -D names the runtime takes as limits; any other -D goes to the C as is. */
static bool is_limit(const char *name)
{
	static const char *const limits[] = { "MAXSTRINGLEN", "MAXMAPENTRIES", "MAXACTION",
					      "MAXNESTING", "MAXERRORS", "MAXSKIPPED",
					      "MAXTRYLOCK", "TRYLOCKDELAY" };

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (strcmp(name, limits[i]) == 0)
			return true;
	}
	return false;
}

int kmod_translate(struct elab *e, const struct options *o, const char *dir)
{
	struct kmod_opts ko = { 0 };
	const char **defs = arena_alloc(e->arena, sizeof(char *) * (size_t)(o->ndefines + 2));
	int n = 0;

	ko.maxstringlen = define_int(o, "MAXSTRINGLEN", 128, 16, 4096);
	ko.maxmapentries = define_int(o, "MAXMAPENTRIES", 2048, 1, 1 << 22);
	ko.maxaction = define_int(o, "MAXACTION", 1000, 1, 1 << 30);
	ko.maxnesting = define_int(o, "MAXNESTING", 10, 0, 1000);
	ko.maxerrors = define_int(o, "MAXERRORS", 0, 0, 1 << 30);
	ko.maxskipped = define_int(o, "MAXSKIPPED", 100, 0, 1 << 30);
	ko.bufsize_mb = o->bufsize_mb;
	ko.timing = o->timing;
	ko.sym_paths = o->sym_paths;
	ko.nsym_paths = o->nsym_paths;
	ko.ldd = o->ldd;
	ko.modinfo = o->modinfo;
	ko.nmodinfo = o->nmodinfo;
	for (int i = 0; i < o->ndefines; i++) {
		const struct opt_define *d = &o->defines[i];

		if (strcmp(d->name, "MAXTRYLOCK") == 0 || strcmp(d->name, "TRYLOCKDELAY") == 0)
			defs[n++] = arena_printf(e->arena, "TAPIR_%s %s", d->name, d->value);
		else if (!is_limit(d->name))
			defs[n++] = arena_printf(e->arena, "%s %s", d->name, d->value);
	}
	ko.defines = defs;
	ko.ndefines = n;
	return kmod_emit(e, &ko, dir);
}

int kmod_pass_build(struct arena *a, struct diag_ctx *d, const struct options *o,
		    const char *src_dir, const char **artifact, bool *cached)
{
	struct utsname u;
	const char *kdir;

	uname(&u);
	kdir = kmod_kbuild_dir(a, d, o->kernel_release, u.release);
	if (!kdir)
		return -1;
	return kmod_build(a, d, src_dir, kdir, o, artifact, cached);
}

static const char *loader_path(void)
{
	const char *env = getenv("TAPIR_LOADER");

	if (env && *env)
		return env;
	if (access(TAPIR_BUILDDIR "/tapir-load", X_OK) == 0)
		return TAPIR_BUILDDIR "/tapir-load";
	return "tapir-load";
}

/* Can this kernel load the module at all? The message names the way out. */
static int check_loadable(struct diag_ctx *d, const struct options *o, const char *ko)
{
	struct utsname u;

	uname(&u);
	if (access("/proc/modules", F_OK) != 0) {
		diag_plain(d, DIAG_ERROR, "this kernel (%s) cannot load modules (built without "
			   "CONFIG_MODULES): the kmod runtime can't run here", u.release);
		diag_hint(d, "run the script with --runtime=bpf, or load %s on a kernel %s with "
			  "tapir-load", ko, o->kernel_release ? o->kernel_release : u.release);
		return -1;
	}
	if (o->kernel_release && !strchr(o->kernel_release, '/') &&
	    strcmp(o->kernel_release, u.release) != 0) {
		diag_plain(d, DIAG_ERROR, "the module is built for kernel %s, but this one is %s",
			   o->kernel_release, u.release);
		diag_hint(d, "load %s on a %s kernel with tapir-load, or run with --runtime=bpf here",
			  ko, o->kernel_release);
		return -1;
	}
	return 0;
}

int kmod_pass_run(struct arena *a, struct diag_ctx *d, const struct options *o, const char *ko,
		  const char *const *gsets, int ngsets)
{
	const char **argv = arena_alloc(a, (size_t)(OPT_RUN_ARGS + 3 + 2 * ngsets) * sizeof(*argv));
	int n = 0;

	if (check_loadable(d, o, ko))
		return -1;
	argv[n++] = loader_path();
	n += opt_run_args(o, a, argv + n);
	for (int i = 0; i < ngsets; i++) {
		argv[n++] = "-G";
		argv[n++] = gsets[i];
	}
	argv[n++] = ko;
	argv[n] = NULL;
	fflush(NULL);
	execvp(argv[0], (char *const *)argv);
	diag_plain(d, DIAG_ERROR, "cannot run the module loader '%s': %s", argv[0], strerror(errno));
	return -1;
}
