package querylimit

import (
	"context"
	"fmt"

	"github.com/prometheus/prometheus/promql"
)

// TooLargeResultError refuses an answer with more points than the
// limit. Prometheus' API answers it as an execution error (HTTP 422), as
// it does the engine's own sample limit.
type TooLargeResultError struct {
	Points, Series, Max int
}

func (e *TooLargeResultError) Error() string {
	return fmt.Sprintf("the result has %d points in %d series, more than the limit of %d (query.max_result_points): narrow the selector, aggregate, or use a larger step", e.Points, e.Series, e.Max)
}

// LimitResult makes g refuse answers of more than n points (samples of
// every series together); n <= 0 removes the bound. It returns g.
func (g *Guard) LimitResult(n int) *Guard {
	g.maxResult = n
	return g
}

// bound wraps q so that its result is checked against the limit.
func (g *Guard) bound(q promql.Query, err error) (promql.Query, error) {
	if err != nil || g.maxResult <= 0 {
		return q, err
	}
	return &boundedQuery{Query: q, max: g.maxResult}, nil
}

// boundedQuery is a query whose Exec refuses an oversized result. The
// engine has already bounded evaluation (max_samples); the refusal drops
// the result before the API encodes it, outside the query slots.
type boundedQuery struct {
	promql.Query
	max int
}

func (q *boundedQuery) Exec(ctx context.Context) *promql.Result {
	res := q.Query.Exec(ctx)
	if res.Err != nil {
		return res
	}
	points, series := resultSize(res.Value)
	if points <= q.max {
		return res
	}
	return &promql.Result{Err: &TooLargeResultError{Points: points, Series: series, Max: q.max}, Warnings: res.Warnings}
}

// resultSize counts the points and series of a query's value.
func resultSize(v any) (points, series int) {
	switch v := v.(type) {
	case promql.Matrix:
		for _, s := range v {
			points += len(s.Floats) + len(s.Histograms)
		}
		return points, len(v)
	case promql.Vector:
		return len(v), len(v)
	}
	return 1, 1
}
