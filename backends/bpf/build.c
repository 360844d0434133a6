/* build.c - pass 4 of the BPF backend: clang builds the kernel side into a
 * BPF object, the object is embedded as bytes into the user side, and cc
 * links it with the executor into one runnable artifact. Artifacts are
 * cached by a hash of everything that goes into them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "bpf_backend.h"

/* The compiler's first error lines: a failed build is tapir's bug, and
 * this is what a report needs. */
static void show_errors(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[1024];
	int shown = 0;

	if (!f)
		return;
	while (shown < 5 && fgets(line, sizeof(line), f)) {
		if (strstr(line, "error")) {
			fprintf(stderr, "  %s", line);
			shown++;
		}
	}
	fclose(f);
}

/* Run a command, its output to log; 0 on success. */
static int run_quiet(const char *cmd, const char *log, int verbose)
{
	char *full = NULL;
	int rc;

	if (verbose > 1)
		fprintf(stderr, "Running %s\n", cmd);
	if (asprintf(&full, "%s >>'%s' 2>&1", cmd, log) < 0)
		return -1;
	rc = system(full);
	free(full);
	return rc == 0 ? 0 : -1;
}

static int failed(struct diag_ctx *d, const char *cmd, const char *log)
{
	diag_plain(d, DIAG_ERROR, "build failed: %s (see %s)", cmd, log);
	show_errors(log);
	return -1;
}

/* As run_quiet, and a failure is reported. */
static int run(struct diag_ctx *d, const char *cmd, const char *log, int verbose)
{
	return run_quiet(cmd, log, verbose) == 0 ? 0 : failed(d, cmd, log);
}

