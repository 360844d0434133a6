/* cache.h - what the backends' artifact caches share: a content hash
 * (FNV-1a over the inputs), the cache folder and making folders. */
#ifndef TAPIR_CACHE_H
#define TAPIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "tapir.h"

#define CACHE_HASH_INIT 1469598103934665603ULL

uint64_t cache_hash(uint64_t h, const void *p, size_t n);
/* The file's bytes; its path instead when it can't be read. */
uint64_t cache_hash_file(uint64_t h, const char *path);
/* $TAPIR_CACHE, else ~/.cache/tapir (/tmp/.cache/tapir without $HOME). */
const char *cache_root(struct arena *a);
/* mkdir -p; 0 or -1 (errno). */
int cache_mkdirs(const char *path);

#endif /* TAPIR_CACHE_H */
