package checks

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"

	"github.com/ward-monitoring/ward/config"
)

// job is one configured check: its schedule, latest result and the series
// it has written.
type job struct {
	cfg    config.Check
	prober prober
	runner *Runner
	// base holds check, kind and the check's own labels.
	base labels.Labels

	cancel context.CancelFunc // set by Runner.start
	done   chan struct{}

	mu        sync.Mutex
	result    Result
	failures  map[string]float64
	downSince time.Time // start of the first failed run of the current outage

	// Touched only by the job's goroutine, or after it has ended.
	series map[string]labels.Labels // written by the latest run
	lastTS int64
}

func newJob(cfg config.Check, p prober, r *Runner) *job {
	m := map[string]string{"check": cfg.Name, "kind": cfg.Kind}
	for k, v := range cfg.Labels {
		m[k] = v
	}
	failures := map[string]float64{}
	for _, reason := range kinds[cfg.Kind].reasons {
		failures[reason] = 0
	}
	return &job{
		cfg: cfg, prober: p, runner: r,
		base:     labels.FromMap(m),
		done:     make(chan struct{}),
		result:   Result{Check: cfg.Name, Kind: cfg.Kind, Critical: cfg.Critical, Status: StatusPending},
		failures: failures,
	}
}

// loop runs the check now and then at every tick until ctx ends. The
// ticker starts before the first run, so runs stay on start + k*interval
// however long each takes, and it drops ticks a slow run misses rather
// than bunching them up.
func (j *job) loop(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	t := time.NewTicker(time.Duration(j.cfg.Interval))
	defer t.Stop()
	j.runOnce(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			j.runOnce(ctx)
		}
	}
}

func (j *job) runOnce(ctx context.Context) {
	o := runProbe(ctx, j.cfg, j.prober)
	if ctx.Err() != nil {
		// Stopped mid-run: the target did not fail, we left.
		return
	}
	changed := j.record(o.result)
	if names := j.write(o); changed && names != nil {
		j.runner.stateChanged(names, time.Duration(j.cfg.Interval))
	}
}

// record keeps res as the latest result and logs a change of state; it
// reports whether the status changed.
func (j *job) record(res Result) bool {
	j.mu.Lock()
	prev, downSince := j.result, j.downSince
	if !res.OK() {
		res.LastSuccess = prev.LastSuccess
		j.failures[res.Reason]++
		if prev.Status != StatusDown {
			j.downSince = res.Time
		}
	}
	j.result = res
	j.mu.Unlock()

	log := j.runner.logger
	switch {
	case res.Status == prev.Status:
	case res.Status == StatusDown:
		log.Warn("check down", "check", res.Check, "kind", res.Kind, "reason", res.Reason, "err", res.Error)
	case prev.Status == StatusDown:
		log.Info("check up", "check", res.Check, "kind", res.Kind, "down_for", res.Time.Sub(downSince).Round(time.Second).String())
	default:
		log.Debug("check up", "check", res.Check, "kind", res.Kind, "details", res.Details)
	}
	return res.Status != prev.Status
}

func (j *job) latest() Result {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.result
}

// write appends the run's samples at its start time, and staleness
// markers for series the previous run wrote and this one did not (a
// replica promoted to primary has no replication lag any more). It
// returns the metric names written, nil when nothing was committed.
func (j *job) write(o outcome) []string {
	up := 0.0
	if o.result.OK() {
		up = 1
	}
	cur := map[string]labels.Labels{}
	var samples []float64
	var order []labels.Labels
	add := func(l labels.Labels, v float64) {
		cur[l.String()] = l
		order = append(order, l)
		samples = append(samples, v)
	}
	add(j.labels("ward_check_up"), up)
	add(j.labels("ward_check_duration_seconds"), o.result.Duration.Seconds())
	j.mu.Lock()
	reasons := make([]string, 0, len(j.failures))
	for reason := range j.failures {
		reasons = append(reasons, reason)
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		add(j.labels("ward_check_failures_total", labels.Label{Name: "reason", Value: reason}), j.failures[reason])
	}
	j.mu.Unlock()
	for _, g := range o.report.gauges {
		add(j.labels(g.name, g.extra...), g.value)
	}

	ts := o.result.Time.UnixMilli()
	if ts <= j.lastTS {
		ts = j.lastTS + 1
	}
	app := j.runner.app.Appender(context.Background())
	for i, l := range order {
		if _, err := app.Append(0, l, ts, samples[i]); err != nil {
			j.appendFailed(app.Rollback, err)
			return nil
		}
	}
	if !j.finish(app, cur, ts) {
		return nil
	}
	j.series, j.lastTS = cur, ts
	return metricNames(order)
}

// markStale writes staleness markers for every series of the check, which
// has stopped for good (removed or reconfigured). Call only after the
// job's goroutine has ended.
func (j *job) markStale() {
	if len(j.series) == 0 {
		return
	}
	ts := max(time.Now().UnixMilli(), j.lastTS+1)
	if j.finish(j.runner.app.Appender(context.Background()), nil, ts) {
		j.series, j.lastTS = nil, ts
	}
}

// finish marks stale, at ts, every series of the previous run that is not
// in keep, and commits app. It reports whether the commit happened.
func (j *job) finish(app storage.Appender, keep map[string]labels.Labels, ts int64) bool {
	for k, l := range j.series {
		if _, ok := keep[k]; ok {
			continue
		}
		if _, err := app.Append(0, l, ts, math.Float64frombits(value.StaleNaN)); err != nil {
			j.appendFailed(app.Rollback, err)
			return false
		}
	}
	if err := app.Commit(); err != nil {
		j.appendFailed(func() error { return nil }, err)
		return false
	}
	return true
}

func (j *job) appendFailed(rollback func() error, err error) {
	_ = rollback()
	j.runner.metrics.appendFailures.Inc()
	j.runner.logger.Warn("writing check results to the TSDB", "check", j.cfg.Name, "err", err)
}

// stop ends the job's goroutine, if it runs, and marks its series stale
// unless the whole Runner is shutting down.
func (j *job) stop() {
	if j.cancel == nil {
		return
	}
	j.cancel()
	<-j.done
	if j.runner.ctx.Err() == nil {
		j.markStale()
	}
}

// labels returns the series labels of metric name for this check.
func (j *job) labels(name string, extra ...labels.Label) labels.Labels {
	b := labels.NewBuilder(j.base)
	b.Set(model.MetricNameLabel, name)
	for _, l := range extra {
		b.Set(l.Name, l.Value)
	}
	return b.Labels()
}
