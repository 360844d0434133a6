#!/bin/bash
# Runtime tests on the BPF backend: every testsuite/runtime/NAME.stp runs
# with `tapir --runtime=bpf`, its stdout compared with NAME.out (exact) or
# NAME.re (each line an extended regex the matching output line must match).
# A test's first lines may say, as comments:
#   # opts: OPTIONS       more tapir options; $W expands to the workloads
#                         folder (bench/workloads in the build tree)
#   # requires: root tracefs
#   # timeout: SECONDS    (default 30)
#   # exit: STATUS        expected exit status (default 0)
# Prints PASS:/FAIL:/SKIP: per test.
set -u
dir=$TAPIR_SRCDIR/testsuite/runtime
W=$TAPIR_BUILDDIR/bench/workloads
if [ "$(id -u)" -ne 0 ]; then
	for f in "$dir"/*.stp; do echo "SKIP: bpf $(basename "$f" .stp): needs root"; done
	exit 0
fi
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header() { sed -n "s/^# $1: //p" "$2" | head -n 1; }
for f in "$dir"/*.stp; do
	name=$(basename "$f" .stp)
	opts=$(header opts "$f")
	opts=${opts//\$W/$W}
	timeout=$(header timeout "$f")
	want_rc=$(header exit "$f")
	eval "set -- $opts"
	timeout "${timeout:-30}" "$TAPIR" --runtime=bpf "$@" "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne "${want_rc:-0}" ]; then
		echo "FAIL: bpf $name: exit status $rc, expected ${want_rc:-0}"
		sed -n '1,8s/^/    /p' "$tmp/err"
		continue
	fi
	if [ -f "$dir/$name.out" ]; then
		if cmp -s "$tmp/out" "$dir/$name.out"; then
			echo "PASS: bpf $name"
		else
			echo "FAIL: bpf $name: output differs"
			diff "$dir/$name.out" "$tmp/out" | sed -n '1,12s/^/    /p'
		fi
	elif [ -f "$dir/$name.re" ]; then
		if [ "$(wc -l <"$tmp/out")" -ne "$(wc -l <"$dir/$name.re")" ]; then
			echo "FAIL: bpf $name: $(wc -l <"$tmp/out") output lines, expected $(wc -l <"$dir/$name.re")"
			sed -n '1,8s/^/    /p' "$tmp/out"
			continue
		fi
		bad=$(paste -d '\n' "$dir/$name.re" "$tmp/out" | while IFS= read -r re && IFS= read -r line; do
			[[ $line =~ ^$re$ ]] || { echo "'$line' !~ /$re/"; break; }
		done)
		if [ -z "$bad" ]; then echo "PASS: bpf $name"; else echo "FAIL: bpf $name: $bad"; fi
	else
		echo "FAIL: bpf $name: no $name.out or $name.re"
	fi
done
exit 0
