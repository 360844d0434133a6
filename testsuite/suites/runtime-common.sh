#!/bin/bash
# runtime/common's unit tests: the printf engine, the statistics and the
# histogram printer, each compared with what SystemTap prints.  The test
# programs (built by `make check` in $TAPIR_BUILDDIR/testsuite/unit/) print
# their own PASS:/FAIL: lines; this relays them, each name prefixed with
# its program, and reports a program that is missing or dies.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
for t in rt_format_test rt_stats_test rt_hist_test; do
	bin=$TAPIR_BUILDDIR/testsuite/unit/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t: $bin is not built (make check builds it)"
		continue
	fi
	out=$("$bin" 2>&1)
	status=$?
	printf '%s\n' "$out" | sed -E "s/^(PASS|FAIL|SKIP): /\1: ${t%_test}: /"
	if [ $status -ne 0 ] && ! grep -q '^FAIL:' <<<"$out"; then
		echo "FAIL: $t: exited with status $status and no failure reported"
	fi
done
exit 0
