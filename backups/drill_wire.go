package backups

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ward-monitoring/ward/config"
)

// maxSeedDrills bounds the stored drills read to seed the metrics.
const maxSeedDrills = 500

// wireDrills builds the drills and connects them to the Manager's hooks;
// wireHooks calls it. production reaches a production database through
// a postgres check (app passes PostgresConnector over the current
// checks); nil leaves the assertions that need production failing with
// a message. Its tick hook starts the scheduled drills.
func (m *Manager) wireDrills(o Options, production func(ctx context.Context, check, db string) (*pgx.Conn, error)) {
	d := newDrills(drillDeps{
		Logger: m.log, DataDir: o.DataDir, Save: m.store.put, NewID: newRunID,
		Production: production, Registerer: o.Registerer, Now: m.now,
	})
	runs := m.store.recent("", KindDrill, maxSeedDrills)
	for i := len(runs) - 1; i >= 0; i-- {
		d.metrics.observe(runs[i])
	}
	d.failStale(append(runs, m.store.recent("", KindRestore, maxSeedDrills)...))
	d.cleanScratch()
	m.hooks.drill = func(req DrillRequest) (Run, error) { return d.start(req, TriggerManual, time.Time{}) }
	m.hooks.runbook = d.runbook
	m.hooks.apply = append(m.hooks.apply, d.apply)
	m.hooks.close = append(m.hooks.close, d.close)
	m.hooks.tick = append(m.hooks.tick, d.tick)
}

// tick starts the scheduled drills that are due at now. A drill that
// cannot start (busy, refused) is recorded failed, so RestoreDrillFailed
// says so instead of the schedule going quiet.
func (d *drills) tick(now time.Time) {
	d.mu.Lock()
	var due []drillSchedule
	// Keyed by the schedule too: a reload that changes it starts afresh.
	next := make(map[string]time.Time, len(d.next))
	for _, s := range drillSchedules(d.cfg) {
		key := s.Stanza + "\x00" + s.Spec + "\x00" + s.TimeZone
		sched, err := config.ParseBackupSchedule(s.Spec, s.TimeZone)
		if err != nil {
			continue // Load validated it
		}
		at, ok := d.next[key]
		switch {
		case !ok:
			next[key] = sched.Next(now)
		case !now.Before(at):
			next[key] = sched.Next(now)
			s.at = at
			due = append(due, s)
		default:
			next[key] = at
		}
	}
	d.next = next
	d.mu.Unlock()
	for _, s := range due {
		if _, err := d.scheduled(s.Stanza, s.at); err != nil {
			d.deps.Logger.Warn("scheduled restore drill did not start", "stanza", s.Stanza, "err", err)
			d.recordUnstarted(s, now, err)
		}
	}
}

// recordUnstarted records a scheduled drill that could not start.
func (d *drills) recordUnstarted(s drillSchedule, now time.Time, err error) {
	r := Run{
		ID: d.deps.NewID(now), Kind: KindDrill, State: StateFailed, Trigger: TriggerSchedule,
		Stanza: s.Stanza, Type: "latest", Scheduled: s.at, Started: now, Finished: now,
		Error: oneLine("did not start: " + err.Error()), Progress: "failed",
	}
	if errors.Is(err, ErrBusy) {
		r.State = StateMissed
	}
	if serr := d.deps.Save(r); serr != nil {
		d.deps.Logger.Error("save drill run", "err", serr)
	}
	d.metrics.observe(r)
}
