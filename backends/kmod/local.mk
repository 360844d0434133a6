# The kmod backend: pass 3 (module C), pass 4 (kbuild, cache), pass 5 (the loader).
noinst_LIBRARIES += backends/kmod/libtapirkmod.a
backends_kmod_libtapirkmod_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends/kmod
backends_kmod_libtapirkmod_a_SOURCES = \
	backends/kmod/kmod.h \
	backends/kmod/kmod_backend.h \
	backends/kmod/kmod_expr.c \
	backends/kmod/kmod_regex.c \
	backends/kmod/kmod_locks.c \
	backends/kmod/kmod_stmt.c \
	backends/kmod/kmod_file.c \
	backends/kmod/kmod_handler.c \
	backends/kmod/kmod_counters.c \
	backends/kmod/kmod_ctxfree.c \
	backends/kmod/kmod_filter.c \
	backends/kmod/kmod_entry.c \
	backends/kmod/kmod_build.c \
	backends/kmod/kmod_rtcache.c \
	backends/kmod/kmod_driver.c \
	backends/kmod/kmod_kprobe.c \
	backends/kmod/kmod_ctxvar.c \
	backends/kmod/kmod_slice.c \
	backends/kmod/kmod_uprobe.h \
	backends/kmod/kmod_uprobe.c \
	backends/kmod/kmod_timing.c \
	backends/kmod/kmod_procfs.c \
	backends/kmod/kmod_usyms.c
EXTRA_DIST += runtime/kmod/tapir_kmod.h runtime/kmod/tapir_map.h runtime/kmod/tapir_transport.h \
	runtime/kmod/tapir_probes.h runtime/kmod/tapir_ktypes.h
EXTRA_DIST += runtime/kmod/tapir_timing.h runtime/kmod/tapir_procfs.h runtime/kmod/tapir_usyms.h
