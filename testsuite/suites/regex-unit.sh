#!/bin/bash
# The regular expressions of =~ and !~ (translator/regex_dfa.c) against the C
# library's regexec (testsuite/unit/regex_test.c).
# The program prints its own PASS:/FAIL: lines; this reports one that is
# missing or dies.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
bin=$TAPIR_BUILDDIR/testsuite/unit/regex_test
if [ ! -x "$bin" ]; then
	echo "FAIL: regex-unit: $bin is not built (make check builds it)"
	exit 0
fi
out=$("$bin" 2>&1)
status=$?
printf '%s\n' "$out"
if [ $status -ne 0 ] && ! grep -q '^FAIL:' <<<"$out"; then
	echo "FAIL: regex-unit: exited with status $status and no failure reported"
fi
exit 0
