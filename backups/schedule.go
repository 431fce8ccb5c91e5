package backups

import (
	"sort"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ward-monitoring/ward/config"
)

// maxMissedPerStep bounds the missed runs recorded for one job in one
// look at the clock (a ward that was down for a year does not write a
// year of records at once; the next steps catch up).
const maxMissedPerStep = 100

// entry is one schedule of a job: a cron and the backup type it runs.
type entry struct {
	sched cron.Schedule
	typ   string
	next  time.Time
}

// jobState is the scheduler's runtime state of one job. Config stays
// read-only; this is rebuilt on every Apply from the old state.
type jobState struct {
	cfg     config.BackupJob
	entries []entry
	// running is the run in progress, or nil.
	running *Run
	// lastAt is the newest run's start (or a missed run's schedule):
	// occurrences after it with no run started are missed.
	lastAt time.Time
	// removed marks a job gone from the config whose run still runs.
	removed bool
	// last and lastSuccess are the newest run and the newest success
	// (without their logs), for Status.
	last, lastSuccess *Run
}

// catchUpWindow bounds how far back a new job state looks for missed
// schedules (the success rate's window: older ones change nothing).
const catchUpWindow = rateWindow

// newJobState builds a job's schedules. On a reload (old set) they start
// from now; at start-up from the job's newest run, so that a run due
// within its grace while ward was stopped still starts.
func newJobState(j config.BackupJob, now time.Time, old *jobState) (*jobState, error) {
	st := &jobState{cfg: j}
	specs := j.Schedules
	if j.Kind == config.BackupKindCommand || j.Kind == config.BackupKindSelf {
		specs = []config.BackupSchedule{{Cron: j.Schedule}}
	}
	for _, s := range specs {
		sched, err := config.ParseBackupSchedule(s.Cron, j.TimeZone)
		if err != nil {
			return nil, err
		}
		st.entries = append(st.entries, entry{sched: sched, typ: s.Type, next: sched.Next(now)})
	}
	if old != nil {
		st.running, st.lastAt, st.last, st.lastSuccess = old.running, old.lastAt, old.last, old.lastSuccess
	}
	return st, nil
}

// catchUp loads the job's newest runs from the history and restarts its
// schedules from the newest one (at most catchUpWindow back).
func (st *jobState) catchUp(s store, now time.Time) {
	st.lastAt = now
	if runs := s.recent(st.cfg.Name, KindBackup, 1); len(runs) > 0 {
		r := withoutLog(runs[0])
		st.last, st.lastAt = &r, r.Started
		if r.Scheduled.After(st.lastAt) {
			st.lastAt = r.Scheduled
		}
	}
	if p, err := s.list(Filter{Job: st.cfg.Name, Kind: KindBackup, State: StateSuccess, Limit: 1}); err == nil && len(p.Runs) > 0 {
		r := withoutLog(p.Runs[0])
		st.lastSuccess = &r
	}
	if floor := now.Add(-catchUpWindow); st.lastAt.Before(floor) {
		st.lastAt = floor
	}
	for i := range st.entries {
		st.entries[i].next = st.entries[i].sched.Next(st.lastAt)
	}
}

// withoutLog is r without its log (status tiles do not need 64 KiB each).
func withoutLog(r Run) Run {
	r.Log = ""
	return r
}

// nextRun is the earliest upcoming scheduled time.
func (st *jobState) nextRun(now time.Time) time.Time {
	var next time.Time
	for _, e := range st.entries {
		if n := e.next; !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next
}

// nextType is the backup type of the schedule that fires next (the
// first schedule's when none will).
func (st *jobState) nextType() string {
	if len(st.entries) == 0 {
		return ""
	}
	best := st.entries[0]
	for _, e := range st.entries[1:] {
		if !e.next.IsZero() && (best.next.IsZero() || e.next.Before(best.next)) {
			best = e
		}
	}
	return best.typ
}

// schedule starts the runs that are due and records the missed ones.
func (m *Manager) schedule(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, st := range m.jobs {
		if st.removed {
			continue
		}
		grace := time.Duration(st.cfg.Grace)
		due, typ := time.Time{}, ""
		for i := range st.entries {
			e := &st.entries[i]
			if e.next.IsZero() || now.Before(e.next) {
				continue
			}
			// The first listed schedule wins a tie (full before diff).
			if due.IsZero() || e.next.Before(due) {
				due, typ = e.next, e.typ
			}
			e.next = e.sched.Next(now)
		}
		// A run later than its grace (ward was stopped or the host
		// slept) is not started: the missed check records it.
		if !due.IsZero() && st.running == nil && now.Before(due.Add(grace)) {
			if _, err := m.startLocked(st, TriggerSchedule, "", due, typ); err != nil {
				m.log.Error("backup: start scheduled run", "job", st.cfg.Name, "err", err)
			}
		}
		m.recordMissedLocked(st, now, grace)
	}
}

// recordMissedLocked records a missed run for every scheduled time
// after the job's newest run whose grace has passed with no run started.
func (m *Manager) recordMissedLocked(st *jobState, now time.Time, grace time.Duration) {
	var missed []time.Time
	for _, e := range st.entries {
		for t := e.sched.Next(st.lastAt); !t.IsZero() && !t.Add(grace).After(now) && len(missed) < maxMissedPerStep; t = e.sched.Next(t) {
			missed = append(missed, t)
		}
	}
	sort.Slice(missed, func(i, j int) bool { return missed[i].Before(missed[j]) })
	if len(missed) > maxMissedPerStep {
		missed = missed[:maxMissedPerStep]
	}
	for i, t := range missed {
		if i > 0 && t.Equal(missed[i-1]) {
			continue // two schedules at one time: one run was due
		}
		r := Run{
			ID: newRunID(t), Kind: KindBackup, State: StateMissed, Trigger: TriggerSchedule,
			Job: st.cfg.Name, Stanza: st.cfg.Stanza, Scheduled: t, Started: t, Finished: t.Add(grace),
			Error: "no run started within the grace of " + grace.String() + " after " + t.UTC().Format(time.RFC3339),
		}
		if st.running != nil {
			r.Error = "the previous run was still running at " + t.UTC().Format(time.RFC3339)
		}
		if err := m.store.put(r); err != nil {
			m.log.Error("backup: record missed run", "job", st.cfg.Name, "err", err)
			return
		}
		st.lastAt, st.last = t, &r
		m.markRatesLocked()
		m.metrics.finished(r)
		m.log.Warn("backup run missed", "job", st.cfg.Name, "scheduled", t)
	}
}
