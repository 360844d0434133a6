#!/bin/bash
# The command line as a user sees it: options, script arguments, errors and
# exit statuses, --help, --version and the man page. Each test runs $TAPIR
# and prints "PASS: name" or "FAIL: name: what", then the command and what
# it printed, indented.
set -u
: "${TAPIR:?TAPIR must name the tapir binary}"
: "${TAPIR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TAPIR_BUILDDIR:=$TAPIR_SRCDIR/build}"

# The last pass this tapir has: raise it as passes land, and the tests of
# "not implemented yet" below follow.
LAST_PASS=5

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stdin=/dev/null

# t NAME STATUS [CHECK...] -- ARG...
# Runs $TAPIR ARG... (standard input from $stdin) and checks its exit
# status and output. A CHECK is out:REGEX or err:REGEX (some line of
# stdout/stderr matches the extended regex), !out:REGEX or !err:REGEX (no
# line does), out= or err= (nothing printed there).
t() {
	local name=$1 want=$2 why="" c rc
	shift 2
	local checks=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		checks+=("$1")
		shift
	done
	shift
	"$TAPIR" "$@" <"$stdin" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$want" ] || why="exit status $rc, expected $want"
	for c in "${checks[@]}"; do
		[ -n "$why" ] && break
		case $c in
		out=) [ -s "$tmp/out" ] && why="stdout is not empty" ;;
		err=) [ -s "$tmp/err" ] && why="stderr is not empty" ;;
		out:*) grep -Eq -e "${c#out:}" "$tmp/out" || why="stdout lacks /${c#out:}/" ;;
		err:*) grep -Eq -e "${c#err:}" "$tmp/err" || why="stderr lacks /${c#err:}/" ;;
		!out:*) grep -Eq -e "${c#!out:}" "$tmp/out" && why="stdout has /${c#!out:}/" ;;
		!err:*) grep -Eq -e "${c#!err:}" "$tmp/err" && why="stderr has /${c#!err:}/" ;;
		*) why="bad check '$c' in the test" ;;
		esac
	done
	if [ -z "$why" ]; then
		echo "PASS: $name"
		return 0
	fi
	echo "FAIL: $name: $why"
	printf '    $ tapir'
	printf " '%s'" "$@"
	echo
	head -n 8 "$tmp/out" | sed 's/^/    out| /'
	head -n 8 "$tmp/err" | sed 's/^/    err| /'
	return 1
}

# usage_error NAME REGEX -- ARG...: exit status 1, nothing on stdout, and
# stderr starts with a "tapir: " line that matches REGEX.
usage_error() {
	local name=$1 re=$2
	shift 2
	t "$name" 1 out= "err:^tapir: .*$re" "$@"
}

ok='probe begin { }'

# ---- --version and --help ------------------------------------------------

t version 0 'out:^tapir [0-9]+\.[0-9]+(\.[0-9]+)? .*SystemTap' err= -- --version
t version-short 0 'out:^tapir [0-9]' err= -- -V
if [ -f "$TAPIR_BUILDDIR/config.h" ]; then
	v=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$TAPIR_BUILDDIR/config.h")
	t version-is-package-version 0 "out:^tapir ${v//./\\.} " -- --version
fi
t version-wins-over-errors-after-it 0 'out:^tapir ' -- --version -p 9
t help 0 'out:^Usage: tapir ' err= -- --help
t help-short 0 'out:^Usage: tapir ' -- -h

# Every option of the command line, as --help and the man page must show it.
options=(-- -h --help -V --version -p -v --vp -k -u -w -W -g --compatible
	--privilege --unprivileged -e -E -I -D -r -m -o -c -x -t -T -s -b -l -L
	--runtime --bpf --dump-functions --dump-probe-aliases --dump-probe-types)
"$TAPIR" --help >"$tmp/help" 2>&1
missing=""
for o in "${options[@]}"; do
	grep -Eq -e "(^|[[:space:],])$o([[:space:],=]|$)" "$tmp/help" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	echo "PASS: help-lists-every-option"
else
	echo "FAIL: help-lists-every-option: --help lacks$missing"
fi

# ---- scripts: -e, a file, standard input, -E --------------------------------

