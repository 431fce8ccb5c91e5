package querylimit

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/tsdb"
)

// TestLimitResult: an answer over query.max_result_points is refused
// with a message naming the limit; one at the limit passes.
func TestLimitResult(t *testing.T) {
	db, err := tsdb.Open(t.TempDir(), slog.New(slog.DiscardHandler), nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	app := db.Appender(t.Context())
	base := time.Unix(1_700_000_000, 0)
	for i := range 10 {
		ls := labels.FromStrings("__name__", "m", "i", string(rune('a'+i)))
		for s := range 10 {
			if _, err := app.Append(0, ls, base.Add(time.Duration(s)*time.Second).UnixMilli(), float64(s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	run := func(limit int) *promql.Result {
		g := NewGuard(engine, parser.NewParser(parser.Options{}), 11000, nil).LimitResult(limit)
		q, err := g.NewRangeQuery(t.Context(), db, nil, "m", base, base.Add(9*time.Second), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		return q.Exec(t.Context())
	}
	// 10 series × 10 points.
	if res := run(100); res.Err != nil {
		t.Errorf("100 points at a limit of 100: %v", res.Err)
	}
	res := run(99)
	var tooLarge *TooLargeResultError
	if !errors.As(res.Err, &tooLarge) || tooLarge.Points != 100 || tooLarge.Series != 10 || !strings.Contains(res.Err.Error(), "query.max_result_points") {
		t.Errorf("100 points at a limit of 99: %v", res.Err)
	}
	if res := run(0); res.Err != nil {
		t.Errorf("no limit: %v", res.Err)
	}
}
