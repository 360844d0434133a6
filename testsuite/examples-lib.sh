# examples-lib.sh: what the example suites (examples-p2, examples-p4)
# share: how an example is run, from its .meta file.  Sourced by a suite,
# not run.

examples_crashed() { # STATUS ERRFILE
	[ "$1" -gt 128 ] && [ "$1" -ne 130 ] && [ "$1" -ne 124 ] && return 0
	grep -q 'Sanitizer\|runtime error:' "$2"
}

# examples_meta_command META SCRIPT: the stap command line of META's first
# test_check/test_installcheck line that runs SCRIPT, with $$ and `...`
# replaced by harmless words so that it can be split without a shell.
examples_meta_command() {
	local meta=$1 script=$2 key line
	[ -f "$meta" ] || return 1
	for key in test_check test_installcheck; do
		while IFS= read -r line; do
			line=${line#"$key": }
			line=$(printf '%s' "$line" | sed -e "s/[\$][\$]\( \|\$\)/$$\1/g" -e 's/`[^`]*`/0/g')
			case " $line " in
			*" stap "*" $script "*) ;;
			*) continue ;;
			esac
			printf '%s\n' "$line"
			return 0
		done < <(grep "^$key: " "$meta")
	done
	return 1
}

# examples_split SCRIPT LINE: sets opts[] and args[] from a stap command
# line; options that only matter to other passes are dropped.
examples_split() {
	local script=$1 line=$2 toks=() t i seen=0 started=0
	opts=() args=()
	# xargs knows no \" inside "...": carried through it as \001
	mapfile -t toks < <(printf '%s\n' "$line" | sed 's/\\"/\x01/g' | xargs printf '%s\n' 2>/dev/null) || return
	toks=("${toks[@]//$'\001'/\"}")
	for ((i = 0; i < ${#toks[@]}; i++)); do
		t=${toks[i]}
		if [ $started = 0 ]; then
			[ "$t" = stap ] && started=1
			continue
		fi
		case $t in
		'||' | '|' | '&&' | ';' | '2>'* | '>'*) break ;;
		"$script") seen=1 ;;
		-I | -D | -x | -c) opts+=("$t" "${toks[i + 1]-}"); i=$((i + 1)) ;;
		-I?* | -D?*) opts+=("$t") ;;
		-T | -o | -d | -G | -s | -m | -r | -e | -E) i=$((i + 1)) ;;
		-g | -gp*) opts+=(-g) ;;
		-w | -wp*) opts+=(-w) ;;
		-*) ;;
		*) [ $seen = 1 ] && args+=("$t") ;;
		esac
	done
}

# examples_options FILE: sets opts[] and args[] for the example FILE: from
# its own .meta, else another .meta of its folder that runs it; -I tapset
# when its folder has a tapset library.
examples_options() {
	local f=$1 base meta line
	base=$(basename "$f")
	opts=() args=()
	for meta in "${f%.stp}.meta" "$(dirname "$f")"/*.meta; do
		if line=$(examples_meta_command "$meta" "$base"); then
			examples_split "$base" "$line"
			break
		fi
	done
	if [ -d "$(dirname "$f")/tapset" ] && [[ " ${opts[*]-} " != *" -I"* ]]; then
		opts+=(-I tapset)
	fi
}

# examples_family POINT: the probe family a point belongs to:
# kernel.function("x").return -> kernel.function, syscall.open -> syscall.
examples_family() {
	local p
	p=$(printf '%s' "$1" | sed 's/ if .*//; s/("[^"]*")//g; s/([^)]*)//g')
	case $p in
	kernel.* | module.* | process.* | perf.*)
		printf '%s\n' "$p" | cut -d. -f1-2 ;;
	*) printf '%s\n' "${p%%.*}" ;;
	esac
}

# examples_host_reason ERRFILE: why this host can't answer an example that
# is fine otherwise (stap fails alike here): a kernel function or module
# this kernel lacks or only DWARF knows, a program that isn't installed or
# lacks the function, kernel functions that can't attach (no kprobes,
# fentry refused). Prints the reason; fails when it is none of these.
examples_host_reason() {
	local e
	e=$(grep -m1 -E "needs the kernel's DWARF debuginfo|no kernel function matches|module '[^']*' has no BTF|no loaded module matches|no such program: |no (function|statement) matches .* in /|isn't available in probe process\(|cannot attach to kernel function" "$1") ||
		return 1
	case $e in
	*"cannot attach to kernel function"*) echo "this host can't attach kernel functions (fentry refused, no kprobes)" ;;
	*) echo "this host can't answer: ${e#*error: }" ;;
	esac
}