printf '%s\n' 'probe begin { printf("from a file, %d args\n", $#) }' >"$tmp/s.stp"
t e-p1 0 'out:probe begin' err= -- -p1 -e "$ok"
t e-p-space-1 0 'out:probe begin' err= -- -p 1 -e "$ok"
t file-p1 0 'out:from a file.*", 0\)' err= -- -p1 "$tmp/s.stp"
echo 'probe begin { print("from stdin") }' >"$tmp/stdin.stp"
stdin=$tmp/stdin.stp
t stdin-dash 0 'out:from stdin' -- -p1 -
stdin=/dev/null
t E-adds-a-script 0 'out:probe begin' 'out:probe end' -- -p1 -e "$ok" -E 'probe end { }'
t E-with-file 0 'out:from a file' 'out:probe end' -- -p1 "$tmp/s.stp" -E 'probe end { }'
t missing-file 1 out= "err:$tmp/nonexistent.stp" -- -p1 "$tmp/nonexistent.stp"
usage_error no-script 'no script' --
usage_error no-script-only-options 'no script' -- -v -p1
usage_error E-without-script 'no script' -- -p1 -E "$ok"
usage_error two-e 'option -e: only one script' -- -p1 -e "$ok" -e "$ok"

# ---- script arguments ---------------------------------------------------------

t args-at-1 0 'out:print\("hello"\)' -- -p1 -e 'probe begin { print(@1) }' hello
t args-dollar-count 0 'out:print\(3\)' -- -p1 -e 'probe begin { print($#) }' a b c
t args-after-file 0 'out:from a file.*", 2\)' -- -p1 "$tmp/s.stp" a b
# As stap (GNU getopt): options may follow the script and its arguments.
t options-after-file 0 'out:from a file.*", 1\)' -- "$tmp/s.stp" a -p1
t options-after-args 0 'out:print\("a"\)' -- -e 'probe begin { print(@1) }' a -p1
t double-dash-ends-options 0 'out:print\("-v"\)' -- -p1 -e 'probe begin { print(@1) }' -- -v
t double-dash-then-file 0 'out:from a file.*", 1\)' -- -p1 -- "$tmp/s.stp" -x
t arg-out-of-range 1 out= -- -p1 -e 'probe begin { print(@2) }' a

# ---- short option forms -------------------------------------------------------

t grouped-v 0 'out:probe begin' -- -vvv -p1 -e "$ok"
t v-then-p-grouped 0 'out:probe begin' -- -vp1 -e "$ok"
t v-says-pass-1 0 'err:Pass 1' -- -v -p1 -e "$ok"
t D-joined 0 'out:probe begin' -- -p1 -DMAXACTION=1000 -e "$ok"
t D-separate 0 'out:probe begin' -- -p1 -D MAXACTION=1000 -D STP_NO_OVERLOAD -e "$ok"
mkdir -p "$tmp/inc"
t I-separate 0 'out:probe begin' -- -p1 -I "$tmp/inc" -e "$ok"
t I-joined 0 'out:probe begin' -- -p1 "-I$tmp/inc" -e "$ok"
t m-strips-ko 0 'out:probe begin' err= -- -p1 -m my_probe.ko -e "$ok"
t r-release 0 'out:print\("yes"\)' -- -p1 -r 5.4.0-test \
	-e 'probe begin { print(%( kernel_v == "5.4.0" %? "yes" %: "no" %)) }'
t runtime-default-kernel 0 'out:print\("K"\)' -- -p1 \
	-e 'probe begin { print(%( runtime == "bpf" %? "B" %: "K" %)) }'
for r in --bpf --runtime=bpf; do
	t "runtime-$r" 0 'out:print\("B"\)' -- -p1 "$r" \
		-e 'probe begin { print(%( runtime == "bpf" %? "B" %: "K" %)) }'
done
for r in kmod kernel; do
	t "runtime-$r" 0 'out:print\("K"\)' -- -p1 --runtime "$r" \
		-e 'probe begin { print(%( runtime == "bpf" %? "B" %: "K" %)) }'
done
t compatible 0 'out:print\("old"\)' -- -p1 --compatible=4.0 \
	-e 'probe begin { print(%( systemtap_v >= "4.8" %? "new" %: "old" %)) }'

# ---- bad values: "tapir: option X: ...", exit status 1 ---------------------------

