// Package alerting delivers alerts to people. It embeds Alertmanager's
// pipeline in-process — dispatch, grouping, inhibition, silences, time
// intervals, the notification log and retries — and adds what ward
// promises beyond it: Slack and email notifiers built on maintained
// libraries, state persisted on every change, fallback receivers and a
// delivery history.
package alerting

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/api"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/silence"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

// retention is how long notification log entries and expired silences
// are kept, as Alertmanager's --data.retention default.
const retention = 120 * time.Hour

// Options wire a Manager to the rest of ward.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// DataDir holds the notification log, silences and pending alerts.
	DataDir     string
	ExternalURL *url.URL
	// Deliveries keeps the last delivery attempts (ward's
	// *storage.State); nil keeps none.
	Deliveries DeliveryStore
	// Limits bound the alerts held; the zero value means DefaultLimits.
	Limits Limits
	// Observer, if set, hears of every delivery attempt and fallback.
	Observer Observer
}

// Manager is the running alert pipeline. Long-lived parts (alerts,
// silences, notification log, API, metrics) are built once; the routing
// tree, receivers, inhibitor and dispatcher are rebuilt on each config.
type Manager struct {
	opts     Options
	logger   *slog.Logger
	flags    featurecontrol.Flagger
	recorder eventrecorder.Recorder

	alerts   *mem.Alerts
	limits   Limits
	counts   *alertCounts
	silences *silence.Silences
	silencer *silence.Silencer
	nflog    *nflog.Log
	api      *lazyAPI // issue 15: built on the first request (lazyapi.go)

	pipelineBuilder   *notify.PipelineBuilder
	dispatcherMetrics *dispatch.DispatcherMetrics
	history           *history
	fallbacks         *fallbackTracker

	snapshots []*snapshotter

	mu         sync.Mutex // serialises ApplyConfig
	dispatcher atomic.Pointer[dispatch.Dispatcher]
	inhibitor  atomic.Pointer[inhibit.Inhibitor]
	// mutes predicts silences and inhibitions for the console (view.go).
	mutes   atomic.Pointer[mutesFunc]
	current atomic.Pointer[config.Alerting]
	started time.Time
	// restored are the alerts read from alerts.json at start, until
	// ResolveRestored has looked at them.
	restored []storedAlert
	// restoredOwn marks the restored alerts ward's own rules raised
	// (ownalerts.go); guarded by mu.
	restoredOwn map[model.Fingerprint]bool
}

