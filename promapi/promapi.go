// Package promapi builds Prometheus' own HTTP API (web/api/v1) for ward,
// behind ward's query limits, and owns what the query: section means for
// a PromQL engine: timeout, lookback, sample limit, concurrency, queue
// wait and subquery steps (Engines). The limits themselves are package
// querylimit, which rule loading shares.
package promapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/grafana/regexp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/route"
	"github.com/prometheus/common/version"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/tsdb"
	apiv1 "github.com/prometheus/prometheus/web/api/v1"

	"github.com/ward-monitoring/ward/querylimit"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/storage"
)

// Options is what the API reads from the running ward.
type Options struct {
	// Engines holds the query section and builds the API's engine.
	Engines Engines
	// DataDir holds queries.active, the record of running queries.
	DataDir string
	// Gatherer serves /api/v1/status/tsdb's metrics and the like.
	Gatherer prometheus.Gatherer
	DB       *tsdb.DB
	Stats    storage.AdminStats
	TSDBDir  string
	Targets  *scrape.Manager
	Rules    *promrules.Manager
	// Config returns the running Prometheus-format configuration.
	Config func() *promconfig.Config
	// Start is when ward started, and LastReload reports whether the
	// last configuration reload succeeded and when one last did, for
	// /api/v1/status/runtimeinfo.
	Start      time.Time
	LastReload func() (ok bool, at time.Time)
	// Listen is the address ward serves on; ExternalURL the one people
	// reach it by.
	Listen      string
	ExternalURL *url.URL
	// Ready reports whether ward has finished starting; before that the
	// API answers 503.
	Ready func() bool
}

// API is Prometheus' /api/v1 handler over its own query engine.
type API struct {
	handler http.Handler
	engine  *promql.Engine
	timeout time.Duration
}

var _ http.Handler = (*API)(nil)

// New builds Prometheus' own /api/v1 handler set, so that the JSON
// shapes, parameters and errors are Prometheus' exactly. Admin,
// remote-write and OTLP endpoints stay disabled. Queries reach a new
// engine through ward's limits (querylimit), which answer in the same
// envelope: an oversized subquery is bad_data (400), a full queue 503
// with Retry-After. Close the API to close the engine's query log.
func New(o Options) (*API, error) {
	engine, guarded, err := o.Engines.newQueryEngine(o.DataDir)
	if err != nil {
		return nil, err
	}
	ready := func(f http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !o.Ready() {
				http.Error(w, "ward is not ready yet", http.StatusServiceUnavailable)
				return
			}
			f(w, r)
		}
	}
	q := o.Engines.Query
	build := apiv1.PrometheusVersion{
		Version: version.Version, Revision: version.Revision, Branch: version.Branch,
		BuildUser: version.BuildUser, BuildDate: version.BuildDate, GoVersion: version.GoVersion,
	}
	api := apiv1.NewAPI(
		guarded, o.DB, nil, o.DB,
		func(context.Context) apiv1.ScrapePoolsRetriever { return o.Targets },
		func(context.Context) apiv1.TargetRetriever { return o.Targets },
		func(context.Context) apiv1.AlertmanagerRetriever { return noAlertmanagers{} },
		func() promconfig.Config { return *o.Config() },
		map[string]string{},
		apiv1.GlobalURLOptions{ListenAddress: o.Listen, Host: o.ExternalURL.Host, Scheme: o.ExternalURL.Scheme},
		ready,
		o.Stats,
		o.TSDBDir,
		false,    // admin endpoints (delete series, snapshot)
		false, 0, // search
		o.Engines.Logger.With("component", "api"),
		func(context.Context) apiv1.RulesRetriever { return o.Rules },
		0, 1, 1048576, // remote read: disabled by routing, sane limits anyway
		false,
		regexp.MustCompile(`^$`), // no cross-origin browser access
		runtimeInfo(o.Start, o.LastReload),
		&build,
		nil, nil, // notifications
		o.Gatherer,
		o.Engines.Registerer,
		nil,
		false, nil, // remote write receiver off
		false, false, false, // OTLP off
		time.Duration(q.LookbackDelta),
		false, false,
		nil,
		nil,
		openAPIOptions(o.ExternalURL.String()),
		rules.NewParser(),
		false,
		time.Duration(q.Timeout),
	)
	r := route.New()
	api.Register(r.WithPrefix("/api/v1"))
	// A query the engine's queue refused is answered 503; tell the
	// client when to come back.
	return &API{handler: querylimit.RetryAfter(r), engine: engine, timeout: time.Duration(q.Timeout)}, nil
}

// ServeHTTP serves /api/v1/...
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// WriteTimeout is how long the HTTP server must allow for writing an
// answer: a query may run for query.timeout, and its answer still has to
// get out.
func (a *API) WriteTimeout() time.Duration { return a.timeout + 30*time.Second }

// Close closes the engine's record of running queries.
func (a *API) Close() error {
	if err := a.engine.Close(); err != nil {
		return fmt.Errorf("promapi: closing the active query log: %w", err)
	}
	return nil
}

// noAlertmanagers satisfies the API: ward sends alerts in-process, never
// to a remote Alertmanager URL.
type noAlertmanagers struct{}

func (noAlertmanagers) Alertmanagers() []*url.URL        { return nil }
func (noAlertmanagers) DroppedAlertmanagers() []*url.URL { return nil }

// runtimeInfo reports the runtime facts Prometheus' status page shows.
func runtimeInfo(start time.Time, lastReload func() (bool, time.Time)) func() (apiv1.RuntimeInfo, error) {
	return func() (apiv1.RuntimeInfo, error) {
		cwd, _ := os.Getwd()
		host, _ := os.Hostname()
		ok, last := lastReload()
		return apiv1.RuntimeInfo{
			StartTime:           start,
			CWD:                 cwd,
			Hostname:            host,
			ServerTime:          time.Now().UTC(),
			ReloadConfigSuccess: ok,
			LastConfigTime:      last,
			GoroutineCount:      runtime.NumGoroutine(),
			GOMAXPROCS:          runtime.GOMAXPROCS(0),
			GOGC:                os.Getenv("GOGC"),
			GODEBUG:             os.Getenv("GODEBUG"),
		}, nil
	}
}
