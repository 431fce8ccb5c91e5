# Shared by the bench scripts (run.sh, alerts.sh, memory.sh): stopping
# their own children, logging, and what a finished run leaves behind.
# The sourcing script sets tmp (its scratch directory) and pids (its
# children, oldest first).

# stop PID: SIGTERM, wait up to 20s, then SIGKILL. Only our own children.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 40; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# stop_all: every process still running, newest first (the measuring
# tool before the server, a server before the targets or the
# alertmanager it sends to).
stop_all() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop "${pids[i]}"
	done
	pids=()
}

log() { printf 'bench: %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# finish RC: on failure the last lines of every log in $tmp; then $tmp
# goes unless BENCH_KEEP=1; then exit RC.
finish() {
	local rc=$1 f
	if [[ $rc -ne 0 ]]; then
		for f in "$tmp"/*.log; do
			[[ -f $f ]] || continue
			echo "--- last lines of $f" >&2
			tail -n 15 "$f" >&2
		done
	fi
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
