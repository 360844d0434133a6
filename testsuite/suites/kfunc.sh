#!/bin/bash
# kfunc: kernel.function / kprobe.function / module().function resolution
# against the running kernel (BTF, /proc/kallsyms), as a user sees it
# through -l, -L and -p2: the listing format (SystemTap's BTF form), typed
# $vars and member chains, and the errors for what can't be probed. Then
# one run: on a kernel where neither fentry nor kprobes attach (this
# development host) it must fail with a message naming the probe and
# why, exit 1 and leave no BPF program behind. Needs the kernel's BTF and
# /proc/kallsyms; without them every check SKIPs with that reason.
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}"
export TAPIR_CACHE=${TAPIR_CACHE:-${TAPIR_BUILDDIR:-/tmp}/testsuite/runtime-cache}

checks=(L-vfs_read L-return l-wildcard l-sorted p2-chain p2-chain-bad no-match optional
	dwarf-filter init-function exported module-missing module-glob absolute-guru absolute
	v-sources return-in-call kprobe-untyped entry-outside-return run-no-attach run-none-attach)
skip_all() {
	for c in "${checks[@]}"; do echo "SKIP: kfunc $c: $1"; done
	exit 0
}
[ -x "$TAPIR" ] || skip_all "no tapir binary at $TAPIR"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "this kernel has no BTF (/sys/kernel/btf/vmlinux)"
grep -q ' T vfs_read$' /proc/kallsyms 2>/dev/null ||
	skip_all "/proc/kallsyms does not show vfs_read (not root, or kptr_restrict)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# same NAME EXPECTED ARG...: tapir ARG... prints EXPECTED, status 0
