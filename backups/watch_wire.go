package backups

import (
	"context"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// wireWatch connects the watching parts to the Manager: watched jobs'
// pings (ping.go) and each stanza's RPO, PITR window and retention
// (stanza_watch.go). Pings tick with the scheduler; the stanzas' loop
// starts with the first configuration and stops with the Manager's base
// context.
func (m *Manager) wireWatch(o Options) {
	p := newPings(pingDeps{
		Logger: m.log, Now: m.now,
		Put: m.store.put, Record: m.record, Started: m.metrics.started, Recent: m.store.recent,
	})
	sw := newStanzaWatch(stanzaDeps{
		Logger: m.log, Now: m.now, Connect: o.Postgres, Inventory: m.stanzaInventory,
		FirstStop: m.firstStop,
	}, o.Registerer)
	var start sync.Once
	m.hooks.ping = p.ping
	m.hooks.knownPing = p.known
	m.hooks.watchedJobs = func(context.Context) []JobStatus { return p.statuses(m.now()) }
	m.hooks.stanza = sw.fill
	m.hooks.tick = append(m.hooks.tick, p.tick)
	m.hooks.apply = append(m.hooks.apply, func(cfg config.Backups) {
		if err := p.apply(cfg.Watched); err != nil {
			// Validation has passed, so this is a token file or variable
			// that went away: the previous watched jobs stay.
			m.log.Error("backups: watched jobs not applied", "err", err)
		}
		sw.apply(cfg)
		// The stanzas' measurements are I/O with their own timeouts, so
		// they run beside the scheduler rather than in its tick.
		start.Do(func() { go sw.run(m.base) })
	})
	m.watch = sw
}

// Retention is the stanza's newest retention check: every required
// bucket with its backups, for the /backups calendar. ok is false before
// the first check (an inventory is needed) or for an unknown stanza.
func (m *Manager) Retention(stanza string) (rep RetentionReport, ok bool) {
	if m.watch == nil {
		return RetentionReport{}, false
	}
	return m.watch.retention(stanza)
}

// firstStop keeps the stanza's oldest backup stop ever seen in the state
// db, so retention buckets from before the stanza's first backup stay
// "building up" after its early backups expire and across restarts.
func (m *Manager) firstStop(stanza string, oldest time.Time) time.Time {
	if m.store.st == nil {
		return oldest
	}
	kept, err := m.store.st.NoteBackupFirstStop(stanza, oldest)
	if err != nil {
		m.log.Error("backups: first backup of stanza", "stanza", stanza, "err", err)
		return oldest
	}
	return kept
}
