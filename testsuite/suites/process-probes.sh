#!/bin/bash
# process-probes: process(...) probe points resolved against
# testsuite/progs/uprobe_prog (built with -g -O0) through ELF and DWARF:
# -l/-L in SystemTap's format (each listing below was checked against
# `stap -r 6.1.0-56-amd64 -L` of the same point: same points, same
# variables and types), and the errors a user gets for bad input.
# Paths are normalised: the program to PROG, its source to SRC.
set -u
: "${TAPIR:?}" "${TAPIR_SRCDIR:?}" "${TAPIR_BUILDDIR:?}"
prog=$TAPIR_BUILDDIR/testsuite/progs/uprobe_prog

if [ ! -x "$TAPIR" ] || [ ! -x "$prog" ]; then
	echo "FAIL: process-probes: no tapir binary at $TAPIR or no $prog"
	exit 0
fi
real=$(realpath "$prog")

norm() { sed -e "s#$real#PROG#g" -e 's#"[^"@]*testsuite/progs/uprobe_prog\.c#"SRC#g' \
	-e 's#@[^"@:]*testsuite/progs/uprobe_prog\.c#@SRC#g'; }

# same NAME EXPECTED ARG...: tapir ARG... prints EXPECTED (normalised), status 0
same() {
	local name=$1 want=$2 got rc
	shift 2
	got=$("$TAPIR" "$@" 2>&1 </dev/null)
	rc=$?
	got=$(norm <<<"$got")
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		echo "PASS: $name"
		return
	fi
	echo "FAIL: $name: tapir $* (status $rc) printed:"
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed -n '1,12s/^/    /p'
}

