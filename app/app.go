// Package app wires ward together: it loads the configuration, opens
// storage, builds the collector, rule manager and HTTP server, runs them
// under one supervisor, and applies configuration reloads.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/collector"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/promapi"
	"github.com/ward-monitoring/ward/querylimit"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
	"github.com/ward-monitoring/ward/usermail"
)

// Options configure one ward process.
type Options struct {
	// ConfigFile is the configuration to load; empty means the embedded
	// default.
	ConfigFile string
	Logger     *slog.Logger
	// Reload delivers reload requests (SIGHUP).
	Reload <-chan struct{}
	// Terminal receives the one-time setup URL on first run (it holds a
	// token, so it never goes to the log). Set it only when stderr is a
	// terminal: with nil the URL is written to a file readable only by
	// ward's user in the data directory, whose path is logged.
	Terminal io.Writer
}

// App is a running ward: its components and the configuration in force.
type App struct {
	opts     Options
	logger   *slog.Logger
	reg      *prometheus.Registry
	db       *tsdb.DB
	dirLock  *storage.DirLock
	ln       net.Listener
	selfAddr string

	state     *storage.State
	alerting  *alerting.Manager
	checks    *checks.Runner
	collector *collector.Collector
	rules     *rules.Manager
	server    *ui.Server
	// api is Prometheus' query API; its engine holds
	// <data>/queries.active open until Run ends.
	api *promapi.API

	auth        *auth.Service
	mailer      *usermail.Mailer // nil without a mail section
	auditLog    *audit.Log
	auditValid  prometheus.Gauge
	auditHead   prometheus.Gauge
	scrapeToken string
	// key is the secret key ring; key rotation swaps it in place (keys.go).
	key *auth.Key

	// events is the timeline; watcher records its transitions.
	events  *events.Log
	watcher *events.Watcher

	cfg      atomic.Pointer[config.Config]
	reloadMu sync.Mutex
	metrics  *reloadMetrics
	ready    atomic.Bool
	// boards are the graphs' boards (issue 11; app/graphs.go).
	boards atomic.Pointer[[]dashboard.Board]
	// backups runs and watches backups (issue 12).
	backups *backups.Manager
	// privacy is GDPR export and erasure and the pruning of personal
	// data (issue 14, privacy.go).
	privacy *privacy
	// control is the command line's socket (issue 13, CLI); nil when it
	// could not be made.
	control *control.Server
	// packs builds evidence packs (issue 14, app/compliance.go).
	packs *evidencePacks
	// compliance checks the control checklist (issue 14).
	compliance *compliance.Service
	// errors is error tracking (issue 16, apperrors.go); errorIngest
	// serves its Sentry endpoints.
	errors      *apperrors.Service
	errorIngest http.Handler
}

