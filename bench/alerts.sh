#!/usr/bin/env bash
# bench/alerts.sh (make bench, after bench/run.sh): end-to-end alert
# latency, ward against Debian's prometheus + prometheus-alertmanager.
#
# A synthetic target serves one gauge per alert; the harness flips them
# one at a time and a fake Slack incoming webhook timestamps the firing
# message of each: latency = arrival - flip, in one process, on one clock.
# The waits for the next scrape and then for the rule evaluation follow
# one plan, spread over the interval as random phases would be, the same
# for both stacks (bench/alerts/plan.go). Both stacks get the same rule
# file (one rule group per alert) and the same Alertmanager config, in
# webhook mode since Alertmanager 0.25 has no bot mode: 2s scrape and
# evaluation intervals, `for: 0s`, group_wait 0s, group_interval 1s, one
# Alertmanager group per alert. ward runs first, then prometheus +
# alertmanager, never at the same time (2 cores). RSS (VmRSS) is read at
# the end of each run, with every alert still firing. Prints p50/p95,
# ward/stack ratios and the goals, and writes
# bench/results/alerts-latest.json. About 3 minutes with a warm build cache.
#
# Settings (environment):
#   BENCH_ALERTS_MODE=random        random: both stacks side by side, random phases,
#                                   at 2s and 15s (issue 15); planned: the plan below
#   BENCH_ALERTS_TRIALS_2S=16 BENCH_ALERTS_TRIALS_15S=16  random-mode trials
#   BENCH_ALERTS=24                 alerts measured per stack (>= 20)
#   BENCH_ALERTS_INTERVAL=2s        scrape and evaluation interval
#   BENCH_ALERTS_SEED=1             seed of the plan (bench/alerts/plan.go)
#   BENCH_GOGC=100 BENCH_GOMAXPROCS=nproc  runtime settings for all servers
#   BENCH_PROMETHEUS=prometheus     the reference Prometheus binary
#   BENCH_ALERTMANAGER=prometheus-alertmanager  the reference Alertmanager
#   BENCH_WARD_BIN=                 use this ward binary instead of building bin/ward
#   BENCH_STRICT=0                  1: exit 1 when a goal is not met
#   BENCH_KEEP=0                    1: keep the temp dir (configs, logs, data)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

alerts=${BENCH_ALERTS:-24}
interval=${BENCH_ALERTS_INTERVAL:-2s}
seed=${BENCH_ALERTS_SEED:-1}
gogc=${BENCH_GOGC:-100}
gomaxprocs=${BENCH_GOMAXPROCS:-$(nproc)}
prometheus=${BENCH_PROMETHEUS:-prometheus}
alertmanager=${BENCH_ALERTMANAGER:-prometheus-alertmanager}
strict=${BENCH_STRICT:-0}

for bin in "$prometheus" "$alertmanager"; do
	command -v "$bin" >/dev/null || { echo "bench: $bin not found (apt-get install prometheus prometheus-alertmanager)" >&2; exit 1; }
