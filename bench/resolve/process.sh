#!/bin/bash
# bench/resolve/process.sh - how long resolving process(...) probe points
# takes: `tapir -l` next to `stap -l` of the same points (a benchmark, not
# a test). Each command runs -n times (default 7), interleaved; the
# median and the spread of the wall-clock times are printed, and whether
# the two listings are the same.
#   -t TAPIR   the binary (default: build/tapir)
#   -r REL     stap's -r (default 6.1.0-56-amd64: stap wants a kernel
#              build tree even to list user-space points)
# Points: every function of /usr/bin/bash (stripped: its .dynsym), and
# every function of libc.so.6 (DWARF when Debian's debug symbols are
# installed, else its symbol table).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tapir=$here/build/tapir rel=6.1.0-56-amd64 n=7
while getopts t:r:n: o; do
	case $o in
	t) tapir=$OPTARG ;;
	r) rel=$OPTARG ;;
	n) n=$OPTARG ;;
	*) exit 2 ;;
	esac
done
command -v stap >/dev/null || { echo "no stap: apt-get install systemtap" >&2; exit 1; }

# ms CMD...: the wall-clock milliseconds of one run, output discarded
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
# stats: median, min and max of the numbers on stdin
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%d ms (min %d, max %d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

bench() {
	local pp=$1 tt=() st=() i same
	for ((i = 0; i < n; i++)); do
		tt+=("$(ms "$tapir" -l "$pp")")
		st+=("$(ms stap -r "$rel" -l "$pp")")
	done
	if cmp -s <("$tapir" -l "$pp" 2>/dev/null) <(stap -r "$rel" -l "$pp" 2>/dev/null); then
		same="same $("$tapir" -l "$pp" | wc -l) points"
	else
		same="listings differ: tapir $("$tapir" -l "$pp" | wc -l), stap $(stap -r "$rel" -l "$pp" 2>/dev/null | wc -l) points"
	fi
	printf '%s\n  tapir -l: %s\n  stap -l:  %s\n  %s\n' "$pp" \
		"$(printf '%s\n' "${tt[@]}" | stats)" "$(printf '%s\n' "${st[@]}" | stats)" "$same"
}

echo "# $(date -u +%F) $(uname -r), $n runs each"
bench 'process("/usr/bin/bash").function("*")'
bench 'process("/usr/bin/ls").library("libc.so.6").function("*")'
