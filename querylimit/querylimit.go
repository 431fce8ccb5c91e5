// Package querylimit bounds what one PromQL query through ward's HTTP API
// may cost before Prometheus' engine evaluates it: Guard refuses
// subqueries that would evaluate more steps than allowed, and Queue caps
// how many queries run at once and how long one waits for a slot. Both
// sit between Prometheus' own API handler and engine, so every endpoint
// that evaluates PromQL (query and query_range, GET and POST) passes
// through them and answers in Prometheus' error envelope.
package querylimit

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
)

// Guard is a promql.QueryEngine that refuses, before evaluation, queries
// with a subquery whose steps exceed the limit, and hands every other
// query to the engine it wraps. Prometheus' API answers its refusal as
// bad_data (HTTP 400).
type Guard struct {
	engine    promql.QueryEngine
	parser    parser.Parser
	maxPoints int
	noStep    func(rangeMillis int64) int64
	// maxResult bounds the points of one answer; 0 means no bound.
	maxResult int
}

var _ promql.QueryEngine = (*Guard)(nil)

// NewGuard wraps engine. p must be the engine's own parser and noStep its
// NoStepSubqueryIntervalFn, so that the guard sees each query exactly as
// the engine will evaluate it; maxPoints is the most steps one subquery
// may evaluate.
func NewGuard(engine promql.QueryEngine, p parser.Parser, maxPoints int, noStep func(rangeMillis int64) int64) *Guard {
	return &Guard{engine: engine, parser: p, maxPoints: maxPoints, noStep: noStep}
}

// MaxQueryBytes bounds the text of one query, before anything parses it.
// Prometheus' parser costs grow faster than its input on long chains of
// operators or parentheses (a review: 20 KB of "1+1+…" took 1 GB and
// seconds of CPU to parse, outside the query slots); queries written by
// people and dashboards are far shorter.
const MaxQueryBytes = 16 << 10

// TooLongError refuses a query longer than MaxQueryBytes.
type TooLongError struct{ Bytes int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("query of %d bytes is longer than the limit of %d bytes", e.Bytes, MaxQueryBytes)
}

// NewInstantQuery refuses qs when one of its subqueries is too large and
// otherwise builds the engine's instant query.
func (g *Guard) NewInstantQuery(ctx context.Context, q storage.Queryable, opts promql.QueryOpts, qs string, ts time.Time) (promql.Query, error) {
	if err := g.Check(qs, ts, ts, 0); err != nil {
		return nil, err
	}
	return g.bound(g.engine.NewInstantQuery(ctx, q, opts, qs, ts))
}

// NewRangeQuery refuses qs when one of its subqueries, evaluated across
// [start, end], is too large and otherwise builds the engine's range
// query.
func (g *Guard) NewRangeQuery(ctx context.Context, q storage.Queryable, opts promql.QueryOpts, qs string, start, end time.Time, interval time.Duration) (promql.Query, error) {
	if err := g.Check(qs, start, end, interval); err != nil {
		return nil, err
	}
	return g.bound(g.engine.NewRangeQuery(ctx, q, opts, qs, start, end, interval))
}

// Check parses qs and prepares it as the engine does (duration
// expressions, @ start()/end(), step-invariant parts) for an evaluation
// over [start, end] at interval, then counts each subquery's steps. It
// returns a *TooManyStepsError for the first subquery over the limit.
// A query that does not parse or prepare passes: the engine refuses it
// with its own message.
func (g *Guard) Check(qs string, start, end time.Time, interval time.Duration) error {
	if len(qs) > MaxQueryBytes {
		return &TooLongError{Bytes: len(qs)}
	}
	expr, err := g.parser.ParseExpr(qs)
	if err != nil {
		return nil
	}
	expr, err = promql.PreprocessExpr(expr, start, end, interval)
	if err != nil {
		return nil
	}
	return CheckSteps(expr, end.Sub(start), g.maxPoints, g.noStep)
}
