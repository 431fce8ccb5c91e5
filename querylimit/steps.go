package querylimit

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// TooManyStepsError refuses a subquery that would evaluate more steps
// than the limit.
type TooManyStepsError struct {
	// Subquery is the offending subquery as PromQL, shortened.
	Subquery string
	// Steps is how many steps the engine would evaluate it at.
	Steps float64
	// Span is the time it would be evaluated across: its range plus the
	// span of the evaluation enclosing it.
	Span time.Duration
	// Step is its resolution.
	Step  time.Duration
	Limit int
}

func (e *TooManyStepsError) Error() string {
	return fmt.Sprintf("subquery %s would evaluate %.0f steps (%s at a %s step), more than the limit of %d points per subquery (query.max_points_per_subquery); use a larger step or a shorter range",
		e.Subquery, e.Steps, model.Duration(e.Span), model.Duration(e.Step), e.Limit)
}

// CheckSteps walks expr, prepared as the engine prepares it
// (promql.PreprocessExpr), and returns a *TooManyStepsError for the first
// subquery whose steps exceed maxPoints. span is the width of the
// top-level evaluation (end-start of a range query, 0 for an instant
// query); noStep gives the step of a subquery written without one, from
// its range in milliseconds, as the engine's NoStepSubqueryIntervalFn.
//
// The count follows what the engine allocates. It evaluates a subquery
// once, in a child evaluator whose step grid covers the enclosing
// evaluation's whole span plus the subquery's range, and it allocates
// per-step bookkeeping and result points for every step of that grid
// before any sample limit applies. So the steps of nested subqueries do
// not multiply; their spans add up: in max_over_time(rate(x[5m:1s])[3h:1m])
// the inner subquery runs over 3h5m at 1s, 11,100 steps, though its own
// range is 300 steps. A subquery with @ (or inside a step-invariant part)
// is evaluated once, over its range alone.
func CheckSteps(expr parser.Expr, span time.Duration, maxPoints int, noStep func(rangeMillis int64) int64) error {
	v := &stepCounter{spanMs: float64(span.Milliseconds()), max: maxPoints, noStep: noStep}
	return parser.Walk(v, expr, nil)
}

// stepCounter visits one evaluation span: the nodes it hands its children
// carry the span the engine evaluates those children across.
type stepCounter struct {
	// spanMs is the enclosing evaluation's span in milliseconds; float64
	// because nested ranges of up to 292 years each overflow int64 sums.
	spanMs float64
	max    int
	noStep func(rangeMillis int64) int64
}

func (v *stepCounter) Visit(node parser.Node, _ []parser.Node) (parser.Visitor, error) {
	switch n := node.(type) {
	case *parser.StepInvariantExpr:
		// Evaluated at one timestamp whatever the enclosing span.
		return v.child(0), nil
	case *parser.SubqueryExpr:
		span := v.spanMs
		if n.Timestamp != nil {
			span = 0
		}
		span += float64(n.Range.Milliseconds())
		stepMs := n.Step.Milliseconds()
		if n.Step == 0 {
			stepMs = v.noStep(n.Range.Milliseconds())
		}
		if stepMs <= 0 {
			// A sub-millisecond step: the engine's grid is in whole
			// milliseconds; count it as the finest it can be.
			stepMs = 1
		}
		if steps := math.Floor(span / float64(stepMs)); steps > float64(v.max) {
			return nil, &TooManyStepsError{
				Subquery: shorten(n.String(), 200),
				Steps:    steps,
				Span:     durationMs(span),
				Step:     time.Duration(stepMs) * time.Millisecond,
				Limit:    v.max,
			}
		}
		return v.child(span), nil
	}
	return v, nil
}

func (v *stepCounter) child(spanMs float64) *stepCounter {
	if spanMs == v.spanMs {
		return v
	}
	c := *v
	c.spanMs = spanMs
	return &c
}

// durationMs converts milliseconds to a Duration, saturating at the
// largest one.
func durationMs(ms float64) time.Duration {
	if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
		return math.MaxInt64
	}
	return time.Duration(ms) * time.Millisecond
}

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
