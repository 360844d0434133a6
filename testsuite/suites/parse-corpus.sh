#!/bin/bash
# parse-corpus: the front end's own test corpora.
#
# testsuite/parseok/*.stp must parse: `tapir -p1` exits 0 without an error,
# and its output, parsed again, prints the same text.
# testsuite/parseko/*.stp must be refused: `tapir -p1` exits with status 1
# (not a signal, no sanitizer report) and prints the diagnostic that the
# file's first line announces:
#   # expect: LINE:COL: error: message text
# as "FILE:LINE:COL: error: ...message text..." (the text a substring).
#
# Either kind of file may say, among its first lines, what tapir needs:
#   # options: -g --runtime=bpf      (before the script's name)
#   # args: 42 foo                   (script arguments, after it)
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}"
ok_dir=$TAPIR_SRCDIR/testsuite/parseok
ko_dir=$TAPIR_SRCDIR/testsuite/parseko

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: parse-corpus: no tapir binary at $TAPIR"
	exit 0
fi

# Bound each run: a runaway expansion must fail its test, not exhaust the
# host. ulimit -v can't be used under ASan (it reserves terabytes of address
# space), whose own hard_rss_limit_mb does the same job.
limit_memory() {
	if grep -q __asan_init "$TAPIR" 2>/dev/null; then
		export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2048
	else
		ulimit -v 2097152
	fi
}
limit_memory

# header FILE KEY: the words of the first "# KEY: ..." line among the first five
header() {
	sed -n "1,5s/^# $2: //p" "$1" | head -n 1
}

# What went wrong beyond a wrong answer, if anything: a crash (a signal, a
# sanitizer's report), a hang, or memory exhausted.
abnormal() { # STATUS ERRFILE
	if [ "$1" -eq 124 ]; then
		echo "tapir timed out"
	elif grep -q 'tapir: out of memory\|hard rss limit' "$2"; then
		echo "tapir ran out of memory"
	elif [ "$1" -gt 128 ] || grep -q 'Sanitizer\|runtime error:' "$2"; then
		echo "tapir crashed (status $1)"
	fi
}

check_ok() {
	local f=$1 name opts args rc why
	name=parseok/$(basename "$f")
	read -r -a opts <<<"$(header "$f" options)"
	read -r -a args <<<"$(header "$f" args)"
	(cd "$ok_dir" && timeout 60 "$TAPIR" -p1 "${opts[@]}" "$(basename "$f")" "${args[@]}") \
		>"$tmp/out1" 2>"$tmp/err1" </dev/null
	rc=$?
	why=$(abnormal $rc "$tmp/err1")
	if [ -n "$why" ] || [ $rc -ne 0 ] || grep -q 'error:' "$tmp/err1"; then
		echo "FAIL: $name: ${why:-tapir -p1 exited with status $rc}"
		sed -n '1,6s/^/    /p' "$tmp/err1"
		return
	fi
	timeout 60 "$TAPIR" -p1 "${opts[@]}" - "${args[@]}" <"$tmp/out1" >"$tmp/out2" 2>"$tmp/err2"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $name: the printed script does not parse again (status $rc)"
		sed -n '1,6s/^/    /p' "$tmp/err2"
		sed -n '1,20s/^/    | /p' "$tmp/out1"
		return
	fi
	if ! cmp -s "$tmp/out1" "$tmp/out2"; then
		echo "FAIL: $name: the printed script prints differently when parsed again"
		diff "$tmp/out1" "$tmp/out2" | sed -n '1,8s/^/    /p'
		return
	fi
	echo "PASS: $name"
}

check_ko() {
	local f=$1 base name expect where text opts args rc why
	base=$(basename "$f")
	name=parseko/$base
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		echo "FAIL: $name: its first line is not '# expect: LINE:COL: error: message'"
		return
	fi
	where=${expect%%: error: *}
	text=${expect#*: error: }
	read -r -a opts <<<"$(header "$f" options)"
	read -r -a args <<<"$(header "$f" args)"
	(cd "$ko_dir" && timeout 60 "$TAPIR" -p1 "${opts[@]}" "$base" "${args[@]}") \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	why=$(abnormal $rc "$tmp/err")
	if [ -n "$why" ]; then
		echo "FAIL: $name: $why"
		sed -n '1,10s/^/    /p' "$tmp/err"
		return
	fi
	if [ $rc -ne 1 ]; then
		echo "FAIL: $name: tapir -p1 exited with status $rc, not 1"
		sed -n '1,4s/^/    /p' "$tmp/err"
		return
	fi
	if ! grep -F -- "$base:$where: error: " "$tmp/err" | grep -q -F -- "$text"; then
		echo "FAIL: $name: expected '$base:$where: error: ...$text...'"
		grep -E '^[^ ].*(error|warning|note): ' "$tmp/err" | sed -n '1,4s/^/    got: /p'
		return
	fi
	echo "PASS: $name"
}

shopt -s nullglob
ok_files=("$ok_dir"/*.stp)
ko_files=("$ko_dir"/*.stp)
[ ${#ok_files[@]} -gt 0 ] || echo "FAIL: parse-corpus: no files in testsuite/parseok"
[ ${#ko_files[@]} -gt 0 ] || echo "FAIL: parse-corpus: no files in testsuite/parseko"
for f in "${ok_files[@]}"; do
	check_ok "$f"
done
for f in "${ko_files[@]}"; do
	check_ko "$f"
done
exit 0
