package backups

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/dashboard"
)

// TestBackupsBoardReadsTheSeries (T20): the built-in backups board's size
// and drill panels draw the series ward exports, one line per job or
// stanza (and per measured/predicted/target), each line carrying every
// label its legend names.
func TestBackupsBoardReadsTheSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	jm := newJobMetrics(reg)
	dm := newDrillMetrics(reg)
	h := newRuleHarness(t, reg)
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	jm.finished(Run{Job: "nightly", State: StateSuccess, Started: now.Add(-time.Hour), Finished: now, Bytes: 3 << 20})
	jm.inventory(StanzaStatus{Name: "main", Backups: []Backup{{Label: "20260320-020000F", Size: 5 << 20}}})
	dm.target("main", 4*time.Hour)
	dm.observe(Run{Kind: KindDrill, Stanza: "main", State: StateSuccess, Finished: now,
		Drill: &DrillResult{RTO: 20 * time.Minute, Predicted: 25 * time.Minute}})
	at := h.scrape(now)

	boards, err := dashboard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	b, ok := dashboard.Find(boards, "backups")
	if !ok {
		t.Fatal("no built-in board backups")
	}
	want := map[string]int{"size-jobs": 1, "size-stanzas": 1, "drill-rto": 3}
	legendLabel := regexp.MustCompile(`\{\{\s*([A-Za-z_]+)\s*\}\}`)
	for _, p := range b.Panels {
		n, check := want[p.ID]
		if !check {
			continue
		}
		delete(want, p.ID)
		q, err := h.eng.NewInstantQuery(context.Background(), h.db, nil, dashboard.ExpandRateInterval(p.Expr, dashboard.DefaultRateInterval), at)
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		vec, err := q.Exec(context.Background()).Vector()
		q.Close()
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		if len(vec) != n {
			t.Errorf("%s: %d lines, want %d: %v", p.ID, len(vec), n, vec)
		}
		for _, s := range vec {
			for _, m := range legendLabel.FindAllStringSubmatch(p.Legend, -1) {
				if s.Metric.Get(m[1]) == "" {
					t.Errorf("%s: line %s lacks %s, which its legend %q names", p.ID, s.Metric, m[1], p.Legend)
				}
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("board lacks panels %v", want)
	}
}
