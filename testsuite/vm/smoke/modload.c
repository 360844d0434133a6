/*
 * modload - load a kernel module with finit_module(2) or unload one with
 * delete_module(2), saying why when the kernel refuses.
 *
 *   modload FILE.ko [PARAM=VALUE...]
 *   modload -r NAME
 *
 * The seed of tapir's own module loader: no libkmod, no dependency
 * resolution (tapir's modules have none), statically linked so that it
 * runs in the VM's initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What the usual errors of finit_module(2) mean for a module built by tapir. */
static const char *load_hint(int err)
{
	switch (err) {
	case ENOEXEC:
		return "not a module for this kernel (see dmesg)";
	case EEXIST:
		return "a module of that name is loaded already";
	case EPERM:
		return "needs root, and module loading enabled (lockdown?)";
	case EKEYREJECTED:
	case ENOKEY:
		return "the kernel requires signed modules";
	case ENOENT:
		return "a symbol or parameter is unknown (see dmesg)";
	case EINVAL:
		return "bad parameters or module (see dmesg)";
	default:
		return NULL;
	}
}

/* Join PARAM=VALUE arguments with spaces, as finit_module(2) takes them. */
static char *join_params(int argc, char **argv)
{
	size_t len = 1;
	char *params;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	return params;
}

static int load(const char *path, int argc, char **argv)
{
	const char *hint;
	char *params;
	int fd, err = 0;

	params = join_params(argc, argv);
	if (!params) {
		fprintf(stderr, "modload: %s: out of memory\n", path);
		return 1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modload: %s: %s\n", path, strerror(errno));
		err = 1;
		goto out;
	}
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		hint = load_hint(errno);
		fprintf(stderr, "modload: %s: finit_module: %s%s%s\n", path, strerror(errno),
		        hint ? ": " : "", hint ? hint : "");
		err = 1;
	}
	close(fd);
out:
	free(params);
	return err;
}

static const char *unload_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "not loaded";
	case EWOULDBLOCK:
		return "in use";
	default:
		return NULL;
	}
}

static int unload(const char *name)
{
	const char *hint;

	/* O_NONBLOCK: fail with EWOULDBLOCK while the module is in use */
	if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0)
		return 0;
	hint = unload_hint(errno);
	fprintf(stderr, "modload: %s: delete_module: %s%s%s\n", name, strerror(errno),
	        hint ? ": " : "", hint ? hint : "");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-r") == 0)
		return unload(argv[2]);
	if (argc >= 2 && argv[1][0] != '-')
		return load(argv[1], argc - 2, argv + 2);
	fprintf(stderr, "usage: modload FILE.ko [PARAM=VALUE...]\n"
	                "       modload -r NAME\n");
	return 2;
}
