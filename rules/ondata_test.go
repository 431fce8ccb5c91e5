package rules

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/collector"
	"github.com/ward-monitoring/ward/storage"
)

// onDataRules: one-minute groups scraped every second, so that an alert
// seen within seconds can only come from a data-triggered evaluation.
const onDataRules = `groups:
  - name: fast
    interval: 1m
    rules:
      - record: job:up:min
        expr: min by (job) (up{job="t"})
      - alert: Dead
        expr: job:up:min{job="t"} == 0 or up{job="t"} == 0
  - name: slow
    interval: 1m
    evaluation: interval
    rules:
      - alert: DeadSlow
        expr: up{job="t"} == 0
  - name: elsewhere
    interval: 1m
    rules:
      - alert: Unrelated
        expr: some_metric_no_target_has > 0
  - name: otherjob
    interval: 1m
    rules:
      - alert: OtherJobDown
        expr: up{job="other"} == 0
`

// countingTarget serves one sample and counts scrapes.
type countingTarget struct{ scrapes atomic.Int64 }

func (c *countingTarget) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.scrapes.Add(1)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "bench_thing 1")
}

// TestOnDataTargetDeath scrapes two targets of job t every second into a
// real TSDB, with every rule group on a one-minute tick, then kills one:
// its alert must come from an evaluation the scrape triggered (a
// timestamp off the group's tick slots), while the interval group, the
// group reading a metric no target has and the group of another job are
// never triggered, and the triggered evaluations stay within one per
// scrape interval although two targets trigger the group.
func TestOnDataTargetDeath(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "r.yml", onDataRules)
	dying, living := &countingTarget{}, &countingTarget{}
	srvDying, srvLiving := httptest.NewServer(dying), httptest.NewServer(living)
	defer srvLiving.Close()
	defer srvDying.Close()
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	cfg := loadConfig(t, dir, fmt.Sprintf(`rules: {builtin: false}
rule_files: [r.yml]
global: {scrape_interval: 1s, evaluation_interval: 1m}
scrape_configs:
  - job_name: t
    static_configs: [{targets: [%q, %q]}]
`, host(srvDying), host(srvLiving)))

	reg := prometheus.NewRegistry()
	logger := slog.New(slog.DiscardHandler)
	db, _, err := storage.OpenTSDB(filepath.Join(dir, "tsdb"), storage.TSDBOptions{Retention: time.Hour}, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	engine := promql.NewEngine(promql.EngineOpts{Logger: logger, MaxSamples: 1e6, Timeout: time.Minute})
	m := NewManager(Options{Logger: logger, Registerer: reg, Engine: engine, DB: db, ExternalURL: &url.URL{Scheme: "http", Host: "ward"}})
	if err := m.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	c, err := collector.NewWatched(logger, reg, db, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyConfig(cfg.Prometheus); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	start := time.Now()
	go func() { _ = m.Run(ctx); done <- struct{}{} }()
	go func() { _ = c.Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	waitFor(t, "three scrapes of each target", func() bool { return dying.scrapes.Load() >= 3 && living.scrapes.Load() >= 3 })
	srvDying.Close()
	var active *promrules.Alert
	waitFor(t, "alert Dead", func() bool {
		active = activeAlert(m, "Dead")
		return active != nil
	})

	groups := map[string]*promrules.Group{}
	for _, g := range m.Prometheus().RuleGroups() {
		groups[g.Name()] = g
	}
	fast := groups["fast"]
	if slot := fast.EvalTimestamp(active.ActiveAt.UnixNano()); slot.Equal(active.ActiveAt) {
		t.Errorf("Dead became active at %s, a tick slot of its group: not a triggered evaluation", active.ActiveAt)
	}
	count := func(name string, v *prometheus.CounterVec) float64 {
		g := groups[name]
		return testutil.ToFloat64(v.WithLabelValues(promrules.GroupKey(g.File(), g.Name())))
	}
	od := m.ondata
	elapsed := time.Since(start)
	triggered := count("fast", od.triggered)
	if triggered < 1 {
		t.Errorf("fast: %v triggered evaluations, want at least 1", triggered)
	}
	// At most one per scrape interval (1s) since the manager started,
	// plus one for the one change of state (the death), which does not
	// wait for the window.
	if limit := elapsed.Seconds() + 1 + 1; triggered > limit {
		t.Errorf("fast: %v triggered evaluations in %s, want at most %.1f (one per scrape interval and one per change of state)", triggered, elapsed, limit)
	}
	if d := count("fast", od.deferred); d < 1 {
		t.Errorf("fast: two targets trigger it every second but no trigger was deferred (%v)", d)
	}
	for _, name := range []string{"slow", "elsewhere", "otherjob"} {
		if n := count(name, od.triggered); n != 0 {
			t.Errorf("%s: %v triggered evaluations, want none", name, n)
		}
	}
	if a := activeAlert(m, "DeadSlow"); a != nil && !groups["slow"].EvalTimestamp(a.ActiveAt.UnixNano()).Equal(a.ActiveAt) {
		t.Errorf("DeadSlow active at %s, off its group's tick slots", a.ActiveAt)
	}
}

func activeAlert(m *Manager, name string) *promrules.Alert {
	for _, r := range m.Prometheus().AlertingRules() {
		if r.Name() == name {
			for _, a := range r.ActiveAlerts() {
				return a
			}
		}
	}
	return nil
}

// waitFor polls cond for up to 30s; it bounds a wait, it asserts no timing.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("no %s within 30s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
