/* kmod_rtcache.c - runtime/common's objects, compiled once per kernel
 * build tree and reused by every module built for it.
 *
 * Six of a module's seven compilations are runtime/common's files, the
 * same for every script: kbuild compiled them for each module (half of
 * pass 4's CPU time). After a build the objects and their .cmd files
 * (modpost reads those since 5.19) are kept in a cache folder named by a
 * hash of their inputs; later builds stage them as NAME.o_shipped, which
 * kbuild copies instead of compiling (scripts/Makefile.lib's shipped
 * rule). The objects name nothing of the module they were built for:
 * runtime/common uses no KBUILD_MODNAME (pr_fmt, dynamic debug, module
 * parameters).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "kmod.h"

/* A hash of what runtime/common's objects for kdir are built from. */
uint64_t kmod_rt_hash(struct arena *a, const char *kdir, const char *margs)
{
	uint64_t h = CACHE_HASH_INIT;

	h = cache_hash(h, margs, strlen(margs));
	h = cache_hash_file(h, arena_printf(a, "%s/include/config/kernel.release", kdir));
	h = cache_hash_file(h, arena_printf(a, "%s/include/generated/autoconf.h", kdir));
	h = cache_hash(h, kdir, strlen(kdir));
	h = cache_hash(h, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	for (int i = 0; kmod_rt_common[i]; i++)
		h = cache_hash_file(h, arena_printf(a, "%s/runtime/common/%s", TAPIR_SRCDIR,
						    kmod_rt_common[i]));
	return h;
}

/* The folder for kdir's objects built with kbuild arguments margs. */
const char *kmod_rt_dir(struct arena *a, const char *kdir, const char *margs)
{
	return arena_printf(a, "%s/kmod/rt-%016llx", cache_root(a),
			    (unsigned long long)kmod_rt_hash(a, kdir, margs));
}

static bool is_source(const char *name)
{
	size_t n = strlen(name);

	return n > 2 && strcmp(name + n - 2, ".c") == 0;
}

/* "rt_sink" of "rt_sink.c" */
static const char *stem(struct arena *a, const char *name)
{
	return arena_printf(a, "%.*s", (int)strlen(name) - 2, name);
}

/* Has dir every object and .cmd file? */
bool kmod_rt_cached(struct arena *a, const char *dir)
{
	for (int i = 0; kmod_rt_common[i]; i++) {
		const char *s;

		if (!is_source(kmod_rt_common[i]))
			continue;
		s = stem(a, kmod_rt_common[i]);
		if (access(arena_printf(a, "%s/%s.o", dir, s), R_OK) ||
		    access(arena_printf(a, "%s/.%s.o.cmd", dir, s), R_OK))
			return false;
	}
	return true;
}

/* Each object of dir into work as NAME.o_shipped, its .cmd beside it. */
int kmod_rt_stage(struct arena *a, struct diag_ctx *d, const char *dir, const char *work)
{
	for (int i = 0; kmod_rt_common[i]; i++) {
		const char *s;

		if (!is_source(kmod_rt_common[i]))
			continue;
		s = stem(a, kmod_rt_common[i]);
		if (kmod_copy_file(d, arena_printf(a, "%s/%s.o", dir, s),
				   arena_printf(a, "%s/%s.o_shipped", work, s)) ||
		    kmod_copy_file(d, arena_printf(a, "%s/.%s.o.cmd", dir, s),
				   arena_printf(a, "%s/.%s.o.cmd", work, s)))
			return -1;
	}
	return 0;
}

/* Keep the objects work built in dir: filled under another name, then
 * renamed, so that a build running beside this one sees all or none. */
void kmod_rt_store(struct arena *a, const char *dir, const char *work)
{
	const char *tmp = arena_printf(a, "%s.%d", dir, (int)getpid());
	bool ok = cache_mkdirs(tmp) == 0;

	for (int i = 0; ok && kmod_rt_common[i]; i++) {
		const char *s;

		if (!is_source(kmod_rt_common[i]))
			continue;
		s = stem(a, kmod_rt_common[i]);
		ok = !kmod_copy_file(NULL, arena_printf(a, "%s/%s.o", work, s),
				     arena_printf(a, "%s/%s.o", tmp, s)) &&
		     !kmod_copy_file(NULL, arena_printf(a, "%s/.%s.o.cmd", work, s),
				     arena_printf(a, "%s/.%s.o.cmd", tmp, s));
	}
	/* another build stored them first (ENOTEMPTY): theirs serve */
	if (!ok || rename(tmp, dir) != 0)
		system(arena_printf(a, "rm -rf '%s'", tmp));
}
