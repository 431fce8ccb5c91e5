package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

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
	// mu serialises writes: a write begun before a change must not land
	// after the write that holds it (RewriteSilenceAuthors writes now).
	mu sync.Mutex
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
	if err := s.saveNow(); err != nil {
		s.logger.Error("persisting alerting state failed", "state", s.name, "err", err)
	}
}

// saveNow writes the snapshot and returns any error.
func (s *snapshotter) saveNow() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return writeAtomic(s.path, s.write)
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

// storedAlert is an alert as alerts.json keeps it. Ward marks the alerts
// ward's own rule manager raised (ResolveRestored may resolve those); it
// is decided when the snapshot is written, by the generator URL under the
// external URL of the process that raised them, so it survives a restart
// with another external URL. Files written before the mark existed read
// as "not ward's", which only means such alerts expire on their own.
type storedAlert struct {
	*alert.Alert
	Ward bool `json:"ward,omitempty"`
}

// writeAlerts snapshots every alert the provider holds; own is the
// generator URL prefix of ward's own alerts.
func writeAlerts(alerts provider.Alerts, own string) func(io.Writer) error {
	return func(w io.Writer) error {
		it := alerts.GetPending()
		defer it.Close()
		var all []storedAlert
		for a := range it.Next() {
			all = append(all, storedAlert{Alert: a.Data, Ward: own != "" && strings.HasPrefix(a.Data.GeneratorURL, own)})
		}
		if err := it.Err(); err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(all)
	}
}

// readAlerts loads an alerts snapshot; a missing file is an empty one.
func readAlerts(path string) ([]storedAlert, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stored []storedAlert
	if err := json.Unmarshal(b, &stored); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Rebuild through alert.New so derived state (the fingerprint) is set.
	out := make([]storedAlert, 0, len(stored))
	for _, a := range stored {
		if a.Alert == nil {
			continue
		}
		out = append(out, storedAlert{Alert: alert.New(a.Alert.Alert, a.UpdatedAt, a.Timeout), Ward: a.Ward})
	}
	return out, nil
}

// ownGeneratorPrefix is how the generator URL of every alert ward's rule
// manager raises begins (see NotifyFunc); "" without an external URL.
func ownGeneratorPrefix(externalURL *url.URL) string {
	if externalURL == nil {
		return ""
	}
	return externalURL.JoinPath("graph").String() + "?"
}
