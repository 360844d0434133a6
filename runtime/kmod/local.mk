# runtime/kmod: the kernel side of every module (headers compiled into it
# by kbuild, see backends/kmod/kmod_build.c) and the loader, tapir-load.
bin_PROGRAMS += tapir-load
tapir_load_SOURCES = runtime/kmod/loader/tapir-load.c
EXTRA_DIST += runtime/kmod/tapir_uprobe.h
