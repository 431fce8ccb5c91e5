package backups

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// Intervals of the Manager's background work.
const (
	// defaultTick is how often the scheduler looks at the clock: a
	// scheduled run starts at most this late.
	defaultTick = 5 * time.Second
	// inventoryEvery is how often each stanza's inventory is read.
	inventoryEvery = 5 * time.Minute
	// statsEvery is how often the 30-day success rates are recounted
	// (also after every finished run).
	statsEvery = 5 * time.Minute
	// pruneEvery is how often the run history is trimmed.
	pruneEvery = time.Hour
	// SuccessGoal is the plan's success rate (99%).
	SuccessGoal = 0.99
)

// Options are the Manager's dependencies.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	State      *storage.State
	// DataDir is ward's data directory (drills' scratch lives under it).
	DataDir string
	// Now is the clock (default time.Now); Tick how often the scheduler
	// reads it (default 5s). Tests move Now and shorten Tick.
	Now  func() time.Time
	Tick time.Duration
	// Digest sends the daily success digest (backups.digest); nil sends
	// none.
	Digest DigestFunc
	// PgBackRest is the pgbackrest program (default "pgbackrest",
	// looked up in PATH).
	PgBackRest string
	// Postgres connects through a postgres check (pg_stat_archiver for
	// RPO, production row counts for drills): PostgresConnector.
	Postgres Connector
	// Self gives self jobs the running ward's state and key (issue 14).
	Self SelfEnv
}

// Manager runs the backup jobs on their schedules, reads each stanza's
// inventory, keeps the run history and serves Service. Apply gives it a
// new configuration at any time; Run is its background loop.
type Manager struct {
	log     *slog.Logger
	store   store
	now     func() time.Time
	tick    time.Duration
	pgbr    string
	dataDir string
	metrics *jobMetrics
	hooks   hooks
	watch   *stanzaWatch // RPO, retention (watch_wire.go)

	// base is the context runs execute under: cancelled only when Run
	// returns, so a reload never stops a running backup.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	cfg       config.Backups
	jobs      map[string]*jobState
	inventory map[string]StanzaStatus
	invAt     map[string]time.Time // stanza -> last read started
	rates     map[string]rate      // job -> 30-day counts; "" is overall
	ratesAt   time.Time
	// ratesDirty: a run finished since the rates were counted;
	// ratesGen counts the runs finished, so that a count that started
	// before one leaves ratesDirty set.
	ratesDirty bool
	ratesGen   uint64
	prunedAt   time.Time
	// keepRuns bounds the run history (keepRuns; tests lower it).
	keepRuns int
	// digest sends the daily digest at digestAt (for digestKey's at and
	// zone).
	digest    DigestFunc
	digestAt  time.Time
	digestKey string
	// selfw runs self jobs' restore tests (issue 14; selfwire.go).
	selfw selfWiring
}

var _ Service = (*Manager)(nil)

// New builds a Manager with no jobs; Apply gives it its configuration.
func New(o Options) *Manager {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = defaultTick
	}
	if o.PgBackRest == "" {
		o.PgBackRest = "pgbackrest"
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	base, cancel := context.WithCancel(context.Background())
	m := &Manager{
		log: o.Logger, store: store{st: o.State}, now: o.Now, tick: o.Tick, pgbr: o.PgBackRest, dataDir: o.DataDir,
		metrics: newJobMetrics(o.Registerer),
		base:    base, cancel: cancel,
		jobs: map[string]*jobState{}, inventory: map[string]StanzaStatus{}, invAt: map[string]time.Time{},
		rates: map[string]rate{}, keepRuns: keepRuns, digest: o.Digest,
	}
	m.wireHooks(o)
	return m
}

