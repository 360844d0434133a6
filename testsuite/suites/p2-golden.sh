#!/bin/bash
# p2-golden: the elaborated program as a user sees it.
#
# For every testsuite/p2golden/NAME.stp, `tapir -p2 -vv NAME.stp` (run in
# that folder) must print exactly NAME.p2 on standard output and exit 0.
# Among its first lines a script may say:
#   # options: -I tapset     tapir's options (before the script's name)
#   # args: 42 foo           script arguments (after it)
#   # requires: tracefs      skip unless this host can list its trace events
# The folder's tapset/ subfolder is a library that tests load with -I.
# A test listed in KNOWN_FAILURES ("NAME.stp reason", one a line) has a .p2
# written by hand to SystemTap's behaviour that tapir does not have yet: it
# is reported as SKIP while it differs, as FAIL once it matches.
#
# To write the .p2 files again from the tapir at hand (then read every diff
# before keeping it):  P2GOLDEN_UPDATE=1 testsuite/run-tests p2-golden
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}"
dir=$TAPIR_SRCDIR/testsuite/p2golden

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: p2-golden: no tapir binary at $TAPIR"
	exit 0
fi
case $TAPIR in */*) TAPIR=$(cd "$(dirname "$TAPIR")" && pwd)/$(basename "$TAPIR") ;; esac

have_tracefs() {
	[ -r /sys/kernel/tracing/available_events ] ||
		[ -r /sys/kernel/debug/tracing/available_events ]
}

header() {
	sed -n "1,10s/^# $2: //p" "$1" | head -n 1
}

# known NAME: the reason NAME is a known failure, if it is one
known() {
	[ -f "$dir/KNOWN_FAILURES" ] || return 1
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print; found = 1 } END { exit !found }' \
		"$dir/KNOWN_FAILURES"
}

shopt -s nullglob
files=("$dir"/*.stp)
[ ${#files[@]} -gt 0 ] || echo "FAIL: p2-golden: no files in testsuite/p2golden"
for f in "${files[@]}"; do
	base=$(basename "$f" .stp)
	name=p2golden/$base
	golden=$dir/$base.p2
	case " $(header "$f" requires) " in
	*" tracefs "*)
		if ! have_tracefs; then
			echo "SKIP: $name: needs a readable tracefs (run as root)"
			continue
		fi ;;
	esac
	read -r -a opts <<<"$(header "$f" options)"
	read -r -a args <<<"$(header "$f" args)"
	(cd "$dir" && "$TAPIR" -p2 -vv "${opts[@]}" "$base.stp" "${args[@]}") \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ $rc -gt 128 ] || grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then
		echo "FAIL: $name: tapir crashed (status $rc)"
		sed -n '1,6s/^/    /p' "$tmp/err"
		continue
	fi
	if [ $rc -ne 0 ] && ! known "$base.stp" >/dev/null; then
		echo "FAIL: $name: tapir -p2 -vv exited with status $rc"
		grep ': error: ' "$tmp/err" | sed -n '1,4s/^/    /p'
		continue
	fi
	if reason=$(known "$base.stp"); then
		if cmp -s "$golden" "$tmp/out"; then
			echo "FAIL: $name: passes now: remove it from p2golden/KNOWN_FAILURES"
		else
			echo "SKIP: $name: known failure: $reason"
		fi
		continue
	fi
	if [ "${P2GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$tmp/out" "$golden"
		echo "PASS: $name (written)"
		continue
	fi
	if [ ! -f "$golden" ]; then
		echo "FAIL: $name: no $base.p2 (P2GOLDEN_UPDATE=1 writes it)"
		continue
	fi
	if ! cmp -s "$golden" "$tmp/out"; then
		echo "FAIL: $name: the -p2 -vv output differs from $base.p2"
		diff -u "$golden" "$tmp/out" | sed -n '3,24s/^/    /p'
		continue
	fi
	echo "PASS: $name"
done
for g in "$dir"/*.p2; do
	[ -f "${g%.p2}.stp" ] || echo "FAIL: p2golden/$(basename "$g"): has no .stp beside it"
done
exit 0