// Run starts ward and blocks until ctx ends or a component fails.
func Run(ctx context.Context, o Options) error {
	a, err := New(o)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// New loads the configuration, opens storage, binds the listener and builds
// every component. Nothing scrapes or evaluates until Run. On error all
// that was opened is closed again.
func New(o Options) (_ *App, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{opts: o, logger: o.Logger, reg: prometheus.NewRegistry()}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	a.setMemoryLimit(cfg)
	a.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("ward"),
	)
	a.metrics = newReloadMetrics(a.reg)

	// The data directory holds the secret key, sessions and the audit
	// trail: create it private before anything opens inside it.
	if err := storage.PrepareDataDir(cfg.Storage.Path, a.logger); err != nil {
		return nil, err
	}
	// Before the TSDB and bbolt, whose own locks give a second ward on
	// the same directory only cryptic errors.
	if a.dirLock, err = storage.LockDataDir(cfg.Storage.Path); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.dirLock.Release()
		}
	}()
	var stats storage.AdminStats
	a.db, stats, err = storage.OpenTSDB(cfg.TSDBPath(), storage.TSDBOptions{
		Retention: time.Duration(cfg.Storage.Retention.Time),
		MaxBytes:  int64(cfg.Storage.Retention.Size),
	}, a.logger, a.reg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.db.Close()
		}
	}()

	a.state, err = storage.OpenState(StatePath(cfg))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.state.Close()
		}
	}()

	a.events, err = events.NewLog(a.state, events.LogOptions{Retention: time.Duration(cfg.Events.Retention), Logger: a.logger})
	if err != nil {
		return nil, err
	}

	a.ln, err = net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return nil, fmt.Errorf("server.listen: %w", err)
	}
	defer func() {
		if err != nil {
			a.ln.Close()
		}
	}()
	// Issue 13 fix round (attack #2): connection caps, under TLS.
	nofile := raiseFileLimit(a.logger)
	a.ln = ui.LimitConnections(a.ln, connectionCap(nofile), func(p netip.Addr) bool {
		return a.server != nil && a.server.TrustedProxy(p)
	}, a.reg)
	// Issue 13 (helper D): https when server.tls is set.
	tlsLn, err := a.listenTLS(cfg, a.ln)
	if err != nil {
		return nil, err
	}
	a.ln = tlsLn
	a.selfAddr = loopbackAddr(a.ln.Addr())
	extURL, err := externalURL(cfg, a.selfAddr)
	if err != nil {
		return nil, err
	}
	// After the listener: reset links in mail need the external URL.
	if err := a.openIdentity(cfg, extURL); err != nil {
		return nil, err
	}
	a.reg.MustRegister(auth.NewTokenExpiryCollector(a.auth)) // issue 13, tokens (B)

	// One definition of the query section's limits for both engines:
	// the API's and rule evaluation's, kept apart so that API queries
	// never delay an alert.
	engines := promapi.Engines{
		Query: cfg.Query, Logger: a.logger, Registerer: a.reg,
		EvalInterval: func() time.Duration {
			return time.Duration(a.cfg.Load().Prometheus.GlobalConfig.EvaluationInterval)
		},
	}
	a.checks = checks.NewRunner(a.logger, a.db, a.reg)
	a.checks.SetStateWatcher(ruleWatcher{a}) // issue 15, on_data (app/ondata.go)
	a.collector, err = collector.NewWatched(a.logger, a.reg, a.db, ruleWatcher{a})
	if err != nil {
		return nil, err
	}
	a.alerting, err = alerting.New(alerting.Options{
		Logger:      a.logger,
		Registerer:  a.reg,
		DataDir:     filepath.Join(cfg.Storage.Path, "alerting"),
		ExternalURL: extURL,
		Deliveries:  a.state,
		Observer:    eventObserver{log: a.events},
	})
	if err != nil {
		return nil, err
	}
	a.rules = rules.NewManager(rules.Options{
		Logger:      a.logger,
		Registerer:  a.reg,
		Engine:      engines.NewRuleEngine(),
		DB:          a.db,
		ExternalURL: extURL,
		// issue 15: `for` state restored at start (config/rulesrestore.go)
		ForGracePeriod: time.Duration(cfg.Rules.ForGracePeriod),
		Notify: a.alerting.NotifyFunc(func() labels.Labels {
			return a.cfg.Load().Prometheus.GlobalConfig.ExternalLabels
		}),
	})
	a.api, err = promapi.New(promapi.Options{
		Engines:     engines,
		DataDir:     cfg.Storage.Path,
		Gatherer:    a.reg,
		DB:          a.db,
		Stats:       stats,
		TSDBDir:     cfg.TSDBPath(),
		Targets:     a.collector.Targets(),
		Rules:       a.rules.Prometheus(),
		Config:      func() *promconfig.Config { return a.cfg.Load().Prometheus },
		Start:       time.Now(),
		LastReload:  a.metrics.last,
		Listen:      a.selfAddr,
		ExternalURL: extURL,
		Ready:       a.ready.Load,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.api.Close()
		}
	}()
	// Backups (issue 12): jobs, inventory and run history; Apply in
	// a.apply, Run in the run group.
	a.backups = backups.New(backups.Options{
		Logger: a.logger.With("component", "backups"), Registerer: a.reg, State: a.state, DataDir: cfg.Storage.Path,
		Digest: a.backupDigest,
		Self:   a.selfEnv, // issue 14: self jobs (selfbackup.go)
		// pg_stat_archiver through the stanza's postgres check (issue 12, watch).
		Postgres: backups.PostgresConnector(func() []config.Check {
			// Measurements may start while the first config is applied.
			if c := a.cfg.Load(); c != nil {
				return c.Checks
			}
			return nil
		}),
	})
	a.privacy = &privacy{st: a.state, auth: a.auth, ledger: storage.NewLedger(cfg.LedgerPath()), cfg: a.cfg.Load, now: time.Now} // issue 14
	a.compliance = a.newCompliance(engines)                                                                                      // issue 14
	a.packs.useChecklist(a.compliance)
	// Issue 14: an erasure rewrites the person's silences too.
	a.privacy.silences = a.alerting
	if err := a.newErrors(cfg, extURL); err != nil { // issue 16
		return nil, err
	}
	a.server = ui.NewServer(a.ln, ui.Deps{
		Logger:   a.logger,
		Gatherer: a.reg,
		// The server's own metrics (issue 12: ping counter).
		Registerer: a.reg,
		// One user's requests share query.max_per_user slots, held until
		// the answer is written.
		API: querylimit.NewPerUser(a.api, cfg.Query.MaxPerUser, time.Duration(cfg.Query.MaxQueueWait), func(r *http.Request) string {
			if p := auth.PrincipalFrom(r.Context()); p != nil {
				return p.User.Name
			}
			return ""
		}),
		WriteTimeout: a.api.WriteTimeout(),
		ExternalURL:  extURL,
		Ready:        a.ready.Load,
		Alerting:     a.alerting,
		Health: ui.HealthHandler(a.health, func(*http.Request) bool {
			return a.cfg.Load().Server.HealthDetails
		}),
		Rules:   a.rules.Prometheus(),
		Targets: a.collector.Targets(),
		Report:  a.health,
		// Console pages (overview, rules, targets, checks, status).
		Query:         a.consoleQuery(engines.NewConsoleEngine()),
		Status:        a.consoleStatus(time.Now()),
		LastReload:    a.metrics.state,
		Auth:          a.auth,
		AuditLog:      a.auditLog,
		Audit:         a.state,
		InternalToken: a.scrapeToken,
		Events:        a.events,
		LimitStats:    a.state, // issue 13, rate limits
		// Graphs (issue 11).
		Boards:       a.graphBoards,
		ChartRefresh: a.chartRefresh,
		History:      a.state, // issue 11: explorer history

		// Backups (issue 12): /backups, /api/backups/*, /ping/*.
		Backups: a.backups,

		// Issue 13 (helper D): CORS follows reloads; the client
		// certificate requirement is the listener's, fixed at start.
		CORSOrigins:   func() []string { return a.cfg.Load().Server.CORS.AllowedOrigins },
		APIClientCert: cfg.Server.TLS.ClientAuth == config.ClientAuthRequireForAPI,
		Privacy:       a.privacy, // issue 14: GDPR and /privacy

		AuditTrail:    a.state, // issue 14: the audit trail API
		EvidencePacks: a.packs, // issue 14: the evidence pack download

		Compliance: a.compliance, // issue 14

		Errors:      a.errors,      // issue 16
		ErrorPeople: a.privacy,     // issue 16: app users' error events (privacyerrors.go)
		ErrorIngest: a.errorIngest, // issue 16

		ErrorIngestStats: a.errorIngestStats(), // issue 16: the project page
	}, a.Reload)
	a.watcher = events.NewWatcher(events.WatcherOptions{
		Source: a.snapshot, Log: a.events, OnChange: a.server.LiveChanged, Logger: a.logger,
	})

	if err := a.apply(cfg); err != nil {
		a.metrics.record(false)
		return nil, err
	}
	a.metrics.record(true)
	if err := a.announceSetup(context.Background(), cfg.Storage.Path, extURL.String()); err != nil {
		return nil, fmt.Errorf("first-run setup: %w", err)
	}
	a.openControl(cfg) // issue 13 (CLI): last, nothing after it fails
	// Startup builds large one-off structures (API descriptions, WAL
	// replay buffers); hand their memory back before settling in.
	debug.FreeOSMemory()
	a.dropStartPages() // issue 15: the executable's pages too (startpages*.go)
	return a, nil
}

