#!/bin/bash
# -t on the BPF backend: SystemTap's "probe hit report", driven by
# bench/workloads/getppid_loop N so that hit counts are known.
#
# The getppid probe fires for every process of the host (other users'
# benchmarks included), so the script counts the handler's runs itself
# (all) and the workload's (mine): the report's hits must equal all,
# exactly, and mine must equal N.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${TAPIR:=$TAPIR_BUILDDIR/tapir}"
export TAPIR_CACHE=${TAPIR_CACHE:-$TAPIR_BUILDDIR/testsuite/runtime-cache}
W=$TAPIR_BUILDDIR/bench/workloads
N=20000

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: timing: loading BPF programs needs root"
	exit 0
fi
if [ ! -x "$W/getppid_loop" ]; then
	echo "FAIL: timing: $W/getppid_loop is not built (make builds it)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

script='global all, mine
probe kernel.trace("syscalls:sys_enter_getppid") {
	all++
	if (pid() == target()) mine++
}
probe end { printf("all=%d mine=%d\n", all, mine) }'

ok() { echo "PASS: timing $1"; }
bad() { echo "FAIL: timing $1: $2"; sed -n '1,10s/^/    /p' "$tmp/out" "$tmp/err"; }

# ---- the report, its shape and its counts
"$TAPIR" --bpf -t -e "$script" -c "$W/getppid_loop $N" >"$tmp/out" 2>"$tmp/err"
rc=$?
pp='kernel\.trace\("syscalls:sys_enter_getppid"\)'
num='[0-9]+'
line_re="^$pp, \(<input>:2:1\), hits: ($num), nsecs: ${num}min/${num}avg/${num}max, variance: $num, from: $pp, index: 0\$"
all=$(sed -n 's/^all=\([0-9]*\) mine=.*/\1/p' "$tmp/out")
mine=$(sed -n 's/^all=[0-9]* mine=\([0-9]*\)$/\1/p' "$tmp/out")
hits=$(grep -E "$line_re" "$tmp/out" | sed -E 's/.*hits: ([0-9]+),.*/\1/')
if [ $rc -ne 0 ]; then
	bad report "exit status $rc"
elif ! grep -qx -- '----- probe hit report: ' "$tmp/out"; then
	bad report "no '----- probe hit report: ' line"
elif [ -z "$hits" ]; then
	bad report "no report line for the getppid probe matching /$line_re/"
elif [ "$mine" != "$N" ]; then
	bad report "the workload's calls counted $mine, expected $N"
elif [ "$hits" != "$all" ]; then
	bad report "hits: $hits, but the handler ran $all times"
else
	ok "report: hits $hits = handler runs, $mine from the workload"
fi

# min <= avg <= max, and the end probe (user space) hit once
if grep -E "$line_re" "$tmp/out" | sed -E 's/.*nsecs: ([0-9]+)min\/([0-9]+)avg\/([0-9]+)max.*/\1 \2 \3/' |
	awk '{ exit !($1 <= $2 && $2 <= $3 && $3 > 0) }'; then
	ok "min <= avg <= max"
else
	bad "min <= avg <= max" "not ordered"
fi
if grep -Eq "^end, \(<input>:6:1\), hits: 1, nsecs: ${num}min/${num}avg/${num}max, variance: 0, from: end, index: 1\$" "$tmp/out"; then
	ok "end probe timed in user space"
else
	bad "end probe timed in user space" "no 'end, (<input>:6:1), hits: 1, ...' line"
fi

# the kernel's own count: the program runs on every sys_enter (the
# getppid filter is in the program), so at least as often as the handler
if grep -q '^----- bpf program report: unavailable' "$tmp/out"; then
	echo "SKIP: timing bpf program report: $(grep '^----- bpf program report' "$tmp/out")"
else
	runs=$(sed -nE "s/^$pp, prog: probe_0, runs: ([0-9]+), nsecs: [0-9]+avg, total: [0-9]+, index: 0\$/\1/p" "$tmp/out")
	if [ -n "$runs" ] && [ -n "$hits" ] && [ "$runs" -ge "$hits" ]; then
		ok "bpf program report: runs $runs >= hits $hits"
	else
		bad "bpf program report" "no runs >= hits line"
	fi
fi

# ---- without -t: no report, and no timing code in the program
"$TAPIR" --bpf -e "$script" -c "$W/getppid_loop 100" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && ! grep -q 'probe hit report' "$tmp/out" && grep -qx 'all=[0-9]* mine=100' "$tmp/out"; then
	ok "no report without -t"
else
	bad "no report without -t" "report printed or run failed"
fi
"$TAPIR" --bpf -p3 -e "$script" >"$tmp/p3" 2>"$tmp/err"
"$TAPIR" --bpf -t -p3 -e "$script" >"$tmp/p3t" 2>"$tmp/err"
if ! grep -q 'bpf_ktime_get_ns\|tapir_timing' "$tmp/p3" && grep -q 'tapir_timing_add' "$tmp/p3t"; then
	ok "-t off emits no timing code"
else
	bad "-t off emits no timing code" "bpf_ktime_get_ns/tapir_timing in -p3 without -t, or missing with it"
fi

# ---- -o FILE: the report goes with the output, as stap's
"$TAPIR" --bpf -t -o "$tmp/o" -e 'probe begin { println("hi"); exit() }' >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(sed -n 1p "$tmp/o")" = hi ] && grep -qx -- '----- probe hit report: ' "$tmp/o" &&
	grep -Eq "^begin, \(<input>:1:1\), hits: 1, nsecs: " "$tmp/o" && [ ! -s "$tmp/out" ]; then
	ok "-o FILE carries the report"
else
	bad "-o FILE carries the report" "$(cat "$tmp/o" 2>/dev/null | head -3)"
fi

# ---- a probe through an alias says where it came from
cat >"$tmp/alias.stp" <<'EOF'
probe getppid_hit = kernel.trace("syscalls:sys_enter_getppid") { }
probe getppid_hit { if (pid() == target()) n++ }
global n
probe end { printf("n=%d\n", n) }
EOF
"$TAPIR" --bpf -t "$tmp/alias.stp" -c "$W/getppid_loop 10" >"$tmp/out" 2>"$tmp/err"
if grep -Eq "^$pp, \($tmp/alias.stp:2:1\), hits: $num, nsecs: .*, from: getppid_hit, index: 0\$" "$tmp/out"; then
	ok "alias derivation"
else
	bad "alias derivation" "no line with ($tmp/alias.stp:2:1) ... from: getppid_hit"
fi
exit 0