// New builds the long-lived parts of the pipeline and restores persisted
// state: the notification log, silences and the alerts that were pending
// when ward last stopped.
func New(o Options) (*Manager, error) {
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	// The flag only adds the receiver label to notification metrics; its
	// "experimental" warning at every start would only alarm operators.
	flags, err := featurecontrol.NewFlags(slog.New(slog.DiscardHandler), featurecontrol.FeatureReceiverNameInMetrics)
	if err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	limits := o.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits()
	}
	if err := limits.validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		opts: o, logger: o.Logger.With("component", "alerting"), flags: flags, recorder: eventrecorder.NopRecorder(), started: time.Now(),
		limits: limits, counts: newAlertCounts(),
	}

	nflogPath := filepath.Join(o.DataDir, "nflog")
	m.nflog, err = nflog.New(nflog.Options{SnapshotFile: nflogPath, Retention: retention, Logger: m.logger, Metrics: o.Registerer})
	if err != nil {
		return nil, fmt.Errorf("alerting: notification log: %w", err)
	}
	nflogSnap := newSnapshotter("nflog", nflogPath, snapshotTo(m.nflog.Snapshot), m.logger)
	m.nflog.SetBroadcast(func([]byte) { nflogSnap.changed() })

	silencesPath := filepath.Join(o.DataDir, "silences")
	m.silences, err = silence.New(silence.Options{SnapshotFile: silencesPath, Retention: retention, Logger: m.logger, Metrics: o.Registerer, EventRecorder: m.recorder})
	if err != nil {
		return nil, fmt.Errorf("alerting: silences: %w", err)
	}
	silencesSnap := newSnapshotter("silences", silencesPath, snapshotTo(m.silences.Snapshot), m.logger)
	m.silences.SetBroadcast(func([]byte) { silencesSnap.changed() })
	m.silencer = silence.NewSilencer(m.silences, m.logger, m.recorder)

	alertsPath := filepath.Join(o.DataDir, "alerts.json")
	refused := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ward_alerts_refused_total",
		Help: "New alerts the store refused because it held its limit of alerts.",
	})
	if o.Registerer != nil {
		o.Registerer.MustRegister(refused)
	}
	cb := &storeCallback{silencer: m.silencer, limit: limits.MaxAlerts, counts: m.counts, refused: refused}
	m.alerts, err = mem.NewAlerts(context.Background(), 30*time.Minute, limits.MaxAlertsPerName, cb, m.logger, m.recorder, o.Registerer, flags)
	if err != nil {
		return nil, fmt.Errorf("alerting: alert store: %w", err)
	}
	alertsSnap := newSnapshotter("alerts", alertsPath, writeAlerts(m.alerts, ownGeneratorPrefix(o.ExternalURL)), m.logger)
	cb.changed = alertsSnap.changed
	pending, err := readAlerts(alertsPath)
	if err != nil {
		m.logger.Error("pending alerts could not be restored", "err", err)
	}
	if len(pending) > 0 {
		put := make([]*alert.Alert, len(pending))
		for i, a := range pending {
			put[i] = a.Alert
		}
		if err := m.alerts.Put(context.Background(), put...); err != nil {
			m.logger.Error("pending alerts could not be restored", "err", err)
		}
		m.logger.Info("restored pending alerts", "count", len(pending))
		m.restored = pending
		m.restoredOwn = restoredOwnSet(pending)
	}
	m.snapshots = []*snapshotter{nflogSnap, silencesSnap, alertsSnap}

	requestDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertmanager_http_request_duration_seconds",
		Help:    "Histogram of latencies for HTTP requests to the Alertmanager API.",
		Buckets: prometheus.DefBuckets,
	}, []string{"handler", "method", "code"})
	if o.Registerer != nil {
		o.Registerer.MustRegister(requestDuration)
	}
	m.api = newLazyAPI(api.Options{
		RequestDuration: requestDuration,
		Alerts:          m.alerts,
		Silences:        m.silences,
		Timeout:         time.Minute,
		Logger:          m.logger.With("component", "api"),
		Registry:        o.Registerer,
		GroupFunc:       m.groups,
	}, m.logger)
	m.pipelineBuilder = notify.NewPipelineBuilder(o.Registerer, flags, m.recorder)
	m.dispatcherMetrics = dispatch.NewDispatcherMetrics(false, o.Registerer, flags)
	m.history = newHistory(o.Deliveries, o.Registerer, m.logger)
	m.history.observer = o.Observer
	m.fallbacks = newFallbackTracker(o.Registerer)
	m.fallbacks.observer = o.Observer
	return m, nil
}

func snapshotTo(f func(io.Writer) (int64, error)) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := f(w)
		return err
	}
}

// Handler serves Alertmanager's v2 API (/api/v2/...), so amtool and
// Grafana's Alertmanager datasource work against ward.
func (m *Manager) Handler() http.Handler { return m.api }

func (m *Manager) groups(ctx context.Context, routeFilter func(*dispatch.Route) bool, alertFilter dispatch.AlertFilter) (dispatch.AlertGroups, map[model.Fingerprint][]string, error) {
	d := m.dispatcher.Load()
	if d == nil {
		return nil, nil, nil
	}
	return d.Groups(ctx, routeFilter, alertFilter)
}

// Run keeps state persisted until ctx ends, then stops the dispatcher
// and inhibitor and writes final snapshots.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	snapCtx, stopSnaps := context.WithCancel(context.Background())
	for _, s := range m.snapshots {
		wg.Go(func() { s.run(snapCtx) })
	}
	maintenance := time.NewTicker(15 * time.Minute)
	defer maintenance.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-maintenance.C:
			if _, err := m.nflog.GC(); err != nil {
				m.logger.Warn("notification log GC", "err", err)
			}
			if _, err := m.silences.GC(); err != nil {
				m.logger.Warn("silences GC", "err", err)
			}
		}
	}
	if d := m.dispatcher.Load(); d != nil {
		d.Stop()
	}
	if i := m.inhibitor.Load(); i != nil {
		i.Stop()
	}
	m.api.Shutdown()
	stopSnaps()
	wg.Wait()
	m.alerts.Close()
	return nil
}

// Healthy reports an error when some receiver's deliveries have been
// failing for longer than limit.
func (m *Manager) Healthy(limit time.Duration) error {
	if m.dispatcher.Load() == nil {
		return fmt.Errorf("alerting: not configured")
	}
	// The tracker only follows receivers with a fallback; the history
	// follows all of them.
	if r, d := m.history.failingLongest(); d > limit {
		return fmt.Errorf("receiver %s failing for %s", r, d.Round(time.Second))
	}
	return nil
}
