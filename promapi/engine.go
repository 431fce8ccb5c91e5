package promapi

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/querylimit"
	"github.com/ward-monitoring/ward/rules"
)

// Engines says how ward builds its PromQL engines: the query section's
// limits, applied here and nowhere else, and what every engine shares.
type Engines struct {
	Query      config.Query
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// EvalInterval is the global evaluation interval, the step of a
	// subquery written without one, as in Prometheus. It is read at each
	// query, so that a reload applies.
	EvalInterval func() time.Duration
}

// noStep is the engine's NoStepSubqueryIntervalFn.
func (e Engines) noStep(int64) int64 { return e.EvalInterval().Milliseconds() }

// Options returns the options of the engine called name, with the query
// section's timeout, sample limit and lookback. Engines export
// Prometheus' engine metrics, told apart by an engine label.
func (e Engines) Options(name string) promql.EngineOpts {
	return promql.EngineOpts{
		Logger:                   e.Logger.With("component", "query engine", "engine", name),
		Reg:                      prometheus.WrapRegistererWith(prometheus.Labels{"engine": name}, e.Registerer),
		MaxSamples:               e.Query.MaxSamples,
		Timeout:                  time.Duration(e.Query.Timeout),
		LookbackDelta:            time.Duration(e.Query.LookbackDelta),
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		NoStepSubqueryIntervalFn: e.noStep,
		Parser:                   rules.NewParser(),
	}
}

// NewRuleEngine returns the engine rule evaluation uses. It has the
// API's limits but not its query slots: API queries waiting for a slot,
// or holding every slot, never delay an alert.
func (e Engines) NewRuleEngine() *promql.Engine {
	return promql.NewEngine(e.Options("rules"))
}

// newQueryEngine returns the engine behind the API and the guarded
// engine to hand the API. Each query takes one of query.max_concurrency
// slots, waiting at most query.max_queue_wait (querylimit.Queue); the
// slots are recorded in dataDir/queries.active, so that after a crash
// the next start logs what was running. Queries with oversized
// subqueries are refused before evaluation (querylimit.Guard).
func (e Engines) newQueryEngine(dataDir string) (*promql.Engine, promql.QueryEngine, error) {
	tracker, err := promql.NewActiveQueryTracker(dataDir, e.Query.MaxConcurrency, e.Logger.With("component", "query engine"))
	if err != nil {
		return nil, nil, fmt.Errorf("query tracker: %w", err)
	}
	opts := e.Options("query")
	opts.ActiveQueryTracker = querylimit.NewQueue(tracker, time.Duration(e.Query.MaxQueueWait))
	engine := promql.NewEngine(opts)
	guard := querylimit.NewGuard(engine, opts.Parser, e.Query.MaxPointsPerSubquery, e.noStep).LimitResult(e.Query.MaxResultPoints)
	return engine, guard, nil
}
