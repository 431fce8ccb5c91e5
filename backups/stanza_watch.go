package backups

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// stanzaWatch measures each stanza's RPO (both sides), PITR window and
// retention, keeps the newest measurement, and exports them. The RPO
// series are computed when scraped, from the measured times, so they
// grow by the second between measurements and an alert on them is late
// by at most the scrape and evaluation intervals.
type stanzaWatch struct {
	deps stanzaDeps

	mu    sync.Mutex
	cfg   config.Backups
	state map[string]*stanzaState

	descs stanzaDescs
}

// stanzaDeps is what the Manager gives stanzaWatch.
type stanzaDeps struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Connect opens a connection through a postgres check (for
	// pg_stat_archiver).
	Connect Connector
	// Inventory is the stanza's newest inventory (Manager's).
	Inventory func(stanza string) (StanzaStatus, bool)
	// FirstStop records oldest as the stanza's oldest backup stop if it
	// is older than the one kept (state db), and returns the kept one.
	// Nil: the oldest in the current inventory.
	FirstStop func(stanza string, oldest time.Time) time.Time
}

// Intervals of stanzaWatch.
const (
	// rpoEvery is how often both RPO sides are measured.
	rpoEvery = 15 * time.Second
	// retentionEvery is how often retention is checked without a new
	// inventory (the current bucket comes due with the clock).
	retentionEvery = time.Hour
)

type stanzaState struct {
	sides      rpoSides
	measuredAt time.Time
	// failingSince is the start of the archiver's failing streak.
	failingSince time.Time
	target       time.Duration
	retention    RetentionReport
	checkedAt    time.Time // retention
	invAt        time.Time // the inventory retention was checked against
	backups      []Backup
}

func newStanzaWatch(deps stanzaDeps, reg prometheus.Registerer) *stanzaWatch {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	w := &stanzaWatch{deps: deps, state: map[string]*stanzaState{}, descs: newStanzaDescs()}
	if reg != nil {
		reg.MustRegister(w)
	}
	return w
}

// apply takes a new configuration; stanzas that stay keep their
// measurements.
func (w *stanzaWatch) apply(cfg config.Backups) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cfg = cfg
	next := make(map[string]*stanzaState, len(cfg.Stanzas))
	for _, st := range cfg.Stanzas {
		s := w.state[st.Name]
		if s == nil {
			s = &stanzaState{}
		}
		s.target = time.Duration(st.RPO)
		s.checkedAt = time.Time{} // the policy may have changed
		next[st.Name] = s
	}
	w.state = next
}

