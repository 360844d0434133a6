#!/bin/bash
# Unit tests of translator/probes/tracepoint_db.c (kernel.trace resolution)
# against this host's tracefs and vmlinux BTF.
bin=$TAPIR_BUILDDIR/testsuite/unit/tracepoint_db_test
if [ ! -x "$bin" ]; then
	echo "FAIL: tracepoint-db: $bin is not built (make check builds it)"
	exit 0
fi
have_tracefs() {
	[ -r /sys/kernel/tracing/available_events ] ||
		[ -r /sys/kernel/debug/tracing/available_events ]
}
if ! have_tracefs && [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
fi
if ! have_tracefs; then
	reason="tracefs is not mounted"
	[ "$(id -u)" = 0 ] || reason="tracefs is not readable (run as root)"
	echo "SKIP: tracepoint-db: $reason"
	exit 0
fi
# The binary prints its own PASS/FAIL/SKIP lines (SKIP where BTF is absent);
# it exits 1 when it printed a FAIL, anything else means it died.
"$bin"
rc=$?
if [ $rc -gt 1 ]; then
	echo "FAIL: tracepoint-db: $bin died with status $rc"
fi
exit 0
