package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/grafana/regexp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/route"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/tsdb"
	apiv1 "github.com/prometheus/prometheus/web/api/v1"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/querylimit"
	"github.com/ward-monitoring/ward/storage"
)

// APIDeps is what Prometheus' HTTP API reads from the running ward.
type APIDeps struct {
	Logger     *slog.Logger
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	// Engine evaluates the API's queries: the query engine behind ward's
	// query limits (package querylimit).
	Engine promql.QueryEngine
	// Query is the query section: its timeout bounds a query in the API
	// as in the engine, and the server's write timeout leaves room past
	// it; its lookback delta is the API's too.
	Query   config.Query
	DB      *tsdb.DB
	Stats   storage.AdminStats
	TSDBDir string
	Targets *scrape.Manager
	Rules   *promrules.Manager
	// Config returns the running Prometheus-format configuration.
	Config func() *promconfig.Config
	// RuntimeInfo describes the process for /api/v1/status/runtimeinfo.
	RuntimeInfo func() (apiv1.RuntimeInfo, error)
	Build       apiv1.PrometheusVersion
	Listen      string
	ExternalURL *url.URL
	Ready       func() bool
	Alerting    Alerting
	// Health serves /health/: check results and ward's own components.
	Health http.Handler

	// Auth signs people and API tokens in.
	Auth *auth.Service
	// AuditLog reads and exports the audit trail.
	AuditLog *audit.Log
	// Audit appends records for what happens outside the auth package
	// (silences); *storage.State implements it.
	Audit AuditAppender
	// InternalToken is the in-memory token ward's own scrape of /metrics
	// sends; it is valid for nothing else.
	InternalToken string
}

// AuditAppender appends one audit record.
type AuditAppender interface {
	AppendAudit(audit.Record) error
}

var _ AuditAppender = (*storage.State)(nil)

// noAlertmanagers satisfies the API until alerting is wired in: ward sends
// alerts in-process, never to a remote Alertmanager URL.
type noAlertmanagers struct{}

func (noAlertmanagers) Alertmanagers() []*url.URL        { return nil }
func (noAlertmanagers) DroppedAlertmanagers() []*url.URL { return nil }

// newPrometheusAPI builds Prometheus' own /api/v1 handler set, so that the
// JSON shapes, parameters and errors are Prometheus' exactly. Admin,
// remote-write and OTLP endpoints stay disabled. Queries reach the engine
// through d.Engine, whose limits (querylimit) answer in the same
// envelope: an oversized subquery is bad_data (400), a full queue 503.
func newPrometheusAPI(d APIDeps) http.Handler {
	ready := func(f http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !d.Ready() {
				http.Error(w, "ward is not ready yet", http.StatusServiceUnavailable)
				return
			}
			f(w, r)
		}
	}
	api := apiv1.NewAPI(
		d.Engine, d.DB, nil, d.DB,
		func(context.Context) apiv1.ScrapePoolsRetriever { return d.Targets },
		func(context.Context) apiv1.TargetRetriever { return d.Targets },
		func(context.Context) apiv1.AlertmanagerRetriever { return noAlertmanagers{} },
		func() promconfig.Config { return *d.Config() },
		map[string]string{},
		apiv1.GlobalURLOptions{ListenAddress: d.Listen, Host: d.ExternalURL.Host, Scheme: d.ExternalURL.Scheme},
		ready,
		d.Stats,
		d.TSDBDir,
		false,    // admin endpoints (delete series, snapshot)
		false, 0, // search
		d.Logger.With("component", "api"),
		func(context.Context) apiv1.RulesRetriever { return d.Rules },
		0, 1, 1048576, // remote read: disabled by routing, sane limits anyway
		false,
		regexp.MustCompile(`^$`), // no cross-origin browser access
		d.RuntimeInfo,
		&d.Build,
		nil, nil, // notifications
		d.Gatherer,
		d.Registerer,
		nil,
		false, nil, // remote write receiver off
		false, false, false, // OTLP off
		time.Duration(d.Query.LookbackDelta),
		false, false,
		nil,
		nil,
		apiv1.OpenAPIOptions{ExternalURL: d.ExternalURL.String()},
		nil, // default parser
		false,
		time.Duration(d.Query.Timeout),
	)
	r := route.New()
	api.Register(r.WithPrefix("/api/v1"))
	// A query the engine's queue refused is answered 503; tell the
	// client when to come back.
	return querylimit.RetryAfter(r)
}

// ProcessInfo reports the runtime facts Prometheus' status page shows.
func ProcessInfo(start time.Time, reload func() (bool, time.Time)) func() (apiv1.RuntimeInfo, error) {
	return func() (apiv1.RuntimeInfo, error) {
		cwd, _ := os.Getwd()
		host, _ := os.Hostname()
		ok, last := reload()
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
