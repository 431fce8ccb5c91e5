package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/scrape"

	"github.com/ward-monitoring/ward/apperrors/ingest"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/dashboard"
)

// Deps is what the HTTP server serves and reads from the running ward.
type Deps struct {
	Logger *slog.Logger
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Registerer takes the server's own metrics (issue 12: the ping
	// counter); nil registers none.
	Registerer prometheus.Registerer
	// API is Prometheus' /api/v1 (package promapi); the server guards
	// it (PrometheusAPIRoutes) and passes requests on unchanged.
	API http.Handler
	// WriteTimeout bounds writing one answer. It must leave room past
	// the query timeout (promapi.API.WriteTimeout); zero means
	// defaultWriteTimeout.
	WriteTimeout time.Duration
	// ExternalURL is how people reach ward: its host is allowed and an
	// https scheme makes cookies Secure.
	ExternalURL *url.URL
	// Ready reports whether ward has finished starting (/-/ready).
	Ready    func() bool
	Alerting Alerting
	// Health serves /health/: check results and ward's own components.
	Health http.Handler

	// The console's sources (issue 10).
	//
	// Rules is Prometheus' rule manager: groups, rule health and the
	// pending and firing alerts of alerting rules.
	Rules *promrules.Manager
	// Targets is the scrape manager: active and dropped targets.
	Targets *scrape.Manager
	// Report runs the health report: every check's last result and
	// ward's own components.
	Report func(context.Context) checks.Health

	// The console pages' own sources (overview, rules, targets, checks,
	// status).
	//
	// Query runs an instant PromQL query over the TSDB for the
	// overview's tiles and the targets page, under the query section's
	// timeout and sample limit.
	Query func(ctx context.Context, expr string, ts time.Time) (promql.Vector, error)
	// Status reports ward itself for /status and the overview: start,
	// configuration, last reload, TSDB.
	Status func() WardStatus
	// LastReload is the last configuration reload, read on every page
	// an admin opens (the reload-failed banner); it must be cheap.
	LastReload func() ReloadState

	// Auth signs people and API tokens in.
	Auth *auth.Service
	// AuditLog reads and exports the audit trail.
	AuditLog *audit.Log
	// Audit appends records for what happens outside the auth package
	// (silences, alert posts, receiver tests, refusals).
	Audit AuditAppender
	// InternalToken is the in-memory token ward's own scrape of /metrics
	// sends; it is valid for nothing else.
	InternalToken string

	// Events is the timeline (/events and the overview's last events);
	// nil shows none.
	Events EventLog

	// Graphs (issue 11).
	//
	// Boards are the graphs' boards (/graphs/{board} and the overview's
	// key panels), with the alert lines of the rules loaded now; nil
	// shows none. The slice is shared: readers must not change it.
	Boards func() []dashboard.Board
	// ChartRefresh is the configured live refresh of charts; nil or 0
	// means the default.
	ChartRefresh func() time.Duration
	// History keeps each user's recent explorer queries (issue 11); nil
	// keeps none.
	History QueryHistory

	// Backups runs, watches and drills backups (issue 12): /backups,
	// /api/backups/* and /ping/*; nil serves an empty page and 404s.
	Backups backups.Service

	// LimitStats keeps the hourly counts of rate-limited requests for
	// /admin/limits (issue 13, rate limits); nil keeps none.
	LimitStats LimitStats
	// Transport (issue 13, helper D).
	//
	// CORSOrigins returns server.cors.allowed_origins, the exact origins
	// whose scripts may call the API with a token (cors.go); nil or
	// empty allows none.
	CORSOrigins func() []string
	// APIClientCert refuses API routes to callers without a verified TLS
	// client certificate (server.tls.client_auth: require_for_api),
	// except ward's own scrape of /metrics.
	APIClientCert bool

	// Privacy is GDPR export and erasure of ward's own users and what
	// /privacy states (issue 14, privacyroutes.go); nil serves the page
	// without retention values and refuses export and erasure.
	Privacy Privacy
	// AuditTrail pages and verifies the audit trail for its API (issue
	// 14, auditapi.go); nil answers 404.
	AuditTrail AuditTrail
	// EvidencePacks builds the evidence pack of /compliance's download
	// button (issue 14, evidencepack.go); nil answers 404.
	EvidencePacks EvidencePacks
	// Compliance is the control checklist (issue 14): /compliance; nil
	// answers 404.
	Compliance ComplianceChecklist

	// Errors is error tracking (issue 16): the /errors pages; nil serves
	// them empty. ErrorIngest serves the Sentry endpoints
	// /api/{project_id}/envelope/ and /store/; nil answers 404.
	Errors      ErrorTracker
	ErrorIngest http.Handler
	// ErrorIngestStats are a project's ingest requests since start (each
	// key's last accepted event, refusals by reason), shown on its page;
	// nil shows none.
	ErrorIngestStats func(projectID string) ingest.Stats
	// ErrorPeople exports and erases the error events of an app's end
	// user (issue 16, /admin/errors/people); nil answers 404.
	ErrorPeople ErrorPeople
}

// QueryHistory is each user's recent explorer expressions (issue 11;
// storage.State).
type QueryHistory interface {
	QueryHistory(user string) ([]string, error)
	RecordQuery(user, expr string) error
	ClearQueryHistory(user string, rec audit.Record) (int, error)
}

// defaultWriteTimeout bounds writing an answer when Deps sets no bound.
const defaultWriteTimeout = time.Minute

// AuditAppender appends one audit record; *storage.State implements it.
type AuditAppender interface {
	AppendAudit(audit.Record) error
}
