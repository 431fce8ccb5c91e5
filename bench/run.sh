#!/usr/bin/env bash
# bench/run.sh (make bench): ward against Debian's prometheus on the same
# synthetic targets, one after the other, in one invocation.
#
# For each server in turn: start it on a fresh data dir, wait until it
# scrapes every target, warm up, measure CPU and RSS from /proc and samples
# and series from its own /metrics over a window, then time the dashboard's
# range queries. The servers never run at the same time (2 cores). Prints
# a table with ward/prometheus ratios and writes bench/results/latest.json.
#
# Settings (environment):
#   BENCH_TARGETS=50 BENCH_SERIES=2000   targets x series per target
#   BENCH_INTERVAL=5s                    scrape interval (= scrape timeout)
#   BENCH_WARMUP=60s BENCH_WINDOW=120s   warm-up and measured window per server
#   BENCH_QUERY_REPS=15                  repetitions of each query
#   BENCH_GOGC= BENCH_GOMAXPROCS=nproc   runtime settings given to both servers;
#                                        GOGC unset: each its own default (Go's
#                                        100; ward's small-heap policy keeps 100
#                                        above 64 MiB of live heap)
#   BENCH_PROMETHEUS=prometheus          the reference binary
#   BENCH_PROMETHEUS3=                   optional: an upstream Prometheus 3.x
#                                        binary, measured as a third server
#   BENCH_WARD_BIN=                      use this ward binary instead of building bin/ward
#   BENCH_STRICT=0                       1: exit 1 when a 1.1x goal is not met
#   BENCH_KEEP=0                         1: keep the temp dir (logs, data)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

targets=${BENCH_TARGETS:-50}
series=${BENCH_SERIES:-2000}
interval=${BENCH_INTERVAL:-5s}
warmup=${BENCH_WARMUP:-60s}
window=${BENCH_WINDOW:-120s}
reps=${BENCH_QUERY_REPS:-15}
gogc=${BENCH_GOGC:-}
gomaxprocs=${BENCH_GOMAXPROCS:-$(nproc)}
prometheus=${BENCH_PROMETHEUS:-prometheus}
prometheus3=${BENCH_PROMETHEUS3:-}
strict=${BENCH_STRICT:-0}
clk_tck=$(getconf CLK_TCK)

command -v "$prometheus" >/dev/null || { echo "bench: $prometheus not found (apt-get install prometheus)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench.XXXXXX")
pids=()

source "$root/bench/lib.sh" # stop, stop_all, log, finish

