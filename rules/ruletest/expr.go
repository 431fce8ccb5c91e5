package ruletest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// checkExpr evaluates a promql_expr_test case at its eval_time, after all
// rule evaluations of the group, and compares the result with exp_samples.
func (tg *testGroup) checkExpr(ctx context.Context, suite *promqltest.LazyLoader, tc promqlTestCase, start time.Time, env groupEnv) error {
	prefix := fmt.Sprintf("%s    expr: %q, time: %s", tg.nameLine(), tc.Expr, tc.EvalTime)
	got, err := instantQuery(ctx, suite, tc.Expr, start.Add(time.Duration(tc.EvalTime)))
	if err != nil {
		return fmt.Errorf("%s, err: %w", prefix, err)
	}
	exp, err := tg.expectedSamples(tc, env)
	if err != nil {
		return fmt.Errorf("%s, err: %w", prefix, err)
	}
	if slices.EqualFunc(exp, got, func(a, b sample) bool { return a.equal(b, env.floatEqual) }) {
		return nil
	}
	if env.diff {
		return fmt.Errorf("%s,\n        diff:\n            %s", prefix,
			indent(lineDiff(exp.lines(), got.lines()), "            "))
	}
	return fmt.Errorf("%s,\n        exp: %s\n        got: %s", prefix, exp, got)
}

// instantQuery runs expr at t. A scalar result counts as one sample without
// labels, so `exp_samples: [{labels: '{}', value: 1}]` matches `vector(1)`
// and `1` alike.
func instantQuery(ctx context.Context, suite *promqltest.LazyLoader, expr string, t time.Time) (sampleList, error) {
	q, err := suite.QueryEngine().NewInstantQuery(ctx, suite.Queryable(), nil, expr, t)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	var got sampleList
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			got = append(got, sample{
				Labels:    s.Metric.Copy(),
				Value:     s.F,
				Histogram: promqltest.HistogramTestExpression(s.H),
			})
		}
	case promql.Scalar:
		got = sampleList{{Labels: labels.EmptyLabels(), Value: v.V}}
	default:
		return nil, errors.New("rule result is not a vector or scalar")
	}
	slices.SortStableFunc(got, compareSamples)
	return got, nil
}

// expectedSamples parses a case's exp_samples.
func (tg *testGroup) expectedSamples(tc promqlTestCase, env groupEnv) (sampleList, error) {
	var exp sampleList
	for _, es := range tc.ExpSamples {
		lset, err := env.parser.ParseMetric(es.Labels)
		if err != nil {
			return nil, fmt.Errorf("labels %q: %w", es.Labels, err)
		}
		s := sample{Labels: lset, Value: es.Value}
		if es.Histogram != "" {
			_, values, err := env.parser.ParseSeriesDesc("{} " + es.Histogram)
			switch {
			case err != nil:
			case len(values) != 1:
				err = fmt.Errorf("expected 1 value, got %d", len(values))
			case values[0].Histogram == nil:
				err = fmt.Errorf("expected histogram, got %v", values[0])
			default:
				s.Histogram = promqltest.HistogramTestExpression(values[0].Histogram)
			}
			if err != nil {
				return nil, fmt.Errorf("labels %q: %w", es.Labels, err)
			}
		}
		exp = append(exp, s)
	}
	slices.SortStableFunc(exp, compareSamples)
	return exp, nil
}

// sample is one query result as a test compares it. Histogram holds a
// native histogram in series notation and is empty for a float sample.
type sample struct {
	Labels    labels.Labels
	Value     float64
	Histogram string
}

// equal compares two samples; floatEqual decides how close values must be.
// NaN never equals NaN, as in promtool.
func (s sample) equal(o sample, floatEqual func(a, b float64) bool) bool {
	return labels.Equal(s.Labels, o.Labels) && floatEqual(s.Value, o.Value) && s.Histogram == o.Histogram
}

func (s sample) String() string {
	if s.Histogram != "" {
		return s.Labels.String() + " " + s.Histogram
	}
	return s.Labels.String() + " " + strconv.FormatFloat(s.Value, 'E', -1, 64)
}

func compareSamples(a, b sample) int { return labels.Compare(a.Labels, b.Labels) }

// sampleList is a list of samples sorted by labels.
type sampleList []sample

// String renders the list the way promtool prints it in a failure.
func (l sampleList) String() string {
	if len(l) == 0 {
		return "nil"
	}
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// lines renders one sample per line, for diffing.
func (l sampleList) lines() []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = s.String()
	}
	return out
}
