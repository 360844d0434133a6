# match-re.sh - sourced by testsuite/suites/run-bpf.sh and testsuite/vm/check-vm:
# how output is compared with a NAME.re file.

# match_re RE OUT: empty if OUT's lines match RE's, one for one; a line
# of RE that starts with "?? " may match one line or none (a frame that
# is there only when another tracer shares the tracepoint, say).
match_re() {
	local -a res lines
	local i j=0 re opt=0
	mapfile -t res <"$1"
	mapfile -t lines <"$2"
	for re in "${res[@]}"; do [[ $re == '?? '* ]] && opt=$((opt + 1)); done
	if [ ${#lines[@]} -gt ${#res[@]} ] || [ ${#lines[@]} -lt $((${#res[@]} - opt)) ]; then
		echo "${#lines[@]} output lines, expected $((${#res[@]} - opt))$([ $opt -eq 0 ] || echo " to ${#res[@]}")"
		sed -n '1,8s/^/    /p' "$2"
		return
	fi
	for ((i = 0; i < ${#res[@]}; i++)); do
		re=${res[i]}
		if [[ $re == '?? '* ]]; then
			re=${re#'?? '}
			[ $j -lt ${#lines[@]} ] && [[ ${lines[j]} =~ ^$re$ ]] && j=$((j + 1))
			continue
		fi
		if [ $j -ge ${#lines[@]} ] || ! [[ ${lines[j]} =~ ^$re$ ]]; then
			echo "'${lines[j]:-}' !~ /$re/"
			return
		fi
		j=$((j + 1))
	done
	[ $j -eq ${#lines[@]} ] || echo "'${lines[j]}': more output than expected"
}
