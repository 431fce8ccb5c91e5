#!/usr/bin/env bash
# bench/memory.sh (make bench): ward's memory on the typical job against
# the stack it replaces, Debian's prometheus + prometheus-alertmanager +
# prometheus-blackbox-exporter, in one invocation (issue 15, section 2).
#
# The typical job: node_exporter and postgres_exporter scraped every 15s,
# a PostgreSQL and a Redis check every 15s, the built-in rule pack,
# alerting, the UI, and the server scraping itself. Both sides get the same
# PostgreSQL, Redis and exporters (started here, not counted). ward runs
# its checks itself; the stack probes PostgreSQL and Redis with
# blackbox_exporter's tcp_connect, evaluates ward's built-in rule files
# (rules/builtin/*.yml, which Prometheus 2.42 loads) and sends alerts to
# Alertmanager. Every alert goes to a receiver without integrations on
# both sides. Each side runs alone (2 cores) on fresh data for
# BENCH_MEMORY_AFTER; its UI's sign-in page (ward) or graph page
# (Prometheus) is fetched once half-way. Then VmRSS is read: ward's one
# process against the sum of the stack's three.
#
# ward's in-use heap is saved as a pprof profile (through an admin API
# token and GET /debug/pprof/heap) and its top entries are printed, so the
# next cut can be chosen from numbers. Appends the figure to
# $WARD_BENCH_RESULTS (bench/README.md "One table").
#
# Settings (environment):
#   BENCH_MEMORY_AFTER=60s          how long each side runs before RSS is read
#   BENCH_GOGC=                     unset: each server's own GC default (Go's 100;
#                                   ward's small-heap policy, app/gcpolicy.go);
#                                   set: this GOGC for every server
#   BENCH_GOMAXPROCS=nproc          for every server
#   BENCH_WARD_BIN=                 use this ward binary instead of building bin/ward
#   BENCH_STRICT=0                  1: exit 1 when the goal (<= 0.7x) is not met
#   BENCH_KEEP=0                    1: keep the temp dir (configs, logs, data)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

after=${BENCH_MEMORY_AFTER:-60s}
after_s=${after%s}
gogc=${BENCH_GOGC:-}
gomaxprocs=${BENCH_GOMAXPROCS:-$(nproc)}
strict=${BENCH_STRICT:-0}
results=${WARD_BENCH_RESULTS:-$root/bench/results/figures.tsv}
goal=0.7

[[ $after_s =~ ^[0-9]+$ ]] || { echo "bench: BENCH_MEMORY_AFTER must be whole seconds, like 60s" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
for bin in prometheus prometheus-alertmanager prometheus-blackbox-exporter prometheus-node-exporter \
	prometheus-postgres-exporter redis-server "$pgbin/initdb" "$pgbin/pg_ctl"; do
	command -v "$bin" >/dev/null || { echo "bench: $bin not found (apt-get install prometheus prometheus-alertmanager prometheus-blackbox-exporter prometheus-node-exporter prometheus-postgres-exporter redis-server postgresql)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-memory-bench.XXXXXX")
chmod 755 "$tmp"
pids=()
pgdata=$tmp/pg

source "$root/bench/lib.sh" # stop, stop_all, log, finish

# as_postgres CMD...: PostgreSQL refuses to run as root.
as_postgres() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	[[ -f $pgdata/postmaster.pid ]] && as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
	finish "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# start NAME CMD...: run CMD in the background, its output in NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	pids+=("$!")
	last_pid=$!
}

# wait_http URL: until URL answers (any status), at most 30 s.
wait_http() {
	local i
	for ((i = 0; i < 300; i++)); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench: $1 did not answer" >&2
	return 1
}

