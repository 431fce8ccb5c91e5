package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/provider"
)

// snapshotter writes a state snapshot to disk whenever its owner reports
// a change. Alertmanager's nflog and silences report changes through
// their broadcast hook while holding their own lock, so the write happens
// here, on another goroutine, a moment later.
type snapshotter struct {
	name   string
	path   string
	write  func(io.Writer) error
	logger *slog.Logger
	dirty  chan struct{}
}

func newSnapshotter(name, path string, write func(io.Writer) error, logger *slog.Logger) *snapshotter {
	return &snapshotter{name: name, path: path, write: write, logger: logger, dirty: make(chan struct{}, 1)}
}

// changed marks the state dirty; it never blocks.
func (s *snapshotter) changed() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// run persists every change until ctx ends, then writes a final snapshot.
func (s *snapshotter) run(ctx context.Context) {
	for {
		select {
		case <-s.dirty:
			s.save()
		case <-ctx.Done():
			s.save()
			return
		}
	}
}

// save writes the snapshot atomically: a crash leaves the old file or the
// new one, never half of one.
func (s *snapshotter) save() {
	if err := writeAtomic(s.path, s.write); err != nil {
		s.logger.Error("persisting alerting state failed", "state", s.name, "err", err)
	}
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeAlerts snapshots every alert the provider holds.
func writeAlerts(alerts provider.Alerts) func(io.Writer) error {
	return func(w io.Writer) error {
		it := alerts.GetPending()
		defer it.Close()
		var all []*alert.Alert
		for a := range it.Next() {
			all = append(all, a.Data)
		}
		if err := it.Err(); err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(all)
	}
}

// readAlerts loads an alerts snapshot; a missing file is an empty one.
func readAlerts(path string) ([]*alert.Alert, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stored []*alert.Alert
	if err := json.Unmarshal(b, &stored); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Rebuild through alert.New so derived state (the fingerprint) is set.
	out := make([]*alert.Alert, 0, len(stored))
	for _, a := range stored {
		if a == nil {
			continue
		}
		out = append(out, alert.New(a.Alert, a.UpdatedAt, a.Timeout))
	}
	return out, nil
}
