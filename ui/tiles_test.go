package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/checks"
)

// TestTiles: each tile's level and rows from the series and checks it
// reads; a tile with nothing to read says no data.
func TestTiles(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	series := map[string]promql.Vector{
		appRequests: {{Metric: labels.FromStrings("job", "shop"), F: 10}, {Metric: labels.FromStrings("job", "api"), F: 4}},
		appErrors:   {{Metric: labels.FromStrings("job", "shop"), F: 0.5}, {Metric: labels.FromStrings("job", "api"), F: 0}},
		appP95:      {{Metric: labels.FromStrings("job", "shop"), F: 0.25}, {Metric: labels.FromStrings("job", "api"), F: 2}},
		tlsExpiry:   {{Metric: labels.FromStrings("check", "shop"), F: (3 * 24 * time.Hour).Seconds()}},
		probeTLS:    {{Metric: labels.FromStrings("instance", "https://blog"), F: (90 * 24 * time.Hour).Seconds()}},
		"pg_up":     {{Metric: labels.FromStrings("instance", "db:9187"), F: 0}},
	}
	s := &Server{deps: Deps{Query: func(_ context.Context, expr string, _ time.Time) (promql.Vector, error) {
		return series[expr], nil
	}}}
	h := checks.Health{Checks: []checks.Result{
		{Check: "cache", Kind: "redis", Critical: true, Status: checks.StatusDown, Error: "timeout"},
		{Check: "db", Kind: "postgres", Status: checks.StatusUp, Details: "PostgreSQL 16"},
	}}
	tiles := map[string]tile{}
	for _, tl := range s.tiles(context.Background(), now, h, WardStatus{HeadSeries: 1234}) {
		tiles[tl.ID] = tl
	}
	for _, tc := range []struct {
		id     string
		level  level
		noData bool
		rows   []string // "label=value" substrings, in order
	}{
		// shop: 5% errors is Down; api: p95 2 s is Degraded.
		{id: "app", level: levelDown, rows: []string{"shop=10 req/s · 5.00% errors · p95 250 ms", "api=4 req/s · 0.00% errors · p95 2000 ms"}},
		// The exporter cannot reach the database although the check can.
		{id: "postgres", level: levelDegraded, rows: []string{"exporter db:9187=down", "db=up: PostgreSQL 16"}},
		{id: "redis", level: levelDown, rows: []string{"cache=failing: timeout"}},
		{id: "s3", noData: true},
		{id: "tls", level: levelDown, rows: []string{"shop=expires in 3d", "https://blog=expires in 90d"}},
		{id: "ward", level: levelOK, rows: []string{"Series in head=1234"}},
	} {
		tl := tiles[tc.id]
		if tl.Level != tc.level || tl.NoData != tc.noData {
			t.Errorf("%s: level %s, no data %v; want %s, %v (rows %+v)", tc.id, tl.Level, tl.NoData, tc.level, tc.noData, tl.Rows)
		}
		if len(tl.Rows) != len(tc.rows) {
			t.Errorf("%s: rows %+v, want %q", tc.id, tl.Rows, tc.rows)
			continue
		}
		for i, want := range tc.rows {
			if got := tl.Rows[i].Label + "=" + tl.Rows[i].Value; !strings.Contains(got, want) {
				t.Errorf("%s row %d: %q, want %q", tc.id, i, got, want)
			}
		}
	}
	// The "not OK only" view keeps the rows that are not OK.
	if rows := tiles["app"].shownRows(true); len(rows) != 2 {
		t.Errorf("app rows not OK: %+v", rows)
	}
	if rows := tiles["postgres"].shownRows(true); len(rows) != 1 || rows[0].Label != "exporter db:9187" {
		t.Errorf("postgres rows not OK: %+v", rows)
	}
}