# fails NAME REGEX ARG...: tapir ARG... exits 1 with a line of stderr matching REGEX
fails() {
	local name=$1 re=$2 err rc
	shift 2
	err=$("$TAPIR" "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	err=$(norm <<<"$err")
	if [ "$rc" -eq 1 ] && grep -Eq -- "$re" <<<"$err"; then
		echo "PASS: $name"
		return
	fi
	echo "FAIL: $name: tapir $* (status $rc), no stderr line matches /$re/:"
	printf '%s\n' "$err" | sed -n '1,8s/^/    /p'
}

same L-functions 'process("PROG").function("__do_global_dtors_aux")
process("PROG").function("_fini")
process("PROG").function("_init")
process("PROG").function("_start")
process("PROG").function("deregister_tm_clones")
process("PROG").function("frame_dummy")
process("PROG").function("main@SRC:58") $argc:int $argv:char** $second:struct point $first:struct point $arr:int[] $msg:char[] $total:long int
process("PROG").function("register_tm_clones")
process("PROG").function("up_array@SRC:42") $arr:int const* $n:int $sum:int
process("PROG").function("up_inline@SRC:22") $v:int
process("PROG").function("up_int@SRC:27") $a:int $b:long int
process("PROG").function("up_local@SRC:51") $n:int $doubled:int
process("PROG").function("up_str@SRC:32") $s:char const*
process("PROG").function("up_struct@SRC:37") $p:struct point*' -L "process(\"$prog\").function(\"*\")"
same L-marks 'process("PROG").mark("guarded") $arg1:long
process("PROG").mark("pair") $arg1:long $arg2:long
process("PROG").mark("text") $arg1:long $arg2:long' -L "process(\"$prog\").mark(\"*\")"
same l-provider-marks 'process("PROG").provider("tapirtest").mark("pair")' \
	-l "process(\"$prog\").provider(\"tapir*\").mark(\"pa*\")"
same L-return 'process("PROG").function("up_int@SRC:27").return $return:int $a:int $b:long int' \
	-L "process(\"$prog\").function(\"up_int\").return"
same l-call-skips-inline 'process("PROG").function("up_array@SRC:42").call
process("PROG").function("up_int@SRC:27").call
process("PROG").function("up_local@SRC:51").call
process("PROG").function("up_str@SRC:32").call
process("PROG").function("up_struct@SRC:37").call' -l "process(\"$prog\").function(\"up_*\").call"
same l-inline 'process("PROG").function("up_inline@SRC:22").inline' \
	-l "process(\"$prog\").function(\"up_*\").inline"
same l-file-line 'process("PROG").function("up_str@SRC:32")' \
	-l "process(\"$prog\").function(\"*@uprobe_prog.c:32\")"
same L-statement 'process("PROG").statement("up_local@SRC:53") $n:int $doubled:int' \
	-L "process(\"$prog\").statement(\"up_local@uprobe_prog.c:53\")"
same l-plt 'process("PROG").plt("strlen")' -l "process(\"$prog\").plt(\"str*\")"
same l-target-c 'process("PROG").function("up_int@SRC:27")' \
	-c "$prog" -l 'process.function("up_int")'
# .library by a prefix of a DT_NEEDED name; getpid is one function however
# many symbols name it (which one names it depends on libc's debuginfo)
got=$("$TAPIR" -l 'process("true").library("libc").function("getpid")' 2>&1)
if [ "$(printf '%s\n' "$got" | grep -c '^process("/usr/bin/true")\.library("/usr/lib/x86_64-linux-gnu/libc\.so\.6")\.function("[_A-Za-z]*getpid[@"]')" = 1 ] &&
	[ "$(printf '%s\n' "$got" | wc -l)" = 1 ]; then
	echo "PASS: l-library"
else
	echo "FAIL: l-library: tapir -l process(\"true\").library(\"libc\").function(\"getpid\") printed:"
	printf '%s\n' "$got" | sed -n '1,6s/^/    /p'
fi

# bad input
opt=$TAPIR_BUILDDIR/testsuite/progs/uprobe_opt
fails no-such-program "^<listing>:1:7: error: no such program: '/nonexistent/prog' \(not a file, and not in \\\$PATH\)" \
	-l 'process("/nonexistent/prog").function("*")'
fails not-elf "error: '/etc/passwd' is not an ELF file" -l 'process("/etc/passwd").function("*")'
fails no-function 'error: no function matches "up_strct" in PROG' \
	-l "process(\"$prog\").function(\"up_strct\")"
fails no-function-hint '^hint: did you mean "up_struct"\?' \
	-l "process(\"$prog\").function(\"up_strct\")"
fails no-mark 'error: no SDT marker matches "nomark" in PROG' -l "process(\"$prog\").mark(\"nomark\")"
fails no-target 'error: a process probe without a path or pid needs a target process \(-c CMD or -x PID\)' \
	-l 'process.function("main")'
fails no-pid 'error: process 999999999 does not exist' -l 'process(999999999).function("main")'
fails statement-no-line 'error: statement "up_local" needs a line' \
	-l "process(\"$prog\").statement(\"up_local\")"
fails bad-member "^<input>:1:[0-9]+: error: struct point has no member 'nxt'" \
	-p2 -e "probe process(\"$prog\").function(\"up_struct\") { println(\$p->nxt->x) }"
fails bad-member-hint "^hint: did you mean 'next'\?" \
	-p2 -e "probe process(\"$prog\").function(\"up_struct\") { println(\$p->nxt->x) }"
fails not-a-struct "error: 'int' is not a struct or union: it has no member 'x'" \
	-p2 -e "probe process(\"$prog\").function(\"up_int\") { println(\$a->x) }"
fails no-such-var "error: context variable '\\\$zz' isn't available in probe process\(\"PROG\"\)" \
	-p2 -e "probe process(\"$prog\").function(\"up_int\") { println(\$zz) }"
fails struct-value "error: '\\\$first' is a struct point, which has no value to read" \
	-p2 -e "probe process(\"$prog\").function(\"main\") { println(\$first) }"
fails optimised-out "^<input>:1:[0-9]+: error: can't read '\\\$r' here: it is not available at this address \(optimised out\)" \
	-p2 -e "probe process(\"$opt\").function(\"main\") { println(\$r) }"
# @cast and @var are resolved when pass 3 lowers them
fails cast-no-type "^<input>:1:[0-9]+: error: @cast: no type 'struct nopoint' in PROG" \
	--bpf -p3 -e "probe process(\"$prog\").function(\"up_struct\") { println(@cast(\$p, \"struct nopoint\")->y) }"
fails cast-no-member "^<input>:1:[0-9]+: error: struct point has no member 'zz'" \
	--bpf -p3 -e "probe process(\"$prog\").function(\"up_struct\") { println(@cast(\$p, \"struct point\")->zz) }"
fails var-no-global "^<input>:1:[0-9]+: error: @var: no global variable 'nothere' in PROG" \
	--bpf -p3 -e "probe process(\"$prog\").function(\"up_int\") { println(@var(\"nothere\")) }"
