// Package collector owns scraping: Prometheus' service discovery and scrape
// managers, appending into the TSDB.
package collector

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/storage"

	// Service discovery mechanisms ward supports, beside static_configs.
	// config's strict checker lists the same set.
	_ "github.com/prometheus/prometheus/discovery/dns"
	_ "github.com/prometheus/prometheus/discovery/file"
	_ "github.com/prometheus/prometheus/discovery/http"
)

// discoveryUpdateInterval throttles how often target changes reach the
// scrape manager. Prometheus uses 5s for large fleets; ward watches a few
// targets, so changes may land sooner.
const discoveryUpdateInterval = time.Second

// Collector discovers targets and scrapes them into an appendable.
type Collector struct {
	logger    *slog.Logger
	discovery *discovery.Manager
	scrape    *scrape.Manager
	cancel    context.CancelFunc
	ctx       context.Context
	// watched is set when a Watcher hears of scrape commits (ondata.go).
	watched *watchedAppendable
}

// New builds a Collector. Nothing runs until Run.
func New(logger *slog.Logger, reg prometheus.Registerer, app storage.AppendableV2) (*Collector, error) {
	return NewWatched(logger, reg, app, nil)
}

// NewWatched builds a Collector that tells w about every scrape commit
// of series it watches (nil: nobody). Nothing runs until Run.
func NewWatched(logger *slog.Logger, reg prometheus.Registerer, app storage.AppendableV2, w Watcher) (*Collector, error) {
	var watched *watchedAppendable
	if w != nil {
		watched = newWatchedAppendable(app, w)
		app = watched
	}
	sdMetrics, err := discovery.CreateAndRegisterSDMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("collector: discovery metrics: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dm := discovery.NewManager(ctx, logger.With("component", "discovery"), reg, sdMetrics,
		discovery.Name("scrape"), discovery.Updatert(discoveryUpdateInterval))
	if dm == nil {
		cancel()
		return nil, fmt.Errorf("collector: creating discovery manager failed")
	}
	sm, err := scrape.NewManager(&scrape.Options{
		DiscoveryReloadInterval:  model.Duration(discoveryUpdateInterval),
		DiscoveryReloadOnStartup: true,
		// The appender context carries the target (ondata.go).
		PassMetadataInContext: w != nil,
	}, logger.With("component", "scrape"), nil, nil, app, reg)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("collector: scrape manager: %w", err)
	}
	return &Collector{logger: logger, discovery: dm, scrape: sm, ctx: ctx, cancel: cancel, watched: watched}, nil
}

// ApplyConfig switches scraping to cfg's scrape configs. Targets whose
// configuration did not change keep their scrape loops.
func (c *Collector) ApplyConfig(cfg *promconfig.Config) error {
	scfgs, err := cfg.GetScrapeConfigs()
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if err := c.scrape.ApplyConfig(cfg); err != nil {
		return fmt.Errorf("collector: apply scrape config: %w", err)
	}
	sd := make(map[string]discovery.Configs, len(scfgs))
	for _, sc := range scfgs {
		sd[sc.JobName] = sc.ServiceDiscoveryConfigs
	}
	if err := c.discovery.ApplyConfig(sd); err != nil {
		return fmt.Errorf("collector: apply discovery config: %w", err)
	}
	return nil
}

// Run discovers and scrapes until ctx ends, then stops every scrape loop.
// If the discovery or the scrape manager stops before that, nothing is
// scraped any more: Run stops the other and returns an error, so that ward
// exits with one and a supervisor restarts it.
func (c *Collector) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- unexpectedStop("discovery manager", c.discovery.Run()) }()
	go func() { errc <- unexpectedStop("scrape manager", c.scrape.Run(c.discovery.SyncCh())) }()
	var err error
	forget := time.NewTicker(time.Minute)
	defer forget.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-errc:
			break loop
		case <-forget.C:
			c.forgetTargets()
		}
	}
	c.scrape.Stop()
	c.cancel()
	return err
}

// unexpectedStop describes a manager's Run returning while Run still
// needs it; err is what it returned, often nil.
func unexpectedStop(manager string, err error) error {
	if err == nil {
		return fmt.Errorf("%s stopped unexpectedly", manager)
	}
	return fmt.Errorf("%s stopped unexpectedly: %w", manager, err)
}

// Targets exposes the scrape manager to the HTTP API, which lists active
// and dropped targets and scrape pools.
func (c *Collector) Targets() *scrape.Manager {
	return c.scrape
}

// forgetTargets drops the watch state of targets no longer scraped.
func (c *Collector) forgetTargets() {
	if c.watched == nil {
		return
	}
	active := map[*scrape.Target]bool{}
	for _, ts := range c.scrape.TargetsActive() {
		for _, t := range ts {
			active[t] = true
		}
	}
	c.watched.forget(active)
}
