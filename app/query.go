package app

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/querylimit"
	"github.com/ward-monitoring/ward/rules"
)

// newEngines builds the two PromQL engines, with the query section's
// timeout, sample limit and lookback each: one behind the HTTP API and
// one for rule evaluation, so that API queries waiting for a slot, or
// holding every slot, never delay an alert. The API engine takes one of
// query.max_concurrency slots per query (recorded in
// <data>/queries.active: after a crash the next start logs what was
// running) and is wrapped in querylimit's step guard, which refuses
// oversized subqueries before evaluation. It is returned as
// a.queryEngine too, for Run to close.
func (a *App) newEngines(cfg *config.Config) (promql.QueryEngine, *promql.Engine, error) {
	q := cfg.Query
	// A subquery without a step uses the evaluation interval, as in
	// Prometheus; read at each query, so that a reload applies.
	noStep := func(int64) int64 {
		return time.Duration(a.cfg.Load().Prometheus.GlobalConfig.EvaluationInterval).Milliseconds()
	}
	parser := rules.NewParser()
	opts := func(name string) promql.EngineOpts {
		return promql.EngineOpts{
			Logger: a.logger.With("component", "query engine", "engine", name),
			// Both engines export Prometheus' engine metrics, told
			// apart by an engine label.
			Reg:                      prometheus.WrapRegistererWith(prometheus.Labels{"engine": name}, a.reg),
			MaxSamples:               q.MaxSamples,
			Timeout:                  time.Duration(q.Timeout),
			LookbackDelta:            time.Duration(q.LookbackDelta),
			EnableAtModifier:         true,
			EnableNegativeOffset:     true,
			NoStepSubqueryIntervalFn: noStep,
			Parser:                   parser,
		}
	}
	tracker, err := promql.NewActiveQueryTracker(cfg.Storage.Path, q.MaxConcurrency, a.logger.With("component", "query engine"))
	if err != nil {
		return nil, nil, fmt.Errorf("query tracker: %w", err)
	}
	api := opts("query")
	api.ActiveQueryTracker = querylimit.NewQueue(tracker, time.Duration(q.MaxQueueWait))
	a.queryEngine = promql.NewEngine(api)
	guarded := querylimit.NewGuard(a.queryEngine, parser, q.MaxPointsPerSubquery, noStep)
	return guarded, promql.NewEngine(opts("rules")), nil
}
