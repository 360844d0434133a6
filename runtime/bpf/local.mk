# runtime/bpf: the executor every BPF-backend artifact links (tapir_rt.h
# is its contract with the generated user side, tapir_rec.h what the BPF
# side sends it), and its tests.
noinst_LIBRARIES += runtime/bpf/librtbpf.a
runtime_bpf_librtbpf_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/runtime/bpf $(LIBBPF_CFLAGS)
runtime_bpf_librtbpf_a_SOURCES = \
	runtime/bpf/tapir_rt.h \
	runtime/bpf/tapir_rec.h \
	runtime/bpf/rt_exec.h \
	runtime/bpf/rt_exec_main.c \
	runtime/bpf/rt_exec_opts.c \
	runtime/bpf/rt_exec_msg.c \
	runtime/bpf/rt_exec_out.c \
	runtime/bpf/rt_exec_log.c \
	runtime/bpf/rt_exec_load.c \
	runtime/bpf/rt_exec_cpus.c \
	runtime/bpf/rt_exec_attach.c \
	runtime/bpf/rt_exec_rec.c \
	runtime/bpf/rt_exec_child.c \
	runtime/bpf/rt_exec_loop.c \
	runtime/bpf/rt_exec_probe.c \
	runtime/bpf/rt_exec_maps.c \
	runtime/bpf/rt_exec_foreach.c \
	runtime/bpf/rt_exec_timing.c \
	runtime/bpf/rt_exec_stats.c \
	runtime/bpf/rt_exec_kfunc.c \
	runtime/bpf/rt_exec_uprobe.c \
	runtime/bpf/rt_exec_kread.c \
	runtime/bpf/rt_exec_sym.c \
	runtime/bpf/rt_exec_ksym.c \
	runtime/bpf/rt_exec_usym.c \
	runtime/bpf/rt_exec_cmd.c \
	runtime/bpf/rt_exec_procfs.c

# The executor's test: a hand-written BPF object (testsuite/unit/
# rtbpf_test.bpf.c, built with clang against this kernel's vmlinux.h)
# embedded in a hand-written user side, run by
# testsuite/suites/runtime-bpf.sh.  Without clang, bpftool or the
# kernel's BTF the object is empty and the suite skips.
RTBPF_CLANG = clang
RTBPF_BPFTOOL = bpftool
check_PROGRAMS += testsuite/unit/rtbpf_test
testsuite_unit_rtbpf_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/runtime/bpf $(LIBBPF_CFLAGS)
testsuite_unit_rtbpf_test_SOURCES = testsuite/unit/rtbpf_test.c
nodist_testsuite_unit_rtbpf_test_SOURCES = testsuite/unit/rtbpf_test_obj.c
testsuite_unit_rtbpf_test_LDADD = runtime/bpf/librtbpf.a runtime/common/librtcommon.a \
	$(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS)
EXTRA_DIST += testsuite/unit/rtbpf_test.bpf.c testsuite/suites/runtime-bpf.sh
CLEANFILES += testsuite/unit/vmlinux.h testsuite/unit/rtbpf_test.bpf.o \
	testsuite/unit/rtbpf_test_obj.c

testsuite/unit/vmlinux.h:
	$(AM_V_GEN)$(MKDIR_P) testsuite/unit && \
	{ $(RTBPF_BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c >$@.tmp && mv $@.tmp $@; } || \
	{ rm -f $@.tmp; : >$@; echo "rtbpf_test: no vmlinux.h (bpftool, kernel BTF): its BPF object will be empty" >&2; }

testsuite/unit/rtbpf_test.bpf.o: $(top_srcdir)/testsuite/unit/rtbpf_test.bpf.c \
		$(top_srcdir)/runtime/bpf/tapir_rec.h testsuite/unit/vmlinux.h
	$(AM_V_GEN)if test -s testsuite/unit/vmlinux.h && \
	    $(RTBPF_CLANG) -target bpf -D__TARGET_ARCH_x86 -g -O2 -Wall -Werror \
	    -Itestsuite/unit -I$(top_srcdir)/runtime/bpf -c $< -o $@.tmp; then \
	    mv $@.tmp $@; else rm -f $@.tmp; : >$@; fi

# The object as a C array (od: no xxd needed).
testsuite/unit/rtbpf_test_obj.c: testsuite/unit/rtbpf_test.bpf.o
	$(AM_V_GEN){ echo '/* generated from rtbpf_test.bpf.o */'; \
	  echo 'const unsigned char rtbpf_test_obj[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; \
	  echo 'const unsigned long rtbpf_test_obj_len = sizeof(rtbpf_test_obj) - 1;'; } >$@.tmp && \
	mv $@.tmp $@
