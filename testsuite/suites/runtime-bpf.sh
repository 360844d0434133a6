#!/bin/bash
# runtime-bpf: the BPF backend's executor (runtime/bpf/librtbpf.a), run for
# real with a hand-written program (testsuite/unit/rtbpf_test.c and
# rtbpf_test.bpf.c) that stands in for what the translator will generate:
# each attach kind, records (printf, print, exit, error, warn), begin/end/
# error probes and their order, MAXERRORS, foreach sorting, statistics,
# -c/-x/-o/-T/-v/-w, signals, a closed pipe, dropped events, a verifier
# rejection.  Outputs are compared exactly.  Every run also checks that
# it left no BPF object, link or perf event open (the test program exits
# 99 saying "LEAK:" if it did), and the end checks bpftool's lists.
# Needs root and the kernel's BTF.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
bin=$TAPIR_BUILDDIR/testsuite/unit/rtbpf_test
if [ ! -x "$bin" ]; then
	echo "FAIL: rtbpf: $bin is not built (make check builds it)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: rtbpf: loading BPF programs needs root"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "SKIP: rtbpf: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	exit 0
fi
"$bin" order >/dev/null 2>&1
if [ $? -eq 77 ]; then
	echo "SKIP: rtbpf: the test's BPF object was not built (clang, bpftool or BTF missing at build time)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, exit status to $status.
