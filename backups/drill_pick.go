package backups

import (
	"fmt"
	"time"
)

// pickBackup chooses the backup to restore: label if given (it must be
// restorable), else the newest restorable one without checksum errors
// that stopped before target (when a point-in-time target is set).
func pickBackup(bs []Backup, label string, target time.Time) (Backup, error) {
	if label != "" {
		for _, b := range bs {
			if b.Label != label {
				continue
			}
			if !b.Restorable {
				return Backup{}, fmt.Errorf("%w: backup %s: its WAL is not in the archive", ErrRefused, label)
			}
			if !target.IsZero() && b.Stop.After(target) {
				return Backup{}, fmt.Errorf("%w: backup %s stopped at %s, after the target %s",
					ErrRefused, label, b.Stop.Format(time.RFC3339), target.Format(time.RFC3339))
			}
			return b, nil
		}
		return Backup{}, fmt.Errorf("%w: backup %s", ErrNotFound, label)
	}
	for i := len(bs) - 1; i >= 0; i-- {
		b := bs[i]
		if b.Restorable && !b.Error && (target.IsZero() || !b.Stop.After(target)) {
			return b, nil
		}
	}
	if !target.IsZero() {
		return Backup{}, fmt.Errorf("%w: no restorable backup stopped before %s", ErrRefused, target.Format(time.RFC3339))
	}
	return Backup{}, fmt.Errorf("%w: no restorable backup", ErrRefused)
}
