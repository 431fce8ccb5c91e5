#!/usr/bin/env bash
# bench/alerts/rulecpu.sh WARD_BIN [WARD_BIN...]: rule-evaluation cost of
# the built-in rule pack at 100k series (bench/run.sh runs ward with the
# pack off). Each binary, one after the other, scrapes bench/targets
# (50 x 2,000 series, five jobs, 15 s) with `rules: {builtin: true}`; after
# a warm-up, over the window it reads the rule groups' evaluation time
# (prometheus_rule_group_duration_seconds_sum: every iteration, ticked or
# data-triggered, single-threaded per group so close to its CPU time), the
# iterations, and the process's CPU seconds. Prints one line per binary.
# BENCH_WARMUP=60 BENCH_WINDOW=120 (seconds).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
warmup=${BENCH_WARMUP:-60}
window=${BENCH_WINDOW:-120}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-rulecpu.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/targets" ./bench/targets
go build -o "$tmp/alerts" ./bench/alerts
"$tmp/targets" -targets 50 -series 2000 -addr-file "$tmp/targets.addr" >"$tmp/targets.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do [[ -f $tmp/targets.addr ]] && break; sleep 0.1; done
mapfile -t addrs <"$tmp/targets.addr"
jobs=(bench-api bench-web bench-worker bench-cache bench-search)

cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
scrape_metric() { # URL TOKEN NAME: sum of NAME's samples
	curl -s -H "Authorization: Bearer $2" "$1/metrics" | awk -v n="$3" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%.4f", s}'
}

for bin in "$@"; do
	port=$("$tmp/alerts" freeport)
	d=$tmp/run-$port
	mkdir -p "$d"
	{
		printf 'global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  evaluation_interval: 15s\nscrape_configs:\n'
		for j in 0 1 2 3 4; do
			list=()
			for ((k = j; k < ${#addrs[@]}; k += 5)); do list+=("\"${addrs[k]}\""); done
			printf '  - job_name: %s\n    static_configs:\n      - targets: [%s]\n' "${jobs[j]}" "$(IFS=,; echo "${list[*]}")"
		done
		printf 'storage:\n  path: %s\n' "$d/data"
		printf 'server:\n  listen: 127.0.0.1:%s\n' "$port"
		printf 'rules:\n  builtin: true\n'
	} >"$d/ward.yaml"
	token=$(umask 077 && "$bin" token create --config "$d/ward.yaml" --name rulecpu --role viewer 2>/dev/null | tr -d "[:space:]")
	"$bin" serve --config "$d/ward.yaml" >"$d/ward.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	sleep "$warmup"
	url=http://127.0.0.1:$port
	c0=$(cpu "$pid")
	r0=$(scrape_metric "$url" "$token" prometheus_rule_group_duration_seconds_sum)
	i0=$(scrape_metric "$url" "$token" prometheus_rule_group_iterations_total)
	t0=$(scrape_metric "$url" "$token" ward_rule_group_data_evaluations_total)
	s0=$(scrape_metric "$url" "$token" prometheus_tsdb_head_series)
	sleep "$window"
	c1=$(cpu "$pid")
	r1=$(scrape_metric "$url" "$token" prometheus_rule_group_duration_seconds_sum)
	i1=$(scrape_metric "$url" "$token" prometheus_rule_group_iterations_total)
	t1=$(scrape_metric "$url" "$token" ward_rule_group_data_evaluations_total)
	kill "$pid"; wait "$pid" 2>/dev/null || true
	awk -v b="$bin" -v c="$c1-$c0" -v r0="$r0" -v r1="$r1" -v i0="$i0" -v i1="$i1" -v t0="$t0" -v t1="$t1" -v s="$s0" -v w="$window" 'BEGIN {
		split(c, cc, "-"); printf "%s: head series %d, window %ds: rule evaluation %.3f s, group iterations %d (data-triggered %d), process CPU %.2f s\n",
		b, s, w, r1 - r0, i1 - i0, t1 - t0, cc[1] - cc[2] }'
done