// Addr is the address ward's HTTP server listens on.
func (a *App) Addr() string { return a.selfAddr }

// Run serves until ctx ends or a component fails, then stops everything.
//
// Stop order: first the HTTP server (live streams end with it), the
// collector, the health checks, the rule manager, the reloader, the user
// mailer (mail still queued is dropped), the events watcher and retention
// and the session and audit housekeeping, which
// oklog/run interrupts together (the
// collector, checks and rule manager return only after in-flight appends
// and evaluations end);
// then the alert pipeline, so alerts from the last evaluation still reach
// its store and its state is written to disk (its last delivery attempts
// still reach the events timeline, which writes to the state database);
// then the TSDB, then the state database, and last the data directory's lock.
func (a *App) Run(ctx context.Context) error {
	defer a.dirLock.Release() // last: after the TSDB and the state database
	defer func() {
		if err := a.state.Close(); err != nil {
			a.logger.Error("closing state database", "err", err)
		}
	}()
	defer func() {
		if err := a.db.Close(); err != nil {
			a.logger.Error("closing tsdb", "err", err)
		}
	}()
	defer func() {
		if err := a.api.Close(); err != nil {
			a.logger.Error("closing the query API", "err", err)
		}
	}()
	alertCtx, stopAlerting := context.WithCancel(context.Background())
	alertDone := make(chan error, 1)
	go func() { alertDone <- a.alerting.Run(alertCtx) }()
	defer func() {
		stopAlerting()
		if err := <-alertDone; err != nil {
			a.logger.Error("alerting stopped with error", "err", err)
		}
	}()

	var g run.Group
	add := func(name string, f func(context.Context) error) {
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			if err := f(ctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		}, func(error) { cancel() })
	}
	// Stops the group when ctx ends.
	add("signal", func(ctx context.Context) error { <-ctx.Done(); return nil })
	add("collector", a.collector.Run)
	add("gc policy", a.runGCPolicy) // issue 15: gcpolicy.go
	add("rules", a.rules.Run)
	add("own alerts", a.resolveInactive) // issue 15: resolve only on evaluation (ownalerts.go)
	add("checks", a.checks.Run)
	add("reloader", a.watchReloads)
	add("http", a.server.Run)
	add("sessions", a.auth.Run)
	if a.mailer != nil {
		add("mail", a.mailer.Run)
	}
	add("audit retention", a.auditLog.Run)
	add("audit verify", a.watchAudit)
	add("events watcher", a.watcher.Run)
	add("events retention", a.events.Run)
	// issue 12: returns after its running backups are killed and recorded,
	// before the state database closes.
	add("backups", a.backups.Run)
	add("privacy pruning", func(ctx context.Context) error { return a.privacy.runPrune(ctx, a.logger) }) // issue 14
	// issue 14: reads and appends to the state database.
	add("compliance", a.compliance.Run)
	// issue 16: writes event payloads and the state database.
	add("errors", a.errors.Run)
	// issue 13 (CLI): its commands act on the state database, so it
	// stops with the group, before the state database closes.
	if a.control != nil {
		add("control", a.control.Run)
	}

	a.ready.Store(true)
	cfg := a.cfg.Load()
	a.logger.Info("ward started", "url", scheme(cfg)+"://"+a.selfAddr+"/", "config", cfg.Source, "data", cfg.Storage.Path, "version", version.Version)
	err := g.Run()
	a.ready.Store(false)
	// Every component that appends audit records has stopped: this head
	// is the last one.
	a.anchorAudit(context.Background())
	a.logger.Info("ward stopped")
	return err
}
