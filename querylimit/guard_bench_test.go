package querylimit

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
)

// BenchmarkQueryGuard measures what the guard adds to each API query: a
// second parse and preparation of the query plus the walk, for the
// queries of bench/measure's dashboard as range queries over an hour at
// a 15s step. For scale, "engine-parse" is the same parse and
// preparation alone, which the engine does anyway.
func BenchmarkQueryGuard(b *testing.B) {
	end := time.Now()
	start := end.Add(-time.Hour)
	p := parser.NewParser(parser.Options{})
	g := NewGuard(nil, p, 11_000, oneMinute)
	for _, q := range []struct{ name, query string }{
		{"rate_by_code", `sum by (code) (rate(http_requests_total[5m]))`},
		{"p95_latency", `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`},
		{"top5_errors", `topk(5, sum by (job, handler) (rate(http_requests_total{code=~"5.."}[5m])))`},
		{"nested_subquery", `max_over_time(rate(http_requests_total[5m:1m])[1h:5m])`},
	} {
		b.Run(q.name+"/guard", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Check(q.query, start, end, 15*time.Second); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(q.name+"/engine-parse", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				expr, err := p.ParseExpr(q.query)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := promql.PreprocessExpr(expr, start, end, 15*time.Second); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
