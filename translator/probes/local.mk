# translator/probes: the probe providers of pass 2 and what they resolve
# probe points against (tracefs, BTF).
noinst_LIBRARIES += translator/probes/libtapirprobes.a
translator_probes_libtapirprobes_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBBPF_CFLAGS)
translator_probes_libtapirprobes_a_SOURCES = \
	translator/probes/tracepoint_db.c \
	translator/probes/tracepoint_db.h \
	translator/probes/kfunc_db.c \
	translator/probes/kfunc_db.h

check_PROGRAMS += testsuite/unit/tracepoint_db_test
testsuite_unit_tracepoint_db_test_CPPFLAGS = $(AM_CPPFLAGS) $(LIBBPF_CFLAGS)
testsuite_unit_tracepoint_db_test_SOURCES = testsuite/unit/tracepoint_db_test.c
testsuite_unit_tracepoint_db_test_LDADD = translator/probes/libtapirprobes.a \
	$(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS)
EXTRA_DIST += testsuite/suites/tracepoint-db.sh

# kernel functions: the resolution suite and the VM runtime suite
EXTRA_DIST += testsuite/suites/kfunc.sh testsuite/suites/vm-kfunc.sh testsuite/vm/kfunc/run.sh
