package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// dashboardQueries are the range queries a ward dashboard typically runs,
// over the synthetic targets' families (see bench/targets). Stable
// queries return the same series from any server scraping the targets;
// topk's series depend on the values, which differ between runs.
var dashboardQueries = []struct {
	Name, Expr string
	Stable     bool
}{
	{"rate_by_code", `sum by (code) (rate(http_requests_total[5m]))`, true},
	{"p95_latency", `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`, true},
	{"up", `up`, true},
	{"queue_by_job", `sum by (job) (app_queue_depth)`, true},
	{"top5_errors", `topk(5, sum by (job, handler) (rate(http_requests_total{code=~"5.."}[5m])))`, false},
}

// queryStats summarise the latencies of one query's repetitions.
type queryStats struct {
	Expr    string    `json:"expr"`
	Reps    int       `json:"reps"`
	Series  int       `json:"result_series"`
	Points  int       `json:"result_points"`
	P50Ms   float64   `json:"p50_ms"`
	P95Ms   float64   `json:"p95_ms"`
	MinMs   float64   `json:"min_ms"`
	MaxMs   float64   `json:"max_ms"`
	MeanMs  float64   `json:"mean_ms"`
	Samples []float64 `json:"samples_ms"`
}

// runQueries times each dashboard query as a range query over the last
// span at step resolution: one untimed round first, then reps rounds in
// which the queries take turns, so drift in the machine's load touches
// all of them alike. Every round uses the same end time.
func runQueries(ctx context.Context, s *server, span, step time.Duration, reps int) (map[string]*queryStats, error) {
	end := time.Now().Truncate(step)
	params := func(expr string) url.Values {
		return url.Values{
			"query": {expr},
			"start": {strconv.FormatInt(end.Add(-span).Unix(), 10)},
			"end":   {strconv.FormatInt(end.Unix(), 10)},
			"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
		}
	}
	out := map[string]*queryStats{}
	for _, q := range dashboardQueries {
		d, err := s.api(ctx, "/api/v1/query_range", params(q.Expr))
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.Name, err)
		}
		st := &queryStats{Expr: q.Expr, Series: len(d.Result)}
		for _, r := range d.Result {
			st.Points += len(r.Values)
		}
		out[q.Name] = st
	}
	for range reps {
		for _, q := range dashboardQueries {
			t0 := time.Now()
			if _, err := s.api(ctx, "/api/v1/query_range", params(q.Expr)); err != nil {
				return nil, fmt.Errorf("query %s: %w", q.Name, err)
			}
			ms := float64(time.Since(t0).Microseconds()) / 1000
			out[q.Name].Samples = append(out[q.Name].Samples, ms)
		}
	}
	for _, st := range out {
		st.summarise()
	}
	return out, nil
}

func (st *queryStats) summarise() {
	st.Reps = len(st.Samples)
	if st.Reps == 0 {
		return
	}
	sorted := slices.Clone(st.Samples)
	slices.Sort(sorted)
	st.P50Ms = percentile(sorted, 0.50)
	st.P95Ms = percentile(sorted, 0.95)
	st.MinMs, st.MaxMs = sorted[0], sorted[len(sorted)-1]
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	st.MeanMs = sum / float64(len(sorted))
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}