# rss_kb PID: VmRSS in kB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# cpu_s PID: CPU seconds (user + system) the process has used.
clk_tck=$(getconf CLK_TCK)
cpu_s() { awk -v t="$clk_tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
# rss_split PID: "anon A MiB, file F MiB" (file: the mapped binary and
# libraries, pages the kernel can drop and read back).
rss_split() {
	awk '/^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} /^RssShmem:/ {f += $2}
		END {printf "anon %.1f, file %.1f", a / 1024, f / 1024}' "/proc/$1/status"
}

# --- build -----------------------------------------------------------------
if [[ -n ${BENCH_WARD_BIN:-} ]]; then
	ward_src=$BENCH_WARD_BIN
else
	log "building bin/ward"
	make --no-print-directory build >&2
	ward_src=$root/bin/ward
fi
cp "$ward_src" "$tmp/ward"
ward=$tmp/ward
go build -o "$tmp/measure" ./bench/measure
port() { "$tmp/measure" freeport; }

# --- the services both sides watch (not counted) ---------------------------
pg_port=$(port)
redis_port=$(port)
node_port=$(port)
pgexp_port=$(port)
log "starting PostgreSQL, Redis, node_exporter and postgres_exporter"
mkdir -p "$pgdata" && chown postgres: "$pgdata" 2>/dev/null || true
as_postgres "$pgbin/initdb" -D "$pgdata" -A trust -U postgres >"$tmp/initdb.log" 2>&1
as_postgres "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
	-o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1" start >"$tmp/pg_ctl.log" 2>&1
start redis redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no
start node prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port"
DATA_SOURCE_NAME="postgresql://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable" \
	start pgexp prometheus-postgres-exporter --web.listen-address="127.0.0.1:$pgexp_port"
wait_http "http://127.0.0.1:$node_port/metrics"
wait_http "http://127.0.0.1:$pgexp_port/metrics"

# Every server binary fully in the page cache, as ward's fresh copy is:
# file-backed RSS counts the binary's pages a process maps, and the kernel
# maps cached pages around each one touched (fault-around), so a binary
# partly out of the cache would look smaller than it is.
warm_cache() { local b; for b in "$@"; do cat "$(command -v "$b")" >/dev/null; done; }

runenv=(env -u GOMEMLIMIT -u GODEBUG -u GOTRACEBACK -u GOGC GOMAXPROCS="$gomaxprocs")
[[ -n $gogc ]] && runenv+=(GOGC="$gogc")
scrape_global() {
	printf 'global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  evaluation_interval: 15s\n'
}
exporter_jobs() {
	printf '  - job_name: node\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$node_port"
	printf '  - job_name: postgres\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$pgexp_port"
}

# --- (a) ward ----------------------------------------------------------------
ward_port=$(port)
{
	scrape_global
	printf 'scrape_configs:\n'
	exporter_jobs
	printf 'storage:\n  path: %s\n' "$tmp/ward-data"
	printf 'server:\n  listen: 127.0.0.1:%s\n' "$ward_port"
	printf 'rules:\n  builtin: true\n'
	printf 'alerting:\n  route:\n    receiver: team\n    group_by: [alertname, job]\n  receivers:\n    - name: team\n'
	printf 'checks:\n'
	printf '  - {name: db, kind: postgres, dsn: "postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", interval: 15s, critical: true}\n' "$pg_port"
	printf '  - {name: cache, kind: redis, address: "127.0.0.1:%s", interval: 15s, critical: true}\n' "$redis_port"
} >"$tmp/ward.yaml"
(umask 077 && "$ward" token create --config "$tmp/ward.yaml" --name bench-profile --role admin >"$tmp/ward.token" 2>>"$tmp/ward.log")
warm_cache "$ward"
log "starting ward on 127.0.0.1:$ward_port for $after"
start ward "${runenv[@]}" "$ward" serve --config "$tmp/ward.yaml"
ward_pid=$last_pid
sleep $((after_s / 2))
curl -s -o /dev/null "http://127.0.0.1:$ward_port/login"
sleep $((after_s - after_s / 2))
kill -0 "$ward_pid" 2>/dev/null || { echo "bench: ward exited" >&2; exit 1; }
ward_kb=$(rss_kb "$ward_pid")
ward_split=$(rss_split "$ward_pid") ward_cpu=$(cpu_s "$ward_pid")
ward_go=$(curl -s -H "Authorization: Bearer $(cat "$tmp/ward.token")" "http://127.0.0.1:$ward_port/metrics" |
	awk '/^go_memstats_(heap_inuse|heap_idle|heap_released|stack_inuse|sys|next_gc)_bytes / {sub(/^go_memstats_/, ""); printf "%s=%.1fMiB ", $1, $2 / 1048576}')
mkdir -p bench/results
curl -sf -H "Authorization: Bearer $(cat "$tmp/ward.token")" -o bench/results/memory-heap.pb.gz \
	"http://127.0.0.1:$ward_port/debug/pprof/heap" || log "no heap profile (GET /debug/pprof/heap failed)"
ward_up=$(curl -s -H "Authorization: Bearer $(cat "$tmp/ward.token")" \
	"http://127.0.0.1:$ward_port/api/v1/query?query=count(up==1)" | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')
log "stopping ward"
stop "$ward_pid"
pids=("${pids[@]/$ward_pid/}")

# --- (b) prometheus + alertmanager + blackbox_exporter ----------------------
prom_port=$(port)
am_port=$(port)
bb_port=$(port)
mkdir -p "$tmp/rules"
cp rules/builtin/*.yml "$tmp/rules/"
cat >"$tmp/blackbox.yml" <<YAML
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
YAML
cat >"$tmp/alertmanager.yml" <<YAML
route:
  receiver: team
  group_by: [alertname, job]
receivers:
  - name: team
YAML
{
	scrape_global
	printf 'rule_files: ["%s/rules/*.yml"]\n' "$tmp"
	printf 'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:%s"]\n' "$am_port"
	printf 'scrape_configs:\n'
	printf '  - job_name: prometheus\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$prom_port"
	exporter_jobs
	printf '  - job_name: blackbox\n    metrics_path: /probe\n    params: {module: [tcp_connect]}\n'
	printf '    static_configs:\n      - targets: ["127.0.0.1:%s", "127.0.0.1:%s"]\n' "$pg_port" "$redis_port"
	printf '    relabel_configs:\n'
	printf '      - {source_labels: [__address__], target_label: __param_target}\n'
	printf '      - {source_labels: [__param_target], target_label: instance}\n'
	printf '      - {target_label: __address__, replacement: "127.0.0.1:%s"}\n' "$bb_port"
} >"$tmp/prometheus.yml"
warm_cache prometheus prometheus-alertmanager prometheus-blackbox-exporter
log "starting prometheus, alertmanager and blackbox_exporter for $after"
start alertmanager "${runenv[@]}" prometheus-alertmanager --config.file="$tmp/alertmanager.yml" \
	--storage.path="$tmp/am-data" --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address=
am_pid=$last_pid
start blackbox "${runenv[@]}" prometheus-blackbox-exporter --config.file="$tmp/blackbox.yml" \
	--web.listen-address="127.0.0.1:$bb_port"
bb_pid=$last_pid
start prometheus "${runenv[@]}" prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom-data" \
	--web.listen-address="127.0.0.1:$prom_port"
prom_pid=$last_pid
sleep $((after_s / 2))
curl -s -o /dev/null "http://127.0.0.1:$prom_port/graph"
sleep $((after_s - after_s / 2))
for p in "$prom_pid" "$am_pid" "$bb_pid"; do
	kill -0 "$p" 2>/dev/null || { echo "bench: a stack process exited" >&2; exit 1; }
done
stack_cpu=$(awk -v a="$(cpu_s "$prom_pid")" -v b="$(cpu_s "$am_pid")" -v c="$(cpu_s "$bb_pid")" 'BEGIN {printf "%.2f", a + b + c}')
prom_kb=$(rss_kb "$prom_pid") prom_split=$(rss_split "$prom_pid")
am_kb=$(rss_kb "$am_pid") am_split=$(rss_split "$am_pid")
bb_kb=$(rss_kb "$bb_pid") bb_split=$(rss_split "$bb_pid")
prom_up=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query?query=count(up==1)" | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')

# --- report ------------------------------------------------------------------
stack_kb=$((prom_kb + am_kb + bb_kb))
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
ratio=$(awk -v a="$ward_kb" -v b="$stack_kb" 'BEGIN {printf "%.2f", a / b}')
met=$(awk -v r="$ratio" -v g="$goal" 'BEGIN {print (r <= g) ? "yes" : "no"}')
echo
echo "memory on the typical job: RSS after $after (GOGC=${gogc:-default} GOMAXPROCS=$gomaxprocs), MiB"
printf '  %-34s %8s   (%s) targets up %s\n' "ward $("$ward" version 2>&1 | head -n1 | cut -d' ' -f3)" "$(mb "$ward_kb")" "$ward_split" "${ward_up:-?}"
printf '  %-34s %8s   (%s) targets up %s\n' "prometheus" "$(mb "$prom_kb")" "$prom_split" "${prom_up:-?}"
printf '  %-34s %8s   (%s)\n' "alertmanager" "$(mb "$am_kb")" "$am_split" "blackbox_exporter" "$(mb "$bb_kb")" "$bb_split"
printf '  %-34s %8s\n' "stack" "$(mb "$stack_kb")"
printf '  CPU seconds used in the %s: ward %s, stack %s\n' "$after" "$ward_cpu" "$stack_cpu"
printf '  ward Go runtime: %s\n' "$ward_go"
printf '  ward/stack %s (goal <= %s: %s)\n' "$ratio" "$goal" "$met"
if [[ -s bench/results/memory-heap.pb.gz ]]; then
	echo
	echo "ward's in-use heap after $after, top 10 (bench/results/memory-heap.pb.gz):"
	go tool pprof -sample_index=inuse_space -top -nodecount=10 bench/results/memory-heap.pb.gz 2>/dev/null | sed -n '/^Showing\|flat%/,$p' | sed 's/^/  /'
fi
mkdir -p "$(dirname "$results")"
printf '15\tmemory: RSS after %s, typical job (ward vs prometheus+alertmanager+blackbox)\t%s\t%s\tMiB\tratio<=%s\n' \
	"$after" "$(mb "$ward_kb")" "$(mb "$stack_kb")" "$goal" >>"$results"
[[ $strict == 1 && $met == no ]] && exit 1
exit 0
