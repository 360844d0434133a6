/* cache.c - helpers of the backends' artifact caches (cache.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"

uint64_t cache_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t cache_hash_file(uint64_t h, const char *path)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (!f)
		return cache_hash(h, path, strlen(path));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = cache_hash(h, buf, n);
	fclose(f);
	return h;
}

const char *cache_root(struct arena *a)
{
	const char *x = getenv("TAPIR_CACHE"), *home = getenv("HOME");

	if (x && *x)
		return x;
	return arena_printf(a, "%s/.cache/tapir", home && *home ? home : "/tmp");
}

int cache_mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}
