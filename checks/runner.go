// Package checks owns ward's health checks: probes of PostgreSQL, Redis,
// S3, HTTP and TCP dependencies, run on their own schedules, written into
// the TSDB as ward_check_* series, kept as latest results for /health/ and
// run once from the command line by `ward check run`.
package checks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/storage"

	"github.com/ward-monitoring/ward/config"
)

// Runner runs the configured checks, each in its own goroutine on its own
// ticker, and appends every run's samples to the TSDB.
type Runner struct {
	logger  *slog.Logger
	app     storage.Appendable
	metrics *runnerMetrics

	mu    sync.Mutex
	jobs  map[string]*job
	order []string // check names in configuration order
	// ctx is Run's context: nil before Run, done after it.
	ctx context.Context
	// stopping is set once Run no longer starts jobs and waits for them.
	stopping bool
	wg       sync.WaitGroup
	// watcher hears of status changes (watch.go).
	watcher StateWatcher
}

type runnerMetrics struct {
	configured     prometheus.Gauge
	appendFailures prometheus.Counter
}

// NewRunner returns a Runner that appends to app and registers its own
// metrics with reg once.
func NewRunner(logger *slog.Logger, app storage.Appendable, reg prometheus.Registerer) *Runner {
	m := &runnerMetrics{
		configured: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_checks_configured",
			Help: "Number of configured health checks.",
		}),
		appendFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ward_check_append_failures_total",
			Help: "Health check runs whose samples could not be written to the TSDB.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.configured, m.appendFailures)
	}
	return &Runner{
		logger:  logger.With("component", "checks"),
		app:     app,
		metrics: m,
		jobs:    map[string]*job{},
	}
}

// ApplyConfig switches to cfgs. Checks whose configuration is unchanged
// keep running with their state; changed and removed ones stop, and their
// series get staleness markers; new and changed ones start (once Run has
// been called). If any check cannot be built nothing changes.
func (r *Runner) ApplyConfig(cfgs []config.Check) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[string]*job, len(cfgs))
	order := make([]string, 0, len(cfgs))
	for _, cfg := range cfgs {
		if _, dup := next[cfg.Name]; dup {
			return fmt.Errorf("checks: %q configured twice", cfg.Name)
		}
		order = append(order, cfg.Name)
		if old, ok := r.jobs[cfg.Name]; ok && reflect.DeepEqual(old.cfg, cfg) {
			next[cfg.Name] = old
			continue
		}
		p, err := newProber(cfg)
		if err != nil {
			return err
		}
		next[cfg.Name] = newJob(cfg, p, r)
	}
	for name, old := range r.jobs {
		if j := next[name]; j != old {
			old.stop()
			if j != nil {
				// The new job writes the same series after the old
				// one's last samples and staleness markers.
				j.lastTS = old.lastTS
			}
		}
	}
	for _, name := range order {
		if j := next[name]; r.jobs[name] != j && r.ctx != nil {
			r.start(j)
		}
	}
	r.jobs, r.order = next, order
	r.metrics.configured.Set(float64(len(next)))
	return nil
}

// Run runs the checks until ctx ends. Every check runs at once and then
// on its own ticker; a run never overlaps the previous one of the same
// check, and its timeout bounds it, so a hung check delays nobody.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.ctx != nil {
		r.mu.Unlock()
		return errors.New("checks: Run called twice")
	}
	r.ctx = ctx
	for _, name := range r.order {
		r.start(r.jobs[name])
	}
	r.mu.Unlock()

	<-ctx.Done()
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
	// No staleness markers on shutdown, as in Prometheus: the series go
	// on after a restart.
	r.wg.Wait()
	return nil
}

// start runs j under Run's context; the caller holds r.mu.
func (r *Runner) start(j *job) {
	if r.stopping {
		close(j.done)
		return
	}
	ctx, cancel := context.WithCancel(r.ctx)
	j.cancel = cancel
	r.wg.Go(func() {
		defer close(j.done)
		j.loop(ctx)
	})
}

// Results returns the latest result of every check, in configuration
// order. A check that has not finished a run yet is StatusPending.
func (r *Runner) Results() []Result {
	r.mu.Lock()
	jobs := make([]*job, 0, len(r.order))
	for _, name := range r.order {
		jobs = append(jobs, r.jobs[name])
	}
	r.mu.Unlock()
	out := make([]Result, len(jobs))
	for i, j := range jobs {
		out[i] = j.latest()
	}
	return out
}
