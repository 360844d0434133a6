#!/bin/bash
# vm-kfunc: the kernel-function runtime tests (testsuite/runtime/kfunc-*,
# kprobe-function, the vfs.* aliases' alias-vfs-read; syscall-any beside
# them) run where kernel functions can
# be probed: in the VM of testsuite/vm (Debian's 6.1 kernel, with BPF
# trampolines and kprobes). On the host, tapir translates each test (-p3,
# resolved against the host's BTF: the programs are CO-RE) and the suite
# builds it as pass 4 does, but linked statically, for the busybox guest;
# the workloads too. ONE boot runs them all, each test as the kernel
# picks (fentry/fexit) and again forced onto kprobes
# (TAPIR_KFUNC_ATTACH=kprobe); the host then checks each one's status,
# the attach mechanism -v reports, and its output against the test's
# .out/.re. Checks SKIP only when a VM can't run here or the build has
# sanitizers (which can't link statically).
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}" "${TAPIR_BUILDDIR:?}"
src=$TAPIR_SRCDIR
B=$TAPIR_BUILDDIR
rt=$src/testsuite/runtime
vm=$src/testsuite/vm
export TAPIR_CACHE=${TAPIR_CACHE:-$B/testsuite/runtime-cache}

# check: test, mode, the mechanisms -v must report
checks=(
	"kfunc-vfs-read auto fentry"
	"kfunc-vfs-read kprobe kprobe"
	"kfunc-return auto fexit"
	"kfunc-return kprobe kretprobe"
	"kprobe-function auto kprobe kretprobe"
	"kfunc-wildcard auto fentry"
	"kfunc-wildcard kprobe kprobe"
	"syscall-any auto tp_btf"
	"alias-vfs-read auto fentry fexit"
	"alias-vfs-read kprobe kprobe kretprobe"
	"kfunc-args auto fentry fexit"
	"kfunc-args kprobe kprobe kretprobe"
	"kfunc-entry-expr auto fexit"
	"kfunc-entry-expr kprobe kretprobe"
)
names() { for c in "${checks[@]}"; do set -- $c; echo "$1-$2"; done; }
skip_all() {
	for n in $(names); do echo "SKIP: vm-kfunc $n: $1"; done
	exit 0
}

why=$("$vm/vm-run" --check 2>&1)
case $? in
0) ;;
77) skip_all "${why#vm-run: }" ;;
*) for n in $(names); do echo "FAIL: vm-kfunc $n: ${why#vm-run: }"; done; exit 0 ;;
esac
grep -qE '^(CFLAGS|TAPIR_SAN_CFLAGS) = .*-fsanitize' "$B/Makefile" 2>/dev/null &&
	skip_all "this build has sanitizers; the guest's artifacts are linked statically (run it on the plain build)"
command -v clang >/dev/null && command -v bpftool >/dev/null ||
	skip_all "needs clang and bpftool"

out=$B/vm/kfunc
payload=$out/payload
rm -rf "$out"
mkdir -p "$payload"
log=$out/build.log
fail_all() {
	for n in $(names); do echo "FAIL: vm-kfunc $n: $1"; done
	sed -n '1,20s/^/    | /p' "$log"
	exit 0
}

# ---- build, on the host ----------------------------------------------------------
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h" 2>>"$log" ||
	fail_all "bpftool could not dump the host's BTF"
for w in file_read_loop getppid_loop; do
	cc -std=gnu11 -O2 -static -I"$src/bench/workloads" -o "$payload/$w" \
		"$src/bench/workloads/$w.c" >>"$log" 2>&1 || fail_all "cannot build the workload $w"
done
cp "$vm/kfunc/run.sh" "$payload/"

# artifact NAME: testsuite/runtime/NAME.stp as a static executable
artifact() {
	local name=$1 dir
	dir=$("$TAPIR" --bpf -p3 -k "$rt/$name.stp" 2>&1 >/dev/null |
		sed -n 's/^Keeping temporary directory "\(.*\)"$/\1/p')
	[ -n "$dir" ] && [ -f "$dir/prog.bpf.c" ] || return 1
	clang -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wno-unused-function \
		-Wno-unused-label -Wno-unused-variable -I"$out" -I"$src/runtime/bpf" \
		-I"$src/runtime/common" -c "$dir/prog.bpf.c" -o "$out/$name.bpf.o" &&
	{
		echo '#include <stddef.h>'
		echo 'const unsigned char tapir_obj[] __attribute__((aligned(8))) = {'
		od -An -v -tx1 "$out/$name.bpf.o" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
		echo '};'
		echo 'const size_t tapir_obj_len = sizeof(tapir_obj);'
	} >"$out/$name.obj.c" &&
	cc -O2 -std=gnu11 -fwrapv -w -I"$src/runtime/bpf" -I"$src/runtime/common" \
		"$dir/prog.user.c" "$out/$name.obj.c" "$B/runtime/bpf/librtbpf.a" \
		"$B/runtime/common/librtcommon.a" -static -lbpf -lelf -lz -o "$payload/$name"
	local rc=$?
	rm -rf "$dir"
	return $rc
}

declare -A built
list=$out/tests
: >"$list"
for c in "${checks[@]}"; do
	set -- $c
	name=$1 mode=$2
	if [ -z "${built[$name]:-}" ]; then
		if artifact "$name" >>"$log" 2>&1; then built[$name]=ok; else built[$name]=failed; fi
	fi
	if [ "${built[$name]}" != ok ]; then
		echo "FAIL: vm-kfunc $name-$mode: could not build $name for the VM"
		continue
	fi
	opts=$(sed -n 's/^# opts: //p' "$rt/$name.stp" | head -n 1)
	echo "$name-$mode sh ./run.sh $name $mode ${opts//\$W/.}" >>"$list"
done
[ -s "$list" ] || exit 0

# ---- one boot --------------------------------------------------------------------
"$vm/vm-run" -t 240 -T 60 -d "$payload" -l "$list" -O "$out/results" -c "$out/console.log" \
	>"$out/vm-run.log" 2>&1
rc=$?

# ---- verdicts --------------------------------------------------------------------
# expect NAME MECH...: what run.sh must print for test NAME
expect() {
	local name=$1
	shift
	echo "status: 0"
	echo "attach: $*"
	if [ -f "$rt/$name.out" ]; then sed 's/[][\.*^$(){}+?|]/\\&/g' "$rt/$name.out"; else cat "$rt/$name.re"; fi
}
for c in "${checks[@]}"; do
	set -- $c
	name=$1 mode=$2
	shift 2
	res=$out/results/$name-$mode.out
	grep -q "^$name-$mode " "$list" || continue
	if [ ! -f "$res" ]; then
		echo "FAIL: vm-kfunc $name-$mode: no result (vm-run exited $rc: $(tail -n 1 "$out/vm-run.log"))"
		continue
	fi
	expect "$name" "$@" >"$out/$name-$mode.re"
	bad=
	if [ "$(wc -l <"$res")" -ne "$(wc -l <"$out/$name-$mode.re")" ]; then
		bad="$(wc -l <"$res") lines, expected $(wc -l <"$out/$name-$mode.re")"
	else
		bad=$(paste -d '\n' "$out/$name-$mode.re" "$res" | while IFS= read -r re && IFS= read -r line; do
			[[ $line =~ ^$re$ ]] || { echo "'$line' !~ /$re/"; break; }
		done)
	fi
	if [ -z "$bad" ]; then
		echo "PASS: vm-kfunc $name-$mode"
	else
		echo "FAIL: vm-kfunc $name-$mode: $bad"
		sed -n '1,12s/^/    | /p' "$res"
	fi
done
exit 0
