package events

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Bounds of the stored timeline.
const (
	// DefaultRetention is how long events are kept unless configured:
	// the 30 days of logs ward's plan promises.
	DefaultRetention = 30 * 24 * time.Hour
	// MinRetention and MaxRetention bound the configured retention.
	MinRetention = time.Hour
	MaxRetention = 400 * 24 * time.Hour
	// MaxStored is the most events kept whatever their age; beyond it
	// the oldest go first. At about 300 bytes each it bounds the
	// timeline to some 60 MB of the state database.
	MaxStored = 200_000
	// MaxBatch is the most events one Record call stores; the watcher
	// summarises beyond it.
	MaxBatch = 1000
)

// Store keeps events (*storage.State implements it). Each method is one
// transaction.
type Store interface {
	// AppendEvents stores evs, each already Bounded, and drops the
	// oldest events beyond keep.
	AppendEvents(evs []Event, keep int) error
	// Events returns the events q selects, newest first, at most
	// q.Limit of them.
	Events(q Query) ([]Event, error)
	// PruneEvents removes the events older than before and returns how
	// many it removed.
	PruneEvents(before time.Time) (int, error)
}

// Log records, queries and prunes the timeline.
type Log struct {
	store Store
	// retention is a time.Duration; a reload may change it.
	retention atomic.Int64
	keep      int
	now       func() time.Time
	logger    *slog.Logger
	// recorded counts events recorded since start: the watcher folds it
	// into the version it announces, so a new event updates open pages.
	recorded atomic.Uint64
}

// LogOptions configure a Log.
type LogOptions struct {
	// Retention is how long events are kept; 0 means DefaultRetention.
	Retention time.Duration
	// Keep is the most events kept; 0 means MaxStored.
	Keep   int
	Now    func() time.Time
	Logger *slog.Logger
}

// NewLog returns a Log over store.
func NewLog(store Store, o LogOptions) (*Log, error) {
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.Retention < MinRetention || o.Retention > MaxRetention {
		return nil, fmt.Errorf("events: retention %s outside [%s, %s]", o.Retention, MinRetention, MaxRetention)
	}
	if o.Keep <= 0 || o.Keep > MaxStored {
		o.Keep = MaxStored
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{store: store, keep: o.Keep, now: o.Now, logger: o.Logger}
	l.retention.Store(int64(o.Retention))
	return l, nil
}

// SetRetention changes how long events are kept (the configuration's
// events.retention, validated there), from the next prune on. A value
// outside [MinRetention, MaxRetention] is clamped to it.
func (l *Log) SetRetention(d time.Duration) {
	l.retention.Store(int64(min(max(d, MinRetention), MaxRetention)))
}

// Record stores evs (at most MaxBatch; the rest are dropped and logged),
// giving a zero Time the current time. A failure is logged, not
// returned: the timeline must never stop what it describes.
func (l *Log) Record(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	if len(evs) > MaxBatch {
		l.logger.Warn("too many events at once; the rest are not recorded", "recorded", MaxBatch, "dropped", len(evs)-MaxBatch)
		evs = evs[:MaxBatch]
	}
	now := l.now()
	out := make([]Event, len(evs))
	for i, e := range evs {
		if e.Time.IsZero() {
			e.Time = now
		}
		e.ID = ""
		out[i] = e.Bounded()
	}
	if err := l.store.AppendEvents(out, l.keep); err != nil {
		l.logger.Error("recording events failed", "err", err, "count", len(out))
		return
	}
	l.recorded.Add(uint64(len(out)))
}

// Recorded counts the events recorded since start.
func (l *Log) Recorded() uint64 { return l.recorded.Load() }

// Query returns the events q selects, newest first, at most q.Limit
// (capped at MaxPage).
func (l *Log) Query(ctx context.Context, q Query) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.Limit = q.limit()
	return l.store.Events(q)
}

// Prune removes the events older than the retention period.
func (l *Log) Prune(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return l.store.PruneEvents(l.now().Add(-time.Duration(l.retention.Load())))
}

// Run prunes once an hour until ctx ends.
func (l *Log) Run(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := l.Prune(ctx); err != nil && ctx.Err() == nil {
			l.logger.Error("event retention failed", "err", err)
		} else if n > 0 {
			l.logger.Info("events pruned", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