static bool log_has(const char *log, const char *what)
{
	FILE *f = fopen(log, "r");
	char line[1024];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* The kernel side, its functions inlined; when that spills past the
 * 512-byte BPF stack, again with the functions as subprograms, each with
 * a stack of its own (runtime/bpf/tapir_gen_kern.h, TAPIR_FN). */
static int build_kern(struct arena *a, struct diag_ctx *d, const char *cmd, const char *log,
		      int verbose)
{
	FILE *f;

	if (run_quiet(cmd, log, verbose) == 0)
		return 0;
	if (!log_has(log, "BPF stack limit"))
		return failed(d, cmd, log);
	if (verbose)
		fprintf(stderr, "Pass 4: the inlined functions exceed the BPF stack: building them as subprograms\n");
	f = fopen(log, "w"); /* keep only the last try's errors */
	if (f)
		fclose(f);
	return run(d, arena_printf(a, "%s -DTAPIR_FN_CALLS", cmd), log, verbose);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The kernel's types, dumped once per kernel by bpftool. */
static const char *vmlinux_h(struct arena *a, struct diag_ctx *d, const char *cache, int verbose)
{
	struct stat st;
	const char *path;

	if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
		diag_plain(d, DIAG_ERROR, "this kernel has no BTF (/sys/kernel/btf/vmlinux): "
			   "the bpf runtime needs CONFIG_DEBUG_INFO_BTF");
		return NULL;
	}
	path = arena_printf(a, "%s/vmlinux-%lld-%lld", cache, (long long)st.st_size,
			    (long long)st.st_mtime);
	if (exists(arena_printf(a, "%s/vmlinux.h", path)))
		return path;
	cache_mkdirs(path);
	/* runs at once may race here: each writes its own file, then renames */
	if (run(d, arena_printf(a, "bpftool btf dump file /sys/kernel/btf/vmlinux format c > '%s/vmlinux.h.%d' && mv '%s/vmlinux.h.%d' '%s/vmlinux.h'",
				path, (int)getpid(), path, (int)getpid(), path),
		arena_printf(a, "%s/bpftool.log", path), verbose) < 0)
		return NULL;
	return path;
}

static int embed(struct diag_ctx *d, const char *obj, const char *out_c)
{
	FILE *in = fopen(obj, "rb"), *out = fopen(out_c, "w");
	size_t n = 0;
	int c;

	if (!in || !out) {
		diag_plain(d, DIAG_ERROR, "cannot embed '%s': %s", obj, strerror(errno));
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	fputs("#include <stddef.h>\nconst unsigned char tapir_obj[] __attribute__((aligned(8))) = {", out);
	while ((c = fgetc(in)) != EOF)
		fprintf(out, "%s0x%02x,", n++ % 16 ? "" : "\n\t", c);
	fprintf(out, "\n};\nconst size_t tapir_obj_len = %zu;\n", n);
	fclose(in);
	return fclose(out) == 0 ? 0 : -1;
}

/* What the generated sides include: a change to one of them is a new
 * artifact. */
static const char *const runtime_headers[] = {
	"tapir.bpf.h", "tapir_arith.bpf.h", "tapir_gen_kern.h", "tapir_gen_kern_types.h",
	"tapir_gen_user.h", "tapir_rec.bpf.h", "tapir_rec.h", "tapir_rt.h",
	"tapir_stat.bpf.h", "tapir_str.bpf.h", "tapir_kagg.bpf.h",
};

int bpf_build(struct arena *a, struct diag_ctx *d, const char *src_dir, int verbose,
	      const char **artifact, bool *cached)
{
	const char *rt = TAPIR_SRCDIR "/runtime";
	const char *cache = cache_root(a), *vml, *dir, *log, *obj, *objc;
	uint64_t h = CACHE_HASH_INIT;
	const char *flags = "-O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wno-unused-function "
			    "-Wno-unused-label -Wno-unused-variable";

	h = cache_hash_file(h, arena_printf(a, "%s/prog.bpf.c", src_dir));
	h = cache_hash_file(h, arena_printf(a, "%s/prog.user.c", src_dir));
	h = cache_hash(h, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	h = cache_hash(h, flags, strlen(flags));
	h = cache_hash(h, TAPIR_ARTIFACT_CFLAGS, strlen(TAPIR_ARTIFACT_CFLAGS));
	h = cache_hash(h, TAPIR_BUILDDIR, strlen(TAPIR_BUILDDIR));
	h = cache_hash_file(h, TAPIR_BUILDDIR "/runtime/bpf/librtbpf.a");
	for (size_t i = 0; i < sizeof(runtime_headers) / sizeof(runtime_headers[0]); i++)
		h = cache_hash_file(h, arena_printf(a, "%s/bpf/%s", rt, runtime_headers[i]));
	dir = arena_printf(a, "%s/%016llx", cache, (unsigned long long)h);
	*artifact = arena_printf(a, "%s/run", dir);
	*cached = exists(*artifact);
	if (*cached)
		return 0;
	if (cache_mkdirs(dir) < 0) {
		diag_plain(d, DIAG_ERROR, "cannot create the cache folder '%s': %s", dir, strerror(errno));
		return -1;
	}
	vml = vmlinux_h(a, d, cache, verbose);
	if (!vml)
		return -1;
	/* Intermediate files are this process's own, so that two runs of the
	 * same script may build at once; the artifact is renamed into place. */
	log = arena_printf(a, "%s/build.log", dir);
	obj = arena_printf(a, "%s/prog.bpf.%d.o", dir, (int)getpid());
	objc = arena_printf(a, "%s/obj.%d.c", dir, (int)getpid());
	if (build_kern(a, d, arena_printf(a, "clang %s -I'%s' -I'%s/bpf' -I'%s/common' -c '%s/prog.bpf.c' -o '%s'",
					  flags, vml, rt, rt, src_dir, obj), log, verbose) < 0 ||
	    embed(d, obj, objc) < 0 ||
	    /* the executor library was built with the translator's sanitizers */
	    run(d, arena_printf(a, "cc -O2 -std=gnu11 -fwrapv -w " TAPIR_ARTIFACT_CFLAGS " -I'%s/bpf' -I'%s/common' '%s/prog.user.c' '%s' "
				   "'%s/runtime/bpf/librtbpf.a' '%s/runtime/common/librtcommon.a' -lbpf -lelf -lz -o '%s/run.%d' && mv '%s/run.%d' '%s/run'",
				rt, rt, src_dir, objc, TAPIR_BUILDDIR, TAPIR_BUILDDIR, dir, (int)getpid(), dir,
				(int)getpid(), dir),
		log, verbose) < 0)
		return -1;
	unlink(obj);
	unlink(objc);
	return 0;
}
