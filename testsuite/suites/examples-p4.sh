#!/bin/bash
# examples-p4: SystemTap's own example scripts built, and run, on the BPF
# runtime.
#
# Every .stp under the installed example folders (as examples-p2 finds
# them, with the options and arguments of their .meta files) goes through
# `tapir --bpf -p4`; each one that builds then runs for 2 s once attached
# (-T 2, which ends it as a user's ^C would: end probes run) while small
# workloads run (getppid, pread and pipe ping-pong loops), and must end
# with status 0 and no ERROR line.
#   PASS: example-p4 DIR/NAME.stp                  builds and runs cleanly
#   SKIP: example-p4 DIR/NAME.stp: needs probe family F (not resolved yet)
#   SKIP: example-p4 DIR/NAME.stp: known: REASON   listed in examples-p4.known
#   SKIP: example-p4 DIR/NAME.stp: this host ...    a kernel function, module or
#                                                 program this host lacks, or
#                                                 kernel functions (no kprobes)
#   FAIL: example-p4 DIR/NAME.stp: what failed     anything else
# then prints
#   examples-p4: N build, M run cleanly (R run), K need unresolved families
# and the failures grouped by their first error.  A known example that
# passes is a FAIL until its line goes, so that the list stays honest.
#
# testsuite/examples-p4.known lists the examples that fail for another
# reason than an unresolved family, one "DIR/NAME.stp: REASON" a line; a
# REASON that starts with "not tried: " skips the example without building
# it (for a build too slow for the suite's time budget).
# Builds are cached in TAPIR_CACHE (default: the build tree's
# testsuite/examples-cache), so that a second run only runs.
# TAPIR_EXAMPLES_RUN=0 builds without running. With a tapir built with
# the sanitizers (the ASan build of scripts/check) the examples are
# translated (-p3) and not built nor run: what the sanitizers watch is
# tapir, and the plain build's run of this suite builds and runs them
# (TAPIR_EXAMPLES_PASS=4 builds them there too).
set -u
: "${TAPIR:?}"

known=$TAPIR_SRCDIR/testsuite/examples-p4.known
[ -f "$known" ] || known=/dev/null
export TAPIR_CACHE=${TAPIR_CACHE:-$TAPIR_BUILDDIR/testsuite/examples-cache}
W=$TAPIR_BUILDDIR/bench/workloads
run_them=${TAPIR_EXAMPLES_RUN:-1}
pass=${TAPIR_EXAMPLES_PASS:-4}
if [ -z "${TAPIR_EXAMPLES_PASS:-}" ] && grep -q __asan_init "$TAPIR" 2>/dev/null; then
	pass=3
