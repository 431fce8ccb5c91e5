package ratelimit

import (
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ward-monitoring/ward/querylimit"
)

// Query costs, in bucket units: an `up` at one instant costs 1, and a
// query costs more the longer the span of data it reads and the more
// points it returns:
//
//	cost = 1 + ceil(sqrt(span in days)) + floor(points / 1000)
//
// span is what the query reads: end - start (range queries, series,
// labels, label values and exemplars; an instant query has none) plus
// the expression's own reach, the largest range selector or subquery
// range with its offset and @ distance (count_over_time(up[30d]) reads
// 30 days at one instant). points is span / step + 1 for range queries.
// The span term grows with the square root, so that a person paging
// through 30-day charts stays far inside the budget while a 30-day query
// still costs several `up`s. A series or label lookup without start
// reads the whole database and is charged UnboundedSpan. A time, step or
// reach outside what ward can read (Prometheus may accept more) costs
// MaxCost. The cost is capped at MaxCost; a limiter also caps it at its
// burst, so any one query can pass a full bucket. Grafana's panels over
// 6h at a 15 s step cost 3; a 30-day range query at a 1h step costs 7,
// at one point per pixel of a 1,280 px chart 8.
const (
	UnboundedSpan = 7 * 24 * time.Hour
	MaxCost       = 1000
	costPerPoints = 1000
)

// QueryKind says which of Prometheus' query endpoints a request is for.
type QueryKind int

const (
	// Instant is /api/v1/query.
	Instant QueryKind = iota
	// Range is /api/v1/query_range.
	Range
	// Lookup is series, labels, label values and exemplars: spans
	// without a step.
	Lookup
)

// QueryCost is the cost of a query with the form values v (query, start,
// end, step and time, in Prometheus' formats: RFC 3339 or Unix seconds,
// and durations or seconds). A time that is set but does not parse, or
// lies beyond ward's bounds, costs MaxCost: Prometheus accepts some that
// ward cannot read. A step that does not parse adds no points term. An expression that does not parse reaches
// nothing: the engine, with the same parser, refuses it unread.
func QueryCost(k QueryKind, v url.Values, now time.Time) int {
	end, ok := timeOr(v.Get("end"), now)
	if !ok {
		return MaxCost
	}
	var start time.Time
	step := time.Duration(0)
	switch k {
	case Instant:
		if end, ok = timeOr(v.Get("time"), now); !ok {
			return MaxCost
		}
		start = end
	case Range:
		if start, ok = timeOr(v.Get("start"), end); !ok {
			return MaxCost
		}
		// A step ward cannot read is absent, refused or so long that
		// the points term is 0: only the span is charged.
		step, _ = parseDuration(v.Get("step"))
	case Lookup:
		if v.Get("start") == "" {
			return spanCost(UnboundedSpan, 0)
		}
		if start, ok = timeOr(v.Get("start"), end); !ok {
			return MaxCost
		}
	}
	span := max(end.Sub(start), 0)
	if span > maxReach {
		return MaxCost
	}
	if k != Lookup {
		reach, ok := exprReach(v.Get("query"), start, end, step)
		if !ok {
			return MaxCost
		}
		span += reach
	}
	points := 0.0
	if k == Range && step > 0 {
		points = end.Sub(start).Seconds()/step.Seconds() + 1
	}
	return spanCost(span, points)
}

func spanCost(span time.Duration, points float64) int {
	c := 1 + math.Ceil(math.Sqrt(span.Hours()/24)) + math.Floor(points/costPerPoints)
	if c > MaxCost || math.IsNaN(c) || span < 0 {
		return MaxCost
	}
	return int(c)
}

// timeOr reads the time s, or def when s is empty; ok is false when s is
// set but unreadable.
func timeOr(s string, def time.Time) (time.Time, bool) {
	if s == "" {
		return def, true
	}
	return parseTime(s)
}

// maxReach bounds an expression's reach: past it the cost is MaxCost.
const maxReach = 100 * 365 * 24 * time.Hour

// exprParser parses as the query engine does (promapi's engine uses
// rules.NewParser, the default options).
var exprParser = parser.NewParser(parser.Options{})

// exprReach is how far back (or forward) beyond the query's own span qs
// reads: range selectors and subqueries with their offsets and @ times,
// nested subqueries summed. ok is false when the reach is beyond
// maxReach. A query over querylimit.MaxQueryBytes is not parsed (the
// guard refuses it), nor costed for its reach.
func exprReach(qs string, start, end time.Time, step time.Duration) (time.Duration, bool) {
	if qs == "" || len(qs) > querylimit.MaxQueryBytes {
		return 0, true
	}
	expr, err := exprParser.ParseExpr(qs)
	if err != nil {
		return 0, true
	}
	if expr, err = promql.PreprocessExpr(expr, start, end, step); err != nil {
		return 0, true
	}
	r := reach(expr, start, end)
	return r, r <= maxReach
}

// reach is node's reach (exprReach), saturating at maxReach+1.
func reach(node parser.Node, start, end time.Time) time.Duration {
	var own time.Duration
	var inner []parser.Node
	switch n := node.(type) {
	case *parser.MatrixSelector:
		own = n.Range
		inner = []parser.Node{n.VectorSelector}
	case *parser.VectorSelector:
		own = abs(n.OriginalOffset) + atReach(n.Timestamp, start, end)
	case *parser.SubqueryExpr:
		own = n.Range + abs(n.OriginalOffset) + atReach(n.Timestamp, start, end)
		inner = []parser.Node{n.Expr}
	default:
		inner = parser.Children(node)
	}
	var most time.Duration
	for _, c := range inner {
		most = max(most, reach(c, start, end))
	}
	return sat(sat(own) + most)
}

// atReach is how far an @ time lies outside [start, end].
func atReach(ts *int64, start, end time.Time) time.Duration {
	if ts == nil {
		return 0
	}
	at := time.UnixMilli(*ts)
	switch {
	case at.Before(start):
		return sat(start.Sub(at))
	case at.After(end):
		return sat(at.Sub(end))
	}
	return 0
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return sat(-d)
	}
	return sat(d)
}

// sat clamps d to [0, maxReach+1], so that sums cannot overflow.
func sat(d time.Duration) time.Duration {
	if d < 0 || d > maxReach {
		return maxReach + 1
	}
	return d
}

// maxSeconds bounds parsed times and durations well inside time.Duration
// (about 292 years).
const maxSeconds = 1 << 32

// parseTime reads Prometheus' API time: Unix seconds with a fraction, or
// RFC 3339.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.Abs(f) > maxSeconds*16 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil && math.Abs(float64(t.Unix())) <= maxSeconds*16
}

// parseDuration reads Prometheus' API step: seconds with a fraction, or
// a Prometheus duration (5m, 1d).
func parseDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || f <= 0 || f > maxSeconds {
			return 0, false
		}
		return time.Duration(f * float64(time.Second)), true
	}
	d, err := model.ParseDuration(s)
	return time.Duration(d), err == nil && d > 0
}
