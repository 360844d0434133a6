# testsuite/unit/tapir_bpf.mk - the test of runtime/bpf/tapir.bpf.h, the
# kernel-side runtime of the BPF backend, run by
# testsuite/suites/runtime-bpf-kernel.sh.  Included by Makefile.am:
#	include testsuite/unit/tapir_bpf.mk
#
# tapir_bpf_test.bpf.c is built once per string configuration: the
# default MAXSTRINGLEN (word loops in bounded loops), 1024 (in bpf_loop),
# 1024 with bounded loops forced, and 100 (not a multiple of 8: the tail
# bytes).  vmlinux.h comes from this host's kernel BTF, into the build
# tree only.  Without bpftool or the kernel's BTF, or without clang, the
# objects are left empty and the suite skips; with them, a compiler error
# fails the build.  Override the tools with make TAPIR_BPF_CLANG=...

TAPIR_BPF_CLANG = clang
TAPIR_BPF_BPFTOOL = bpftool
TAPIR_BPF_DIR = testsuite/unit/tapir-bpf
TAPIR_BPF_CLANG_FLAGS = -O2 -g -target bpf -D__TARGET_ARCH_x86 -mcpu=v3 -Wall -Werror \
	-I$(TAPIR_BPF_DIR) -I$(top_srcdir)/runtime/bpf -I$(top_srcdir)/testsuite/unit

TAPIR_BPF_RT_FILES = \
	runtime/bpf/tapir.bpf.h \
	runtime/bpf/tapir_rec.bpf.h \
	runtime/bpf/tapir_arith.bpf.h \
	runtime/bpf/tapir_str.bpf.h \
	runtime/bpf/tapir_stat.bpf.h \
	runtime/bpf/tapir_kagg.bpf.h

TAPIR_BPF_OBJS = \
	testsuite/unit/tapir_bpf_test_128.bpf.o \
	testsuite/unit/tapir_bpf_test_1024.bpf.o \
	testsuite/unit/tapir_bpf_test_1024b.bpf.o \
	testsuite/unit/tapir_bpf_test_100.bpf.o

check_PROGRAMS += testsuite/unit/tapir_bpf_test
testsuite_unit_tapir_bpf_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/runtime/bpf $(LIBBPF_CFLAGS)
testsuite_unit_tapir_bpf_test_SOURCES = testsuite/unit/tapir_bpf_test.c \
	testsuite/unit/tapir_bpf_test.h
testsuite_unit_tapir_bpf_test_LDADD = runtime/common/librtcommon.a \
	$(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS)
# The loader runs the objects: building it builds them.
EXTRA_testsuite_unit_tapir_bpf_test_DEPENDENCIES = $(TAPIR_BPF_OBJS)

EXTRA_DIST += $(TAPIR_BPF_RT_FILES) testsuite/unit/tapir_bpf_test.bpf.c \
	testsuite/suites/runtime-bpf-kernel.sh
CLEANFILES += $(TAPIR_BPF_OBJS) $(TAPIR_BPF_DIR)/vmlinux.h

$(TAPIR_BPF_DIR)/vmlinux.h:
	$(AM_V_GEN)$(MKDIR_P) $(TAPIR_BPF_DIR) && \
	if $(TAPIR_BPF_BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c >$@.tmp; then \
		mv $@.tmp $@; \
	else \
		rm -f $@.tmp; : >$@; \
		echo "tapir_bpf.mk: no vmlinux.h (bpftool, /sys/kernel/btf/vmlinux): runtime-bpf-kernel will skip" >&2; \
	fi

# The start and the end of the compile command of each object.
TAPIR_BPF_COMPILE = if test -s $(TAPIR_BPF_DIR)/vmlinux.h && \
	command -v $(TAPIR_BPF_CLANG) >/dev/null 2>&1; then \
	$(TAPIR_BPF_CLANG) $(TAPIR_BPF_CLANG_FLAGS) -c $(top_srcdir)/testsuite/unit/tapir_bpf_test.bpf.c \
	-o $@.tmp
TAPIR_BPF_COMPILE_END = && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }; \
	else : >$@; echo "tapir_bpf.mk: $@ left empty (no clang or vmlinux.h)" >&2; fi

TAPIR_BPF_DEPS = $(TAPIR_BPF_DIR)/vmlinux.h $(top_srcdir)/testsuite/unit/tapir_bpf_test.bpf.c \
	$(top_srcdir)/testsuite/unit/tapir_bpf_test.h $(top_srcdir)/runtime/bpf/tapir_rec.h \
	$(top_srcdir)/runtime/bpf/tapir.bpf.h $(top_srcdir)/runtime/bpf/tapir_rec.bpf.h \
	$(top_srcdir)/runtime/bpf/tapir_arith.bpf.h $(top_srcdir)/runtime/bpf/tapir_str.bpf.h \
	$(top_srcdir)/runtime/bpf/tapir_stat.bpf.h $(top_srcdir)/runtime/bpf/tapir_kagg.bpf.h

testsuite/unit/tapir_bpf_test_128.bpf.o: $(TAPIR_BPF_DEPS)
	$(AM_V_GEN)$(TAPIR_BPF_COMPILE) -DTAPIR_MAXSTRINGLEN=128 $(TAPIR_BPF_COMPILE_END)

testsuite/unit/tapir_bpf_test_1024.bpf.o: $(TAPIR_BPF_DEPS)
	$(AM_V_GEN)$(TAPIR_BPF_COMPILE) -DTAPIR_MAXSTRINGLEN=1024 $(TAPIR_BPF_COMPILE_END)

testsuite/unit/tapir_bpf_test_1024b.bpf.o: $(TAPIR_BPF_DEPS)
	$(AM_V_GEN)$(TAPIR_BPF_COMPILE) -DTAPIR_MAXSTRINGLEN=1024 -DTAPIR_STR_BPF_LOOP=0 \
	$(TAPIR_BPF_COMPILE_END)

testsuite/unit/tapir_bpf_test_100.bpf.o: $(TAPIR_BPF_DEPS)
	$(AM_V_GEN)$(TAPIR_BPF_COMPILE) -DTAPIR_MAXSTRINGLEN=100 $(TAPIR_BPF_COMPILE_END)