usage_error p-9 "option -p: pass number must be 1 to 5, not '9'$" -- -p 9 -e "$ok"
usage_error p-0 "option -p: pass number must be 1 to 5, not '0'$" -- -p0 -e "$ok"
usage_error p-word "option -p: pass number must be 1 to 5, not 'x'$" -- -px -e "$ok"
usage_error p-missing 'option -p needs an argument' -- -e "$ok" -p
usage_error runtime-foo "option --runtime: unknown runtime 'foo'.*kmod.*bpf" -- --runtime=foo -e "$ok"
usage_error runtime-dyninst 'option --runtime: .*dyninst' -- --runtime=dyninst -e "$ok"
usage_error x-word "option -x: 'abc' is not a process id" -- -x abc -e "$ok"
usage_error x-zero "option -x: '0' is not a process id" -- -x 0 -e "$ok"
usage_error T-zero 'option -T: .*positive number' -- -T 0 -e "$ok"
usage_error T-word 'option -T: .*positive number' -- -T soon -e "$ok"
usage_error s-zero 'option -s: .*1 to 4095' -- -s 0 -e "$ok"
usage_error D-no-name 'option -D: a macro name is needed' -- -D =1 -e "$ok"
usage_error D-bad-name "option -D: '1x' is not a C macro name" -- -D 1x=2 -e "$ok"
usage_error D-bad-value 'option -D: the value of X' -- '-DX=a;b' -e "$ok"
usage_error m-bad-name 'option -m: .*letters, digits' -- -m bad-name -e "$ok"
usage_error privilege-foo 'option --privilege: ' -- --privilege=root -e "$ok"
usage_error g-unprivileged 'option -g: ' -- -g --unprivileged -e "$ok"
usage_error c-and-x 'options -c and -x cannot be used together' -- -c true -x 1 -e "$ok"
usage_error l-and-p 'option -p: cannot be used with -l' -- -l begin -p1
usage_error l-and-e 'option -e: only one script' -- -l begin -e "$ok"
usage_error two-modes 'only one of -l, -L' -- --dump-functions --dump-probe-types
usage_error dump-with-script 'option --dump-functions: .*takes no script' -- --dump-functions x.stp
usage_error unknown-long "unknown option '--frobnicate'" -- --frobnicate -e "$ok"
usage_error unknown-short 'unknown option -Z' -- -Z -e "$ok"
t did-you-mean 1 "err:did you mean '--runtime'" -- --runtme=bpf -e "$ok"
usage_error ambiguous "option '--dump' is ambiguous" -- --dump
usage_error no-arg-taken 'option --bpf takes no argument' -- --bpf=yes -e "$ok"
usage_error stap-only-option 'option --use-server: not supported' -- --use-server -e "$ok"
usage_error stap-later-option 'option -F: not implemented yet' -- -F -e "$ok"
usage_error G-not-name-value "option -G: a global's name and value are needed, as in -G NAME=VALUE, not 'x'" -- -G x -e "$ok"
usage_error B-shell-chars "option -B: 'a;b' is not a make argument" -- -B 'a;b' -e "$ok"
usage_error tmpdir-missing "option --tmpdir: '/no/such/dir' is not a folder" -- --tmpdir /no/such/dir -e "$ok"
mkdir -p "$tmp/td"
t tmpdir 0 "err:^Keeping temporary directory \"$tmp/td/tapir" -- --tmpdir "$tmp/td" -k -p3 --bpf -e "$ok"
t all-modules-accepted 0 err= -- --all-modules -p2 -e "$ok"
usage_error modinfo-not-name-value "option --modinfo: a name and value are needed" -- --modinfo x -e "$ok"
usage_error S-needs-o "option -S: rotates the files of -o FILE, and there is no -o" -- -S 1,2 -e "$ok"
usage_error S-bad "option -S: SIZE\[,N\] is needed .*not '0'" -- -o "$tmp/x" -S 0 -e "$ok"
usage_error S-bad-n "option -S: SIZE\[,N\] is needed .*not '1,x'" -- -o "$tmp/x" -S 1,x -e "$ok"
usage_error G-bad-name "option -G: .*not '1x=2'" -- -G 1x=2 -e "$ok"
t G-no-such-global 1 "err:^tapir: error: option -G y=5: the script has no global 'y'$" -- \
	-p2 -G y=5 -e 'global x = 1; probe begin { println(x) }'
t G-array 1 "err:^tapir: error: option -G a=5: 'a' is an array: -G sets a number or a string$" -- \
	-p2 -G a=5 -e 'global a; probe begin { a[1] = 2 }'
t G-stat 1 "err:^tapir: error: option -G a=5: 'a' is a statistic: -G sets a number or a string$" -- \
	-p2 -G a=5 -e 'global a; probe begin { a <<< 2; println(@count(a)) }'
t G-not-a-number 1 "err:^tapir: error: option -G x=ten: 'x' is a number, and 'ten' is not one$" -- \
	-p2 -G x=ten -e 'global x = 1; probe begin { println(x) }'
t G-types-a-global 0 "out:^x:long$" -- -p2 -G x=10 -e 'global x; probe begin { println(x) }'
t G-types-a-string 0 "out:^x:string$" -- -p2 -G x=ten -e 'global x; probe begin { println(x) }'
t G-unused-global 0 -- -p2 -w -G u=1 -e 'global x = 1, u; probe begin { println(x) }'
usage_error compare-needs-c "--compare needs a workload: -c 'COMMAND'" -- --compare -e "$ok"

# ---- what needs a pass that does not exist yet -----------------------------------

