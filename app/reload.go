package app

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/ui"
)

// reloadDebounce gathers the burst of file events an editor's save makes
// into one reload.
const reloadDebounce = 500 * time.Millisecond

type reloadMetrics struct {
	successful prometheus.Gauge
	timestamp  prometheus.Gauge
	total      *prometheus.CounterVec

	mu       sync.Mutex
	ok       bool
	lastTime time.Time
	// The last attempt, for the console (/status and the admins'
	// reload-failed banner): when, and its error.
	attempt    time.Time
	attemptErr string
}

func newReloadMetrics(reg prometheus.Registerer) *reloadMetrics {
	m := &reloadMetrics{
		successful: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_config_reloads_total",
			Help: "Configuration reload attempts by result.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.successful, m.timestamp, m.total)
	m.total.WithLabelValues("success")
	m.total.WithLabelValues("failure")
	return m
}

func (m *reloadMetrics) record(ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ok = ok
	m.attempt = time.Now()
	if ok {
		m.attemptErr = ""
	}
	if ok {
		m.lastTime = time.Now()
		m.successful.Set(1)
		m.timestamp.Set(float64(m.lastTime.Unix()))
		m.total.WithLabelValues("success").Inc()
		return
	}
	m.successful.Set(0)
	m.total.WithLabelValues("failure").Inc()
}

// fail keeps why the last attempt failed.
func (m *reloadMetrics) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attemptErr = err.Error()
}

// state is the last attempt as the console shows it.
func (m *reloadMetrics) state() ui.ReloadState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return ui.ReloadState{At: m.attempt, OK: m.ok, Err: m.attemptErr}
}

func (m *reloadMetrics) last() (bool, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ok, m.lastTime
}

func (a *App) loadConfig() (*config.Config, error) {
	return config.LoadFileOrDefault(a.opts.ConfigFile)
}

// apply switches the running components to cfg. Rules are validated and
// swapped first and scrape configs second; each step checks its input
// before changing anything, so a rejected config leaves the old one
// running.
func (a *App) apply(cfg *config.Config) error {
	if old := a.cfg.Load(); old != nil {
		if old.Storage.Path != cfg.Storage.Path || old.Server.Listen != cfg.Server.Listen || old.Server.ExternalURL != cfg.Server.ExternalURL {
			// The external URL is in cookies, alert links and the
			// allowed hosts of every component built at start.
			a.logger.Warn("storage.path, server.listen and server.external_url take effect only after a restart")
		}
		if old.Server.TLS != cfg.Server.TLS { // issue 13
			a.logger.Warn("server.tls takes effect only after a restart; changed certificate files are served without one")
		}
	}
	// What the collector scrapes: the config's jobs and ward's own. The
	// self job is not written into cfg, which is what ward serves and
	// prints as its configuration.
	scrape, err := cfg.WithSelfScrape(a.selfAddr, a.scrapeToken)
	if err != nil {
		return err
	}
	if _, err := scrape.GetScrapeConfigs(); err != nil {
		return fmt.Errorf("%s: %w", cfg.Source, err)
	}
	// Validate the rules before changing anything, so that a bad rule
	// file does not leave a new alerting config behind it.
	if _, err := rules.Validate(cfg); err != nil {
		return err
	}
	if err := rules.CheckPanelThresholds(cfg); err != nil { // issue 11
		return err
	}
	if a.cfg.Load() == nil {
		// The first apply starts the dispatcher: resolve restored
		// alerts whose rule is gone before it can send them as firing.
		names, err := rules.AlertNames(cfg)
		if err != nil {
			return err
		}
		a.alerting.ResolveRestored(func(n string) bool { return names[n] })
	}
	if err := a.alerting.ApplyConfig(cfg.Alerting); err != nil {
		return err
	}
	if err := a.rules.ApplyConfig(cfg); err != nil {
		return err
	}
	if err := a.applyBoards(cfg, a.rules.Prometheus()); err != nil { // issue 11
		return err
	}
	for _, pat := range rules.UnmatchedFiles(cfg) {
		a.logger.Warn("rule_files pattern matches no file; no rules are loaded from it", "pattern", pat)
	}
	if err := a.collector.ApplyConfig(scrape); err != nil {
		return err
	}
	// Accepts every config the loader accepted; last, so it never leaves
	// the others half-applied.
	if err := a.checks.ApplyConfig(cfg.Checks); err != nil {
		return err
	}
	trusted, err := cfg.Server.TrustedProxyPrefixes()
	if err != nil {
		return err
	}
	a.server.SetNetwork(trusted, cfg.Server.AllowedHosts)
	a.server.SetLimits(cfg.Limits.Rates()) // issue 13, rate limits
	a.events.SetRetention(time.Duration(cfg.Events.Retention))
	a.cfg.Store(cfg)
	// After the store: the stanzas reach PostgreSQL through the checks of
	// this configuration. Running backups continue (issue 12).
	a.backups.Apply(cfg.Backups)
	// issue 16: projects, keys and limits of error tracking.
	if err := a.errors.Apply(cfg.Errors); err != nil {
		return err
	}
	a.applyErrorIngest(cfg.Errors) // issue 16: the Sentry endpoints' projects
	return nil
}

