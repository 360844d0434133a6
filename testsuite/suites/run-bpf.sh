#!/bin/bash
# Runtime tests on the BPF backend: every testsuite/runtime/NAME.stp runs
# with `tapir --runtime=bpf`, its stdout compared with NAME.out (exact) or
# NAME.re (each line an extended regex the matching output line must match,
# whole; a line that starts with "?? " may match a line or none).  A test's first lines may say, as comments:
#   # opts: OPTIONS       more tapir options, before the script; $W expands
#                         to the workloads folder (bench/workloads in the
#                         build tree), $P to the traced test programs
#                         (testsuite/progs in the build tree), $T to a
#                         scratch folder of the test's
#   # args: ARGS          script arguments, after the script ($1 @1 $#);
#                         $P and $T expand as in opts
#   # requires: WHAT...   skip the test unless the host has WHAT: root,
#                         tracefs, cpus=N (at least N CPUs online),
#                         kprobes, no-kprobes (a kernel without them),
#                         program=NAME (a program in $PATH),
#                         kallsyms=SYM (SYM in /proc/kallsyms: data
#                         symbols need CONFIG_KALLSYMS_ALL)
#                         runtime=kmod (a test of that runtime only,
#                         skipped here; testsuite/vm/check-vm runs it)
#   # timeout: SECONDS    (default 30)
#   # exit: STATUS        expected exit status (default 0)
#   # stderr: REGEX       an extended regex some line of stderr must match
#                         (for error tests); the header may repeat
#   # stdin: TEXT         tapir's standard input, printf %b's expansion of
#                         TEXT (default: /dev/null)
# testsuite/runtime/KNOWN_FAILURES lists tests the backend fails today, one
# "NAME: reason" a line ('#' starts a comment): such a test still runs, and
# prints SKIP: with the reason while it fails, FAIL: once it passes (so that
# the list stays honest), as does an entry that names no test.
# Tests run TAPIR_TEST_JOBS at a time (default: the number of CPUs); the
# results are printed in name order.  Arguments, if any, name the tests to
# run.  Prints PASS:/FAIL:/SKIP: per test.
# Builds are cached in TAPIR_CACHE, by default a folder of the build tree,
# so that a run neither disturbs nor depends on the user's own cache.
set -u
dir=$TAPIR_SRCDIR/testsuite/runtime
W=$TAPIR_BUILDDIR/bench/workloads
P=$TAPIR_BUILDDIR/testsuite/progs
known=$dir/KNOWN_FAILURES
jobs=${TAPIR_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
export TAPIR_CACHE=${TAPIR_CACHE:-$TAPIR_BUILDDIR/testsuite/runtime-cache}

if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do tests+=("$dir/${t%.stp}.stp"); done
else
	tests=("$dir"/*.stp)
fi
if [ "$(id -u)" -ne 0 ]; then
	for f in "${tests[@]}"; do echo "SKIP: bpf $(basename "$f" .stp): needs root"; done
	exit 0
fi
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# header NAME FILE: the first "# NAME: value" line's value; headers: all.
header() { sed -n "s/^# $1: //p" "$2" | head -n 1; }
headers() { sed -n "s/^# $1: //p" "$2"; }
have_kprobes() {
	[ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ]
}
# missing FILE: what the test requires that this host lacks, if anything.
missing() {
	local what
	for what in $(header requires "$1"); do
		case $what in
		root) [ "$(id -u)" -eq 0 ] || echo "root" ;;
		tracefs) [ -d /sys/kernel/tracing/events ] || echo "tracefs" ;;
		cpus=*) [ "$(nproc)" -ge "${what#cpus=}" ] || echo "${what#cpus=} CPUs" ;;
		kprobes) have_kprobes || echo "kprobes (this kernel has no kprobe PMU and no kprobe_events: kernel-function probes run in the VM, testsuite/suites/vm-kfunc.sh)" ;;
		no-kprobes) have_kprobes && echo "a kernel without kprobes (this one has them)" ;;
		runtime=bpf) ;;
		runtime=*) echo "the ${what#runtime=} runtime (this suite runs --runtime=bpf)" ;;
		program=*) command -v "${what#program=}" >/dev/null || echo "the program ${what#program=}" ;;
		kallsyms=*) grep -q " ${what#kallsyms=}$" /proc/kallsyms ||
			echo "${what#kallsyms=} in /proc/kallsyms (a kernel with CONFIG_KALLSYMS_ALL)" ;;
		*) echo "'$what' (unknown requirement)" ;;
		esac
	done
}
# known_reason NAME: the reason KNOWN_FAILURES gives for NAME, if listed.
known_reason() {
	[ -f "$known" ] && sed -n "s/^$1:[[:space:]]*//p" "$known" | head -n 1
}

. "$TAPIR_SRCDIR/testsuite/match-re.sh"

# compare NAME OUT: empty if OUT is what NAME expects, else why not.
compare() {
	local name=$1 out=$2 bad
	if [ -f "$dir/$name.out" ]; then
		cmp -s "$out" "$dir/$name.out" && return
		echo "output differs"
		diff "$dir/$name.out" "$out" | sed -n '1,12s/^/    /p'
	elif [ -f "$dir/$name.re" ]; then
		match_re "$dir/$name.re" "$out"
	else
		echo "no $name.out or $name.re"
	fi
}

# run_one FILE: runs one test, writes its verdict (a first line "PASS",
# "SKIP: why", or why it failed, then details) to $tmp/NAME.verdict.
run_one() {
	local f=$1 name opts args timeout want_rc rc why re
	name=$(basename "$f" .stp)
	why=$(missing "$f")
	if [ -n "$why" ]; then
		echo "SKIP: needs" $why >"$tmp/$name.verdict"
		return
	fi
	local T=$tmp/$name.d
	mkdir -p "$T"
	opts=$(header opts "$f")
	opts=${opts//\$W/$W}
	opts=${opts//\$P/$P}
	opts=${opts//\$T/$T}
	args=$(header args "$f")
	args=${args//\$P/$P}
	args=${args//\$T/$T}
	timeout=$(header timeout "$f")
	want_rc=$(header exit "$f")
	: >"$T/in"
	if grep -q '^# stdin: ' "$f"; then
		printf '%b' "$(header stdin "$f")" >"$T/in"
	fi
	eval "set -- $opts"
	local -a pre=("$@")
	eval "set -- $args"
	# Descriptor 3 open, as make -j leaves its jobserver's: tapir must not
	# pass it on to a -c command (opt-c-fds).
	timeout -k 5 "${timeout:-30}" "$TAPIR" --runtime=bpf "${pre[@]}" "$f" "$@" \
		>"$T/out" 2>"$T/err" <"$T/in" 3</dev/null
	rc=$?
	{
		if [ "$rc" -ne "${want_rc:-0}" ]; then
			echo "exit status $rc, expected ${want_rc:-0}"
			sed -n '1,8s/^/    /p' "$T/err"
			return
		fi
		why=$(compare "$name" "$T/out")
		if [ -n "$why" ]; then
			echo "$why"
			return
		fi
		while IFS= read -r re; do
			if ! grep -Eq -- "$re" "$T/err"; then
				echo "stderr has no line matching /$re/"
				sed -n '1,8s/^/    /p' "$T/err"
				return
			fi
		done < <(headers stderr "$f")
		echo PASS
	} >"$tmp/$name.verdict"
}

# verdict FILE: prints the test's result line, KNOWN_FAILURES applied.
verdict() {
	local name reason result
	name=$(basename "$1" .stp)
	result=$(head -n 1 "$tmp/$name.verdict")
	reason=$(known_reason "$name")
	if [ "${result#SKIP: }" != "$result" ]; then
		echo "SKIP: bpf $name: ${result#SKIP: }"
	elif [ "$result" = PASS ]; then
		if [ -n "$reason" ]; then
			echo "FAIL: bpf $name: passes, but KNOWN_FAILURES lists it ($reason): remove it from the list"
		else
			echo "PASS: bpf $name"
		fi
	elif [ -n "$reason" ]; then
		echo "SKIP: bpf $name: known failure: $reason"
	else
		echo "FAIL: bpf $name: $result"
		tail -n +2 "$tmp/$name.verdict"
	fi
}

running=0
for f in "${tests[@]}"; do
	if [ ! -f "$f" ]; then
		echo "FAIL: bpf $(basename "$f" .stp): no such test"
		continue
	fi
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$f" &
	running=$((running + 1))
done
wait
for f in "${tests[@]}"; do
	[ -f "$f" ] && verdict "$f"
done
# Entries for tests that do not exist keep the list from staying honest.
if [ $# -eq 0 ] && [ -f "$known" ]; then
	sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_.-]*\):.*/\1/p' "$known" | while read -r name; do
		[ -f "$dir/$name.stp" ] || echo "FAIL: bpf $name: KNOWN_FAILURES lists it, but there is no such test"
	done
fi
exit 0
