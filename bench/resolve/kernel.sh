#!/bin/bash
# bench/resolve/kernel.sh - how long listing kernel.function("vfs_*") takes:
# tapir -l and -L (BTF + /proc/kallsyms, the running kernel) next to
# stap -l (DWARF of the kernel named by -r: its debuginfo package). Not a
# test: prints a Markdown table of the median wall time of each over
# ROUNDS runs (wall and CPU: the machine may be shared), and how many
# points each printed.
#
#   bench/resolve/kernel.sh [-b BUILDDIR] [-r ROUNDS] [-k KVER] [-d DEBUGDIR] [PATTERN]
#
# KVER defaults to the VM harness's kernel (testsuite/vm/vm-run
# --kernel-release), the one whose headers are installed for stap. stap
# needs that kernel's DWARF: install linux-image-KVER-dbg, or, to keep it
# out of /usr, take only its vmlinux (860 MB download, 630 MB unpacked):
#   apt-get download linux-image-KVER-dbg
#   dpkg-deb --fsys-tarfile linux-image-KVER-dbg_*.deb |
#     tar -x -C DIR ./usr/lib/debug/boot/vmlinux-KVER
# and pass -d DIR/usr/lib/debug (it holds boot/vmlinux-KVER), which
# becomes SYSTEMTAP_DEBUGINFO_PATH.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build rounds=5 kver= pattern='vfs_*' debugdir=
while getopts b:r:k:d: o; do
	case $o in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	k) kver=$OPTARG ;;
	d) debugdir=$OPTARG ;;
	*) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] && pattern=$1
[ -n "$kver" ] || kver=$("$here/testsuite/vm/vm-run" --kernel-release 2>/dev/null || echo 6.1.0-56-amd64)
tapir=$build/tapir
point="kernel.function(\"$pattern\")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: median wall and CPU (user+sys) ms over the rounds,
# and the lines the last run printed
measure() {
	local name=$1 i t wall cpu
	shift
	: >"$tmp/times"
	for ((i = 0; i < rounds; i++)); do
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$tmp/out" 2>"$tmp/err"; } 2>&1 )
		awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$t" >>"$tmp/times"
	done
	wall=$(cut -d' ' -f1 "$tmp/times" | sort -n | sed -n "$(((rounds + 1) / 2))p")
	cpu=$(cut -d' ' -f2 "$tmp/times" | sort -n | sed -n "$(((rounds + 1) / 2))p")
	printf '| %s | %d | %d | %d |\n' "$name" "$wall" "$cpu" "$(wc -l <"$tmp/out")"
	[ -s "$tmp/out" ] || echo "|  | (printed nothing: $(grep -v '^$' "$tmp/err" | tail -n 1)) | | |"
}

echo "Listing $point, median of $rounds runs, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| command | wall ms | CPU ms | points |"
echo "|---|---|---|---|"
measure "tapir -l (BTF, kallsyms)" "$tapir" -l "$point"
measure "tapir -L (BTF, kallsyms)" "$tapir" -L "$point"
if command -v stap >/dev/null; then
	[ -n "$debugdir" ] && export SYSTEMTAP_DEBUGINFO_PATH=$debugdir
	measure "stap -r $kver -l (DWARF)" stap -r "$kver" -l "$point"
	if [ -z "$debugdir" ] && [ ! -e "/usr/lib/debug/boot/vmlinux-$kver" ]; then
		echo
		echo "stap has no DWARF for $kver here (linux-image-$kver-dbg is not installed): its time is its start-up and its search for debuginfo."
	fi
else
	echo "| stap | (not installed) | | |"
fi
