#!/bin/bash
# sem-corpus: pass 2's own test corpora.
#
# testsuite/semok/*.stp must elaborate: `tapir -p2` exits 0 without an
# error (and without a crash or a sanitizer report).
# testsuite/semko/*.stp must be refused: `tapir -p2` exits with status 1 and
# prints the diagnostic that the file's first line announces:
#   # expect: LINE:COL: error: message text
# as "FILE:LINE:COL: error: ...message text..." (the text a substring). A
# message that has no place (like "no probes found") is written
#   # expect: error: message text
# Among its first lines, either kind of file may say:
#   # options: -g -I tapset          tapir's options (before the script's name)
#   # args: 42 foo                   script arguments (after it)
#   # requires: tracefs              skip unless this host can list its trace
#                                    events (root, tracefs mounted)
#   # expect-hint: text              stderr has "hint: ...text..."
#   # expect-note: LINE:COL: text    stderr has "FILE:LINE:COL: note: ...text..."
#   # expect-warning: LINE:COL: text stderr has "FILE:LINE:COL: warning: ...text..."
#   # expect-no-warning              stderr has no warning at all
#   # expect-errors: N               stderr has exactly N error lines
#   # expect-p2:                     the comment lines that follow ("# x:long")
#   # ...                            are lines of the -p2 output, in that order
# (expect-* lines may come anywhere in the file, expect-p2 blocks end at the
# first line that is not a comment.) The folders' tapset/ subfolders are
# libraries that tests load with "# options: -I tapset".
#
# A test listed in its folder's KNOWN_FAILURES file ("NAME reason", one a
# line) documents a tapir bug: it is reported as SKIP while it fails, and as
# FAIL once it passes, so that the list is kept true.
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}"
ok_dir=$TAPIR_SRCDIR/testsuite/semok
ko_dir=$TAPIR_SRCDIR/testsuite/semko

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: sem-corpus: no tapir binary at $TAPIR"
	exit 0
