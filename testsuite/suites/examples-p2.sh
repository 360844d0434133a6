#!/bin/bash
# examples-p2: SystemTap's own example scripts through pass 2.
#
# Runs `tapir -p2` on every .stp under the example folders of the installed
# SystemTap (/usr/share/systemtap/examples, /usr/share/doc/systemtap/examples,
# or the folders named in $TAPIR_EXAMPLES_DIRS) and sorts each into:
#   PASS: example DIR/NAME.stp                    it elaborates
#   SKIP: example DIR/NAME.stp: needs probe family F (not resolved yet)
#                                                 only "probe point not resolved"
#   SKIP: example DIR/NAME.stp: this kernel can't answer: ERROR
#                                                 a kernel function or module
#                                                 this kernel lacks, or a
#                                                 "func@file" only DWARF knows
#   SKIP: example DIR/NAME.stp: needs a program not installed here / the
#         probed binary here lacks it             process(...) points that
#                                                 depend on the host's programs
#   FAIL: example DIR/NAME.stp: first error line  anything else
# then prints
#   examples-p2: N elaborate, M need unresolved families, K other failures
# and the most common reasons. Files under a tapset/ folder are libraries that
# other examples load with -I, not scripts, and are not run on their own.
#
# Options and arguments come from the example's .meta file (or another .meta
# of its folder that names it): the first test_check (else
# test_installcheck) line that runs stap on this script gives
# its -g -w -I -D -x -c options and its script arguments; options that only
# matter to later passes (-p -T -o -d -G --ldd --all-modules ...) are dropped.
set -u
: "${TAPIR:?}"

tmp=$(mktemp -d)
known=$TAPIR_SRCDIR/testsuite/examples-p2.known
[ -f "$known" ] || known=/dev/null
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: examples-p2: no tapir binary at $TAPIR"
	exit 0
fi
# the examples run in their own folders
case $TAPIR in */* | /*) TAPIR=$(cd "$(dirname "$TAPIR")" && pwd)/$(basename "$TAPIR") ;; esac

dirs=()
for d in ${TAPIR_EXAMPLES_DIRS:-/usr/share/systemtap/examples /usr/share/doc/systemtap/examples}; do
	[ -d "$d" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then
	echo "SKIP: examples-p2: SystemTap's examples are not installed (apt-get install systemtap)"
	exit 0
fi

. "$TAPIR_SRCDIR/testsuite/examples-lib.sh"

# known_reason REL: the reason testsuite/examples-p2.known gives for REL
# ("DIR/NAME.stp: reason" lines); fails when REL is not listed.
known_reason() {
	local line
	line=$(grep -m1 -F "$1: " "$known") || return 1
	printf '%s\n' "${line#"$1": }"
}

npass=0 nskip=0 nfail=0
: >"$tmp/reasons"
: >"$tmp/families"
for d in "${dirs[@]}"; do
	while IFS= read -r f; do
		rel=${f#"$d"/}
		case /$rel in */tapset/*) continue ;; esac
		base=$(basename "$f")
		examples_options "$f"
		(cd "$(dirname "$f")" && timeout 120 "$TAPIR" -p2 "${opts[@]}" "$base" "${args[@]}") \
			>"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		name="example $rel"
		if examples_crashed $rc "$tmp/err"; then
			echo "FAIL: $name: tapir crashed (status $rc)"
			sed -n '1,6s/^/    /p' "$tmp/err"
			echo "crash" >>"$tmp/reasons"
			nfail=$((nfail + 1))
		elif [ $rc -eq 0 ] && why=$(known_reason "$rel"); then
			echo "FAIL: $name: elaborates but testsuite/examples-p2.known lists it ($why)"
			nfail=$((nfail + 1))
		elif [ $rc -eq 0 ]; then
			echo "PASS: $name"
			npass=$((npass + 1))
		elif grep -q 'error: probe point not resolved' "$tmp/err"; then
			fams=$(sed -n 's/.*error: probe point not resolved: //p' "$tmp/err" |
				while IFS= read -r p; do examples_family "$p"; done | sort -u)
			printf '%s\n' "$fams" >>"$tmp/families"
			echo "SKIP: $name: needs probe family $(echo $fams | sed 's/ /, /g') (not resolved yet)"
			nskip=$((nskip + 1))
		elif grep -qE "needs the kernel's DWARF debuginfo|no kernel function matches|error: module '[^']*' has no BTF|no loaded module matches" "$tmp/err"; then
			# kernel functions this kernel lacks (or only DWARF has)
			first=$(grep -m1 'error: ' "$tmp/err")
			echo "SKIP: $name: this kernel can't answer: ${first#"$base":}"
			nskip=$((nskip + 1))
		elif grep -q 'error: no such program: ' "$tmp/err"; then
			# process("PATH") of a program this host does not have: stap fails alike
			echo "SKIP: $name: needs a program not installed here:" \
				"$(sed -n "s/.*error: no such program: \('[^']*'\).*/\1/p" "$tmp/err" | head -n1)"
			nskip=$((nskip + 1))
		elif grep -Eq "error: no (function|statement) matches .* in /|error: context variable .* isn't available in probe process\(" "$tmp/err"; then
			# the host's build of the program has no such function or variable
			# (no debuginfo installed, another version): stap fails alike
			echo "SKIP: $name: the probed binary here lacks it:" \
				"$(grep -m1 -o 'error: .*' "$tmp/err")"
			nskip=$((nskip + 1))
		else
			first=$(grep -m1 'error: ' "$tmp/err")
			[ -n "$first" ] || first="exit status $rc: $(head -n1 "$tmp/err")"
			first=${first#"$base":}
			if why=$(known_reason "$rel"); then
				echo "SKIP: $name: $why: $first"
			else
				echo "FAIL: $name: $first"
			fi
			# the reason without its place
			printf '%s\n' "$first" | sed -E "s/^([^ ]*:)?[0-9]+:[0-9]+: //" >>"$tmp/reasons"
			nfail=$((nfail + 1))
		fi
	done < <(find "$d" -name '*.stp' -type f | sort)
done

# Examples known to fail for a reason other than an unresolved family are
# listed ("DIR/NAME.stp: reason" a line) in testsuite/examples-p2.known;
# they are reported as skips with the reason and their error; a new failure
# is a FAIL, and so is a listed example that elaborates.
echo "examples-p2: $npass elaborate, $nskip need unresolved families, $nfail other failures"
if [ -s "$tmp/families" ]; then
	echo "examples-p2: unresolved families, by examples needing them:"
	sort "$tmp/families" | uniq -c | sort -rn | head -n 12 | sed 's/^/    /'
fi
if [ -s "$tmp/reasons" ]; then
	echo "examples-p2: other failures, by first error:"
	sort "$tmp/reasons" | uniq -c | sort -rn | head -n 15 | sed 's/^/    /'
fi
exit 0