// Reload re-reads the configuration and applies it. On error the running
// configuration stays in force and the error says why. Every attempt is
// audited, with the user or token that asked when ctx comes from an HTTP
// request (otherwise the actor is ward: SIGHUP or a file change).
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, err := a.loadConfig()
	if err == nil {
		if old := a.cfg.Load(); old != nil && !reflect.DeepEqual(old.Auth, cfg.Auth) {
			a.logger.Warn("changes to the auth section take effect only after a restart")
		}
		if old := a.cfg.Load(); old != nil && !reflect.DeepEqual(old.Mail, cfg.Mail) {
			a.logger.Warn("changes to the mail section take effect only after a restart")
		}
		if old := a.cfg.Load(); old != nil && (old.Query != cfg.Query || old.Server.MemoryLimit != cfg.Server.MemoryLimit) {
			a.logger.Warn("changes to the query section and server.memory_limit take effect only after a restart")
		}
		err = a.apply(cfg)
	}
	a.metrics.record(err == nil)
	a.auditReload(ctx, err)
	a.recordReload(a.cfgSource(cfg), err)
	if err != nil {
		a.metrics.fail(err)
		a.logger.Error("configuration reload rejected; the previous configuration keeps running", "err", err)
		return err
	}
	a.logger.Info("configuration reloaded", "config", cfg.Source)
	return nil
}

// cfgSource names the configuration a reload read: cfg's source, or the
// file asked for when it could not be loaded.
func (a *App) cfgSource(cfg *config.Config) string {
	switch {
	case cfg != nil:
		return cfg.Source
	case a.opts.ConfigFile != "":
		return a.opts.ConfigFile
	}
	return config.DefaultSource
}

// auditReload records a reload attempt in the audit trail.
func (a *App) auditReload(ctx context.Context, reloadErr error) {
	outcome, details := audit.Success, map[string]string(nil)
	if reloadErr != nil {
		msg := reloadErr.Error()
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		outcome, details = audit.Failure, map[string]string{"error": msg}
	}
	// By whoever asked through the HTTP API, else by ward itself (SIGHUP,
	// a changed file).
	rec := auth.AuditRecord(ctx, time.Now(), audit.ActionConfigReload, a.opts.ConfigFile, outcome, details)
	if err := a.state.AppendAudit(rec); err != nil {
		a.logger.Error("audit append failed", "err", err, "action", rec.Action)
	}
}

// watchReloads reloads on SIGHUP and when the config file or a rule file
// changes on disk.
func (a *App) watchReloads(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("file watcher: %w", err)
	}
	defer w.Close()
	watched := a.watchDirs(w, nil)
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.opts.Reload:
			_ = a.Reload(ctx)
			watched = a.watchDirs(w, watched)
		case ev := <-w.Events:
			if a.relevant(ev.Name) {
				debounce = time.After(reloadDebounce)
			}
		case err := <-w.Errors:
			a.logger.Warn("file watcher", "err", err)
		case <-debounce:
			debounce = nil
			_ = a.Reload(ctx)
			watched = a.watchDirs(w, watched)
		}
	}
}

// watchDirs watches the directories holding the config file and the rule
// files; editors replace files by rename, which only a directory watch
// sees.
func (a *App) watchDirs(w *fsnotify.Watcher, old map[string]bool) map[string]bool {
	want := map[string]bool{}
	if a.opts.ConfigFile != "" {
		want[filepath.Dir(a.opts.ConfigFile)] = true
	}
	for _, pat := range a.cfg.Load().RuleFiles() {
		want[filepath.Dir(pat)] = true
	}
	for dir := range old {
		if !want[dir] {
			_ = w.Remove(dir)
		}
	}
	for dir := range want {
		if old[dir] {
			continue
		}
		if err := w.Add(dir); err != nil {
			a.logger.Warn("cannot watch for changes", "dir", dir, "err", err)
			delete(want, dir)
		}
	}
	return want
}

// relevant reports whether a changed path is the config file or matches
// a rule file glob.
func (a *App) relevant(path string) bool {
	if a.opts.ConfigFile != "" && filepath.Clean(path) == filepath.Clean(a.opts.ConfigFile) {
		return true
	}
	for _, pat := range a.cfg.Load().RuleFiles() {
		if ok, _ := filepath.Match(pat, path); ok {
			return true
		}
	}
	return false
}