// Apply takes a new (validated) configuration. Schedules are replaced;
// runs in progress continue with the configuration they started with.
// A job that left the configuration keeps its history.
func (m *Manager) Apply(cfg config.Backups) {
	now := m.now()
	m.mu.Lock()
	m.cfg = cfg
	jobs := make(map[string]*jobState, len(cfg.Jobs))
	for _, j := range cfg.Jobs {
		st, err := newJobState(j, now, m.jobs[j.Name])
		if err != nil {
			// Load validated every schedule; this cannot happen.
			m.log.Error("backup job schedule", "job", j.Name, "err", err)
			continue
		}
		if m.jobs[j.Name] == nil {
			st.catchUp(m.store, now)
		}
		jobs[j.Name] = st
	}
	for name, old := range m.jobs {
		if _, ok := jobs[name]; !ok && old.running != nil {
			// Gone from the config while running: its run finishes and
			// is recorded; no new runs are scheduled.
			old.removed = true
			jobs[name] = old
		}
	}
	m.jobs = jobs
	for name, st := range jobs {
		m.metrics.running.WithLabelValues(name).Set(boolGauge(st.running != nil))
	}
	for name := range m.inventory {
		if _, ok := stanzaNamed(cfg, name); !ok {
			delete(m.inventory, name)
			delete(m.invAt, name)
		}
	}
	m.mu.Unlock()
	m.metrics.retain(cfg)
	for _, f := range m.hooks.apply {
		f(cfg)
	}
	m.refreshRates(now)
}

// Run is the scheduler loop: it starts due runs, records missed ones,
// reads inventories and trims the history until ctx ends, then cancels
// running runs and waits until each is recorded.
func (m *Manager) Run(ctx context.Context) error {
	t := time.NewTicker(m.tick)
	defer t.Stop()
	for {
		m.step(ctx)
		select {
		case <-ctx.Done():
			m.cancel()
			m.wg.Wait()
			for _, f := range m.hooks.close {
				f()
			}
			return nil
		case <-t.C:
		}
	}
}

// step is one look at the clock.
func (m *Manager) step(ctx context.Context) {
	now := m.now()
	m.schedule(now)
	m.readInventories(ctx, now)
	for _, tick := range m.hooks.tick {
		tick(now)
	}
	m.digestStep(now)
	m.mu.Lock()
	recount := m.ratesDirty || now.Sub(m.ratesAt) >= statsEvery
	prune := now.Sub(m.prunedAt) >= pruneEvery
	m.mu.Unlock()
	if recount {
		m.refreshRates(now)
	}
	if prune {
		m.prune(now)
	}
}

// List returns runs matching f, newest first.
func (m *Manager) List(_ context.Context, f Filter) (Page, error) { return m.store.list(f) }

// Get returns one run.
func (m *Manager) Get(_ context.Context, id string) (Run, error) { return m.store.get(id) }

// RunNow starts job's backup now, of the type its next scheduled run
// would take; ErrBusy while one is running.
func (m *Manager) RunNow(ctx context.Context, job, by string) (Run, error) {
	return m.RunNowType(ctx, job, "", by)
}

// RunNowType starts job's backup now as a typ (full, diff or incr)
// pgBackRest backup; typ "" takes the type of the job's schedule that
// fires next. A command job has no type.
func (m *Manager) RunNowType(_ context.Context, job, typ, by string) (Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.jobs[job]
	if !ok || st.removed {
		return Run{}, fmt.Errorf("backup job %q: %w", job, ErrNotFound)
	}
	switch {
	case typ != "" && st.cfg.Kind != config.BackupKindPgBackRest:
		return Run{}, fmt.Errorf("%w: type: job %q is a %s job; only pgbackrest jobs take a type", ErrRefused, job, st.cfg.Kind)
	case typ != "" && typ != "full" && typ != "diff" && typ != "incr":
		return Run{}, fmt.Errorf("%w: type: want full, diff or incr", ErrRefused)
	}
	if st.running != nil {
		return Run{}, fmt.Errorf("backup job %q: %w", job, ErrBusy)
	}
	if typ == "" {
		typ = st.nextType()
	}
	return m.startLocked(st, TriggerManual, by, time.Time{}, typ)
}

