package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

// startManager runs a Manager with limits over a temp dir and the default
// alerting configuration until the test ends.
func startManager(tb testing.TB, limits Limits) (*Manager, *prometheus.Registry) {
	tb.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(Options{
		Logger:     slog.New(slog.DiscardHandler),
		Registerer: reg,
		DataDir:    filepath.Join(tb.TempDir(), "alerting"),
		Limits:     limits,
	})
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Default()
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.ApplyConfig(cfg.Alerting); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("manager: %v", err)
		}
	})
	return m, reg
}

// firing returns an alert named name, told apart from others by i.
func firing(name string, i int) *alert.Alert {
	now := time.Now()
	return alert.New(model.Alert{
		Labels:      model.LabelSet{"alertname": model.LabelValue(name), "job": "test", "instance": model.LabelValue(fmt.Sprintf("host-%d:9100", i))},
		Annotations: model.LabelSet{"summary": "test alert"},
		StartsAt:    now,
		EndsAt:      now.Add(time.Hour),
	}, now, false)
}

func labelSets(alerts ...*alert.Alert) []model.LabelSet {
	out := make([]model.LabelSet, len(alerts))
	for i, a := range alerts {
		out[i] = a.Labels
	}
	return out
}

func TestLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		limits Limits
		want   string
	}{
		{Limits{MaxAlerts: 10, MaxAlertsPerName: 0, MaxAggregationGroups: 1}, "limits.MaxAlertsPerName: must be > 0"},
		{Limits{MaxAlerts: -1, MaxAlertsPerName: 1, MaxAggregationGroups: 1}, "limits.MaxAlerts: must be > 0"},
	} {
		_, err := New(Options{Logger: slog.New(slog.DiscardHandler), DataDir: t.TempDir(), Limits: tc.limits})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want %q", tc.limits, err, tc.want)
		}
	}
	if err := DefaultLimits().validate(); err != nil {
		t.Errorf("default limits: %v", err)
	}
}

// TestAlertLimits: the store holds at most MaxAlerts alerts whatever
// sends them, one alertname at most MaxAlertsPerName, and AdmitAlerts
// says so beforehand, counting only alerts the store does not hold yet.
func TestAlertLimits(t *testing.T) {
	m, reg := startManager(t, Limits{MaxAlerts: 12, MaxAlertsPerName: 4, MaxAggregationGroups: 100})
	ctx := context.Background()

	var batch []*alert.Alert
	for i := range 3 {
		for _, name := range []string{"A", "B", "C"} {
			batch = append(batch, firing(name, i))
		}
	}
	if err := m.AdmitAlerts(labelSets(batch...)); err != nil {
		t.Fatalf("9 alerts, 3 per name, under limits 12 and 4: %v", err)
	}
	if err := m.alerts.Put(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	if got := m.counts.held(); got != 9 {
		t.Fatalf("store holds %d alerts by its count, want 9", got)
	}
	// Alerts already held take no new place.
	if err := m.AdmitAlerts(labelSets(batch...)); err != nil {
		t.Errorf("re-sending held alerts: %v", err)
	}

	for _, tc := range []struct {
		name   string
		alerts []*alert.Alert
		want   string
	}{
		{"total", []*alert.Alert{firing("D", 0), firing("D", 1), firing("D", 2), firing("D", 3)}, "ward holds 9 alerts and this post adds 4 new ones; the limit is 12 alerts"},
		{"per alertname", []*alert.Alert{firing("A", 7), firing("A", 8)}, `alertname "A" has 3 alerts and this post adds 2 new ones; the limit is 4 alerts per alertname`},
		{"duplicates count once", []*alert.Alert{firing("A", 7), firing("A", 7), firing("D", 0)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.AdmitAlerts(labelSets(tc.alerts...))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.Is(err, ErrAlertLimit) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want ErrAlertLimit saying %q", err, tc.want)
			}
		})
	}

	// Past the check (rule alerts are not checked), the store itself
	// refuses new alerts at MaxAlerts and keeps updating held ones.
	var flood []*alert.Alert
	for i := range 5 {
		flood = append(flood, firing("D", i))
	}
	if err := m.alerts.Put(ctx, flood...); err != nil {
		t.Fatal(err)
	}
	if got := m.counts.held(); got != 12 {
		t.Errorf("store holds %d alerts, want the limit 12", got)
	}
	if got := counterValue(t, reg, "ward_alerts_refused_total"); got != 2 {
		t.Errorf("ward_alerts_refused_total = %v, want 2", got)
	}
	for i, a := range flood {
		_, err := m.alerts.Get(a.Fingerprint())
		if stored := err == nil; stored != (i < 3) {
			t.Errorf("alert %d of 5 into 3 free places: stored %v", i, stored)
		}
	}
	update := firing("A", 0)
	update.Annotations = model.LabelSet{"summary": "updated"}
	if err := m.alerts.Put(ctx, update); err != nil {
		t.Fatal(err)
	}
	if a, err := m.alerts.Get(update.Fingerprint()); err != nil || a.Annotations["summary"] != "updated" {
		t.Errorf("a held alert was not updated at the limit: %v %v", a, err)
	}
}

