# The translator: driver, front end (pass 1) and elaboration (pass 2).
noinst_LIBRARIES += translator/libtapirfront.a
translator_libtapirfront_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBBPF_CFLAGS) $(LIBDW_CFLAGS)
translator_libtapirfront_a_SOURCES = \
	translator/tapir.h \
	translator/arena.c \
	translator/diag.c \
	translator/kconfig.c \
	translator/lex.c \
	translator/preprocess.c \
	translator/parse.c \
	translator/ast.c \
	translator/print.c \
	translator/session.c \
	translator/cache.h \
	translator/cache.c \
	translator/elab.h \
	translator/elaborate.c \
	translator/symbols.c \
	translator/alias.c \
	translator/types.c \
	translator/optimize.c \
	translator/autoprint.c \
	translator/gopt.c \
	translator/dump.c \
	translator/ctxvar.c \
	translator/cast.c \
	translator/entry.c \
	translator/embed_names.c \
	translator/regex_dfa.h \
	translator/regex_dfa.c \
	translator/probes/provider.c \
	translator/probes/begin.c \
	translator/probes/timer.c \
	translator/probes/perf.c \
	translator/probes/trace.c \
	translator/probes/kfunc.h \
	translator/probes/kfunc.c \
	translator/probes/kfunc_vars.c \
	translator/probes/process.c \
	translator/probes/procfs.c \
	translator/probes/uelf.c \
	translator/probes/uelf.h \
	translator/probes/ufuncs.c \
	translator/probes/usdt.c \
	translator/probes/uvar.c \
	translator/probes/uvar.h \
	translator/probes/utype.c \
	translator/probes/ucast.c \
	translator/probes/unsupported.c

bin_PROGRAMS += tapir
tapir_SOURCES = translator/main.c translator/options.c translator/options.h
tapir_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends/bpf -I$(top_srcdir)/backends/kmod
tapir_LDADD = backends/bpf/libtapirbpf.a backends/kmod/libtapirkmod.a translator/libtapirfront.a translator/probes/libtapirprobes.a \
	runtime/common/librtcommon.a \
	$(LIBDW_LIBS) $(LIBELF_LIBS) $(LIBBPF_LIBS) $(ZLIB_LIBS)

# Unit tests of pass 1's small pieces (testsuite/suites/front-unit.sh).
check_PROGRAMS += testsuite/unit/front_test
testsuite_unit_front_test_SOURCES = testsuite/unit/front_test.c
testsuite_unit_front_test_LDADD = translator/libtapirfront.a runtime/common/librtcommon.a \
	$(LIBDW_LIBS) $(LIBELF_LIBS)
EXTRA_DIST += testsuite/suites/front-unit.sh

# The regex compiler against regexec (run by testsuite/suites/front-unit.sh).
check_PROGRAMS += testsuite/unit/regex_test
testsuite_unit_regex_test_SOURCES = testsuite/unit/regex_test.c
testsuite_unit_regex_test_LDADD = translator/libtapirfront.a

# tapir --compare (translator/compare.h): runs tapir itself, per runtime.
tapir_SOURCES += translator/compare.h translator/compare.c translator/compare_report.c
