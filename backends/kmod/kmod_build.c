/* kmod_build.c - pass 4 of the kmod backend: kbuild (W=1) turns prog.c,
 * the runtime headers and runtime/common into a .ko, cached by a hash of
 * all that goes into it and of the kernel build tree's release.
 *
 * kbuild before 6.13 builds in the folder of M=, so the sources are
 * copied into a fresh folder of the cache first; the module is named
 * tapir_<hash> (or -m NAME) so that two scripts can be loaded at once.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "kmod.h"
#include "options.h"

const char *const kmod_rt_common[] = {
	"rt_types.h", "rt_sink.h", "rt_sink.c", "rt_out.h", "rt_out.c", "rt_format.h",
	"rt_fmt_parse.c", "rt_format.c", "rt_stats.h", "rt_stats.c", "rt_hist.h", "rt_hist.c",
	NULL
};
static const char *const rt_kmod[] = {
	"tapir_kmod.h", "tapir_map.h", "tapir_transport.h", "tapir_probes.h",
	"tapir_ktypes.h",
	"tapir_uprobe.h",
	"tapir_timing.h",
	"tapir_procfs.h",
	"tapir_usyms.h",
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* 0, or -1 with an error reported (none when d is NULL) */
int kmod_copy_file(struct diag_ctx *d, const char *from, const char *to)
{
	size_t n = 0;
	char *b = slurp(from, &n);
	FILE *f;
	int rc = -1;

	if (b && (f = fopen(to, "wb"))) {
		rc = fwrite(b, 1, n, f) == n ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc && d)
		diag_plain(d, DIAG_ERROR, "cannot copy '%s' to '%s': %s", from, to, strerror(errno));
	free(b);
	return rc;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The releases that have a build tree, for the error message. */
static const char *installed_trees(struct arena *a)
{
	DIR *dir = opendir("/lib/modules");
	struct dirent *de;
	const char *list = NULL;

	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    !is_dir(arena_printf(a, "/lib/modules/%s/build", de->d_name)))
			continue;
		list = list ? arena_printf(a, "%s, %s", list, de->d_name) : arena_strdup(a, de->d_name);
	}
	closedir(dir);
	return list;
}

const char *kmod_kbuild_dir(struct arena *a, struct diag_ctx *d, const char *rel_or_dir,
			    const char *running)
{
	const char *dir, *have;

	if (rel_or_dir && strchr(rel_or_dir, '/'))
		dir = rel_or_dir;
	else
		dir = arena_printf(a, "/lib/modules/%s/build", rel_or_dir ? rel_or_dir : running);
	if (is_dir(dir) && access(arena_printf(a, "%s/Makefile", dir), R_OK) == 0)
		return dir;
	have = installed_trees(a);
	diag_plain(d, DIAG_ERROR, "no kernel build tree at %s: the kmod runtime builds a module "
		   "against the headers of the kernel it is for", dir);
	if (!rel_or_dir)
		diag_hint(d, "install linux-headers-%s, or build for another kernel with -r RELEASE|DIR%s%s%s, "
			  "or run with --runtime=bpf", running, have ? " (installed: " : "",
			  have ? have : "", have ? ")" : "");
	else
		diag_hint(d, "install linux-headers-%s, or pick another -r%s%s%s", rel_or_dir,
			  have ? " (installed: " : "", have ? have : "", have ? ")" : "");
	return NULL;
}

static uint64_t inputs_hash(struct arena *a, const char *src_dir, const char *kdir,
			    const char *make_args)
{
	uint64_t h = kmod_rt_hash(a, kdir, make_args);

	h = cache_hash_file(h, arena_printf(a, "%s/prog.c", src_dir));
	h = cache_hash_file(h, arena_printf(a, "%s/Module.symvers", kdir));
	for (size_t i = 0; i < sizeof(rt_kmod) / sizeof(rt_kmod[0]); i++)
		h = cache_hash_file(h, arena_printf(a, "%s/runtime/kmod/%s", TAPIR_SRCDIR, rt_kmod[i]));
	return h;
}

/* prog.c, the runtime's headers and runtime/common into work: its
 * sources, or its objects from rt_dir when they are there. */