same() {
	local name=$1 want=$2 got rc
	shift 2
	got=$("$TAPIR" "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		echo "PASS: kfunc $name"
		return
	fi
	echo "FAIL: kfunc $name: tapir $* (status $rc) printed:"
	printf '%s\n' "$got" | sed -n '1,8s/^/    got| /p'
	printf '%s\n' "$want" | sed -n '1,8s/^/    want| /p'
}

# fails NAME REGEX ARG...: tapir ARG... exits non-zero, stderr matches
# REGEX (grep -E), and no line of it is a crash report
fails() {
	local name=$1 re=$2 rc
	shift 2
	"$TAPIR" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -qE -- "$re" "$tmp/err" &&
		! grep -q 'AddressSanitizer\|runtime error' "$tmp/err"; then
		echo "PASS: kfunc $name"
		return
	fi
	echo "FAIL: kfunc $name: tapir $* (status $rc), stderr does not match /$re/:"
	sed -n '1,8s/^/    | /p' "$tmp/err"
}

# ok NAME ARG...: tapir ARG... exits 0
ok() {
	local name=$1
	shift
	if "$TAPIR" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; then
		echo "PASS: kfunc $name"
	else
		echo "FAIL: kfunc $name: tapir $* exited $?:"
		sed -n '1,8s/^/    | /p' "$tmp/err"
	fi
}

# ---- listing ---------------------------------------------------------------
same L-vfs_read 'kernel.function("vfs_read") $file:struct file* $buf:char* $count:size_t $pos:loff_t*' \
	-L 'kernel.function("vfs_read")'
same L-return 'kernel.function("vfs_read").return $return:ssize_t $file:struct file* $buf:char* $count:size_t $pos:loff_t*' \
	-L 'kernel.function("vfs_read").return'
# a few functions every kernel of the last decade has, out of the wildcard
got=$("$TAPIR" -l 'kernel.function("vfs_*")' 2>&1 | grep -E '"vfs_(read|write|readv|writev)"')
want='kernel.function("vfs_read")
kernel.function("vfs_readv")
kernel.function("vfs_write")
kernel.function("vfs_writev")'
if [ "$got" = "$want" ]; then
	echo "PASS: kfunc l-wildcard"
else
	echo "FAIL: kfunc l-wildcard: got"
	printf '%s\n' "$got" | sed 's/^/    | /'
fi
"$TAPIR" -l 'kernel.function("vfs_*")' >"$tmp/l" 2>&1
if [ "$(wc -l <"$tmp/l")" -ge 20 ] && LC_ALL=C sort -c "$tmp/l" 2>/dev/null &&
	! grep -qv '^kernel\.function("vfs_[A-Za-z0-9_]*")$' "$tmp/l"; then
	echo "PASS: kfunc l-sorted"
else
	echo "FAIL: kfunc l-sorted: $(wc -l <"$tmp/l") lines, not all sorted kernel.function(\"vfs_...\") points"
fi

# ---- context variables -------------------------------------------------------
ok p2-chain -p2 -e 'probe kernel.function("vfs_read") { println(kernel_string($file->f_path->dentry->d_name->name), $count) }'
fails p2-chain-bad "1:74: error: struct qstr has no member 'nam'.*|did you mean 'name'" \
	-p2 -e 'probe kernel.function("vfs_read") { println($file->f_path->dentry->d_name->nam) }'
fails return-in-call "error: .*'\\\$return'" \
	-p2 -e 'probe kernel.function("vfs_read") { println($return) }'
fails kprobe-untyped "error: .*'\\\$count'" \
	-p2 -e 'probe kprobe.function("vfs_read") { println($count) }'
fails entry-outside-return "@entry is only available in a .return probe" \
	--bpf -p3 -e 'probe kernel.function("vfs_read") { println(@entry($count)) }'
# a call is evaluated at the entry, by companion programs (the VM runs them:
# vm-kfunc's kfunc-entry-expr); here they must build, kprobe and fentry
ok entry-call-in-return --bpf -p4 -e 'probe kernel.function("vfs_read").return { println(@entry(gettimeofday_us()), @entry(execname())) }'
ok entry-param-expr-in-return --bpf -p3 -e 'probe kernel.function("vfs_read").return { println(@entry($count * 2 + 1)) }'

# ---- what can't be probed ------------------------------------------------------
fails no-match 'error: no kernel function matches "vfs_raed"' \
	-p2 -e 'probe kernel.function("vfs_raed") {}'
grep -q 'did you mean "vfs_read"' "$tmp/err" || echo "FAIL: kfunc no-match: no did-you-mean hint"
ok optional -p2 -e 'probe kernel.function("no_such_function_tapir")?, timer.s(1) {}'
fails dwarf-filter "'@fs/read_write.c' in \"vfs_read@fs/read_write.c\" needs the kernel's DWARF" \
	-p2 -e 'probe kernel.function("vfs_read@fs/read_write.c") {}'
fails init-function "cannot probe kernel function 'start_kernel': it is __init code" \
	-p2 -e 'probe kernel.function("start_kernel") {}'
if grep -q ' __ksymtab_vfs_read$' /proc/kallsyms; then
	ok exported -p2 -e 'probe kernel.function("vfs_read").exported {}'
else
	fails exported "cannot probe kernel function 'vfs_read': this kernel exports no symbols" \
		-p2 -e 'probe kernel.function("vfs_read").exported {}'
fi
fails module-missing "module 'no_such_mod' has no BTF \(/sys/kernel/btf/no_such_mod\)" \
	-p2 -e 'probe module("no_such_mod").function("f") {}'
if ls /sys/kernel/btf | grep -qv '^vmlinux$'; then
	mod=$(ls /sys/kernel/btf | grep -v '^vmlinux$' | head -n 1)
	ok module-glob -l "module(\"${mod%?}*\").function(\"*\")"
else
	fails module-glob 'no loaded module matches "dccp\*" \(modules with BTF are in /sys/kernel/btf\)' \
		-p2 -e 'probe module("dccp*").function("dccp_v4_connect") {}'
fi
fails absolute-guru 'kprobe.statement\(ADDRESS\).absolute needs guru mode' \
	-p2 -e 'probe kprobe.statement(0xffffffff81000000).absolute {}'
same absolute 'kprobe.statement(0xffffffff81000000).absolute' \
	-g -l 'kprobe.statement(0xffffffff81000000).absolute'
"$TAPIR" -v -p2 -e 'probe kernel.function("vfs_read") {}' >/dev/null 2>"$tmp/err"
if grep -q 'kernel.function("vfs_read"): 1 function .*from BTF /sys/kernel/btf/vmlinux: [0-9]* functions, /proc/kallsyms' "$tmp/err"; then
	echo "PASS: kfunc v-sources"
else
	echo "FAIL: kfunc v-sources: -v does not say where vfs_read came from:"
	sed -n '1,6s/^/    | /p' "$tmp/err"
fi

# ---- a run where nothing can attach ------------------------------------------------
# what a run could leave behind once it has exited: pins, kprobe events
# (programs and links die with their last fd; other runs may hold some)
leftovers() {
	ls -A /sys/fs/bpf 2>/dev/null
	cat /sys/kernel/tracing/kprobe_events 2>/dev/null
}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: kfunc run-no-attach: needs root"
	echo "SKIP: kfunc run-none-attach: needs root"
elif [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ]; then
	echo "SKIP: kfunc run-no-attach: this kernel has kprobes (the runtime tests cover it)"
	echo "SKIP: kfunc run-none-attach: this kernel has kprobes (the runtime tests cover it)"
else
	before=$(leftovers)
	fails run-no-attach '^ERROR: probe kernel\.function\("vfs_read"\): cannot attach to kernel function vfs_read: fentry: .*; kprobe: this kernel has no kprobes' \
		--bpf -e 'probe kernel.function("vfs_read") { println($count); exit() }'
	[ "$(leftovers)" = "$before" ] || echo "FAIL: kfunc run-no-attach: left pins or kprobe events behind"
	# one that can't attach is a warning while others may (SystemTap's
	# registration errors); the last one of none is the error
	fails run-none-attach '^ERROR: probe kernel\.function\("vfs_write"\): cannot attach' \
		--bpf -e 'probe kernel.function("vfs_read"), kernel.function("vfs_write") { exit() }'
	grep -q '^WARNING: probe kernel\.function("vfs_read"): cannot attach .* (skipped)$' "$tmp/err" ||
		echo "FAIL: kfunc run-none-attach: no warning for vfs_read"
fi
exit 0