fi
# the tests run in their own folders
case $TAPIR in */*) TAPIR=$(cd "$(dirname "$TAPIR")" && pwd)/$(basename "$TAPIR") ;; esac

have_tracefs() {
	[ -r /sys/kernel/tracing/available_events ] ||
		[ -r /sys/kernel/debug/tracing/available_events ]
}

# header FILE KEY: the words of the first "# KEY: ..." line among the first ten
header() {
	sed -n "1,10s/^# $2: //p" "$1" | head -n 1
}

# all FILE KEY: every "# KEY: ..." line of FILE, without the key
all() {
	sed -n "s/^# $2: //p" "$1"
}

crashed() { # STATUS ERRFILE
	[ "$1" -gt 128 ] || grep -q 'Sanitizer\|runtime error:' "$2"
}

# known DIR NAME: the reason NAME is a known failure, if it is one
known() {
	[ -f "$1/KNOWN_FAILURES" ] || return 1
	awk -v n="$2" '$1 == n { $1 = ""; sub(/^ /, ""); print; found = 1 } END { exit !found }' \
		"$1/KNOWN_FAILURES"
}

# run DIR FILE: runs tapir -p2 on FILE in DIR with its options and
# arguments; stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	local dir=$1 f=$2 opts args
	read -r -a opts <<<"$(header "$f" options)"
	read -r -a args <<<"$(header "$f" args)"
	(cd "$dir" && "$TAPIR" -p2 "${opts[@]}" "$(basename "$f")" "${args[@]}") \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# extra_checks FILE: the expect-hint/note/warning/p2 lines; prints why not
extra_checks() {
	local f=$1 base line where text n
	base=$(basename "$f")
	while IFS= read -r text; do
		grep -F -- "hint: " "$tmp/err" | grep -q -F -- "$text" ||
			{ echo "no hint '...$text...'"; return; }
	done < <(all "$f" expect-hint)
	for kind in note warning; do
		while IFS= read -r line; do
			where=${line%%: *}
			text=${line#*: }
			grep -F -- "$base:$where: $kind: " "$tmp/err" | grep -q -F -- "$text" ||
				{ echo "expected '$base:$where: $kind: ...$text...'"; return; }
		done < <(all "$f" "expect-$kind")
	done
	n=$(all "$f" expect-errors)
	if [ -n "$n" ] && [ "$(grep -c ': error: ' "$tmp/err")" != "$n" ]; then
		echo "expected $n error lines, got $(grep -c ': error: ' "$tmp/err")"
		return
	fi
	if grep -q '^# expect-no-warning' "$f" && grep -q ': warning: ' "$tmp/err"; then
		echo "unexpected warning: $(grep -m1 ': warning: ' "$tmp/err")"
		return
	fi
	# expect-p2: the block's lines must be lines of stdout, in this order
	# (leading blanks aside)
	awk '/^# expect-p2:/ { on = 1; next } on && /^#/ { sub(/^# ?/, ""); print; next } { on = 0 }' \
		"$f" >"$tmp/want"
	if [ -s "$tmp/want" ]; then
		awk 'BEGIN { n = 0; i = 0 } NR == FNR { want[n++] = $0; next }
		     { sub(/^[ \t]+/, "") }
		     i < n && $0 == want[i] { i++ }
		     END { if (i < n) { print "the -p2 output lacks \"" want[i] "\" (in order)"; } }' \
			"$tmp/want" "$tmp/out"
	fi
}

# verdict DIR NAME WHY: prints the PASS/FAIL/SKIP line, given why the test
# failed (empty if it passed) and the known-failure list; returns 1 when it
# printed a FAIL for the test's own failure (the caller shows the details).
verdict() {
	local dir=$1 name=$2 why=$3 reason
	if reason=$(known "$dir" "$(basename "$name")"); then
		if [ -n "$why" ]; then
			echo "SKIP: $name: known failure: $reason"
		else
			echo "FAIL: $name: passes now: remove it from $(basename "$dir")/KNOWN_FAILURES"
		fi
		return 0
	fi
	if [ -n "$why" ]; then
		echo "FAIL: $name: $why"
		return 1
	fi
	echo "PASS: $name"
}

requirements_met() { # FILE NAME
	case " $(header "$1" requires) " in
	*" tracefs "*)
		have_tracefs || { echo "SKIP: $2: needs a readable tracefs (run as root)"; return 1; } ;;
	esac
	case " $(header "$1" requires) " in
	*" btf "*)
		[ -r /sys/kernel/btf/vmlinux ] ||
			{ echo "SKIP: $2: needs the kernel's BTF (/sys/kernel/btf/vmlinux)"; return 1; } ;;
	esac
	return 0
}

check_ok() {
	local f=$1 name why=""
	name=semok/$(basename "$f")
	requirements_met "$f" "$name" || return
	run "$ok_dir" "$f"
	if crashed $rc "$tmp/err"; then
		why="tapir crashed (status $rc)"
	elif [ $rc -ne 0 ] || grep -q 'error:' "$tmp/err"; then
		why="tapir -p2 exited with status $rc"
	else
		why=$(extra_checks "$f")
	fi
	verdict "$ok_dir" "$name" "$why" || sed -n '1,6s/^/    /p' "$tmp/err"
}

check_ko() {
	local f=$1 base name expect where text why=""
	base=$(basename "$f")
	name=semko/$base
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		echo "FAIL: $name: its first line is not '# expect: LINE:COL: error: message'"
		return
	fi
	requirements_met "$f" "$name" || return
	if [[ $expect == 'error: '* ]]; then
		where=""
	else
		where=$base:${expect%%: error: *}:
	fi
	text=${expect#*error: }
	run "$ko_dir" "$f"
	if crashed $rc "$tmp/err"; then
		why="tapir crashed (status $rc)"
	elif [ $rc -ne 1 ]; then
		why="tapir -p2 exited with status $rc, not 1"
	elif ! grep -F -- "${where:+$where }error: " "$tmp/err" | grep -q -F -- "$text"; then
		why="expected '${where:+$where }error: ...$text...'"
	else
		why=$(extra_checks "$f")
	fi
	verdict "$ko_dir" "$name" "$why" ||
		grep -E '(error|warning|note|hint): ' "$tmp/err" | sed -n '1,4s/^/    got: /p'
}

shopt -s nullglob
ok_files=("$ok_dir"/*.stp)
ko_files=("$ko_dir"/*.stp)
[ ${#ok_files[@]} -gt 0 ] || echo "FAIL: sem-corpus: no files in testsuite/semok"
[ ${#ko_files[@]} -gt 0 ] || echo "FAIL: sem-corpus: no files in testsuite/semko"
for f in "${ok_files[@]}"; do
	check_ok "$f"
done
for f in "${ko_files[@]}"; do
	check_ko "$f"
done
# a known failure whose test is gone
for dir in "$ok_dir" "$ko_dir"; do
	[ -f "$dir/KNOWN_FAILURES" ] || continue
	while read -r n _; do
		case $n in '' | '#'*) continue ;; esac
		[ -f "$dir/$n" ] || echo "FAIL: $(basename "$dir")/KNOWN_FAILURES: names '$n', which is not a test there"
	done <"$dir/KNOWN_FAILURES"
done
exit 0