run() {
	timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# The first difference between file $1 and text $2, indented; nothing if equal.
differ() {
	printf '%s' "$2" >"$tmp/want"
	diff "$tmp/want" "$1" | head -n 12 | sed 's/^/    /'
}

# expect NAME STATUS OUT ERR: the last run printed exactly OUT and ERR.
expect() {
	local name=$1 want=$2 out=$3 err=$4 d
	if [ "$status" != "$want" ]; then
		echo "FAIL: $name: exit status $status, expected $want"
		sed 's/^/    /' "$tmp/err" | head -n 12
		return
	fi
	d=$(differ "$tmp/out" "$out")
	if [ -n "$d" ]; then
		echo "FAIL: $name: stdout differs (< expected, > got)"
		echo "$d"
		return
	fi
	d=$(differ "$tmp/err" "$err")
	if [ -n "$d" ]; then
		echo "FAIL: $name: stderr differs (< expected, > got)"
		echo "$d"
		return
	fi
	echo "PASS: $name"
}

# expect_err_re NAME STATUS REGEX: exit status, and stderr matches REGEX.
expect_err_re() {
	if [ "$status" != "$2" ]; then
		echo "FAIL: $1: exit status $status, expected $2"
		sed 's/^/    /' "$tmp/err" | head -n 12
	elif ! grep -Eq -- "$3" "$tmp/err"; then
		echo "FAIL: $1: stderr does not match /$3/:"
		sed 's/^/    /' "$tmp/err" | head -n 12
	else
		echo "PASS: $1"
	fi
}

mix='w[     1][ab  ] m[hello] x[0xff]
first
'
calls() {
	local i
	for ((i = 1; i <= $1; i++)); do echo "call $i from ${2:-rtbpf_test}"; done
}
counts_end='end counts
1=2
2=2
0=1
even: count 2 sum 6 min 2 max 4 avg 3
odd: count 3 sum 9 min 1 max 5 avg 3
value |-------------------------------------------------- count
    0 |                                                   0
    1 |@                                                  1
    2 |@                                                  1
    4 |@                                                  1
    8 |                                                   0
   16 |                                                   0

'

# ---- the three ways to attach a tracepoint, records, end-probe output ----
run "$bin" tp_btf -c "$bin loop 5"
expect tp_btf 0 "begin hello
$mix$(calls 5)
$counts_end" "WARNING: odd call
"
for kind in raw_tp perf_tp; do
	run "$bin" $kind -c "$bin loop 5"
	expect $kind 0 "$mix$(calls 5)
$counts_end" ""
done

run "$bin" tp_btf -w -o "$tmp/file" -c "$bin loop 5"
expect "-o and -w" 0 "" ""
status=0
cp "$tmp/file" "$tmp/out"
: >"$tmp/err"
expect "-o file contents" 0 "begin hello
$mix$(calls 5)
$counts_end" ""

# ---- how a run ends ----
run "$bin" exit_at -c "$bin loop 5"
expect "exit() from a kernel probe" 0 "$mix$(calls 2)
end plain
" ""

run "$bin" timer
expect "timer ends by exit()" 0 "tick 5
end plain
" ""

run "$bin" randomize
expect "timer.randomize" 0 "tick 5
end plain
" ""

run "$bin" forever -T 0.3
expect "-T 0.3" 0 "end plain
" ""

for sig in INT TERM HUP; do
	"$bin" forever -T 30 >"$tmp/out" 2>"$tmp/err" & # -T: in case the signal is lost
	pid=$!
	sleep 0.3
	kill -$sig $pid
	wait $pid
	status=$?
	expect "SIG$sig" 0 "end plain
" ""
done

run "$bin" exit_at -c false
expect "-c command fails" 1 "end plain
" "WARNING: Child process exited with status 1
"

run "$bin" exit_at -c "sh -c 'kill -9 \$\$'"
expect_err_re "-c command killed" 1 "^WARNING: Child process exited with signal 9 \(Killed\)$"

run "$bin" exit_at -c "/nonexistent/cmd"
expect "-c command missing" 1 "end plain
" "ERROR: cannot run '/nonexistent/cmd': No such file or directory
WARNING: Child process exited with status 127
"

run "$bin" forever -c "true; true"
expect "-c with shell syntax" 0 "end plain
" ""

(
	sleep 0.5
	exec "$bin" loop 3
) &
pid=$!
run "$bin" raw_tp -x $pid -T 1.5
wait $pid
expect "-x PID" 0 "$mix$(calls 3)
end counts
0=1
1=1
2=1
even: count 1 sum 2 min 2 max 2 avg 2
odd: count 2 sum 4 min 1 max 3 avg 2
value |-------------------------------------------------- count
    0 |                                                   0
    1 |@                                                  1
    2 |@                                                  1
    4 |                                                   0
    8 |                                                   0

" ""

start=$(date +%s)
timeout 60 "$bin" tp_btf -c "$bin loop 200000" 2>"$tmp/err" | head -n 2 >"$tmp/out"
status=${PIPESTATUS[0]}
: >"$tmp/err"
expect "a closed pipe ends the run" 0 "begin hello
w[     1][ab  ] m[hello] x[0xff]
" ""
if [ $(($(date +%s) - start)) -gt 20 ]; then
	echo "FAIL: a closed pipe ends the run: it took $(($(date +%s) - start)) s"
fi

# ---- run-time errors, MAXERRORS, error probes ----
run "$bin" kerror -c "$bin loop 5"
expect "error in a kernel probe" 1 "$mix$(calls 3)
error probe
" "ERROR: division by zero near identifier 'x' at rtbpf.stp:3:9
WARNING: Number of errors: 1, skipped probes: 0
"

run "$bin" uerror
expect "error in a begin probe (MAXERRORS 0)" 1 "begin a
begin b
error probe
" "ERROR: user failure near identifier 'y' at rtbpf.stp:7:1
WARNING: Number of errors: 1, skipped probes: 0
"

run "$bin" uerror_max1
expect "error in a begin probe (MAXERRORS 1)" 1 "begin a
begin b
begin c
end 1
end 2
" "ERROR: user failure near identifier 'y' at rtbpf.stp:7:1
WARNING: Number of errors: 1, skipped probes: 0
"

run "$bin" order
expect "probe priorities, exit() in begin" 0 "begin a
begin c
end 1
end 2
" ""

# ---- maps, foreach, statistics from user space ----
run "$bin" arrays
expect "map access" 0 "2=5
2=0
-2=-2
0=0
-2=-2
-2=-2
1=-22
end plain
" "WARNING: from user space
"

run "$bin" foreach
# The statistics part depends on the number of CPUs: check it by formula.
ncpu=$(awk -F- '{print ($2 == "" ? 1 : $2 + 1)}' /sys/devices/system/cpu/possible)
stat_line() { # KEY N: CPU c held KEY*10 + c + i for i < N
	awk -v k="$1" -v n="$2" -v c="$ncpu" 'BEGIN {
		cnt = n * c; sum = 0; for (x = 0; x < c; x++) for (i = 0; i < n; i++) sum += k * 10 + x + i;
		printf "s%d: count %d sum %d min %d max %d avg %d\n", k, cnt, sum, k * 10, k * 10 + c - 1 + n - 1, int(sum / cnt) }'
}
s1=$(stat_line 1 3) s2=$(stat_line 2 1) s3=$(stat_line 3 2)
if grep -q '^begin @count' "$tmp/out"; then
	sed -n '/^begin @count/,$p' "$tmp/out" >"$tmp/stats"
	sed -n '1,/^-22=-22$/p' "$tmp/out" >"$tmp/out.head"
	cp "$tmp/out.head" "$tmp/out"
fi
expect "foreach sorting" 0 "begin by n ascending
[-4,b]=1
[1,ab]=9
[1,bb]=7
[2,a]=5
[2,aa]=5
[3,cc]=5
begin by name descending
[3,cc]=5
[1,bb]=7
[-4,b]=1
[1,ab]=9
[2,aa]=5
[2,a]=5
begin by value ascending
[-4,b]=1
[2,a]=5
[2,aa]=5
[3,cc]=5
[1,bb]=7
[1,ab]=9
begin by value descending, limit 2
[1,ab]=9
[1,bb]=7
begin limit 0
begin names by value
1=apple
3=apple
2=fig
4=kiwi
0=pear
begin names by key descending
4=kiwi
3=apple
2=fig
1=apple
0=pear
42=2
-22=-22
" ""
cp "$tmp/stats" "$tmp/out" 2>/dev/null || : >"$tmp/out"
expect "foreach over statistics, sprintf" 0 "begin @count (default)
$s1
$s3
$s2
begin @sum
$s2
$s1
$s3
begin @min
$s3
$s2
$s1
begin @max
$s1
$s2
$s3
begin @avg
$s3
$s2
$s1
7=seven
7=sev
begin names after clear
" ""

