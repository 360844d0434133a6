#!/bin/bash
# parse-roundtrip: every SystemTap tapset and example script installed on
# this host must parse (tapir -p1 exits 0 and reports no error), and the
# printed script must parse again to the same text:
#   print(parse(print(parse(x)))) == print(parse(x)).
# One line per file, so that a failure names its file.
#
# Tapset files are parsed with the runtime their folder implies (bpf/ with
# --runtime=bpf, the rest with kmod; dyninst/ has no tapir runtime and is
# parsed with kmod, its overlay standing where kmod looks for linux/).
# Every file is parsed with the SystemTap macro libraries (.stpm) of that
# runtime defined, as stap would define them, through TAPIR_TAPSETS set to a
# folder of links to those .stpm files only: the tapset .stp files are
# tested one by one here, and parsing all of them again for each of the
# ~800 files would make the suite ten times slower. A .stpm file is parsed
# as a script holding only @define's: it must print nothing.
# Example scripts get the options and arguments their .meta file's
# test_check line gives (stap's own testsuite runs them that way).
set -u
: "${TAPIR:?}"
STAP_TAPSETS=${STAP_TAPSETS:-/usr/share/systemtap/tapset}
STAP_EXAMPLES=${STAP_EXAMPLES:-/usr/share/systemtap/examples}
STAP_DOC_EXAMPLES=${STAP_DOC_EXAMPLES:-/usr/share/doc/systemtap/examples}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$TAPIR" ]; then
	echo "FAIL: roundtrip: no tapir binary at $TAPIR"
	exit 0
fi

# Bound each run: a runaway expansion must fail its test, not exhaust the
# host. ulimit -v can't be used under ASan (it reserves terabytes of address
# space), whose own hard_rss_limit_mb does the same job.
limit_memory() {
	if grep -q __asan_init "$TAPIR" 2>/dev/null; then
		export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2048
	else
		ulimit -v 2097152
	fi
}
limit_memory

# roundtrip NAME FILE [tapir options...] [-- script args...]
# Scratch files go to $w, which each job sets to its own folder.
roundtrip() {
	local name=$1 file=$2
	shift 2
	local opts=() args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	args=("$@")
	timeout 60 "$TAPIR" -p1 "${opts[@]}" "$file" "${args[@]}" >"$w/out1" 2>"$w/err1" </dev/null
	local rc=$?
	if [ $rc -eq 124 ]; then
		echo "FAIL: roundtrip $name: tapir -p1 timed out"
		return
	fi
	if [ $rc -ne 0 ] || grep -q 'error:' "$w/err1"; then
		echo "FAIL: roundtrip $name: tapir -p1${opts[*]:+ ${opts[*]}} exited with status $rc"
		sed -n '1,6s/^/    /p' "$w/err1"
		return
	fi
	case "$file" in
	*.stpm)
		if [ -s "$w/out1" ]; then
			echo "FAIL: roundtrip $name: a macro library printed something"
			sed -n '1,4s/^/    /p' "$w/out1"
			return
		fi ;;
	esac
	timeout 60 "$TAPIR" -p1 "${opts[@]}" - "${args[@]}" <"$w/out1" >"$w/out2" 2>"$w/err2"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: roundtrip $name: the printed script does not parse again (status $rc)"
		sed -n '1,6s/^/    /p' "$w/err2"
		return
	fi
	if ! cmp -s "$w/out1" "$w/out2"; then
		echo "FAIL: roundtrip $name: the printed script prints differently when parsed again"
		diff "$w/out1" "$w/out2" | sed -n '1,8s/^/    /p'
		return
	fi
	echo "PASS: roundtrip $name"
}

# Files that are not scripts, which stap -p1 rejects too: tapir must reject
# them with an error (status 1, no crash) rather than print them.
not_scripts=" examples/security-band-aids/security-bandaid-template.stp "

