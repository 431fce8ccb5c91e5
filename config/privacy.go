package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Privacy configures how long ward keeps the personal data of its own
// users, and where its erasure ledger lives (section `privacy:`; the
// /privacy page shows these values).
type Privacy struct {
	// KnownDevices is how long ward remembers a device (a hash of its IP
	// address and user agent, for new-device notices and sign-in limits)
	// after it last signed in. API tokens' last IP address goes after
	// the same time without use.
	KnownDevices model.Duration `yaml:"known_devices"`
	// AuditClientData is how long audit records keep IP addresses and
	// user agents; older records keep an erased marker instead (the
	// chain still verifies). At most auth.audit.retention matters.
	AuditClientData model.Duration `yaml:"audit_client_data"`
	// PruneInterval is how often ward prunes the two above.
	PruneInterval model.Duration `yaml:"prune_interval"`
	// ErasureLedger is the file of erasures, re-applied after a restore
	// of an older database. Empty means <storage.path>/erasures.ledger;
	// put it outside the data directory when whole data directories are
	// restored.
	ErasureLedger string `yaml:"erasure_ledger"`
}

// Bounds of the privacy section.
const (
	minKnownDevices    = 24 * time.Hour
	maxKnownDevices    = 400 * 24 * time.Hour
	minAuditClientData = 7 * 24 * time.Hour
	maxAuditClientData = 3650 * 24 * time.Hour
	minPruneInterval   = time.Minute
	maxPruneInterval   = 24 * time.Hour
)

// DefaultPrivacy returns the privacy defaults: devices forgotten after
// 90 days, IP addresses and agents in audit records erased after 180,
// pruned hourly.
func DefaultPrivacy() Privacy {
	return Privacy{
		KnownDevices:    model.Duration(90 * 24 * time.Hour),
		AuditClientData: model.Duration(180 * 24 * time.Hour),
		PruneInterval:   model.Duration(time.Hour),
	}
}

// LedgerPath is where the erasure ledger lives.
func (c *Config) LedgerPath() string {
	if c.Privacy.ErasureLedger != "" {
		return c.Privacy.ErasureLedger
	}
	return strings.TrimSuffix(c.Storage.Path, "/") + "/erasures.ledger"
}

func (p Privacy) problems() []fieldError {
	var errs []fieldError
	bound := func(key string, v model.Duration, lo, hi time.Duration) {
		if d := time.Duration(v); d < lo || d > hi {
			errs = append(errs, fieldError{path: "privacy." + key, msg: fmt.Sprintf("must be between %s and %s, got %s",
				model.Duration(lo), model.Duration(hi), v)})
		}
	}
	bound("known_devices", p.KnownDevices, minKnownDevices, maxKnownDevices)
	bound("audit_client_data", p.AuditClientData, minAuditClientData, maxAuditClientData)
	bound("prune_interval", p.PruneInterval, minPruneInterval, maxPruneInterval)
	if strings.ContainsRune(p.ErasureLedger, 0) || (p.ErasureLedger != "" && strings.HasSuffix(p.ErasureLedger, "/")) {
		errs = append(errs, fieldError{path: "privacy.erasure_ledger", msg: fmt.Sprintf("want a file path, got %q", p.ErasureLedger)})
	}
	return errs
}
