package querylimit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
)

// oneMinute is the step of a subquery written without one in these
// tests (ward's evaluation interval).
func oneMinute(int64) int64 { return time.Minute.Milliseconds() }

func newTestGuard(maxPoints int) *Guard {
	return NewGuard(nil, parser.NewParser(parser.Options{}), maxPoints, oneMinute)
}

func TestCheckSteps(t *testing.T) {
	const limit = 11_000
	t0 := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name  string
		query string
		// span and step of a range query; zero for an instant query.
		span, step time.Duration
		// steps is the refused subquery's count; 0 means accepted.
		steps float64
		// sub is part of the refused subquery's text.
		sub string
	}{
		{name: "no subquery", query: `sum by (job) (rate(http_requests_total[5m]))`},
		{name: "range selector of any length", query: `count_over_time(up[100y])`},
		{name: "at the limit", query: `max_over_time(up[11000s:1s])`},
		{name: "one over", query: `max_over_time(up[11001s:1s])`, steps: 11_001, sub: `up[3h3m21s:1s]`},
		{name: "100 years at 1s", query: `count_over_time(vector(1)[100y:1s])`, steps: 3_153_600_000, sub: `vector(1)[100y:1s]`},
		{name: "180 days at 1s", query: `count_over_time(vector(1)[180d:1s])`, steps: 15_552_000},
		{name: "default step", query: `max_over_time(up[7d:])`, steps: 0},
		{name: "default step over", query: `max_over_time(up[8d:])`, steps: 11_520},
		// The outer subquery alone is 2,592,000 steps: refused first.
		{name: "nested, outer too big", query: `max_over_time(rate(up[5m:1s])[30d:1s])`, steps: 2_592_000, sub: `[30d:1s]`},
		// Each range alone is small (180 and 300 steps); the inner one
		// is evaluated across the outer's 3h plus its own 5m.
		{name: "nested, spans add up", query: `max_over_time(rate(up[5m:1s])[3h:1m])`, steps: 11_100, sub: `up[5m:1s]`},
		{name: "nested, within", query: `max_over_time(rate(up[5m:1s])[2h:1m])`},
		{name: "three levels", query: `max_over_time(max_over_time(max_over_time(up[1m:1s])[1h:1m])[2h:1h])`, steps: 3*3600 + 60, sub: `up[1m:1s]`},
		// A range query's span is part of every subquery's.
		{name: "range query", query: `max_over_time(up[1h:1s])`, span: 3 * time.Hour, step: time.Minute, steps: 4 * 3600, sub: `up[1h:1s]`},
		{name: "range query within", query: `max_over_time(up[1h:1m])`, span: 24 * time.Hour, step: time.Minute},
		// @ fixes the window: evaluated once, whatever the range query.
		{name: "@ in a range query", query: `max_over_time(up[1h:1s] @ 1700000000)`, span: 30 * 24 * time.Hour, step: time.Hour},
		{name: "@ end()", query: `max_over_time(up[1h:1s] @ end())`, span: 30 * 24 * time.Hour, step: time.Hour},
		{name: "@ too big", query: `max_over_time(up[100y:1s] @ 0)`, steps: 3_153_600_000},
		{name: "inside @, spans from the fixed window", query: `max_over_time(rate(up[5m:1s])[3h:1m] @ 0)`, span: 30 * 24 * time.Hour, step: time.Hour, steps: 11_100},
		{name: "offset does not change steps", query: `max_over_time(up[11000s:1s] offset 1y)`},
		// Duration expressions are resolved as the engine resolves them.
		{name: "duration expression", query: `count_over_time(vector(1)[100y * 1:1s])`, steps: 3_153_600_000},
		{name: "range() expression", query: `count_over_time(vector(1)[range():1s])`, span: 5 * time.Hour, step: time.Hour, steps: 10 * 3600},
		{name: "step() expression", query: `count_over_time(vector(1)[1h:step()])`, span: time.Hour, step: time.Second},
		{name: "sub-millisecond step", query: `count_over_time(vector(1)[1h:0.0001])`, steps: 3_600_000},
		{name: "in a binary expression", query: `up + on() group_left count_over_time(vector(1)[1d:1s])`, steps: 86_400},
		{name: "in an aggregation parameter", query: `topk(scalar(count_over_time(vector(1)[1d:1s])), up)`, steps: 86_400},
		// Sums of ranges near the parser's maximum must not overflow.
		{name: "nested huge ranges", query: `max_over_time(max_over_time(max_over_time(vector(1)[290y:290y])[290y:290y])[290y:290y])`, steps: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end := t0.Add(-tc.span), t0
			err := newTestGuard(limit).Check(tc.query, start, end, tc.step)
			if tc.steps <= limit {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var tooMany *TooManyStepsError
			if !errors.As(err, &tooMany) {
				t.Fatalf("err = %v, want a TooManyStepsError", err)
			}
			if tooMany.Steps != tc.steps || tooMany.Limit != limit {
				t.Errorf("steps %.0f limit %d, want %.0f and %d", tooMany.Steps, tooMany.Limit, tc.steps, limit)
			}
			if !strings.Contains(tooMany.Subquery, tc.sub) {
				t.Errorf("subquery %q does not contain %q", tooMany.Subquery, tc.sub)
			}
			for _, want := range []string{tooMany.Subquery, "11000", "query.max_points_per_subquery"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestCheckLeavesBadQueriesToTheEngine: what does not parse or prepare
// passes the guard, and the engine refuses it with its own message.
func TestCheckLeavesBadQueriesToTheEngine(t *testing.T) {
	g := newTestGuard(10)
	for _, q := range []string{`sum(`, `up[1h:step()]`, ``} {
		if err := g.Check(q, time.Unix(0, 0), time.Unix(0, 0), 0); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

// TestGuardRefusesBeforeTheEngine checks that the guard refuses through
// the promql.QueryEngine interface, so Prometheus' API answers bad_data,
// and hands an accepted query to the engine.
func TestGuardRefusesBeforeTheEngine(t *testing.T) {
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1000, Timeout: time.Minute, NoStepSubqueryIntervalFn: oneMinute})
	g := NewGuard(engine, parser.NewParser(parser.Options{}), 100, oneMinute)
	empty := storage.QueryableFunc(func(int64, int64) (storage.Querier, error) { return storage.NoopQuerier(), nil })
	now := time.Now()
	if _, err := g.NewInstantQuery(t.Context(), empty, nil, `count_over_time(vector(1)[101s:1s])`, now); err == nil {
		t.Error("instant query with a 101-step subquery accepted")
	}
	if _, err := g.NewRangeQuery(t.Context(), empty, nil, `count_over_time(vector(1)[1s:1s])`, now.Add(-100*time.Second), now, time.Second); err == nil {
		t.Error("range query with a 101-step subquery accepted")
	}
	q, err := g.NewInstantQuery(t.Context(), empty, nil, `count_over_time(vector(1)[100s:1s])`, now)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	res := q.Exec(t.Context())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := res.Value.String(); !strings.Contains(got, "=> 100 @") {
		t.Errorf("result %s, want a count of 100", got)
	}
}

// TestLongQueryRefusedBeforeParsing: a query past MaxQueryBytes is
// refused without being parsed (20 KB of "1+1+…" took 1 GB to parse).
func TestLongQueryRefusedBeforeParsing(t *testing.T) {
	g := NewGuard(nil, parser.NewParser(parser.Options{}), 11000, func(int64) int64 { return 1000 })
	long := strings.Repeat("1+", 10_000) + "1"
	start := time.Now()
	err := g.Check(long, start, start, 0)
	var tl *TooLongError
	if !errors.As(err, &tl) || tl.Bytes != len(long) {
		t.Fatalf("%d-byte query: %v, want a TooLongError", len(long), err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusing took %s: it was parsed", d)
	}
	if err := g.Check(strings.Repeat("1+", 100)+"1", start, start, 0); err != nil {
		t.Fatalf("a short query: %v", err)
	}
}
