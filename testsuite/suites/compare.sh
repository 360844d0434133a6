#!/bin/bash
# tapir --compare: a short workload (bench/workloads/getppid_loop) under
# every runtime; the JSON is validated (python3 -m json.tool) and read
# back; the runtime that cannot run here (kmod, today) must be reported
# "unavailable" with a reason, not crash the comparison. Usage errors
# exit 1 with a message.
set -u
: "${TAPIR_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${TAPIR:=$TAPIR_BUILDDIR/tapir}"
W=$TAPIR_BUILDDIR/bench/workloads
N=20000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "PASS: compare $1"; }
bad() { echo "FAIL: compare $1: $2"; sed -n '1,10s/^/    /p' "$tmp/out" "$tmp/err" 2>/dev/null; }

# ---- usage errors: no run, a message, exit 1
usage() { # NAME REGEX ARGS...
	local name=$1 re=$2
	shift 2
	"$TAPIR" "$@" >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 1 ] && grep -Eq -- "$re" "$tmp/err"; then ok "$name"; else bad "$name" "no /$re/ with exit 1"; fi
}
usage "needs -c" "^tapir: --compare needs a workload: -c 'COMMAND'\$" --compare -e 'probe begin {}'
usage "needs a script" "^tapir: no script given" --compare -c true
usage "unknown runtime" "^tapir: option --runtime: unknown runtime 'dyn' in 'bpf,dyn'" \
	--compare --runtime=bpf,dyn -e 'probe begin {}' -c true
usage "list needs --compare" "^tapir: option --runtime=bpf,kmod: a list of runtimes needs --compare\$" \
	--runtime=bpf,kmod -e 'probe begin {}'
usage "--json needs --compare" "^tapir: options --compare-runs, --json and --svg need --compare\$" \
	--json -e 'probe begin {}'
usage "bad --compare-runs" "^tapir: option --compare-runs: the number of runs must be 1 to 1000, not '0'\$" \
	--compare --compare-runs 0 -e 'probe begin {}' -c true
usage "failing workload" "^tapir: --compare: the workload 'exit 3' failed untraced \(exit status 3\)\$" \
	--compare --runtime=kmod -e 'probe begin {}' -c 'exit 3'

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: compare json: loading BPF programs needs root"
	exit 0
fi
if [ ! -x "$W/getppid_loop" ]; then
	echo "FAIL: compare json: $W/getppid_loop is not built (make builds it)"
	exit 0
fi

# ---- a run, its JSON and its SVG
"$TAPIR" --compare --runtime=bpf,kmod --compare-runs 2 --json --svg "$tmp/c.svg" \
	-e 'global n; probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }' \
	-c "$W/getppid_loop $N" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then
	bad json "exit status $rc"
elif ! python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/jerr"; then
	bad json "not JSON: $(cat "$tmp/jerr")"
else
	why=$(python3 - "$tmp/out" "$N" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
rt = {r["name"]: r for r in d["runtimes"]}
bpf, kmod = rt.get("bpf"), rt.get("kmod")
if d["runs"] != 2: print("runs", d["runs"])
elif len(d["untraced"]["workload_ns"]["samples"]) != 3: print("untraced runs != 3")
elif not bpf or not bpf["available"]: print("bpf not available:", bpf and bpf.get("reason"))
elif bpf["hits"] < n: print("bpf hits", bpf["hits"], "<", n)
elif len(bpf["workload_ns"]["samples"]) != 2 or len(bpf["overhead_ns_per_hit"]["samples"]) != 2:
    print("bpf samples")
elif not (bpf["workload_ns"]["min"] <= bpf["workload_ns"]["median"] <= bpf["workload_ns"]["max"]):
    print("bpf median outside min-max")
elif bpf["build_ms"] <= 0 or bpf["maxrss_kb"] <= 0 or bpf["bpf_memlock_bytes"] <= 0 or bpf["dropped"] != 0:
    print("bpf build/memory/drops", bpf)
elif not kmod or kmod["available"] or not kmod["reason"]: print("kmod not reported unavailable with a reason")
elif not d["verdict"]: print("no verdict")
PY
)
	if [ -z "$why" ]; then ok json; else bad json "$why"; fi
fi
if python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$tmp/c.svg" 2>/dev/null &&
	grep -q '>bpf<' "$tmp/c.svg"; then
	ok svg
else
	bad svg "$tmp/c.svg is not an SVG naming bpf"
fi

# ---- the table: one line per runtime and a verdict
"$TAPIR" --compare --bpf --compare-runs 1 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { }' \
	-c "$W/getppid_loop 1000" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -Eq '^untraced +[0-9.]+ \(' "$tmp/out" && grep -Eq '^bpf +[0-9.]+ \(' "$tmp/out" &&
	! grep -q '^kmod' "$tmp/out" && grep -Eq '^verdict: bpf: ' "$tmp/out"; then
	ok table
else
	bad table "no untraced/bpf/verdict lines"
fi
exit 0
