package ruletest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"

	wardrules "github.com/ward-monitoring/ward/rules"
)

// groupEnv is what a test group takes from its file and from Options.
type groupEnv struct {
	ruleFiles           []string
	evalInterval        time.Duration
	groupOrder          map[string]int
	floatEqual          func(a, b float64) bool
	diff                bool
	ignoreUnknownFields bool
	parser              parser.Parser
}

// run loads the group's input series, evaluates the rule files every
// evaluation interval from the start up to the last eval_time, checks the
// alert expectations as the evaluation passes their eval_time, and finally
// checks the PromQL expectations against the resulting storage.
//
// It stops early, as promtool does, on a setup problem (series notation,
// rule files) or on a rule evaluation error; expectation failures are
// collected.
func (tg *testGroup) run(ctx context.Context, env groupEnv) (errs []error) {
	suite, err := promqltest.NewLazyLoader(tg.loadCommand(), promqltest.LazyLoaderOpts{
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		StartTime:            tg.StartTimestamp.Time,
		Parser:               env.parser,
	})
	if err != nil {
		return []error{tg.wrap(tg.seriesError(err))}
	}
	defer func() {
		if err := suite.Close(); err != nil {
			errs = append(errs, err)
		}
	}()
	// Subqueries without a step (x[5m:]) use the evaluation interval, as the
	// rule manager does with the global evaluation_interval.
	suite.SubqueryInterval = env.evalInterval

	mgr := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(suite.QueryEngine(), suite.Storage()),
		AppendableV2: suite.Storage(),
		Context:      ctx,
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       slog.New(slog.DiscardHandler),
		Parser:       env.parser,
		// ward's loader: rule files may carry `evaluation:`.
		GroupLoader: wardrules.NewGroupLoader(env.parser),
	})
	loaded, loadErrs := mgr.LoadGroups(time.Duration(tg.Interval), tg.ExternalLabels, tg.ExternalURL,
		nil, env.ignoreUnknownFields, env.ruleFiles...)
	if len(loadErrs) > 0 {
		return loadErrs
	}
	groups := orderedGroups(loaded, env.groupOrder)
	for _, g := range groups {
		for _, ar := range g.AlertingRules() {
			// A fresh manager would first restore `for` state from the
			// ALERTS_FOR_STATE series; there is none here, so mark the rules
			// restored and they write ALERTS from the first evaluation.
			ar.SetRestored(true)
		}
	}

	schedule, err := newAlertSchedule(tg.AlertRuleTests)
	if err != nil {
		return []error{tg.wrap(err)}
	}

	start := tg.start()
	end := start.Add(tg.maxEvalTime())
	for ts := start; !ts.After(end); ts = ts.Add(env.evalInterval) {
		if err := ctx.Err(); err != nil {
			return append(errs, err)
		}
		if evalErrs := evalAt(ctx, suite, groups, ts, start); len(evalErrs) > 0 {
			// Later expectations would only report the same fault again.
			return append(errs, evalErrs...)
		}
		for _, evalTime := range schedule.due(ts.Sub(start), env.evalInterval) {
			errs = append(errs, tg.checkAlerts(groups, schedule.cases[evalTime], env)...)
		}
	}

	for _, tc := range tg.PromqlExprTests {
		if err := tg.checkExpr(ctx, suite, tc, start, env); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// evalAt makes the input samples up to ts visible and evaluates every group
// once at ts, in order. It returns the load error or every rule that failed.
func evalAt(ctx context.Context, suite *promqltest.LazyLoader, groups []*rules.Group, ts, start time.Time) []error {
	var errs []error
	suite.WithSamplesTill(ts, func(err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, g := range groups {
			g.Eval(ctx, ts)
			for _, r := range g.Rules() {
				if err := r.LastError(); err != nil {
					errs = append(errs, fmt.Errorf("    rule: %s, time: %s, err: %w", r.Name(), ts.Sub(start), err))
				}
			}
		}
	})
	return errs
}

// loadCommand renders the input series as a promqltest `load` command, the
// one place the expanding notation (1+1x10, _, stale, histograms) is parsed.
func (tg *testGroup) loadCommand() string {
	var b strings.Builder
	fmt.Fprintf(&b, "load %s\n", tg.Interval)
	for _, s := range tg.InputSeries {
		fmt.Fprintf(&b, "  %s %s\n", s.Series, s.Values)
	}
	return b.String()
}

// seriesError names the input series a load error is about, when it can
// tell: line n of the load command is input_series[n-1].
func (tg *testGroup) seriesError(err error) error {
	line := -1
	if perr, ok := errors.AsType[*parser.ParseErr](err); ok {
		line = perr.LineOffset
	} else if perrs, ok := errors.AsType[parser.ParseErrors](err); ok && len(perrs) > 0 {
		line = perrs[0].LineOffset
	}
	// A value with a line break shifts the lines; then say no more than promtool.
	multiline := strings.Count(tg.loadCommand(), "\n") != len(tg.InputSeries)+1
	if line < 1 || line > len(tg.InputSeries) || multiline {
		return fmt.Errorf("input_series: %w", err)
	}
	s := tg.InputSeries[line-1]
	return fmt.Errorf("input_series[%d] (series %q, values %q): %w", line-1, s.Series, s.Values, err)
}

// start is the time of the group's first evaluation, eval_time 0.
func (tg *testGroup) start() time.Time {
	if tg.StartTimestamp.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return tg.StartTimestamp.Time
}

// maxEvalTime is the latest eval_time of any expectation in the group.
func (tg *testGroup) maxEvalTime() time.Duration {
	var latest model.Duration
	for _, tc := range tg.AlertRuleTests {
		latest = max(latest, tc.EvalTime)
	}
	for _, tc := range tg.PromqlExprTests {
		latest = max(latest, tc.EvalTime)
	}
	return time.Duration(latest)
}

// wrap names the group in a setup error, when it has a name.
func (tg *testGroup) wrap(err error) error {
	if tg.Name == "" {
		return err
	}
	return fmt.Errorf("test group %q: %w", tg.Name, err)
}

// nameLine starts an expectation failure with the group's name, if it has one,
// so failures from different groups of one file can be told apart.
func (tg *testGroup) nameLine() string {
	if tg.Name == "" {
		return ""
	}
	return fmt.Sprintf("    name: %s,\n", tg.Name)
}

// orderedGroups sorts the loaded rule groups by their position in
// group_eval_order. Like promtool, a group not listed there sorts with the
// first listed group; unlike promtool, ties are broken by file and name
// rather than by map order, so a run is repeatable.
func orderedGroups(loaded map[string]*rules.Group, order map[string]int) []*rules.Group {
	groups := slices.Collect(maps.Values(loaded))
	slices.SortFunc(groups, func(a, b *rules.Group) int {
		return cmp.Or(
			cmp.Compare(order[a.Name()], order[b.Name()]),
			strings.Compare(a.File(), b.File()),
			strings.Compare(a.Name(), b.Name()),
		)
	})
	return groups
}
