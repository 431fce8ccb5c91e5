// Package storage opens ward's on-disk state: Prometheus' TSDB for metrics,
// and the bbolt state database (ward.db) for users, sessions, API tokens,
// the audit trail and notification deliveries. It uses the TSDB's own types
// rather than wrapping them.
package storage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/util/compression"
)

// TSDBOptions are the knobs ward exposes over Prometheus' defaults.
type TSDBOptions struct {
	// Retention drops blocks older than this. Zero keeps them by age.
	Retention time.Duration
	// MaxBytes drops the oldest blocks once the TSDB is larger. Zero
	// means no size bound.
	MaxBytes int64
}

// OpenTSDB opens (creating if needed) the metrics database in dir, with
// its write-ahead log, replaying any WAL left by an unclean stop.
func OpenTSDB(dir string, o TSDBOptions, logger *slog.Logger, reg prometheus.Registerer) (*tsdb.DB, AdminStats, error) {
	// Prometheus' own server defaults, which tsdb.DefaultOptions does not
	// all carry: a snappy-compressed WAL (a third of the bytes written), and
	// blocks compacted up to a tenth of the retention, at most 31 days.
	opts := tsdb.DefaultOptions()
	applyMemoryOptions(opts) // issue 15 (tsdbmemory.go)
	opts.RetentionDuration = o.Retention.Milliseconds()
	opts.MaxBytes = o.MaxBytes
	opts.WALCompression = compression.Snappy
	if o.Retention > 0 {
		maxBlock := min(o.Retention/10, 31*24*time.Hour)
		opts.MaxBlockDuration = max(maxBlock, time.Duration(opts.MinBlockDuration)*time.Millisecond).Milliseconds()
	}
	// Issue 15: a clean stop writes the head's chunks to a snapshot, so
	// that the next start reads it instead of replaying the WAL (on a
	// 2-hour WAL at 100k series, most of a restart). After a crash the
	// snapshot is stale and the WAL after it is replayed as before.
	opts.EnableMemorySnapshotOnShutdown = true
	stats := tsdb.NewDBStats()
	start := time.Now()
	progress, stopProgress := context.WithCancel(context.Background())
	tsdbLogger := logger.With("component", "tsdb")
	go logOpenProgress(progress, dir, stats, tsdbLogger)
	db, err := tsdb.Open(dir, tsdbLogger, reg, opts, stats)
	stopProgress()
	if err != nil {
		return nil, AdminStats{}, fmt.Errorf("storage: open tsdb %s: %w", dir, err)
	}
	tsdbLogger.Info("tsdb opened", "blocks", len(db.Blocks()), "head_series", db.Head().NumSeries(), "took", time.Since(start).Round(time.Millisecond))
	return db, AdminStats{DB: db, stats: stats}, nil
}

// AdminStats adapts *tsdb.DB to the statistics interface Prometheus' HTTP
// API expects (the API reads head statistics through the DB itself).
type AdminStats struct {
	DB    *tsdb.DB
	stats *tsdb.DBStats
}

// CleanTombstones removes deleted data from disk.
func (a AdminStats) CleanTombstones() error { return a.DB.CleanTombstones() }

// Delete marks series data for deletion.
func (a AdminStats) Delete(ctx context.Context, mint, maxt int64, ms ...*labels.Matcher) error {
	return a.DB.Delete(ctx, mint, maxt, ms...)
}

// Snapshot writes a snapshot of the database to dir.
func (a AdminStats) Snapshot(dir string, withHead bool) error { return a.DB.Snapshot(dir, withHead) }

// Stats returns the head block's cardinality statistics.
func (a AdminStats) Stats(statsByLabelName string, limit int) (*tsdb.Stats, error) {
	return a.DB.Head().Stats(statsByLabelName, limit), nil
}

// WALReplayStatus reports write-ahead log replay progress.
func (a AdminStats) WALReplayStatus() (tsdb.WALReplayStatus, error) {
	if a.stats == nil {
		return tsdb.WALReplayStatus{}, tsdb.ErrNotReady
	}
	return a.stats.Head.WALReplayStatus.GetWALReplayStatus(), nil
}

// BlockMetas lists the persisted blocks.
func (a AdminStats) BlockMetas() ([]tsdb.BlockMeta, error) {
	blocks := a.DB.Blocks()
	metas := make([]tsdb.BlockMeta, 0, len(blocks))
	for _, b := range blocks {
		metas = append(metas, b.Meta())
	}
	return metas, nil
}
