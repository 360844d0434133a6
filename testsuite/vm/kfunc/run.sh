#!/bin/sh
# The VM side of vm-kfunc.sh (busybox sh, in /payload): run the artifact
# ./NAME with -v and ARGS, with TAPIR_KFUNC_ATTACH=MODE unless MODE is
# "auto", and print its exit status, how its probes attached (from -v),
# then its output; its stderr too when it failed. Always exits 0: the
# host compares the output with the test's expectations.
name=$1 mode=$2
shift 2
[ "$mode" = auto ] || export TAPIR_KFUNC_ATTACH="$mode"
"./$name" -v "$@" >"/tmp/$name.out" 2>"/tmp/$name.err" </dev/null
rc=$?
echo "status: $rc"
echo "attach:" $(sed -n 's/.* attached as \([a-z_]*\) .*/\1/p' "/tmp/$name.err" | sort -u)
cat "/tmp/$name.out"
[ "$rc" = 0 ] || sed 's/^/stderr: /' "/tmp/$name.err"
exit 0
