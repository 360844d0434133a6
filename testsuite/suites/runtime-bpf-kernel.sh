#!/bin/bash
# runtime/bpf/tapir.bpf.h, the kernel-side runtime of the BPF backend, in
# a real kernel probe: testsuite/unit/tapir_bpf_test loads each build of
# tapir_bpf_test.bpf.o (one per string configuration, see
# testsuite/unit/tapir_bpf.mk), attaches it to sys_enter, drives it with
# getppid() and checks strings, records, division, histogram buckets and
# statistics against user-space references.  It prints its own
# PASS:/FAIL:/SKIP: lines, each test named bpfN.test for MAXSTRINGLEN N.
# TAPIR_BPF_TEST_VERBOSE=1 adds the verifier's instruction counts.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
bin=$TAPIR_BUILDDIR/testsuite/unit/tapir_bpf_test
if [ ! -x "$bin" ]; then
	echo "FAIL: runtime-bpf-kernel: $bin is not built (make check builds it)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: runtime-bpf-kernel: loading BPF programs needs root"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "SKIP: runtime-bpf-kernel: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	exit 0
fi
verbose=
[ "${TAPIR_BPF_TEST_VERBOSE:-0}" = 1 ] && verbose=-v
for build in 128 1024 1024b 100; do
	obj=$TAPIR_BUILDDIR/testsuite/unit/tapir_bpf_test_$build.bpf.o
	if [ ! -e "$obj" ]; then
		echo "FAIL: bpf$build: $obj is not built (make check builds it)"
		continue
	fi
	if [ ! -s "$obj" ]; then
		echo "SKIP: bpf$build: built empty: no clang, bpftool or kernel BTF at build time"
		continue
	fi
	# exit status 1: a FAIL was printed; anything else means it died
	"$bin" "$obj" "bpf$build" $verbose
	rc=$?
	if [ $rc -gt 1 ]; then
		echo "FAIL: bpf$build: $bin died with status $rc"
	fi
done
exit 0