static int stage_sources(struct arena *a, struct diag_ctx *d, const char *src_dir,
			 const char *work, const char *name, const char *rt_dir)
{
	const char *kbuild = arena_printf(a, "obj-m := %s.o\n%s-y := prog.o rt_sink.o rt_out.o "
					  "rt_fmt_parse.o rt_format.o rt_stats.o rt_hist.o\n"
					  "ccflags-y := -I$(src)\n", name, name);
	bool shipped = rt_dir != NULL;
	FILE *f;

	if (kmod_copy_file(d, arena_printf(a, "%s/prog.c", src_dir),
			   arena_printf(a, "%s/prog.c", work)))
		return -1;
	for (int i = 0; kmod_rt_common[i]; i++) {
		const char *n = kmod_rt_common[i];

		if (shipped && n[strlen(n) - 1] == 'c')
			continue;
		if (kmod_copy_file(d, arena_printf(a, "%s/runtime/common/%s", TAPIR_SRCDIR, n),
				   arena_printf(a, "%s/%s", work, n)))
			return -1;
	}
	if (shipped && kmod_rt_stage(a, d, rt_dir, work))
		return -1;
	for (size_t i = 0; i < sizeof(rt_kmod) / sizeof(rt_kmod[0]); i++)
		if (kmod_copy_file(d,
				   arena_printf(a, "%s/runtime/kmod/%s", TAPIR_SRCDIR, rt_kmod[i]),
				   arena_printf(a, "%s/%s", work, rt_kmod[i])))
			return -1;
	f = fopen(arena_printf(a, "%s/Kbuild", work), "w");
	if (!f || fputs(kbuild, f) < 0 || fclose(f) != 0) {
		diag_plain(d, DIAG_ERROR, "cannot write %s/Kbuild: %s", work, strerror(errno));
		return -1;
	}
	return 0;
}

/* kbuild's first error lines: a failed build is tapir's bug. */
static void show_errors(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[1024];
	int shown = 0;

	if (!f)
		return;
	while (shown < 8 && fgets(line, sizeof(line), f)) {
		if (strstr(line, "error") || strstr(line, "warning")) {
			fprintf(stderr, "  %s", line);
			shown++;
		}
	}
	fclose(f);
}

/* -B's arguments, each after a blank ("" without -B: the cache keys of
 * earlier modules stay). */
static const char *make_args(struct arena *a, const struct options *o)
{
	const char *s = "";

	for (int i = 0; i < o->nkbuild_opts; i++)
		s = arena_printf(a, "%s '%s'", s, o->kbuild_opts[i]);
	return s;
}

int kmod_build(struct arena *a, struct diag_ctx *d, const char *src_dir, const char *kdir,
	       const struct options *o, const char **artifact, bool *cached)
{
	const char *margs = make_args(a, o);
	uint64_t h = inputs_hash(a, src_dir, kdir, margs);
	const char *name = o->module_name ? o->module_name : arena_printf(a, "tapir_%016llx",
									  (unsigned long long)h);
	int verbose = o->verbose;
	const char *dir = arena_printf(a, "%s/kmod/%016llx", cache_root(a), (unsigned long long)h);
	const char *ko = arena_printf(a, "%s/%s.ko", dir, name);
	const char *work = arena_printf(a, "%s/build.%d", dir, (int)getpid());
	const char *log = arena_printf(a, "%s/build.log", work), *cmd;
	const char *rt_dir = kmod_rt_dir(a, kdir, margs);
	bool rt_cached = kmod_rt_cached(a, rt_dir);
	int rc;

	*cached = access(ko, R_OK) == 0;
	*artifact = ko;
	if (*cached)
		return 0;
	if (cache_mkdirs(work) < 0) {
		diag_plain(d, DIAG_ERROR, "cannot create '%s': %s", work, strerror(errno));
		return -1;
	}
	if (stage_sources(a, d, src_dir, work, name, rt_cached ? rt_dir : NULL))
		return -1;
	cmd = arena_printf(a, "make -s -j2 -C '%s' M='%s' W=1%s modules >'%s' 2>&1", kdir, work,
			   margs, log);
	if (verbose > 1)
		fprintf(stderr, "Running %s\n", cmd);
	rc = system(cmd);
	if (rc != 0) {
		diag_plain(d, DIAG_ERROR, "kbuild failed to build the module (see %s)", log);
		show_errors(log);
		return -1;
	}
	if (verbose > 0)
		show_errors(log);
	if (rename(arena_printf(a, "%s/%s.ko", work, name), ko) != 0) {
		diag_plain(d, DIAG_ERROR, "cannot store '%s': %s", ko, strerror(errno));
		return -1;
	}
	if (!rt_cached)
		kmod_rt_store(a, rt_dir, work);
	if (!getenv("TAPIR_KEEP_KBUILD"))
		system(arena_printf(a, "rm -rf '%s'", work));
	return 0;
}
