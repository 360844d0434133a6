#!/bin/bash
# Unit tests of pass 1's small pieces: the arena, token words, the lexer,
# the lazy kernel configuration, token recycling (testsuite/unit/front_test.c).
# The program prints its own PASS:/FAIL: lines; this reports one that is
# missing or dies.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
bin=$TAPIR_BUILDDIR/testsuite/unit/front_test
if [ ! -x "$bin" ]; then
	echo "FAIL: front-unit: $bin is not built (make check builds it)"
	exit 0
fi
out=$("$bin" 2>&1)
status=$?
printf '%s\n' "$out"
if [ $status -ne 0 ] && ! grep -q '^FAIL:' <<<"$out"; then
	echo "FAIL: front-unit: exited with status $status and no failure reported"
fi
exit 0
