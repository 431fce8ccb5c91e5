package backups

import (
	"context"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// hooks are the Manager's seams with the parts of the package other
// files own: watched jobs and pings (ping.go), RPO and retention
// (rpo.go, retention.go), and drills (drill*.go). A nil hook means the
// part is not wired: Ping answers ErrUnknownToken, StartDrill
// ErrRefused, Runbook ErrNotFound, Status leaves those fields empty.
type hooks struct {
	// ping records a watched job's ping.
	ping func(ctx context.Context, p Ping) error
	// knownPing says whether a ping token names a watched job.
	knownPing func(token string) bool
	// watchedJobs are the watched jobs' statuses, after the jobs'.
	watchedJobs func(ctx context.Context) []JobStatus
	// stanza fills the parts of a stanza's status the inventory does not
	// give: RPO, PITR window, retention gaps and overdue, last drill.
	stanza func(ctx context.Context, cfg config.BackupStanza, s *StanzaStatus)
	// drill starts a drill or a restore into a target.
	drill   func(req DrillRequest) (Run, error)
	runbook func(stanza string, target time.Time) (string, error)
	// apply receives every configuration Apply is given; close runs when
	// Run returns, after the Manager's own runs have ended.
	apply []func(config.Backups)
	close []func()
	// tick is called on every look at the clock, after the jobs'
	// schedules (drills start their scheduled runs from it).
	tick []func(now time.Time)
}

// wireHooks builds the other parts and connects them. Each part gets
// what it needs from the Manager: m.store (put/get/list/recent,
// newRunID), m.stanzaInventory(name) for the newest inventory,
// m.record(run) to store a finished run and export it through the job
// metrics, m.base for work that must stop with Run, m.now, m.log.
func (m *Manager) wireHooks(o Options) {
	m.wireWatch(o)              // watched jobs, RPO, retention (watch_wire.go)
	m.wireDrills(o, o.Postgres) // drills, restores, runbook (drill_wire.go)
	m.wireSelf(o)               // self-backups' restore tests (selfwire.go)
}

// record stores a finished run of a job (or watched job) and exports it
// through the job metrics: outcome counters, last success, size,
// suspicious flags and the success rate.
func (m *Manager) record(r Run) error {
	// Recounted on the next look at the clock or status, not per ping;
	// marked first, so that whoever reads the run sees the count due.
	m.mu.Lock()
	m.markRatesLocked()
	m.mu.Unlock()
	m.metrics.finished(r)
	return m.store.put(r)
}
