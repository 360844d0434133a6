#!/bin/bash
# vm-timing: -t on the kmod backend, SystemTap's "probe hit report", in
# the VM of testsuite/vm (this host can't load modules). On the host the
# suite builds a few modules with `tapir -t -p4 -r KVER` (kbuild W=1, no
# warning allowed), a static tapir-load and a static getppid_loop; ONE
# boot runs them, and the host checks the reports. Nothing else in the
# guest calls getppid, so a probe on it must report exactly the N calls
# of the workload, which the script also counts itself.
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}" "${TAPIR_BUILDDIR:?}"
src=$TAPIR_SRCDIR
B=$TAPIR_BUILDDIR
vm=$src/testsuite/vm
N=1000
checks="cycles nsecs output-file alias no-t"

# on the host: without -t the module has no timing code at all
p3=$(mktemp -d)
echo 'global n; probe kernel.trace("syscalls:sys_enter_getppid") { n++ }' >"$p3/s.stp"
"$TAPIR" -p3 "$p3/s.stp" >"$p3/p3" 2>&1
"$TAPIR" -t -p3 "$p3/s.stp" >"$p3/p3t" 2>&1
if ! grep -q 'tapir_timing' "$p3/p3" && grep -q 'tapir_timing_add(0, tapir_t0)' "$p3/p3t"; then
	echo "PASS: vm-timing -p3 emits timing code with -t only"
else
	echo "FAIL: vm-timing -p3 emits timing code with -t only: tapir_timing in -p3 without -t, or missing with it"
fi
rm -rf "$p3"

skip_all() {
	for c in $checks; do echo "SKIP: vm-timing $c: $1"; done
	exit 0
}
why=$("$vm/vm-run" --check 2>&1)
case $? in
0) ;;
77) skip_all "${why#vm-run: }" ;;
*) for c in $checks; do echo "FAIL: vm-timing $c: ${why#vm-run: }"; done; exit 0 ;;
esac
kver=$("$vm/vm-run" --kernel-release) || skip_all "no kernel release"
# the VM kernel's BTF, for the probes tapir -r resolves (its functions and
# their parameters are the 6.1 kernel's, not this host's)
export TAPIR_VMLINUX=${TAPIR_VMLINUX:-$("$vm/vm-run" --vmlinux 2>/dev/null)}
"$vm/vm-run" --kbuild-dir >/dev/null 2>&1 || skip_all "no kbuild tree for $kver (install linux-headers-$kver)"
grep -qE '^(CFLAGS|TAPIR_SAN_CFLAGS) = .*-fsanitize' "$B/Makefile" 2>/dev/null &&
	skip_all "this build has sanitizers: the VM checks run once, on the plain build (the -p3 check above ran on this one)"

out=$B/vm/timing
P=$out/payload
rm -rf "$out"
mkdir -p "$P"
export TAPIR_CACHE=${TAPIR_CACHE:-$B/testsuite/kmod-cache}
log=$out/build.log

cc -std=gnu11 -O2 -Wall -Werror -static -o "$P/tapir-load" "$src/runtime/kmod/loader/tapir-load.c" \
	>>"$log" 2>&1 && cc -std=gnu11 -O2 -static -I"$src/bench/workloads" -o "$P/getppid_loop" \
	"$src/bench/workloads/getppid_loop.c" >>"$log" 2>&1 ||
	{ for c in $checks; do echo "FAIL: vm-timing $c: the static loader or workload does not build"; done; exit 0; }

cat >"$out/count.stp" <<'EOF'
global all, mine
probe kernel.trace("syscalls:sys_enter_getppid") {
	all++
	if (pid() == target()) mine++
}
probe end { printf("all=%d mine=%d\n", all, mine) }
EOF
cat >"$out/alias.stp" <<'EOF'
probe getppid_hit = kernel.trace("syscalls:sys_enter_getppid") { }
probe getppid_hit { if (pid() == target()) n++ }
global n
probe end { printf("n=%d\n", n) }
EOF

# module NAME SCRIPT TAPIR-OPTIONS...: $P/NAME.ko, or a FAIL line
module() {
	local name=$1 script=$2
	shift 2
	if ! "$TAPIR" -p4 -v -r "$kver" "$@" "$script" >"$out/$name.path" 2>"$out/$name.build"; then
		echo "FAIL: vm-timing $name: build failed: $(grep -m1 error "$out/$name.build")"
		return 1
	fi
	if grep -q 'warning:' "$out/$name.build"; then
		echo "FAIL: vm-timing $name: kbuild W=1 warning: $(grep -m1 'warning:' "$out/$name.build")"
		return 1
	fi
	cp "$(cat "$out/$name.path")" "$P/$name.ko"
}