fi
[ "$pass" = 4 ] || run_them=0
tmp=$(mktemp -d)
workers=()
cleanup() {
	stop_workloads
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: examples-p4: no tapir binary at $TAPIR"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: examples-p4: needs root (BPF)"
	exit 0
fi
case $TAPIR in */* | /*) TAPIR=$(cd "$(dirname "$TAPIR")" && pwd)/$(basename "$TAPIR") ;; esac
dirs=()
for d in ${TAPIR_EXAMPLES_DIRS:-/usr/share/systemtap/examples /usr/share/doc/systemtap/examples}; do
	[ -d "$d" ] && dirs+=("$(readlink -f "$d")")
done
mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)
if [ ${#dirs[@]} -eq 0 ] || [ -z "${dirs[0]}" ]; then
	echo "SKIP: examples-p4: SystemTap's examples are not installed (apt-get install systemtap)"
	exit 0
fi
. "$TAPIR_SRCDIR/testsuite/examples-lib.sh"

# known_reason REL: the reason examples-p4.known gives for REL, if listed.
known_reason() {
	awk -v k="$1:" '$1 == k { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$known"
}

# The workloads: loops that make syscalls, preads, context switches and
# wake-ups while an example runs, started for each run and stopped after.
start_workloads() {
	local w
	for w in "getppid_loop 100000000" "file_read_loop 100000000" "pingpong 100000000"; do
		[ -x "$W/${w%% *}" ] || continue
		(exec nice -n 10 $W/$w >/dev/null 2>&1) &
		workers+=($!)
	done
}
stop_workloads() {
	local p
	for p in "${workers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	workers=()
}

# verdict REL KIND DETAIL: prints PASS/SKIP/FAIL for a failure of KIND
# (build or run) with DETAIL, as the known list says.
fail_line() {
	local rel=$1 what=$2 reason
	reason=$(known_reason "$rel")
	if [ -n "$reason" ]; then
		echo "SKIP: example-p4 $rel: known: $reason"
	else
		echo "FAIL: example-p4 $rel: $what"
	fi
	printf '%s\n' "$what" | sed -E "s/^(build|run): ([^ ]*:)?[0-9]+:[0-9]+: /\1: /; s/0x[0-9a-f]+/ADDR/g" >>"$tmp/reasons"
}

nbuild=0 nrun=0 nran=0 nfam=0 nfail=0 nhost=0
: >"$tmp/reasons"
: >"$tmp/families"
for d in "${dirs[@]}"; do
	while IFS= read -r f; do
		rel=${f#"$d"/}
		case /$rel in */tapset/*) continue ;; esac
		reason=$(known_reason "$rel")
		if [[ $reason == "not tried: "* ]]; then
			echo "SKIP: example-p4 $rel: known: $reason"
			nfail=$((nfail + 1))
			continue
		fi
		examples_options "$f"
		base=$(basename "$f")
		(cd "$(dirname "$f")" && timeout -k 5 180 "$TAPIR" --bpf -p"$pass" "${opts[@]}" "$base" "${args[@]}") \
			>"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		if [ $rc -ne 0 ]; then
			if examples_crashed $rc "$tmp/err"; then
				echo "FAIL: example-p4 $rel: tapir crashed at -p4 (status $rc)"
				nfail=$((nfail + 1))
			elif grep -q 'error: probe point not resolved' "$tmp/err"; then
				fams=$(sed -n 's/.*error: probe point not resolved: //p' "$tmp/err" |
					while IFS= read -r p; do examples_family "$p"; done | sort -u)
				printf '%s\n' "$fams" >>"$tmp/families"
				echo "SKIP: example-p4 $rel: needs probe family $(echo $fams | sed 's/ /, /g') (not resolved yet)"
				nfam=$((nfam + 1))
			elif why=$(examples_host_reason "$tmp/err"); then
				echo "SKIP: example-p4 $rel: $why"
				nhost=$((nhost + 1))
			else
				first=$(grep -m1 'error: ' "$tmp/err")
				[ -n "$first" ] || first="exit status $rc: $(head -n1 "$tmp/err")"
				fail_line "$rel" "build: ${first#"$base":}"
				nfail=$((nfail + 1))
			fi
			continue
		fi
		nbuild=$((nbuild + 1))
		if [ "$run_them" != 1 ]; then
			echo "PASS: example-p4 $rel"
			continue
		fi
		nran=$((nran + 1))
		start_workloads
		(cd "$(dirname "$f")" &&
			timeout -k 5 60 "$TAPIR" --bpf -T 2 "${opts[@]}" "$base" "${args[@]}") \
			>"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		stop_workloads
		if examples_crashed $rc "$tmp/err"; then
			fail_line "$rel" "run: tapir crashed (status $rc)"
		elif [ $rc -ne 0 ] && why=$(examples_host_reason "$tmp/err"); then
			echo "SKIP: example-p4 $rel: built; $why"
			nhost=$((nhost + 1))
		elif [ $rc -ne 0 ] || grep -q '^ERROR' "$tmp/err"; then
			first=$(grep -m1 '^ERROR\|error: ' "$tmp/err")
			[ -n "$first" ] || first="exit status $rc: $(head -n1 "$tmp/err")"
			fail_line "$rel" "run: ${first#"$base":}"
		elif [ -n "$(known_reason "$rel")" ]; then
			echo "FAIL: example-p4 $rel: passes, but examples-p4.known lists it: remove its line"
		else
			echo "PASS: example-p4 $rel"
			nrun=$((nrun + 1))
		fi
	done < <(find "$d" -name '*.stp' -type f | sort)
done

what=build
[ "$pass" = 4 ] || what="translate (-p$pass: a sanitizer build)"
echo "examples-p4: $nbuild $what, $nrun run cleanly ($nran run), $nfam need unresolved families, $nhost need what this host lacks"
if [ -s "$tmp/families" ]; then
	echo "examples-p4: unresolved families, by examples needing them:"
	sort "$tmp/families" | uniq -c | sort -rn | head -n 12 | sed 's/^/    /'
fi
if [ -s "$tmp/reasons" ]; then
	echo "examples-p4: other failures, by first error:"
	sort "$tmp/reasons" | uniq -c | sort -rn | head -n 25 | sed 's/^/    /'
fi
exit 0