# ---- counters: timer.profile, perf, hardware perf ----
run "$bin" ticks -T 0.3
expect "timer.profile and perf.sw" 0 "end profile ticked
end perf ticked
" ""

run "$bin" hw -T 0.3
if [ $status = 0 ]; then
	expect "perf.hw" 0 "end profile silent
end perf ticked
" ""
else
	expect "perf.hw on a machine without it" 1 "" \
		"ERROR: probe perf.hw.cpu_cycles.sample(1000000): this machine has no hardware perf event 'cpu_cycles' (type 0 config 0): No such file or directory
"
fi

# ---- dropped events are counted ----
run "$bin" flood -c "$bin loop 5000"
lines=$(grep -c '^f ' "$tmp/out")
dropped=$(sed -n 's/^WARNING: Number of events dropped: \([0-9]*\)$/\1/p' "$tmp/err")
if [ $status != 0 ]; then
	echo "FAIL: dropped events: exit status $status"
elif [ -z "$dropped" ]; then
	echo "FAIL: dropped events: no drop reported (got $lines of 320000 records)"
elif [ $((lines + dropped)) != 320000 ]; then
	echo "FAIL: dropped events: $lines printed + $dropped dropped != 320000 sent"
else
	echo "PASS: dropped events"
fi

# ---- load failures ----
run "$bin" verifier
expect_err_re "verifier rejection: libbpf's message" 1 \
	"^ERROR: prog 'rtbpf_bad': BPF program load failed: Permission denied \(probe timer.ms\(10\)\)$"
expect_err_re "verifier rejection: the reason and its line" 1 \
	"^ERROR: verifier: .*invalid mem access.* at .*rtbpf_test\.bpf\.c:[0-9]+ \(return \(int\)\*v;\)$"
if [ "$(wc -l <"$tmp/err")" != 2 ]; then
	echo "FAIL: verifier rejection: two lines without -v, got $(wc -l <"$tmp/err")"
fi
run "$bin" verifier -v
expect_err_re "verifier rejection: -v shows the log" 1 "BEGIN PROG LOAD LOG"

run "$bin" missing
expect "a program not in the object" 1 "" \
	"ERROR: probe kernel.trace(\"raw_syscalls:sys_enter\"): program 'rtbpf_nothere' is not in the BPF object
"

run "$bin" nobtf
expect "a tracepoint the kernel has no BTF for" 1 "" \
	"ERROR: probe kernel.trace(\"nope\"): the kernel's BTF has no tracepoint 'no_such_tracepoint' (no type btf_trace_no_such_tracepoint)
"

# ---- options ----
run "$bin" order -x abc
expect "-x needs a pid" 1 "" "ERROR: -x needs a process id, not 'abc'
usage: order [-v] [-w] [-o FILE] [-c CMD | -x PID] [-T SECS]
"
run "$bin" order -T 0
expect "-T needs seconds" 1 "" "ERROR: -T needs a positive number of seconds, not '0'
usage: order [-v] [-w] [-o FILE] [-c CMD | -x PID] [-T SECS]
"
run "$bin" order -q
expect "unknown option" 1 "" "ERROR: unknown option '-q'
usage: order [-v] [-w] [-o FILE] [-c CMD | -x PID] [-T SECS]
"
run "$bin" order -c true -x 1
expect "-c with -x" 1 "" "ERROR: -c and -x cannot be used together
usage: order [-v] [-w] [-o FILE] [-c CMD | -x PID] [-T SECS]
"
run "$bin" order -o /nonexistent/dir/file
expect "-o to a bad path" 1 "" \
	"ERROR: cannot open the output file '/nonexistent/dir/file': No such file or directory
"

run "$bin" raw_tp -v -T 0.1
expect_err_re "-v says how each probe attaches" 0 \
	"^tapir: probe kernel.trace\(\"raw_syscalls:sys_enter\"\): program 'rtbpf_raw_tp' attached as raw_tp to sys_enter$"

# ---- nothing left behind ----
left=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	left=$({ bpftool prog show; bpftool map show; bpftool link show; } 2>/dev/null | grep 'rtbpf_')
	[ -z "$left" ] && break
	sleep 0.2
done
if ! command -v bpftool >/dev/null; then
	echo "SKIP: nothing left behind (bpftool): bpftool is not installed"
elif [ -n "$left" ]; then
	echo "FAIL: nothing left behind (bpftool): still loaded:"
	echo "$left" | sed 's/^/    /' | head -n 12
else
	echo "PASS: nothing left behind (bpftool)"
fi
exit 0
