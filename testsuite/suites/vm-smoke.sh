#!/bin/bash
# vm-smoke: the VM harness works end to end. On the host: build a module
# with kbuild W=1 against the VM kernel's headers, a static module loader
# and a static libbpf program. In ONE boot (testsuite/vm/smoke/tests): load
# and unload the module, count a kernel function's calls with a kprobe from
# the module and with a BPF kprobe program, and find no oops or WARN.
# Checks are SKIPped only when qemu, the kernel or its headers are missing.
set -u
src=${TAPIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
vm=$src/testsuite/vm
smoke=$vm/smoke
if [ -n "${TAPIR_BUILDDIR:-}" ]; then
	out=$TAPIR_BUILDDIR/vm/smoke
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/vm-smoke.XXXXXX") || exit 1
	trap 'rm -rf "$out"' EXIT
fi

builds=(kmod-build loader-build bpf-build)
# the VM checks, from the list, with what each needs built
mapfile -t vm_checks < <(sed -n 's/^\([a-z][a-z0-9-]*\) .*/\1/p' "$smoke/tests")
needs() {
	case $1 in
	kmod-*) echo "kmod-build loader-build" ;;
	bpf-*) echo bpf-build ;;
	esac
}

declare -A result # check -> "" (to run), or the SKIP:/FAIL: line to print

# ---- can a VM run here? --------------------------------------------------------
why=$("$vm/vm-run" --check 2>&1)
case $? in
0) ;;
77)
	for c in "${builds[@]}" "${vm_checks[@]}"; do echo "SKIP: $c: ${why#vm-run: }"; done
	exit 0 ;;
*)
	for c in "${builds[@]}" "${vm_checks[@]}"; do echo "FAIL: $c: ${why#vm-run: }"; done
	exit 0 ;;
esac
kbuild=$("$vm/vm-run" --kbuild-dir 2>&1)
kbuild_rc=$?

# ---- build, the three at once ------------------------------------------------------
# Always from scratch, so that kbuild's warnings are seen on every run.
rm -rf "$out"
mkdir -p "$out"
build() { # check make-target
	make -s -C "$smoke" OUT="$out" KDIR="$kbuild" "$2" >"$out/$1.log" 2>&1
	echo $? >"$out/$1.status"
}
if [ $kbuild_rc = 0 ]; then
	build kmod-build module &
fi
build loader-build loader &
build bpf-build bpf &
wait

for c in "${builds[@]}"; do
	if [ "$c" = kmod-build ] && [ $kbuild_rc != 0 ]; then
		result[$c]="SKIP: $c: ${kbuild#vm-run: }"
		continue
	fi
	log=$out/$c.log
	if [ "$(cat "$out/$c.status")" != 0 ]; then
		result[$c]="FAIL: $c: $(grep -m1 -E 'error|Error' "$log" || tail -n1 "$log")"
	elif grep -qi 'warning' "$log"; then
		result[$c]="FAIL: $c: $(grep -m1 -i 'warning' "$log")"
	else
		result[$c]=
	fi
done
for c in "${builds[@]}"; do
	line=${result[$c]}
	echo "${line:-PASS: $c}"
	case $line in FAIL:*) sed 's/^/    /' "$out/$c.log" | head -n 20 ;; esac
done

# ---- one boot ----------------------------------------------------------------------
list=$out/tests
: >"$list"
for c in "${vm_checks[@]}"; do
	line=
	for b in $(needs "$c"); do
		# a build that only warned still made what the check needs
		case ${result[$b]} in
		SKIP:*) line="SKIP: $c: ${result[$b]#SKIP: $b: }" ;;
		FAIL:*) [ "$(cat "$out/$b.status")" = 0 ] || line="FAIL: $c: not run, $b failed" ;;
		esac
		[ -n "$line" ] && break
	done
	if [ -n "$line" ]; then
		echo "$line"
	else
		grep "^$c " "$smoke/tests" >>"$list"
	fi
done
[ -s "$list" ] || exit 0
"$vm/vm-run" -d "$out/payload" -l "$list" -O "$out/results" -c "$out/console.log"
rc=$?
# 0: all passed; 1, 124, 125: vm-run printed a FAIL line for each check
case $rc in
0 | 1 | 124 | 125) ;;
*) sed -n 's/^\([^ ]*\) .*/FAIL: \1: vm-run failed with status '$rc'/p' "$list" ;;
esac
exit 0
