package storage

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// PrepareDataDir creates ward's data directory and its tsdb directory
// with mode 0700 before anything opens inside them (the TSDB would create
// its directory 0755). The directory holds the secret key, sessions and
// the audit trail. An existing directory that others can read or enter
// is left as it is, since an operator may have reasons, but logged as a
// warning; group search permission alone is not warned about.
func PrepareDataDir(dir string, logger *slog.Logger) error {
	for _, d := range []string{dir, filepath.Join(dir, "tsdb")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("storage: data directory: %w", err)
		}
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("storage: data directory: %w", err)
		}
		// Group search alone (0710) is how backups.run_as reaches the
		// drills' scratch copies: it lists and reads nothing.
		if perm := fi.Mode().Perm(); perm&0o067 != 0 {
			logger.Warn("the data directory is readable by other users: it holds ward's secret key, sessions and audit trail; chmod 700 it",
				"dir", d, "mode", fmt.Sprintf("%#o", perm))
		}
	}
	return nil
}
