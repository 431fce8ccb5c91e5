package app

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/ui"
)

// consoleQuery runs the console's instant queries over the TSDB through
// engine, which applies the query section's timeout and sample limit.
func (a *App) consoleQuery(engine *promql.Engine) func(context.Context, string, time.Time) (promql.Vector, error) {
	return func(ctx context.Context, expr string, ts time.Time) (promql.Vector, error) {
		q, err := engine.NewInstantQuery(ctx, a.db, nil, expr, ts)
		if err != nil {
			return nil, err
		}
		defer q.Close()
		res := q.Exec(ctx)
		if res.Err != nil {
			return nil, res.Err
		}
		vec, err := res.Vector()
		if err != nil {
			return nil, err
		}
		// The result's memory goes back to the engine's pools on Close.
		return slices.Clone(vec), nil
	}
}

// consoleStatus reports ward itself for /status and the overview.
func (a *App) consoleStatus(started time.Time) func() ui.WardStatus {
	disk := &diskUsage{}
	return func() ui.WardStatus {
		cfg := a.cfg.Load()
		st := ui.WardStatus{
			Started: started, ConfigFile: cfg.Source, Reload: a.metrics.state(),
			DataDir: cfg.Storage.Path, HeadSeries: a.db.Head().NumSeries(),
			Retention: time.Duration(cfg.Storage.Retention.Time), RetentionSize: int64(cfg.Storage.Retention.Size),
			DiskBytes: disk.size(a.db.Dir()),
		}
		blocks := a.db.Blocks()
		st.Blocks = len(blocks)
		for _, b := range blocks {
			if t := time.UnixMilli(b.Meta().MinTime); st.OldestBlock.IsZero() || t.Before(st.OldestBlock) {
				st.OldestBlock = t
			}
		}
		st.Jobs = append(st.Jobs, config.SelfJob)
		for _, sc := range cfg.Prometheus.ScrapeConfigs {
			st.Jobs = append(st.Jobs, sc.JobName)
		}
		for _, c := range cfg.Checks {
			if !slices.Contains(st.CheckKinds, c.Kind) {
				st.CheckKinds = append(st.CheckKinds, c.Kind)
			}
		}
		if cfg.Alerting != nil && cfg.Alerting.Alertmanager != nil {
			for _, r := range cfg.Alerting.Alertmanager.Receivers {
				if len(r.SlackConfigs) > 0 {
					st.SlackReceivers++
				}
			}
		}
		return st
	}
}

// diskUsageTTL is how long the TSDB's measured disk use is reused: the
// overview asks on every render and a walk of a large TSDB is not free.
const diskUsageTTL = 30 * time.Second

// diskUsage caches dirSize for diskUsageTTL.
type diskUsage struct {
	mu    sync.Mutex
	at    time.Time
	bytes int64
}

func (d *diskUsage) size(dir string) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.at) > diskUsageTTL {
		d.bytes, d.at = dirSize(dir), time.Now()
	}
	return d.bytes
}

// dirSize is the bytes the files under dir take; files that vanish
// while it walks (compaction) are skipped.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
