#!/bin/bash
# Unit tests of the translator's small pieces: the arena, token words, the
# lexer, the lazy kernel configuration, token recycling
# (testsuite/unit/front_test.c), and the regular expressions of =~ and !~
# against the C library's regexec (testsuite/unit/regex_test.c).
# Each program prints its own PASS:/FAIL: lines; this reports one that is
# missing or dies.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
for name in front_test regex_test; do
	bin=$TAPIR_BUILDDIR/testsuite/unit/$name
	if [ ! -x "$bin" ]; then
		echo "FAIL: front-unit: $bin is not built (make check builds it)"
		continue
	fi
	out=$("$bin" 2>&1)
	status=$?
	printf '%s\n' "$out"
	if [ $status -ne 0 ] && ! grep -q '^FAIL:' <<<"$out"; then
		echo "FAIL: front-unit: $name exited with status $status and no failure reported"
	fi
done
exit 0