list=$out/tests
: >"$list"
run="./tapir-load -c './getppid_loop $N'"
module cycles "$out/count.stp" -t && echo "cycles $run cycles.ko" >>"$list"
module nsecs "$out/count.stp" -t -D STP_TIMING_NSECS && echo "nsecs $run nsecs.ko" >>"$list"
# the same module as cycles: -o FILE gets the report with the output
cp "$P/cycles.ko" "$P/ofile.ko" 2>/dev/null &&
	echo "output-file $run -o /tmp/o ofile.ko >/tmp/stdout && echo reports on stdout: \$(grep -c 'hit report' /tmp/stdout) && cat /tmp/o" >>"$list"
module alias "$out/alias.stp" -t && echo "alias $run alias.ko" >>"$list"
module no-t "$out/count.stp" && echo "no-t $run no-t.ko" >>"$list"
[ -s "$list" ] || exit 0

"$vm/vm-run" -t 120 -T 60 -d "$P" -l "$list" -O "$out/results" -c "$out/console.log" \
	>"$out/vm-run.log" 2>&1
rc=$?

# ---- verdicts ----------------------------------------------------------------------
pp='kernel\.trace\("syscalls:sys_enter_getppid"\)'
num='[0-9]+'
# report_re UNIT LOC FROM INDEX: the regex of one report line
report_re() {
	echo "^$pp, \($2\), hits: ($num), $1: (${num})min/(${num})avg/(${num})max, variance: $num, from: $3, index: $4\$"
}
check() { # NAME TEST-FUNCTION
	local name=$1 res=$out/results/$1.out why
	grep -q "^$name " "$list" || return
	if [ ! -f "$res" ]; then
		echo "FAIL: vm-timing $name: no result (vm-run exited $rc: $(tail -n 1 "$out/vm-run.log"))"
		return
	fi
	why=$("$2" "$res")
	if [ -z "$why" ]; then
		echo "PASS: vm-timing $name"
	else
		echo "FAIL: vm-timing $name: $why"
		sed -n '1,12s/^/    | /p' "$res"
	fi
}
# hits_ok FILE UNIT: the counts and the order of min/avg/max
hits_ok() {
	local f=$1 unit=$2 re line
	re=$(report_re "$unit" "${out//./\\.}/count\.stp:2:1" "$pp" 0)
	grep -qx -- '----- probe hit report: ' "$f" || { echo "no '----- probe hit report: ' line"; return; }
	grep -qx "all=$N mine=$N" "$f" || { echo "the script did not count $N calls (all=$N mine=$N)"; return; }
	line=$(grep -E "$re" "$f") || { echo "no line matching /$re/"; return; }
	[[ $line =~ $re ]]
	[ "${BASH_REMATCH[1]}" = "$N" ] || { echo "hits: ${BASH_REMATCH[1]}, expected $N"; return; }
	[ "${BASH_REMATCH[2]}" -le "${BASH_REMATCH[3]}" ] && [ "${BASH_REMATCH[3]}" -le "${BASH_REMATCH[4]}" ] &&
		[ "${BASH_REMATCH[4]}" -gt 0 ] || { echo "not min <= avg <= max: $line"; return; }
	grep -Eq "^end, \(${out//./\\.}/count\.stp:6:1\), hits: 1, $unit: ${num}min/${num}avg/${num}max, variance: 0, from: end, index: 1\$" "$f" ||
		echo "no 'end, (...count.stp:6:1), hits: 1, $unit: ...' line"
}
t_cycles() { hits_ok "$1" cycles; }
t_nsecs() { hits_ok "$1" nsecs; }
t_output_file() {
	grep -qx 'reports on stdout: 0' "$1" || { echo "the report went to stdout, not to -o FILE"; return; }
	hits_ok "$1" cycles
}
t_alias() {
	local re
	re=$(report_re cycles "${out//./\\.}/alias\.stp:2:1" getppid_hit 0)
	grep -qx "n=$N" "$1" || { echo "no n=$N line"; return; }
	grep -Eq "$re" "$1" || echo "no line matching /$re/"
}
t_no_t() {
	grep -q 'probe hit report' "$1" && { echo "a report without -t"; return; }
	grep -qx "all=$N mine=$N" "$1" || echo "the script did not count $N calls"
}
check cycles t_cycles
check nsecs t_nsecs
check output-file t_output_file
check alias t_alias
check no-t t_no_t

exit 0