# expect_reject NAME FILE [tapir options...] [-- script args...]
expect_reject() {
	local name=$1 file=$2 opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	timeout 60 "$TAPIR" -p1 "${opts[@]}" "$file" "$@" >/dev/null 2>"$w/err1" </dev/null
	local rc=$?
	if [ $rc -eq 1 ] && grep -q 'error:' "$w/err1" &&
	   ! grep -q 'Sanitizer\|runtime error:' "$w/err1"; then
		echo "PASS: roundtrip $name (not a script: rejected, as stap -p1 rejects it)"
	else
		echo "FAIL: roundtrip $name: not a script, yet tapir -p1 exited with status $rc"
		sed -n '1,6s/^/    /p' "$w/err1"
	fi
}

# Files run in parallel, one job per CPU; results are printed in order at
# the end.
max_jobs=$(nproc 2>/dev/null || echo 2)
njobs=0
# spawn TAPSET_ROOT FUNCTION ARGS...: run in the background, with that
# TAPIR_TAPSETS, into the next result file.
spawn() {
	local id root=$1
	shift
	id=$(printf '%05d' "$njobs")
	njobs=$((njobs + 1))
	mkdir -p "$tmp/job$id"
	(w=$tmp/job$id; export TAPIR_TAPSETS=$root; "$@" >"$tmp/result$id" 2>&1; rm -rf "$w") &
	while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do
		wait -n
	done
}

# ---- tapsets ----------------------------------------------------------------

