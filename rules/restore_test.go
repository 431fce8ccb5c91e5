package rules

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/collector"
	"github.com/ward-monitoring/ward/storage"
)

// restoreRules: one on_data group with a slow tick (Prometheus restores
// `for` state after the group's second tick, 5 to 10 s after start) and a
// target scraped every second, whose scrapes trigger evaluations well
// before that.
const restoreRules = `groups:
  - name: restore
    interval: 5s
    rules:
      - alert: Mid
        expr: up{job="t"} == 1
        for: 2m
      - alert: Near
        expr: up{job="t"} == 1
        for: 2m
      - alert: Fired
        expr: up{job="t"} == 1
        for: 1m
      - alert: Fresh
        expr: up{job="t"} == 1
        for: 2m
`

// notified records the alerts the rule manager hands to its notifier.
type notified struct {
	mu     sync.Mutex
	alerts []promrules.Alert
}

func (n *notified) notify(_ context.Context, _ string, as ...*promrules.Alert) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range as {
		n.alerts = append(n.alerts, *a)
	}
}

func (n *notified) all() []promrules.Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]promrules.Alert(nil), n.alerts...)
}

// TestRestoreWithTriggeredEvaluations: data-triggered evaluations that run
// before the group's `for` state restore (Prometheus restores after the
// group's second tick) neither break the restore nor fire early. The TSDB
// holds what a previous run wrote to ALERTS_FOR_STATE until it stopped 20 s
// ago: Mid pending 40 s of 2m, Near pending 110 s of 2m, Fired firing
// (pending 3m of 1m), Fresh not active. After the restore each alert's
// activeAt is what Prometheus' RestoreForState computes from that state,
// and every alert handed to the notifier fired at least `for` after its
// activeAt and, when restored near firing, at least the grace period after
// the restore.
func TestRestoreWithTriggeredEvaluations(t *testing.T) {
	const grace = 30 * time.Second
	dir := t.TempDir()
	writeRules(t, dir, "r.yml", restoreRules)
	srv := httptest.NewServer(&countingTarget{})
	defer srv.Close()
	instance := strings.TrimPrefix(srv.URL, "http://")
	cfg := loadConfig(t, dir, fmt.Sprintf(`rules: {builtin: false}
rule_files: [r.yml]
global: {scrape_interval: 1s, evaluation_interval: 1m}
scrape_configs:
  - job_name: t
    static_configs: [{targets: [%q]}]
`, instance))

	reg := prometheus.NewRegistry()
	logger := slog.New(slog.DiscardHandler)
	db, _, err := storage.OpenTSDB(filepath.Join(dir, "tsdb"), storage.TSDBOptions{Retention: time.Hour}, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The previous run's last ALERTS_FOR_STATE samples, in whole seconds
	// as Prometheus writes them.
	downAt := time.Now().Add(-20 * time.Second).Truncate(time.Second)
	before := map[string]time.Time{
		"Mid":   downAt.Add(-40 * time.Second),
		"Near":  downAt.Add(-110 * time.Second),
		"Fired": downAt.Add(-3 * time.Minute),
	}
	app := db.Appender(context.Background())
	for name, activeAt := range before {
		ls := labels.FromStrings("__name__", "ALERTS_FOR_STATE", "alertname", name, "instance", instance, "job", "t")
		if _, err := app.Append(0, ls, downAt.UnixMilli(), float64(activeAt.Unix())); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}

	sent := &notified{}
	engine := promql.NewEngine(promql.EngineOpts{Logger: logger, MaxSamples: 1e6, Timeout: time.Minute})
	m := NewManager(Options{Logger: logger, Registerer: reg, Engine: engine, DB: db,
		ExternalURL: &url.URL{Scheme: "http", Host: "ward"}, Notify: sent.notify, ForGracePeriod: grace})
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

	rule := func(name string) *promrules.AlertingRule {
		for _, r := range m.Prometheus().AlertingRules() {
			if r.Name() == name {
				return r
			}
		}
		t.Fatalf("no rule %s", name)
		return nil
	}
	g := m.Prometheus().RuleGroups()[0]
	triggered := func() float64 {
		return testutil.ToFloat64(m.ondata.triggered.WithLabelValues(promrules.GroupKey(g.File(), g.Name())))
	}

	// Before the restore: triggered evaluations have run and hold Mid
	// pending since a time after start (they write no ALERTS_FOR_STATE:
	// the previous run's samples stay the last).
	var preActiveAt time.Time
	waitFor(t, "a triggered evaluation before the restore", func() bool {
		if rule("Mid").Restored() {
			t.Fatalf("Mid restored before any triggered evaluation was seen (%v triggered)", triggered())
		}
		if a := activeAlert(m, "Mid"); a != nil && triggered() >= 1 {
			preActiveAt = a.ActiveAt
			return true
		}
		return false
	})
	if preActiveAt.Before(start) {
		t.Fatalf("before the restore Mid is active since %s, before the manager started at %s", preActiveAt, start)
	}
	// The restore: it runs at a time ts within [notYet, restored].
	var notYet, restored time.Time
	waitFor(t, "the restore", func() bool {
		for _, n := range []string{"Mid", "Near", "Fired", "Fresh"} {
			if !rule(n).Restored() {
				notYet = time.Now()
				return false
			}
		}
		restored = time.Now()
		return true
	})
	activeAt := func(name string) time.Time {
		a := activeAlert(m, name)
		if a == nil {
			t.Fatalf("%s not active after the restore", name)
		}
		return a.ActiveAt
	}
	within := func(name string, got, lo, hi time.Time) {
		t.Helper()
		if got.Before(lo) || got.After(hi) {
			t.Errorf("%s: activeAt %s after the restore, want within [%s, %s]", name, got, lo, hi)
		}
	}
	// Mid: the time ward was down does not count as pending (Prometheus
	// shifts activeAt by it): activeAt = before + (ts - downAt).
	within("Mid", activeAt("Mid"), before["Mid"].Add(notYet.Sub(downAt)), before["Mid"].Add(restored.Sub(downAt)))
	// Near: 10 s left, under the grace period: it fires `grace` after ts.
	within("Near", activeAt("Near"), notYet.Add(grace-2*time.Minute), restored.Add(grace-2*time.Minute))
	// Fired was firing: its activeAt is kept.
	within("Fired", activeAt("Fired"), before["Fired"], before["Fired"])
	// Fresh had no state: still the time an evaluation first saw it.
	within("Fresh", activeAt("Fresh"), start, restored)

	// Fired fires at the first evaluation after the restore.
	waitFor(t, "Fired sent after the restore", func() bool {
		for _, a := range sent.all() {
			if a.Labels.Get("alertname") == "Fired" {
				return true
			}
		}
		return false
	})
	hold := map[string]time.Duration{"Mid": 2 * time.Minute, "Near": 2 * time.Minute, "Fired": time.Minute, "Fresh": 2 * time.Minute}
	for _, a := range sent.all() {
		name := a.Labels.Get("alertname")
		if a.State != promrules.StateFiring {
			t.Errorf("%s sent in state %s", name, a.State)
		}
		if a.FiredAt.Sub(a.ActiveAt) < hold[name] {
			t.Errorf("%s fired at %s, less than its `for` (%s) after activeAt %s", name, a.FiredAt, hold[name], a.ActiveAt)
		}
		if a.FiredAt.Before(notYet) {
			t.Errorf("%s fired at %s, before the restore (after %s)", name, a.FiredAt, notYet)
		}
		if name == "Fired" && !a.ActiveAt.Equal(before["Fired"]) {
			t.Errorf("Fired sent with activeAt %s, want the restored %s", a.ActiveAt, before["Fired"])
		}
		if name == "Near" && a.FiredAt.Before(notYet.Add(grace)) {
			t.Errorf("Near fired at %s, within the grace period %s of the restore (after %s)", a.FiredAt, grace, notYet)
		}
	}
}
