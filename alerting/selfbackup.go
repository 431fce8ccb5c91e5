package alerting

import (
	"fmt"
	"path/filepath"
)

// StateFiles are the files of the alerting state in its data directory,
// as WriteState writes them and New reads them back.
var StateFiles = []string{"nflog", "silences", "alerts.json"}

// WriteState writes a snapshot of the notification log, the silences and
// the pending alerts into dir, under the names of StateFiles, through
// Alertmanager's own snapshot functions: each is consistent in itself,
// as of the moment it is taken, whatever the pipeline is doing. It is
// for ward's backup of itself (issue 14).
func (m *Manager) WriteState(dir string) error {
	writes := []func(path string) error{
		func(p string) error { return writeAtomic(p, snapshotTo(m.nflog.Snapshot)) },
		func(p string) error { return writeAtomic(p, snapshotTo(m.silences.Snapshot)) },
		func(p string) error {
			return writeAtomic(p, writeAlerts(m.alerts, ownGeneratorPrefix(m.opts.ExternalURL)))
		},
	}
	for i, write := range writes {
		if err := write(filepath.Join(dir, StateFiles[i])); err != nil {
			return fmt.Errorf("alerting: snapshot of %s: %w", StateFiles[i], err)
		}
	}
	return nil
}