done
((alerts >= 1 && alerts <= 899)) || { echo "bench: BENCH_ALERTS must be 1..899" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-alerts-bench.XXXXXX")
pids=()

source "$root/bench/lib.sh" # stop, stop_all, log, finish

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	finish "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


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
log "building the alert-latency harness"
go build -o "$tmp/alerts" ./bench/alerts
harness=$tmp/alerts

# --- shared configuration --------------------------------------------------
# The target and the fake Slack keep their addresses for both stacks, so
# both scrape the same URL and post to the same webhook.
mapfile -t ports < <("$harness" freeport -n 5)
target_addr=127.0.0.1:${ports[0]}
slack_addr=127.0.0.1:${ports[1]}
ward_port=${ports[2]}
prom_port=${ports[3]}
am_port=${ports[4]}

# One rule group per alert, four times as many as are measured to choose
# from: see bench/alerts/plan.go.
pool=$((alerts * 4 < 899 ? alerts * 4 : 899))
"$harness" rules -pool "$pool" -warmup 1 >"$tmp/rules.yml"

# The Alertmanager configuration, verbatim as alertmanager.yml and
# indented under ward's alerting: key. One group per alert; repeat and
# resolve notices cannot interfere (alerts stay firing until the end).
cat >"$tmp/alertmanager.yml" <<YAML
route:
  receiver: slack
  group_by: [alertname, bench_id]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: slack
    slack_configs:
      - api_url: http://$slack_addr/hook
        channel: "#alerts"
        send_resolved: true
YAML

global() {
	printf 'global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n' "$interval" "$interval" "$interval"
	printf 'rule_files: ["%s"]\n' "$tmp/rules.yml"
	printf 'scrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: ["%s"]\n' "$target_addr"
}

runenv=(env -u GOMEMLIMIT -u GODEBUG -u GOTRACEBACK GOGC="$gogc" GOMAXPROCS="$gomaxprocs")
env_note="GOGC=$gogc GOMAXPROCS=$gomaxprocs GOMEMLIMIT unset"

# start NAME CMD...: start CMD in the background, logging to NAME.log.
started=
start() {
	local name=$1
	shift
	"${runenv[@]}" "$@" >"$tmp/$name.log" 2>&1 &
	started=$!
	pids+=("$started")
}

# measure NAME VERSION API PIDS...: run the harness against a started
# stack. Extra harness flags (a token file) come in $harness_args.
harness_args=()
measure() {
	local name=$1 version=$2 api=$3
	shift 3
	local pidflags=() p
	for p in "$@"; do
		pidflags+=(-pid "$p")
	done
	# In the background and waited for, so that a signal to this script
	# runs the cleanup at once rather than after the harness ends.
	"$harness" run -name "$name" -version "$version" -target "$target_addr" -slack "$slack_addr" \
		-api "$api" "${pidflags[@]}" -alerts "$alerts" -pool "$pool" -warmup 1 \
		-scrape-interval "$interval" -eval-interval "$interval" -seed "$seed" -budget 5m \
		-out "$tmp/$name.json" "${harness_args[@]}" &
	local harness_pid=$!
	pids+=("$harness_pid")
	wait "$harness_pid"
	unset 'pids[${#pids[@]}-1]'
}

# --- random phases (issue 15), the default ------------------------------------
# Both stacks side by side, each trial a fresh file_sd target killed at a
# random phase (bench/alerts/random.go): once at 2s intervals and once at
# 15s. BENCH_ALERTS_MODE=planned runs the planned comparison below instead.
random_stacks() {
	local iv=$1 trials=$2 dir=$tmp/random-$1
	mkdir -p "$dir/ward-data" "$dir/prom-data" "$dir/am-data"
	echo '[]' >"$dir/sd.json"
	cat >"$dir/rules.yml" <<'YAML'
groups:
  - name: trial-down
    rules:
      - alert: TrialDown
        expr: up{job="trial"} == 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "trial target {{ $labels.bench_id }} is down"
YAML
	am_config() {
		printf 'route:\n  receiver: slack\n  group_by: [alertname, bench_id]\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n'
		printf 'receivers:\n  - name: slack\n    slack_configs:\n      - api_url: http://%s/hook/%s\n        channel: "#alerts"\n        send_resolved: true\n' "$slack_addr" "$1"
	}
	scrape() {
		printf 'global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n' "$iv" "$iv" "$iv"
		printf 'rule_files: ["%s"]\n' "$dir/rules.yml"
		printf 'scrape_configs:\n  - job_name: trial\n    metrics_path: /%s/metrics\n    file_sd_configs:\n      - files: ["%s"]\n' "$1" "$dir/sd.json"
	}
	{
		scrape ward
		printf 'storage:\n  path: %s\n' "$dir/ward-data"
		printf 'server:\n  listen: 127.0.0.1:%s\n' "$ward_port"
		printf 'rules:\n  builtin: false\n'
		printf 'alerting:\n'
		am_config ward | sed 's/^/  /'
	} >"$dir/ward.yaml"
	am_config stack >"$dir/alertmanager.yml"
	{
		scrape stack
		printf 'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:%s"]\n' "$am_port"
	} >"$dir/prometheus.yml"
	"$ward" check config "$dir/ward.yaml" >"$tmp/ward-check.log" 2>&1 || {
		cat "$tmp/ward-check.log" >&2
		exit 1
	}
	local tokenflags=()
	if [[ $("$ward" help 2>&1 || true) == *"ward token"* ]]; then
		(umask 077 && "$ward" token create --config "$dir/ward.yaml" --name bench-alerts --role viewer >"$dir/ward.token" 2>>"$tmp/ward.log")
		tokenflags=(-token-file "$dir/ward.token")
	fi
	log "random phases at $iv: starting ward, $alertmanager and $prometheus side by side"
	start ward "$ward" serve --config "$dir/ward.yaml"
	start alertmanager "$alertmanager" --config.file="$dir/alertmanager.yml" --storage.path="$dir/am-data" \
		--web.listen-address="127.0.0.1:$am_port" --cluster.listen-address=
	start prometheus "$prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom-data" \
		--web.listen-address="127.0.0.1:$prom_port" --rules.alert.resend-delay=1s
	"$harness" random -interval "$iv" -trials "$trials" -sd-file "$dir/sd.json" -slack "$slack_addr" \
		-ward-api "http://127.0.0.1:$ward_port" "${tokenflags[@]}" -stack-api "http://127.0.0.1:$prom_port" \
		-out "$dir/random.json" &
	local hp=$!
	pids+=("$hp")
	wait "$hp"
	unset 'pids[${#pids[@]}-1]'
	stop_all
	random_results+=("$dir/random.json")
}
if [[ ${BENCH_ALERTS_MODE:-random} == random ]]; then
	random_results=()
	random_stacks 2s "${BENCH_ALERTS_TRIALS_2S:-16}"
	random_stacks 15s "${BENCH_ALERTS_TRIALS_15S:-16}"
	mkdir -p bench/results
	echo
	"$harness" random-report "${random_results[@]}"
	cp "${random_results[0]}" bench/results/alerts-random-2s.json
	cp "${random_results[1]}" bench/results/alerts-random-15s.json
	exit 0
fi

# --- (a) ward --------------------------------------------------------------
{
	global
	printf 'storage:\n  path: %s\n' "$tmp/ward-data"
	printf 'server:\n  listen: 127.0.0.1:%s\n' "$ward_port"
	printf 'rules:\n  builtin: false\n'
	printf 'alerting:\n'
	sed 's/^/  /' "$tmp/alertmanager.yml"
} >"$tmp/ward.yaml"
"$ward" check config "$tmp/ward.yaml" >"$tmp/ward-check.log" 2>&1 || {
	cat "$tmp/ward-check.log" >&2
	exit 1
}
# ward with identity guards /api/v1, which the harness reads rule group
# evaluation times and alert activeAt from: give it a viewer API token
# (created while ward is stopped; kept in a 0600 file, never on a command
# line).
if [[ $("$ward" help 2>&1 || true) == *"ward token"* ]]; then
	(umask 077 && "$ward" token create --config "$tmp/ward.yaml" --name bench-alerts --role viewer >"$tmp/ward.token" 2>>"$tmp/ward.log")
	harness_args=(-token-file "$tmp/ward.token")
fi
log "starting ward on 127.0.0.1:$ward_port"
start ward "$ward" serve --config "$tmp/ward.yaml"
ward_pid=$started
measure ward "$("$ward" version 2>&1 | head -n1)" "http://127.0.0.1:$ward_port" "ward=$ward_pid"
log "stopping ward"
stop_all
harness_args=()

# --- (b) prometheus + alertmanager ------------------------------------------
# Prometheus scrapes itself as ward does; it re-sends firing alerts every
# second (the default is 1m) as the issue asks. Alertmanager runs without
# clustering, so it has no gossip to settle before notifying.
{
	global
	printf '  - job_name: prometheus\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$prom_port"
	printf 'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:%s"]\n' "$am_port"
} >"$tmp/prometheus.yml"
mkdir -p "$tmp/am-data" "$tmp/prom-data"
log "starting $alertmanager on 127.0.0.1:$am_port"
start alertmanager "$alertmanager" --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/am-data" \
	--web.listen-address="127.0.0.1:$am_port" --cluster.listen-address=
am_pid=$started
log "starting $prometheus on 127.0.0.1:$prom_port"
start prometheus "$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom-data" \
	--web.listen-address="127.0.0.1:$prom_port" --rules.alert.resend-delay=1s
prom_pid=$started
stack_version="$("$prometheus" --version 2>&1 | head -n1 | cut -d' ' -f1-3) + $("$alertmanager" --version 2>&1 | head -n1 | cut -d' ' -f1-3)"
measure stack "$stack_version" "http://127.0.0.1:$prom_port" "prometheus=$prom_pid" "alertmanager=$am_pid"
log "stopping prometheus and alertmanager"
stop_all

# --- report ----------------------------------------------------------------
mkdir -p bench/results
report_flags=(-out bench/results/alerts-latest.json
	-note "alerts=$alerts (from $pool one-alert rule groups, planned scrape and evaluation waits: bench/alerts/plan.go) interval=$interval (scrape and evaluation) seed=$seed for=0s group_wait=0s group_interval=1s; prometheus --rules.alert.resend-delay=1s; slack webhook mode; $env_note")
[[ $strict == 1 ]] && report_flags+=(-strict)
echo
echo "alert latency, target flip -> Slack webhook: $alerts alerts per stack, one at a time, scrape and evaluation every $interval, $env_note"
echo
"$harness" report "${report_flags[@]}" "$tmp/ward.json" "$tmp/stack.json"
echo
log "wrote bench/results/alerts-latest.json"
