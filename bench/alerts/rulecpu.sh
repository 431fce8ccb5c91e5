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
#
# bench/alerts/rulecpu.sh -modes WARD_BIN (make bench): one binary, twice,
# on copies of the pack's files (rules/builtin/*.yml, loaded as rule_files
# with the embedded pack off): first as they are (alerting groups
# `evaluation: on_data`, the default), then with every group set to
# `evaluation: interval` (ticks only, as Prometheus). Appends the rule
# evaluation seconds of the window, on_data against interval (goal
# ratio<=1.1, issue 15), to $WARD_BENCH_RESULTS (bench/README.md).
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

modes=0
if [[ ${1:-} == -modes ]]; then
	modes=1
	shift
	(($# == 1)) || { echo "usage: $0 -modes WARD_BIN" >&2; exit 2; }
	mkdir -p "$tmp/on_data" "$tmp/interval"
	cp rules/builtin/*.yml "$tmp/on_data/"
	for f in rules/builtin/*.yml; do
		# Every group: `  - name: X` gets `    evaluation: interval` after it.
		awk '{print} /^  - name: / {print "    evaluation: interval"}' "$f" >"$tmp/interval/$(basename "$f")"
	done
	set -- "$1" "$1"
fi
run=0
declare -A rule_eval
for bin in "$@"; do
	run=$((run + 1))
	rulefiles=
	if ((modes)); then
		mode=$( ((run == 1)) && echo on_data || echo interval)
		rulefiles=$(printf '"%s",' "$tmp/$mode"/*.yml)
	fi
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
		if ((modes)); then
			printf 'rule_files: [%s]\nrules:\n  builtin: false\n' "${rulefiles%,}"
		else
			printf 'rules:\n  builtin: true\n'
		fi
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
	((modes)) && rule_eval[$mode]=$(awk -v a="$r0" -v b="$r1" 'BEGIN {printf "%.4f", b - a}')
done
if ((modes)); then
	results=${WARD_BENCH_RESULTS:-$root/bench/results/figures.tsv}
	mkdir -p "$(dirname "$results")"
	printf '15\trule evaluation, built-in pack at 100k series, %ss window (on_data vs interval)\t%s\t%s\ts\tratio<=1.1\n' \
		"$window" "${rule_eval[on_data]}" "${rule_eval[interval]}" >>"$results"
fi