# forget PID...: drop stopped processes from the cleanup list.
forget() {
	local keep=() p q
	for p in "${pids[@]}"; do
		for q in "$@"; do
			[[ $p == "$q" ]] && continue 2
		done
		keep+=("$p")
	done
	pids=("${keep[@]}")
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	finish "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# --- build -----------------------------------------------------------------
if [[ -n ${BENCH_WARD_BIN:-} ]]; then
	ward_src=$BENCH_WARD_BIN
else
	log "building bin/ward"
	if command -v make >/dev/null && [[ -f Makefile ]]; then
		make --no-print-directory build >&2
	else
		go build -o bin/ward ./cmd/ward
	fi
	ward_src=$root/bin/ward
fi
# A private copy: others may rebuild bin/ward while the bench runs.
cp "$ward_src" "$tmp/ward"
ward=$tmp/ward
log "building the target server and the measuring tool"
go build -o "$tmp/targets" ./bench/targets
go build -o "$tmp/measure" ./bench/measure
measure=$tmp/measure

# --- targets ---------------------------------------------------------------
log "starting $targets targets x $series series"
"$tmp/targets" -targets "$targets" -series "$series" -addr-file "$tmp/targets.addr" >"$tmp/targets.log" 2>&1 &
targets_pid=$!
pids+=("$targets_pid")
for ((i = 0; i < 100; i++)); do
	[[ -f $tmp/targets.addr ]] && break
	kill -0 "$targets_pid" 2>/dev/null || { echo "bench: target server exited" >&2; exit 1; }
	sleep 0.1
done
[[ -f $tmp/targets.addr ]] || { echo "bench: target server did not start" >&2; exit 1; }
mapfile -t addrs <"$tmp/targets.addr"

# scrape_configs: the targets spread over five jobs, so that "sum by (job)"
# has something to do. $1 is the server's own address (self-scrape job).
jobs=(bench-api bench-web bench-worker bench-billing bench-search)
scrape_configs() {
	local self_job=$1 self_addr=$2 j i
	printf 'global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n' "$interval" "$interval" "$interval"
	printf 'scrape_configs:\n'
	if [[ -n $self_job ]]; then
		printf '  - job_name: %s\n    static_configs:\n      - targets: ["%s"]\n' "$self_job" "$self_addr"
	fi
	for j in "${!jobs[@]}"; do
		local list=()
		for ((i = j; i < ${#addrs[@]}; i += ${#jobs[@]})); do
			list+=("\"${addrs[i]}\"")
		done
		((${#list[@]})) || continue
		printf '  - job_name: %s\n    static_configs:\n      - targets: [%s]\n' "${jobs[j]}" "$(IFS=,; echo "${list[*]}")"
	done
}

# The same runtime for every server: GOGC and GOMAXPROCS explicit, no
# memory limit or GODEBUG from the caller's environment.
runenv=(env -u GOMEMLIMIT -u GODEBUG -u GOTRACEBACK -u GOGC GOMAXPROCS="$gomaxprocs")
[[ -n $gogc ]] && runenv+=(GOGC="$gogc")
env_note="GOGC=${gogc:-default} GOMAXPROCS=$gomaxprocs GOMEMLIMIT unset"

# measure_server NAME VERSION PORT WAL DATA CMD...: start CMD, measure, stop.
# Extra arguments for measure (a token file) come in $measure_args.
measure_args=()
measure_server() {
	local name=$1 version=$2 port=$3 wal=$4 data=$5
	shift 5
	log "starting $name ($version) on 127.0.0.1:$port"
	"${runenv[@]}" "$@" >"$tmp/$name.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	# In the background and waited for: bash runs a trap for SIGTERM or
	# SIGINT only once the foreground command returns, but interrupts wait.
	"$measure" run -name "$name" -version "$version" -env "$env_note" -pid "$pid" \
		-url "http://127.0.0.1:$port" -targets "${#addrs[@]}" -targets-pid "$targets_pid" \
		-interval "$interval" -warmup "$warmup" -window "$window" -reps "$reps" \
		-wal "$wal" -data "$data" -clk-tck "$clk_tck" -out "$tmp/$name.json" "${measure_args[@]}" &
	local mpid=$!
	pids+=("$mpid")
	wait "$mpid"
	log "stopping $name"
	stop "$pid"
	forget "$mpid" "$pid"
	rm -rf "$data"
}

results=()

# (a) Debian's prometheus, default flags apart from paths. Its self-scrape
# job mirrors the one ward adds for itself.
port=$("$measure" freeport)
scrape_configs prometheus "127.0.0.1:$port" >"$tmp/prometheus.yml"
measure_server prometheus "$("$prometheus" --version 2>&1 | head -n1)" "$port" "$tmp/prom-data/wal" "$tmp/prom-data" \
	"$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom-data" \
	--web.listen-address="127.0.0.1:$port"
results+=("$tmp/prometheus.json")

# (a') optionally an upstream Prometheus 3.x, to tell ward's own cost from
# what changed between Prometheus 2.42 and 3.x. It runs at its own
# runtime.gogc default of 75 unless BENCH_GOGC sets GOGC for all.
if [[ -n $prometheus3 ]]; then
	port=$("$measure" freeport)
	scrape_configs prometheus "127.0.0.1:$port" >"$tmp/prometheus3.yml"
	measure_server prometheus3 "$("$prometheus3" --version 2>&1 | head -n1)" "$port" "$tmp/prom3-data/wal" "$tmp/prom3-data" \
		"$prometheus3" --config.file="$tmp/prometheus3.yml" --storage.tsdb.path="$tmp/prom3-data" \
		--web.listen-address="127.0.0.1:$port"
	results+=("$tmp/prometheus3.json")
fi

# (b) ward without its rule pack: Prometheus evaluates no rules either.
# ward adds its own self-scrape job ("ward").
port=$("$measure" freeport)
{
	scrape_configs "" ""
	printf 'storage:\n  path: %s\n  retention:\n    time: 30d\n' "$tmp/ward-data"
	printf 'server:\n  listen: 127.0.0.1:%s\n' "$port"
	printf 'rules:\n  builtin: false\n'
} >"$tmp/ward.yaml"
# ward with identity guards /metrics and /api/v1: give the bench a viewer
# API token (created while ward is stopped; kept in a 0600 file, never on
# a command line).
if [[ $("$ward" help 2>&1 || true) == *"ward token"* ]]; then
	(umask 077 && "$ward" token create --config "$tmp/ward.yaml" --name bench --role viewer >"$tmp/ward.token" 2>>"$tmp/ward.log")
	measure_args=(-token-file "$tmp/ward.token")
fi
measure_server ward "$("$ward" version 2>&1 | head -n1)" "$port" "$tmp/ward-data/tsdb/wal" "$tmp/ward-data" \
	"$ward" serve --config "$tmp/ward.yaml"
results+=("$tmp/ward.json")

# --- report ----------------------------------------------------------------
mkdir -p bench/results
report_flags=(-out bench/results/latest.json
	-note "targets=${#addrs[@]} series=$series interval=$interval warmup=$warmup window=$window reps=$reps; $env_note")
[[ $strict == 1 ]] && report_flags+=(-strict)
echo
echo "ward vs prometheus: ${#addrs[@]} targets x $series series, scrape every $interval, warm-up $warmup, window $window, $env_note"
echo
"$measure" report "${report_flags[@]}" "${results[@]}"
echo
log "wrote bench/results/latest.json"