// Status is every job's and stanza's state now.
func (m *Manager) Status(ctx context.Context) (Status, error) {
	now := m.now()
	m.mu.Lock()
	dirty := m.ratesDirty
	m.mu.Unlock()
	if dirty {
		m.refreshRates(now)
	}
	m.mu.Lock()
	cfg := m.cfg
	out := Status{Goal: SuccessGoal, SuccessRate: m.rates[""].ratio(), RestoreTargets: []string{}}
	for _, t := range cfg.RestoreTargets {
		out.RestoreTargets = append(out.RestoreTargets, t.Name)
	}
	var names []string
	for name := range m.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		st := m.jobs[name]
		if st.removed {
			continue
		}
		js := JobStatus{Name: name, Kind: st.cfg.Kind, Stanza: st.cfg.Stanza, Running: st.running != nil, NextRun: st.nextRun(now)}
		r := m.rates[name]
		js.SuccessRate, js.Runs30d = r.ratio(), r.finished
		js.LastRun, js.LastSuccess = copyRun(st.last), copyRun(st.lastSuccess)
		out.Jobs = append(out.Jobs, js)
	}
	stanzas := make([]StanzaStatus, 0, len(cfg.Stanzas))
	for _, sc := range cfg.Stanzas {
		s, ok := m.inventory[sc.Name]
		if !ok {
			s = StanzaStatus{Name: sc.Name, Code: -1, Message: "inventory not read yet"}
		}
		s.Backups = append([]Backup(nil), s.Backups...)
		s.RTOTarget = time.Duration(sc.RTO)
		s.RPO.Target = time.Duration(sc.RPO)
		stanzas = append(stanzas, s)
	}
	m.mu.Unlock()
	if m.hooks.watchedJobs != nil {
		out.Jobs = append(out.Jobs, m.hooks.watchedJobs(ctx)...)
	}
	for i := range stanzas {
		if m.hooks.stanza != nil {
			if sc, ok := stanzaNamed(cfg, stanzas[i].Name); ok {
				m.hooks.stanza(ctx, sc, &stanzas[i])
			}
		}
		stanzas[i].LastDrill = m.lastDrill(stanzas[i].Name)
	}
	out.Stanzas = stanzas
	if out.Jobs == nil {
		out.Jobs = []JobStatus{}
	}
	return out, nil
}

// lastDrill is stanza's newest finished drill (not a restore into a
// target), or nil.
func (m *Manager) lastDrill(stanza string) *Run {
	p, err := m.store.list(Filter{Kind: KindDrill, Stanza: stanza, Limit: 20})
	if err != nil {
		return nil
	}
	for _, r := range p.Runs {
		if r.State != StateRunning {
			r.Log = "" // the status is a summary
			return &r
		}
	}
	return nil
}

// StartDrill starts a drill or a restore into a target (drill.go).
func (m *Manager) StartDrill(_ context.Context, req DrillRequest) (Run, error) {
	if m.hooks.drill == nil {
		return Run{}, fmt.Errorf("%w: restore drills are not available in this build", ErrRefused)
	}
	return m.hooks.drill(req)
}

// Ping records a watched job's ping (ping.go).
func (m *Manager) Ping(ctx context.Context, p Ping) error {
	if m.hooks.ping == nil {
		return ErrUnknownToken
	}
	return m.hooks.ping(ctx, p)
}

// KnownPing says whether token names a watched job (ping.go).
func (m *Manager) KnownPing(token string) bool {
	return m.hooks.knownPing != nil && m.hooks.knownPing(token)
}

// Runbook is the production recovery runbook (drill.go).
func (m *Manager) Runbook(stanza string, target time.Time) (string, error) {
	if m.hooks.runbook == nil {
		return "", fmt.Errorf("%w: no recovery runbook in this build", ErrNotFound)
	}
	return m.hooks.runbook(stanza, target)
}

func copyRun(r *Run) *Run {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// stanzaNamed returns the stanza called name.
func stanzaNamed(cfg config.Backups, name string) (config.BackupStanza, bool) {
	for _, s := range cfg.Stanzas {
		if s.Name == name {
			return s, true
		}
	}
	return config.BackupStanza{}, false
}