// run measures every rpoEvery until ctx ends.
func (w *stanzaWatch) run(ctx context.Context) {
	t := time.NewTicker(rpoEvery)
	defer t.Stop()
	for {
		w.measure(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// measure measures every stanza once (each side bounded by its timeout)
// and checks retention where the inventory changed or an hour passed.
func (w *stanzaWatch) measure(ctx context.Context) {
	w.mu.Lock()
	cfg := w.cfg
	w.mu.Unlock()
	for _, st := range cfg.Stanzas {
		sides := measureRPO(ctx, st, w.deps.Connect)
		now := w.deps.Now()
		sides.MeasuredAt = now
		if sides.ArchiverErr != nil || sides.RepoErr != nil {
			w.deps.Logger.Debug("stanza: rpo", "stanza", st.Name, "archiver_err", sides.ArchiverErr, "repo_err", sides.RepoErr)
		}
		inv, haveInv := StanzaStatus{}, false
		if w.deps.Inventory != nil {
			inv, haveInv = w.deps.Inventory(st.Name)
		}
		w.mu.Lock()
		s := w.state[st.Name]
		if s == nil { // removed meanwhile
			w.mu.Unlock()
			continue
		}
		s.sides, s.measuredAt = sides, now
		s.failingSince = failingStreak(s.failingSince, sides)
		check := haveInv && (!inv.InventoryAt.Equal(s.invAt) || now.Sub(s.checkedAt) >= retentionEvery)
		w.mu.Unlock()
		if !check {
			continue
		}
		// Outside the lock: FirstStop writes the state db.
		policy := retentionPolicy(cfg, st)
		policy.Since = oldestStop(inv.Backups)
		if w.deps.FirstStop != nil {
			policy.Since = w.deps.FirstStop(st.Name, policy.Since)
		}
		rep := CheckRetention(policy, inv.Backups, now)
		w.mu.Lock()
		if s := w.state[st.Name]; s != nil {
			s.retention = rep
			s.checkedAt, s.invAt, s.backups = now, inv.InventoryAt, inv.Backups
		}
		w.mu.Unlock()
	}
}

// failingStreak is the start of the archiver's failing streak after a
// measurement: kept while the archiver still fails, set to the failure
// seen when a streak begins, reset once archiving succeeds again. An
// archiver that could not be read changes nothing.
func failingStreak(since time.Time, m rpoSides) time.Time {
	switch {
	case m.ArchiverErr != nil:
		return since
	case !m.failing():
		return time.Time{}
	case since.IsZero():
		return m.FailedAt
	}
	return since
}

// fill completes a stanza's status (the Manager's stanza hook).
func (w *stanzaWatch) fill(_ context.Context, st config.BackupStanza, out *StanzaStatus) {
	now := w.deps.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.state[st.Name]
	if s == nil {
		return
	}
	out.RPO = s.sides.rpo(time.Duration(st.RPO), now)
	out.RPO.FailingSince = s.failingSince
	if s.measuredAt.IsZero() {
		out.RPO.Error = "not measured yet"
	}
	backups := out.Backups
	if backups == nil {
		backups = s.backups
	}
	out.PITRFrom, out.PITRTo = pitrWindow(backups, s.sides.RepoAt)
	out.Gaps, out.Overdue = s.retention.Gaps, s.retention.Overdue
	out.RetentionCheckedAt = s.checkedAt
	if s.checkedAt.IsZero() {
		// Not checked yet: null, not an all-clear [].
		out.Gaps, out.Overdue = nil, nil
		return
	}
	if out.Gaps == nil {
		out.Gaps = []string{}
	}
	if out.Overdue == nil {
		out.Overdue = []string{}
	}
}

// oldestStop is the oldest backup stop in inv (zero for none).
func oldestStop(inv []Backup) time.Time {
	var oldest time.Time
	for _, b := range inv {
		if !b.Stop.IsZero() && (oldest.IsZero() || b.Stop.Before(oldest)) {
			oldest = b.Stop
		}
	}
	return oldest
}

// retention returns the stanza's newest retention report (the calendar
// of the /backups page).
func (w *stanzaWatch) retention(stanza string) (RetentionReport, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.state[stanza]
	if !ok || s.checkedAt.IsZero() {
		return RetentionReport{}, false
	}
	return s.retention, true
}

// retentionPolicy is st's policy with the stanza's pgbackrest jobs'
// schedules: the current bucket is due at their first time in it.
func retentionPolicy(cfg config.Backups, st config.BackupStanza) RetentionPolicy {
	p := RetentionPolicy{
		MaxAge: time.Duration(st.Retention.MaxAge),
		Grace:  time.Duration(st.Retention.Grace),
		Loc:    st.Location(),
	}
	for _, n := range []struct {
		dst *int
		src *int
	}{{&p.Daily, st.Retention.Daily}, {&p.Weekly, st.Retention.Weekly}, {&p.Monthly, st.Retention.Monthly}, {&p.Yearly, st.Retention.Yearly}} {
		if n.src != nil {
			*n.dst = *n.src
		}
	}
	var nexts []func(time.Time) time.Time
	for _, j := range cfg.Jobs {
		if j.Kind != config.BackupKindPgBackRest || j.Stanza != st.Name {
			continue
		}
		for _, s := range j.Schedules {
			if sched, err := config.ParseBackupSchedule(s.Cron, j.TimeZone); err == nil {
				nexts = append(nexts, sched.Next)
			}
		}
	}
	if len(nexts) > 0 {
		p.Next = func(t time.Time) time.Time {
			var first time.Time
			for _, next := range nexts {
				if n := next(t); !n.IsZero() && (first.IsZero() || n.Before(first)) {
					first = n
				}
			}
			return first
		}
	}
	return p
}
