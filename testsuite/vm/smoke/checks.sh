#!/bin/sh
# The VM side of the smoke test (busybox sh, in /payload): runs the check
# named by $1. A failing check exits 1 after a last line that says why.
mod=tapir_smoke
func=${FUNC:-do_sys_openat2}
opens=200

fail() {
	echo "$*"
	exit 1
}

loaded() {
	grep -q "^$mod " /proc/modules
}

# Each of these opens a file once, in this shell: $1 calls of $func.
open_files() {
	i=0
	while [ $i -lt "$1" ]; do
		read -r _ </proc/version
		i=$((i + 1))
	done
}

kmod_load() {
	./modload ./$mod.ko || fail "modload could not load $mod.ko"
	loaded || fail "$mod is not in /proc/modules after loading"
	dmesg | grep -q "$mod: loaded\$" || fail "no '$mod: loaded' in dmesg"
}

kmod_unload() {
	loaded || fail "$mod is not loaded"
	./modload -r $mod || fail "modload -r could not unload $mod"
	! loaded || fail "$mod is still in /proc/modules after unloading"
	dmesg | grep -q "$mod: unloaded\$" || fail "no '$mod: unloaded' in dmesg"
}

kmod_kprobe() {
	grep -q " $func\$" /proc/kallsyms || fail "$func is not in /proc/kallsyms"
	./modload ./$mod.ko func="$func" || fail "modload could not load $mod.ko func=$func"
	if ! grep -q " $func+0x0" /sys/kernel/debug/kprobes/list; then
		./modload -r $mod
		fail "no kprobe on $func in /sys/kernel/debug/kprobes/list"
	fi
	open_files $opens
	./modload -r $mod || fail "modload -r could not unload $mod"
	hits=$(dmesg | sed -n "s/.*$mod: unloaded, \([0-9]*\) hits on $func\$/\1/p" | tail -n 1)
	[ -n "$hits" ] || fail "no hit count in dmesg after unloading"
	echo "$hits hits on $func for $opens opens"
	[ "$hits" -ge $opens ] || fail "only $hits hits on $func for $opens opens"
}

bpf_kprobe() {
	./kprobe-count "$func" $opens
}

dmesg_clean() {
	bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection')
	[ -z "$bad" ] && return 0
	echo "$bad" | head -n 20
	fail "the kernel log has: $(echo "$bad" | head -n 1)"
}

case $1 in
kmod-load) kmod_load ;;
kmod-unload) kmod_unload ;;
kmod-kprobe) kmod_kprobe ;;
bpf-kprobe) bpf_kprobe ;;
dmesg-clean) dmesg_clean ;;
*) fail "checks.sh: unknown check '$1'" ;;
esac
