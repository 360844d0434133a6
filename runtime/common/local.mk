# runtime/common: the printf engine, statistics maths and histogram printer
# shared by the kernel module and the BPF executor.  The sources build both
# here (user space) and under kbuild; rt_types.h says what they may use.
noinst_LIBRARIES += runtime/common/librtcommon.a
runtime_common_librtcommon_a_SOURCES = \
	runtime/common/rt_types.h \
	runtime/common/rt_sink.h \
	runtime/common/rt_sink.c \
	runtime/common/rt_out.h \
	runtime/common/rt_out.c \
	runtime/common/rt_format.h \
	runtime/common/rt_fmt_parse.c \
	runtime/common/rt_format.c \
	runtime/common/rt_stats.h \
	runtime/common/rt_stats.c \
	runtime/common/rt_hist.h \
	runtime/common/rt_hist.c

# Unit tests, run by testsuite/suites/runtime-common.sh.
check_PROGRAMS += \
	testsuite/unit/rt_format_test \
	testsuite/unit/rt_stats_test \
	testsuite/unit/rt_hist_test
testsuite_unit_rt_format_test_SOURCES = testsuite/unit/rt_format_test.c
testsuite_unit_rt_format_test_LDADD = runtime/common/librtcommon.a
testsuite_unit_rt_stats_test_SOURCES = testsuite/unit/rt_stats_test.c
testsuite_unit_rt_stats_test_LDADD = runtime/common/librtcommon.a
testsuite_unit_rt_hist_test_SOURCES = testsuite/unit/rt_hist_test.c
testsuite_unit_rt_hist_test_LDADD = runtime/common/librtcommon.a
EXTRA_DIST += testsuite/suites/runtime-common.sh
