# The BPF backend: pass 3 (C emitter) and pass 4 (clang, cc, cache).
noinst_LIBRARIES += backends/bpf/libtapirbpf.a
backends_bpf_libtapirbpf_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends/bpf $(LIBBPF_CFLAGS) $(LIBDW_CFLAGS)
backends_bpf_libtapirbpf_a_SOURCES = \
	backends/bpf/bpf_backend.h \
	backends/bpf/emit.h \
	backends/bpf/emit_expr.c \
	backends/bpf/emit_stmt.c \
	backends/bpf/emit_file.c \
	backends/bpf/emit_cast.c \
	backends/bpf/build.c \
	backends/bpf/emit_timing.c \
	backends/bpf/emit_kfunc.c \
	backends/bpf/emit_uprobe.c \
	backends/bpf/emit_entry.c \
	backends/bpf/emit_regex.c \
	backends/bpf/emit_uprobe.h \
	backends/bpf/emit_try.c \
	backends/bpf/emit_inline.c \
	backends/bpf/emit_slice.c \
	backends/bpf/emit_hist.c \
	backends/bpf/emit_kstat.c \
	backends/bpf/emit_kforeach.c \
	backends/bpf/emit_ksort.c \
	backends/bpf/emit_tpchain.c \
	backends/bpf/emit_regs.c
EXTRA_DIST += runtime/bpf/tapir_rec.h runtime/bpf/tapir_rt.h runtime/bpf/tapir_gen_kern.h \
	runtime/bpf/tapir_gen_kern_types.h runtime/bpf/tapir_gen_user.h
