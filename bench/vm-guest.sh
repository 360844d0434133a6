#!/bin/sh
# The VM side of bench/run-vm (busybox sh, in /payload): one round.
#
#   sh ./vm-guest.sh ROUND KEY
#
# ./peers has one peer a line, "NAME<TAB>COMMAND" (the first is the
# untraced baseline). The round runs every other peer once, in an order
# rotated by ROUND, each between two baseline runs, and prints one line a
# run: "RUN NAME ROUND STATUS NS HITS ATTACH" (NS: the workload's KEY,
# e.g. ns_per_iter_min; HITS: the last hits=N the run printed, or -;
# ATTACH: how a tapir BPF artifact run with -v says it attached, or -),
# then the last line of a run that failed as "WHY NAME text".
round=$1 key=$2
# what the tracers expect of a system (the initramfs has no /etc/passwd)
[ -e /etc/passwd ] || { mkdir -p /etc; echo 'root:x:0:0:root:/:/bin/sh' >/etc/passwd; }

run() { # NAME COMMAND
	timeout 300 sh -c "$2" </dev/null >/tmp/run.out 2>&1
	rc=$?
	ns=$(sed -n "s/.* $key=\([0-9.]*\).*/\1/p" /tmp/run.out | head -n 1)
	hits=$(sed -n 's/.*hits=\(-\{0,1\}[0-9][0-9]*\).*/\1/p' /tmp/run.out | tail -n 1)
	att=$(sed -n 's/.* attached as \([a-z_]*\) .*/\1/p' /tmp/run.out | sort -u | tr '\n' ',' | sed 's/,$//')
	echo "RUN $1 $round $rc ${ns:--} ${hits:--} ${att:--}"
	[ "$rc" = 0 ] && [ -n "$ns" ] || echo "WHY $1 $(grep -v '^iterations=' /tmp/run.out | grep -v '^$' | tail -n 1)"
}

base=$(head -n 1 peers | cut -f2)
n=$(($(wc -l <peers) - 1))
off=$(((round - 1) % n))
{ tail -n +2 peers | tail -n +$((off + 1)); tail -n +2 peers | head -n "$off"; } >/tmp/order
run baseline "$base"
while IFS='	' read -r name cmd; do
	run "$name" "$cmd"
	run baseline "$base"
done </tmp/order