# make_macro_root NAME OVERLAY SRC: a tapset root holding links to the
# root's .stpm files, and in OVERLAY/ links to those of SRC.
make_macro_root() {
	local root=$tmp/macros-$1 x
	mkdir -p "$root/$2"
	for x in "$STAP_TAPSETS"/*.stpm; do
		[ -f "$x" ] && ln -s "$x" "$root/"
	done
	for x in "$3"/*.stpm; do
		[ -f "$x" ] && ln -s "$x" "$root/$2/"
	done
}

tapset_root() { # FILE -> the macro root for its folder
	case "${1#"$STAP_TAPSETS"/}" in
	bpf/*) echo "$tmp/macros-bpf" ;;
	dyninst/*) echo "$tmp/macros-dyninst" ;;
	*) echo "$tmp/macros-kmod" ;;
	esac
}

tapset_options() { # FILE -> its tapir options, one a line
	# A tapset read as a script needs guru mode for its embedded C, as in stap.
	echo -g
	case "${1#"$STAP_TAPSETS"/}" in
	bpf/*) echo --runtime=bpf ;;
	esac
}

if [ -d "$STAP_TAPSETS" ]; then
	make_macro_root kmod linux "$STAP_TAPSETS/linux"
	make_macro_root bpf bpf "$STAP_TAPSETS/bpf"
	make_macro_root dyninst linux "$STAP_TAPSETS/dyninst"
	while IFS= read -r f; do
		mapfile -t o < <(tapset_options "$f")
		spawn "$(tapset_root "$f")" roundtrip "tapset/${f#"$STAP_TAPSETS"/}" "$f" "${o[@]}"
	done < <(find "$STAP_TAPSETS" -type f \( -name '*.stp' -o -name '*.stpm' \) | LC_ALL=C sort)
else
	echo "SKIP: roundtrip: systemtap tapsets not installed ($STAP_TAPSETS)"
fi

# ---- examples ---------------------------------------------------------------

# The test_check (else test_installcheck) command that runs the script, from
# its own .meta file or a sibling's (py2example.meta runs pyexample.stp),
# with shell substitutions replaced by a harmless word: `cmd` and $$ -> 1.
meta_command() { # SCRIPT
	local dir base line key meta
	dir=$(dirname "$1")
	base=$(basename "$1")
	for key in test_check test_installcheck; do
		for meta in "${1%.stp}.meta" "$dir"/*.meta; do
			[ -f "$meta" ] || continue
			line=$(grep "^$key:" "$meta" | grep -E -- "(^|[ /])$base( |\$)" | head -n 1)
			if [ -n "$line" ]; then
				printf '%s\n' "${line#*:}" | sed -e 's/`[^`]*`/1/g' -e 's/\$\$\([^a-z]\|$\)/1\1/g'
				return 0
			fi
		done
	done
}

# The highest N of the $N / @N the script refers to (0 if none).
max_arg() { # SCRIPT
	grep -o '[$@][1-9][0-9]*' "$1" | tr -d '$@' | sort -n | tail -n 1 | grep . || echo 0
}

# Turn a stap command line into tapir -p1 options and script arguments:
# keep -g, --bpf/--runtime, -I (relative to the script's folder), -D; drop
# the rest; what follows the script's name is its arguments.
example_options() { # SCRIPT -> lines: options, "--", arguments
	local script=$1 dir cmd w letters l rest seen=0
	dir=$(dirname "$script")
	cmd=$(meta_command "$script")
	local words=()
	[ -n "$cmd" ] && eval "words=($cmd)" 2>/dev/null
	local opts=() args=() i=0 n=${#words[@]}
	while [ $i -lt $n ]; do
		w=${words[$i]}
		i=$((i + 1))
		if [ $seen -eq 1 ] && [[ $w != -* ]]; then
			args+=("$w")
			continue
		fi
		case "$w" in
		stap|sudo) continue ;;
		--bpf|--runtime=bpf) opts+=(--runtime=bpf); continue ;;
		--runtime=*|--dyninst) continue ;;
		--*) continue ;;
		-*) ;;
		*.stp) [ "$(basename "$w")" = "$(basename "$script")" ] && seen=1; continue ;;
		*) [ $seen -eq 1 ] && args+=("$w"); continue ;;
		esac
		letters=${w#-}
		while [ -n "$letters" ]; do
			l=${letters:0:1}
			rest=${letters:1}
			case "$l" in
			g) opts+=(-g) ;;
			[xcdTodDGIrmsBSpeERC])
				if [ -z "$rest" ] && [ $i -lt $n ]; then
					rest=${words[$i]}
					i=$((i + 1))
				fi
				case "$l" in
				I) opts+=(-I "$dir/$rest") ;;
				D) opts+=(-D "$rest") ;;
				esac
				rest= ;;
			esac
			letters=$rest
		done
	done
	# A script that no .meta file runs gets "1" for each argument it uses.
	local want=0
	[ -z "$cmd" ] && want=$(max_arg "$script")
	while [ ${#args[@]} -lt "$want" ]; do
		args+=(1)
	done
	printf '%s\n' "${opts[@]}" -- "${args[@]}"
}

examples_found=0
for root in "$STAP_EXAMPLES" "$STAP_DOC_EXAMPLES"; do
	[ -d "$root" ] || continue
	case "$root" in
	"$STAP_DOC_EXAMPLES") label=doc-examples ;;
	*) label=examples ;;
	esac
	while IFS= read -r f; do
		examples_found=1
		# A folder's tapset/ belongs to its scripts (-I tapset), not to the corpus.
		case "$f" in */tapset/*) opts=(-g -I "${f%/tapset/*}/tapset") ;; *) opts=() ;; esac
		if [ ${#opts[@]} -eq 0 ]; then
			mapfile -t opts < <(example_options "$f")
			[ -d "$(dirname "$f")/tapset" ] && opts=(-I "$(dirname "$f")/tapset" "${opts[@]}")
		fi
		# Embedded C needs guru mode, as stap -g (the tutorial says so).
		grep -q '%{' "$f" && [[ " ${opts[*]} " != *" -g "* ]] && opts=(-g "${opts[@]}")
		[[ " ${opts[*]} " == *" -- "* ]] || opts+=(--)
		macros=$tmp/macros-kmod
		[[ " ${opts[*]} " == *" --runtime=bpf "* ]] && macros=$tmp/macros-bpf
		if [[ $not_scripts == *" $label/${f#"$root"/} "* ]]; then
			spawn "$macros" expect_reject "$label/${f#"$root"/}" "$f" "${opts[@]}"
		else
			spawn "$macros" roundtrip "$label/${f#"$root"/}" "$f" "${opts[@]}"
		fi
	done < <(find "$root" -type f -name '*.stp' | LC_ALL=C sort)
done
wait
cat "$tmp"/result* 2>/dev/null
[ $examples_found -eq 1 ] || echo "SKIP: roundtrip: systemtap examples not installed"
exit 0
