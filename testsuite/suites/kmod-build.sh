#!/bin/bash
# kmod-build: passes 3 and 4 of the kmod backend on the host, as a user
# sees them: -p3 prints module C, -p4 builds a .ko with kbuild W=1 against
# the VM kernel's headers (no warning allowed) and caches it, and the
# errors for a host without a build tree or without module support say
# what to do. Running the modules is `make check-vm` (testsuite/vm/check-vm).
set -u
src=${TAPIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TAPIR=${TAPIR:-$src/build/tapir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TAPIR_CACHE=$tmp/cache
kver=$("$src/testsuite/vm/vm-run" --kernel-release 2>/dev/null)
# the VM kernel's BTF, for what tapir -r resolves (see check-vm)
export TAPIR_VMLINUX=${TAPIR_VMLINUX:-$("$src/testsuite/vm/vm-run" --vmlinux 2>/dev/null)}
kdir=/lib/modules/$kver/build
running=$(uname -r)

# expect NAME STATUS REGEX -- ARGS: tapir ARGS exits STATUS and stderr matches REGEX
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 4
	"$TAPIR" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: kmod $name: exit status $rc, expected $want"
		sed -n '1,6s/^/    /p' "$tmp/err"
	elif ! grep -Eq -- "$re" "$tmp/err"; then
		echo "FAIL: kmod $name: stderr has no line matching /$re/"
		sed -n '1,6s/^/    /p' "$tmp/err"
	else
		echo "PASS: kmod $name"
	fi
}

# ---- what a user without the right kernel sees -----------------------------------
if [ -d "/lib/modules/$running/build" ]; then
	echo "SKIP: kmod no-build-tree: this host has a build tree for $running"
else
	expect no-build-tree 1 "no kernel build tree at /lib/modules/$running/build" -- \
		-p4 -e 'probe begin { exit() }'
	grep -q -- "--runtime=bpf" "$tmp/err" && grep -q -- "-r RELEASE" "$tmp/err" ||
		echo "FAIL: kmod no-build-tree-hint: the hint names neither -r nor --runtime=bpf"
fi
expect bad-release 1 "no kernel build tree at /lib/modules/no-such-kernel/build" -- \
	-p4 -r no-such-kernel -e 'probe begin { exit() }'
expect unsupported 1 "^<input>:1:57: error: this expression is not supported on the kmod runtime yet" -- \
	-p3 -e 'probe begin { x = 1; println(x) } probe begin { println(@var("jiffies")) }'
# bit fields are read (testsuite/runtime/*bitfield*); a write to one, as
# to any member of a kernel object, is refused even in guru mode
expect bitfield-write 1 "^<input>:1:50: error: this can't be assigned on the kmod runtime yet" -- \
	-g -p3 -e 'probe kernel.trace("sched:sched_process_exec") { $p->in_execve = 1 }'

if [ -z "$kver" ] || [ ! -f "$kdir/Makefile" ]; then
	echo "SKIP: kmod p4-*: no kbuild tree for the VM kernel (install linux-headers-amd64)"
	exit 0
fi
# ---- kernel functions of the kernel -r names, from its vmlinux's BTF ------------
# (scheduler.tick is sched_tick from 6.10 on, scheduler_tick before)
if [ -z "$TAPIR_VMLINUX" ] || [ "$kver" = "$running" ]; then
	echo "SKIP: kmod r-kfuncs: no vmlinux of another kernel than this one"
else
	want=sched_tick
	bpftool btf dump file "$TAPIR_VMLINUX" 2>/dev/null | grep -q "FUNC 'scheduler_tick'" &&
		want=scheduler_tick
	"$TAPIR" -p2 -v -r "$kver" -e 'probe scheduler.tick { }' >"$tmp/out" 2>"$tmp/err"
	if ! grep -q "from kernel $kver: BTF $TAPIR_VMLINUX: " "$tmp/err"; then
		echo "FAIL: kmod r-kfuncs: -v does not say the functions came from $TAPIR_VMLINUX"
		grep -m2 'from kernel' "$tmp/err" | sed 's/^/    /'
	elif ! grep -q "^kernel.function(\"$want\")" "$tmp/out"; then
		echo "FAIL: kmod r-kfuncs: scheduler.tick is not kernel.function(\"$want\") of $kver"
		sed -n '1,6s/^/    /p' "$tmp/out" "$tmp/err"
	else
		echo "PASS: kmod r-kfuncs"
	fi
	# its system call entry points, absent from its BTF, from its __do_sys_*
	if "$TAPIR" -p2 -r "$kver" -e 'probe kernel.function("__x64_sys_getppid") { }' >"$tmp/out" 2>"$tmp/err" &&
		grep -q '^kernel.function("__x64_sys_getppid")' "$tmp/out"; then
		echo "PASS: kmod r-kfuncs-syscall-wrapper"
	else
		echo "FAIL: kmod r-kfuncs-syscall-wrapper: __x64_sys_getppid of $kver is not found"
		sed -n '1,4s/^/    /p' "$tmp/err"
	fi
	# a tracepoint's arguments are its TP_PROTO in that kernel (6.1's
	# sched_process_exit has no group_dead), from its vmlinux's BTF
	btfdump() { bpftool btf dump file "$TAPIR_VMLINUX" format raw 2>/dev/null; }
	proto=$(btfdump | sed -n "s/.*FUNC '__traceiter_sched_process_exit' type_id=\([0-9]*\).*/\1/p")
	want=$(btfdump | sed -n "/^\[$proto\] FUNC_PROTO/,/^\[/s/^[[:space:]]*'\([a-z_]*\)'.*/\1/p" |
		grep -vx __data | sed 's/^/$/' | tr '\n' ' ')
	got=$("$TAPIR" -r "$kver" -L 'kernel.trace("sched:sched_process_exit")' 2>"$tmp/err" |
		tr ' ' '\n' | sed -n 's/^\(\$[a-z_]*\):.*/\1/p' | tr '\n' ' ')
	if [ -z "$proto" ] || ! command -v bpftool >/dev/null; then
		echo "SKIP: kmod r-tracepoint-args: no bpftool, or no __traceiter_sched_process_exit in $TAPIR_VMLINUX"
	elif [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "PASS: kmod r-tracepoint-args"
	else
		echo "FAIL: kmod r-tracepoint-args: sched_process_exit of $kver has '$want', -L says '$got'"
		sed -n '1,4s/^/    /p' "$tmp/err"
	fi
	TAPIR_VMLINUX=$tmp/none "$TAPIR" -p2 -v -r "$kver" -e 'probe scheduler.tick { }' \
		>"$tmp/out" 2>"$tmp/err"
	if grep -q "BTF of the running kernel (no vmlinux BTF of $kver in $tmp/none)" "$tmp/err"; then
		echo "PASS: kmod r-kfuncs-fallback"
	else
		echo "FAIL: kmod r-kfuncs-fallback: -v does not say the running kernel's BTF stood in"
		grep -m2 'from kernel' "$tmp/err" | sed 's/^/    /'
	fi
fi
if [ -e /proc/modules ]; then
	echo "SKIP: kmod no-modules: this kernel can load modules"
else
	expect no-modules 1 "this kernel \($running\) cannot load modules" -- \
		-r "$kver" -e 'probe begin { exit() }'
	grep -q -- "--runtime=bpf" "$tmp/err" ||
		echo "FAIL: kmod no-modules-hint: the hint does not name --runtime=bpf"
fi

# ---- -p3 --------------------------------------------------------------------------
if "$TAPIR" -p3 -e 'probe begin { printf("hi %d\n", 42) }' >"$tmp/p3.c" 2>"$tmp/err" &&
	grep -q 'module_init(tapir_init)' "$tmp/p3.c" && grep -q '"hi %d\\012"' "$tmp/p3.c"; then
	echo "PASS: kmod p3-prints-module-c"
else
	echo "FAIL: kmod p3-prints-module-c"
	sed -n '1,6s/^/    /p' "$tmp/err"
fi

# Per-global readers/writers locks: the handler that counts takes the
# write locks of 'n' and of 'seen' (through its function), the one that
# prints reads 'n' only, a handler without globals takes none; the end
# probe that prints the unread 'seen' reads it. 'unused', which only an
# end probe uses, is a counter (kmod_counters.c): it has no lock.
locks='global n, seen, unused
function bump() { seen[1]++ }
probe timer.ms(1) { n++; bump() }
probe timer.ms(2) { printf("%d\n", n) }
probe begin { println("no globals") }
probe end { unused = 1 }'
"$TAPIR" -p3 -e "$locks" >"$tmp/locks.c" 2>"$tmp/err"
want='{ &tapir_lk_n, 1 },{ &tapir_lk_seen, 1 },|{ &tapir_lk_n, 0 },|{ &tapir_lk_seen, 0 },|'
got=$(awk '/^static const struct tapir_lockref/ { on = 1; next } on && /^};/ { printf "|"; on = 0; next }
	on { gsub(/^\t/, ""); printf "%s", $0 }' "$tmp/locks.c")
if [ "$got" = "$want" ] && [ "$(grep -c 'tapir_lock(tapir_locks_' "$tmp/locks.c")" = 3 ] &&
	! grep -q 'tapir_lk_unused' "$tmp/locks.c"; then
	echo "PASS: kmod p3-per-global-locks"
else
	echo "FAIL: kmod p3-per-global-locks: lock sets '$got', expected '$want'"
fi

# Counters (kmod_counters.c): 'hits' only added to in event probes, in
# statements of their own, and read in end: atomic additions, no lock, and
# handlers that use no context are light (no tapir_enter_regs). 'seen' is
# read where it is added to, 'last' is added to inside an expression: both
# stay locked globals.
counters='global hits, seen, last
probe timer.ms(1) { hits++; hits += 2; --hits; hits -= 1 }
probe timer.ms(2) { seen++; if (seen > 3) exit() }
probe timer.ms(3) { x = last++; println(x) }
probe end { printf("%d %d\n", hits, seen) }'
"$TAPIR" -p3 -e "$counters" >"$tmp/counters.c" 2>"$tmp/err"
adds=$(grep -o 'atomic64_[a-z]*([0-9L]*, (atomic64_t \*)&g_hits)' "$tmp/counters.c" | tr '\n' ' ')
light=$(sed -n '/^static void probe_0(/,/^}/p' "$tmp/counters.c")
if [ "$adds" = "atomic64_add(1, (atomic64_t *)&g_hits) atomic64_add(2LL, (atomic64_t *)&g_hits) atomic64_sub(1, (atomic64_t *)&g_hits) atomic64_sub(1LL, (atomic64_t *)&g_hits) " ] &&
	! grep -q 'tapir_lk_hits' "$tmp/counters.c" && grep -q 'tapir_lk_seen' "$tmp/counters.c" &&
	grep -q 'tapir_lk_last' "$tmp/counters.c" && [ -n "$light" ] &&
	! grep -q 'tapir_enter_regs\|tapir_lock' <<<"$light"; then
	echo "PASS: kmod p3-counters"
else
	echo "FAIL: kmod p3-counters: additions '$adds'; probe_0:"
	sed 's/^/    /' <<<"$light" | head -n 12
	sed -n '1,4s/^/    /p' "$tmp/err"
fi

# Light handlers with maps (kmod_handler.c): a body that only updates
# arrays and calls embedded C that can't reach the context (pid(), tid(),
# local_clock_ns(): kmod_ctxfree.c) runs without one, the array's
# overflow reported by the map (NULL context); the statistic 'lat' that
# event probes only add to has no lock, and its handler turns interrupts
# off for it. A printf, a string key (a frame too big for the kernel
# stack) and task_pid(), whose fault report names the context through a
# tapset macro, keep theirs; their set and call then get the context.
light='global hits, start, lat, names, tp
probe timer.ms(1) { hits[pid()]++ }
probe timer.ms(2) { start[tid()] = local_clock_ns(); lat <<< 1 }
probe timer.ms(3) { printf("%d\n", hits[1]) }
probe timer.ms(4) { names["x"] = 1 }
probe timer.ms(5) { tp[task_pid(task_current())] = 1 }
probe end { println(@count(lat)) }'
"$TAPIR" -p3 -e "$light" >"$tmp/light.c" 2>"$tmp/err"
handler() { sed -n "/^static void probe_$1(/,/^}/p" "$tmp/light.c"; }
h0=$(handler 0) h1=$(handler 1) h2=$(handler 2) h3=$(handler 3) h4=$(handler 4)
why=
grep -q 'tapir_enter_regs' <<<"$h0$h1" && why="$why a map's handler has a context;"
grep -q 'tapir_map_set_k(NULL, g_hits, &F->k[0-9]*, sizeof' <<<"$h0" || why="$why no context-free set of hits;"
grep -q 'fe_pid_0(NULL, ' <<<"$h0" || why="$why pid() not called without a context;"
grep -q 'fe_tid_0(NULL, .*fe_local_clock_ns_0(NULL, \|fe_local_clock_ns_0(NULL, ' <<<"$h1" ||
	why="$why local_clock_ns() not called without a context;"
grep -q 'local_irq_save' <<<"$h1" || why="$why no interrupts off around the lock-free statistic;"
grep -q 'tapir_lk_lat' "$tmp/light.c" && why="$why the statistic has a lock;"
grep -q 'tapir_enter_regs' <<<"$h2" && grep -q 'tapir_map_find_k(g_hits' <<<"$h2" ||
	why="$why the printf handler is not heavy;"
grep -q 'tapir_enter_regs' <<<"$h3" && grep -q 'tapir_map_set_k(c, g_names' <<<"$h3" ||
	why="$why the string key's handler is not heavy;"
grep -q 'tapir_enter_regs' <<<"$h4" && grep -q 'c->near = .*task_pid' <<<"$h4" ||
	why="$why task_pid()'s handler is not heavy;"
if [ -z "$why" ]; then
	echo "PASS: kmod p3-light-maps"
else
	echo "FAIL: kmod p3-light-maps:$why"
	sed -n '1,4s/^/    /p' "$tmp/err"
fi

# @entry(EXPR) in a kernel function's .return (kmod_entry.c): kept in the
# kretprobe instance, after the six argument slots; the kretprobe's entry
# handler zeroes the slot and runs the saver, which stores the time; the
# return handler reads it back. No companion probe, no map, and no
# argument registers saved where nothing reads them.
entry='global lat
probe kernel.function("vfs_read").return { lat <<< local_clock_ns() - @entry(local_clock_ns()) }
probe end { println(@count(lat)) }'
"$TAPIR" -p3 -r "$kver" -e "$entry" >"$tmp/entry.c" 2>"$tmp/err"
ke=$(sed -n '/^static int probe_0_ke(/,/^}/p' "$tmp/entry.c")
why=
grep -q '__tapir_entry' "$tmp/entry.c" && why="$why a companion probe's map;"
grep -q 'memset(args + 6, 0, 1 \* sizeof(u64));' <<<"$ke" && grep -q 'probe_[0-9]*(regs, args);' <<<"$ke" ||
	why="$why the entry handler does not run the saver;"
grep -q 'regs_get_kernel_argument' <<<"$ke" && why="$why arguments saved that nothing reads;"
grep -q 'targs)\[6\] = (u64)(t[0-9]*);' "$tmp/entry.c" || why="$why the saver does not store the slot;"
grep -q '= ((int64_t)targs\[6\]);' "$tmp/entry.c" || why="$why the return does not read the slot;"
grep -q '\.data_size = 7 \* sizeof(u64)' "$tmp/entry.c" || why="$why the instance has no room for the slot;"
if [ -z "$kver" ] || [ -z "$TAPIR_VMLINUX" ]; then
	echo "SKIP: kmod p3-entry-kretprobe: no kernel of the VM to build for"
elif [ -z "$why" ]; then
	echo "PASS: kmod p3-entry-kretprobe"
else
	echo "FAIL: kmod p3-entry-kretprobe:$why"
	sed -n '1,4s/^/    /p' "$tmp/err"
fi

# ---- -p4: W=1 builds, warning-free, and the cache -----------------------------------
# A tapir built with the sanitizers (scripts/check's second run) only
# translates (-p3) here: what they watch is tapir, and the plain build's
# run of this suite builds the same modules.
sanitized=0
grep -q __asan_init "$TAPIR" 2>/dev/null && sanitized=1
p4() { # NAME FILE [OPTIONS...]
	local name=$1 f=$2 ko
	shift 2
	if [ $sanitized = 1 ]; then
		if "$TAPIR" -p3 -r "$kver" "$@" "$f" >"$tmp/c" 2>"$tmp/err" && grep -q 'module_init' "$tmp/c"; then
			echo "PASS: kmod p3-$name (a sanitizer build: translated only)"
		else
			echo "FAIL: kmod p3-$name: pass 3 failed"
			sed -n '1,6s/^/    /p' "$tmp/err"
		fi
		return
	fi
	if ! "$TAPIR" -p4 -v -r "$kver" "$@" "$f" >"$tmp/ko" 2>"$tmp/err"; then
		echo "FAIL: kmod p4-$name: the build failed"
		grep -E 'error' "$tmp/err" | sed -n '1,6s/^/    /p'
		return
	fi
	ko=$(cat "$tmp/ko")
	if grep -q 'warning:' "$tmp/err"; then
		echo "FAIL: kmod p4-$name: kbuild W=1 warns: $(grep -m1 'warning:' "$tmp/err")"
	elif [ ! -f "$ko" ] || ! grep -qa "name=tapir_" "$ko"; then
		echo "FAIL: kmod p4-$name: '$ko' is not a tapir module"
	else
		echo "PASS: kmod p4-$name"
	fi
}
rt=$src/testsuite/runtime
p4 begin-printf "$rt/begin-printf.stp"
p4 hist-log "$rt/hist-log-timer.stp"
p4 arrays "$rt/array-keys-1-to-9.stp"
p4 foreach-sort "$rt/array-sort-multikey.stp"
p4 tracepoint-syscall "$rt/err-div-zero-kernel.stp"
p4 try-catch "$rt/try-catch.stp"
p4 recursion "$rt/func-recursion.stp"
p4 defines "$rt/array-overflow-maxmapentries.stp" -D MAXMAPENTRIES=10
p4 kfunc-parms "$rt/kfunc-parms.stp"
p4 kfunc-entry-expr "$rt/kfunc-entry-expr.stp"
p4 member-chains-cast "$rt/cast-kernel.stp"
p4 slices "$rt/array-slices.stp"
# process(...) probes: uprobes, a uretprobe with its @entry companion,
# pretty-printed $vars, SDT markers with a semaphore (ref_ctr_offset)
progs=${TAPIR_BUILDDIR:-$src/build}/testsuite/progs
if [ -x "$progs/uprobe_prog" ]; then
	p4 uprobe-entry "$rt/uprobe-entry.stp" -c "$progs/uprobe_prog"
	p4 uprobe-pretty "$rt/uprobe-pretty.stp" -c "$progs/uprobe_prog"
	p4 uprobe-sdt "$rt/uprobe-sdt.stp" -c "$progs/uprobe_prog"
else
	echo "SKIP: kmod p4-uprobe-*: $progs/uprobe_prog is not built (make)"
fi
printf '%s\n' "$light" >"$tmp/light.stp"
p4 light-maps "$tmp/light.stp"
for f in "$src"/testsuite/vm/faults/*.stp; do
	p4 "$(basename "$f" .stp)" "$f"
done

if [ $sanitized = 1 ]; then
	echo "SKIP: kmod p4-cache, p4-modinfo, p4-kbuild-option: a sanitizer build (the plain build's run builds modules)"
	exit 0
fi
# the same script again: the cached module, said so with -v
"$TAPIR" -p4 -r "$kver" "$rt/begin-printf.stp" >"$tmp/ko1" 2>/dev/null
"$TAPIR" -p4 -v -r "$kver" "$rt/begin-printf.stp" >"$tmp/ko2" 2>"$tmp/err"
if cmp -s "$tmp/ko1" "$tmp/ko2" && grep -q '^Pass 4: using cached' "$tmp/err"; then
	echo "PASS: kmod p4-cache"
else
	echo "FAIL: kmod p4-cache: the second build did not use the cache"
fi

# runtime/common is compiled once per tree: the first build kept its
# objects, and a later module is built with them (kbuild's _shipped copy)
# and links them
rtdir=$(ls -d "$TAPIR_CACHE"/kmod/rt-* 2>/dev/null)
printf 'probe begin { printf("%%s\\n", "rt-objects") }\n' >"$tmp/rt.stp"
TAPIR_KEEP_KBUILD=1 "$TAPIR" -p4 -r "$kver" "$tmp/rt.stp" >"$tmp/ko5" 2>"$tmp/err"
work=$(ls -d "$(dirname "$(cat "$tmp/ko5")")"/build.* 2>/dev/null | head -1)
if [ "$(echo "$rtdir" | wc -w)" != 1 ] || [ "$(ls "$rtdir"/*.o | wc -l)" != 6 ]; then
	echo "FAIL: kmod p4-runtime-objects: no one folder of six objects: '$rtdir'"
elif [ ! -f "$work/rt_format.o_shipped" ] || [ -f "$work/rt_format.c" ]; then
	echo "FAIL: kmod p4-runtime-objects: the module compiled runtime/common again ($work)"
elif ! nm "$(cat "$tmp/ko5")" | grep -q ' T rt_fmt_print$'; then
	echo "FAIL: kmod p4-runtime-objects: the module lacks rt_fmt_print (rt_format.o)"
else
	echo "PASS: kmod p4-runtime-objects"
fi

# --modinfo NAME=VALUE: the module's modinfo has it
"$TAPIR" -p4 -r "$kver" --modinfo tapir_test='a "b" c' "$rt/begin-printf.stp" >"$tmp/ko4" 2>"$tmp/err"
if [ "$(modinfo -F tapir_test "$(cat "$tmp/ko4")" 2>&1)" = 'a "b" c' ]; then
	echo "PASS: kmod p4-modinfo"
else
	echo "FAIL: kmod p4-modinfo: modinfo -F tapir_test says '$(modinfo -F tapir_test "$(cat "$tmp/ko4")" 2>&1)'"
fi

# -B NAME=VALUE reaches kbuild's make (here a macro the module's C then
# has), and it is part of the cache key: another module than without it
"$TAPIR" -p4 -vv -r "$kver" -B KCFLAGS=-DTAPIR_B_TEST=1 "$rt/begin-printf.stp" >"$tmp/ko3" 2>"$tmp/err"
if ! grep -q "^Running make .* W=1 'KCFLAGS=-DTAPIR_B_TEST=1' modules" "$tmp/err"; then
	echo "FAIL: kmod p4-kbuild-option: -B did not reach make"
	grep -m1 -e '^Running make' -e 'error' "$tmp/err" | sed 's/^/    /'
elif cmp -s "$tmp/ko1" "$tmp/ko3" || [ ! -s "$tmp/ko3" ]; then
	echo "FAIL: kmod p4-kbuild-option: the module of -B is the cached one without it"
else
	echo "PASS: kmod p4-kbuild-option"
fi
exit 0