if [ "$LAST_PASS" -lt 5 ]; then
	usage_error run-default 'not implemented yet' -- -e "$ok"
	usage_error run-file 'not implemented yet' -- "$tmp/s.stp"
fi
for p in 2 3 4 5; do
	[ "$p" -gt "$LAST_PASS" ] || continue
	usage_error "p$p" "option -p $p: not implemented yet" -- "-p$p" -e "$ok"
done
# An option acts in a pass; refused when that pass would run but is missing.
while read -r pass name opt; do
	[ "$pass" -gt "$LAST_PASS" ] || continue
	# shellcheck disable=SC2086
	usage_error "needs-pass$pass$name" "option ${opt%% *}: not implemented yet" -- $opt -e "$ok"
done <<'EOF'
2 -u -u
3 -k -k
3 -m -m mod
3 -D -D MAXACTION=1
3 -t -t
5 -c -c true
5 -x -x 1
5 -o -o out.txt
5 -T -T 5
5 -s -s 4
5 -b -b
EOF
if [ "$LAST_PASS" -lt 2 ]; then
	usage_error l 'option -l: not implemented yet' -- -l 'begin'
	usage_error L 'option -L: not implemented yet' -- -L 'begin'
	for d in functions probe-aliases probe-types; do
		usage_error "dump-$d" "option --dump-$d: not implemented yet" -- "--dump-$d"
	done
fi
# Stopping before a missing pass, such options have nothing to do, as in stap.
t c-ignored-at-p1 0 'out:probe begin' -- -p1 -c true -e "$ok"

# ---- output shared with the -c command --------------------------------------------

# Kernel-probe output fills the executor's buffer many times over (the ring
# buffer drops some: a warning) while the command writes to the same stdout: the buffer is written in whole lines,
# so the command's line starts a line and no line of the script is cut.
wl=$TAPIR_BUILDDIR/bench/workloads/getppid_loop
if [ "$(id -u)" != 0 ] || [ ! -d /sys/kernel/tracing/events/syscalls ] || [ ! -x "$wl" ]; then
	echo "SKIP: output-whole-lines-with-c: needs root, syscall tracepoints and $wl"
else
	lines='probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) for (i = 0; i < 20; i++) printf("%s\n", line) }
probe begin { for (i = 0; i < 99; i++) line .= "x" } global line'
	t output-whole-lines-with-c 0 'out:^iterations=20000 ' '!out:x+iterations' '!out:^x{1,98}$' '!out:^x{100,}' \
		'!out:^x{99}.' -- --bpf -e "$lines" -c "$wl 20000"
fi

# A kernel probe that prints pid() calls it in place (backends/bpf/emit_inline.c) and, with no
# frame and no record scratch, enters no nesting slot; a function that can fail keeps its frame.
if [ ! -d /sys/kernel/tracing/events/raw_syscalls ]; then
	echo "SKIP: bpf-p3-inline-pid: needs tracefs"
	echo "SKIP: bpf-p3-erring-fn-frame: needs tracefs"
else
	pr='probe kernel.trace("raw_syscalls:sys_enter") { printf("%d\n", pid()) }'
	t bpf-p3-inline-pid 0 'out:^tapir_il[0-9]+_out:' '!out:tapir_probe_enter' '!out:fm_probe_0' \
		'!out:fn_pid_0' -- -p3 --bpf -e "$pr"
	pr='function f:long (x:long) %{ if (STAP_ARG_x < 0) STAP_ERROR("neg"); STAP_RETURN(1); %}
probe kernel.trace("raw_syscalls:sys_enter") { printf("%d\n", f($id)) }'
	t bpf-p3-erring-fn-frame 0 'out:fn_f_1\(&F->' 'out:tapir_probe_enter' '!out:^tapir_il[0-9]+_out:' \
		-- -g -p3 --bpf -e "$pr"
fi

# ---- the man page -------------------------------------------------------------------

man_page=$TAPIR_SRCDIR/doc/tapir.1
missing=""
for o in "${options[@]}"; do
	grep -Fq -e "${o//-/\\-}" "$man_page" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	echo "PASS: man-page-lists-every-option"
else
	echo "FAIL: man-page-lists-every-option: doc/tapir.1 lacks$missing"
fi
if command -v groff >/dev/null; then
	warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man_page" 2>&1)
	if [ -z "$warnings" ]; then
		echo "PASS: man-page-renders-cleanly"
	else
		echo "FAIL: man-page-renders-cleanly: groff warns"
		echo "$warnings" | head -n 8 | sed 's/^/    /'
	fi
else
	echo "SKIP: man-page-renders-cleanly: groff is not installed"
fi
exit 0