// TestAlertsPerNameLimit: Alertmanager's own per-alertname limit drops
// the excess of one alertname and leaves the others alone.
func TestAlertsPerNameLimit(t *testing.T) {
	m, reg := startManager(t, Limits{MaxAlerts: 100, MaxAlertsPerName: 3, MaxAggregationGroups: 100})
	var batch []*alert.Alert
	for i := range 5 {
		batch = append(batch, firing("Noisy", i))
	}
	batch = append(batch, firing("Quiet", 0))
	if err := m.alerts.Put(context.Background(), batch...); err != nil {
		t.Fatal(err)
	}
	if got := m.counts.held(); got != 4 {
		t.Errorf("store holds %d alerts, want 3 Noisy and 1 Quiet", got)
	}
	limited, err := testutil.GatherAndCount(reg, "alertmanager_alerts_limited_total")
	if err != nil || limited != 1 {
		t.Errorf("alertmanager_alerts_limited_total series: %d %v", limited, err)
	}
}

// TestAggregationGroupLimit: the dispatcher opens at most
// MaxAggregationGroups groups (the default route groups by alertname
// and job).
func TestAggregationGroupLimit(t *testing.T) {
	m, _ := startManager(t, Limits{MaxAlerts: 100, MaxAlertsPerName: 100, MaxAggregationGroups: 3})
	var batch []*alert.Alert
	for i := range 6 {
		batch = append(batch, firing(fmt.Sprintf("Alert%d", i), 0))
	}
	if err := m.alerts.Put(context.Background(), batch...); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		groups, _, err := m.groups(context.Background(), func(*dispatch.Route) bool { return true },
			func(*alert.Alert, time.Time) (alert.AlertStatus, bool) { return alert.AlertStatus{}, true })
		if err != nil {
			t.Fatal(err)
		}
		return len(groups)
	}
	for deadline := time.Now().Add(10 * time.Second); count() < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	// Give the dispatcher time to (wrongly) open more.
	time.Sleep(200 * time.Millisecond)
	groups := count()
	if groups != 3 {
		t.Errorf("%d aggregation groups, want the limit 3", groups)
	}
}

// counterValue returns the value of the unlabelled counter name in reg.
func counterValue(tb testing.TB, reg *prometheus.Registry, name string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	tb.Fatalf("no counter %s", name)
	return 0
}

// BenchmarkAlertMemory reports the heap one stored alert costs across
// the store, the dispatcher's aggregation groups and the markers: the
// basis of DefaultLimits. Run: go test ./alerting -run '^$' -bench AlertMemory -benchtime 1x
func BenchmarkAlertMemory(b *testing.B) {
	const n = 10_000
	for range b.N {
		m, _ := startManager(b, DefaultLimits())
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		batch := make([]*alert.Alert, 0, 1000)
		for i := range n {
			a := firing(fmt.Sprintf("Alert%d", i%4), i)
			for j := range 7 {
				a.Labels[model.LabelName(fmt.Sprintf("label_%d", j))] = model.LabelValue(fmt.Sprintf("value-%d-%d", j, i))
			}
			a.Annotations["description"] = model.LabelValue(strings.Repeat("d", 200))
			a.GeneratorURL = "http://ward.example/graph?g0.expr=up"
			batch = append(batch, a)
			if len(batch) == cap(batch) {
				if err := m.alerts.Put(context.Background(), batch...); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		// Let the dispatcher take them all into groups.
		time.Sleep(2 * time.Second)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/alert")
	}
}
