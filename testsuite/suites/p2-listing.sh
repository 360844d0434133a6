#!/bin/bash
# p2-listing: -l, -L and --dump-probe-aliases over a tapset's aliases, as
# SystemTap prints them (each expectation below was checked against
# `stap -I testsuite/semok/tapset ...`): -l lists the alias names a pattern
# matches, -L adds the locals common to the alias's expansions (and the
# context variables), --dump-probe-aliases prints "name = targets" sorted.
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}"
lib=$TAPIR_SRCDIR/testsuite/semok/tapset

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: p2-listing: no tapir binary at $TAPIR"
	exit 0
fi

# same NAME EXPECTED ARG...: stdout of tapir ARG... is EXPECTED, status 0
same() {
	local name=$1 want=$2 got rc
	shift 2
	got=$("$TAPIR" "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		echo "PASS: $name"
		return
	fi
	echo "FAIL: $name: tapir $* (status $rc) printed:"
	printf '%s\n' "$got" | sed -n '1,8s/^/    got| /p'
	printf '%s\n' "$want" | sed -n '1,8s/^/    want| /p'
}

same l-alias-names "semlib.done
semlib.phase
semlib.tick" -I "$lib" -l 'semlib.*'
same l-alias-braces "semlib.done
semlib.tick" -I "$lib" -l 'semlib.{tick,done}'
same L-alias-locals "semlib.done
semlib.phase semlib_phase:long
semlib.tick semlib_tick:long" -I "$lib" -L 'semlib.*'
same l-plain-point "begin" -l 'begin'
# the tapset's lines among the library's, in order
got=$("$TAPIR" -I "$lib" --dump-probe-aliases 2>&1 </dev/null | grep '^semlib\.')
want="semlib.done += end
semlib.phase = begin, end
semlib.tick = timer.ms(250)"
if [ "$got" = "$want" ]; then
	echo "PASS: dump-probe-aliases"
else
	echo "FAIL: dump-probe-aliases: the semlib lines are:"
	printf '%s\n' "$got" | sed 's/^/    got| /'
fi
# sorted as SystemTap sorts them (strcmp order), no name starting with '_'
"$TAPIR" --dump-probe-aliases >"${TMPDIR:-/tmp}/p2-listing.$$" 2>&1 </dev/null
if LC_ALL=C sort -c "${TMPDIR:-/tmp}/p2-listing.$$" 2>/dev/null &&
	! grep -q '^_' "${TMPDIR:-/tmp}/p2-listing.$$"; then
	echo "PASS: dump-probe-aliases-sorted"
else
	echo "FAIL: dump-probe-aliases-sorted: not in strcmp order, or lists a '_' name"
fi
rm -f "${TMPDIR:-/tmp}/p2-listing.$$"
exit 0
