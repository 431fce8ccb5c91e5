package backups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// Restore drills and restores into a configured target (issue 12).
//
// The seam with the Manager is Manager.wireDrills (drill_wire.go): it
// builds the drills, sets the drill and runbook hooks, adds apply and
// close (running drills are cancelled on shutdown: postgres stopped,
// scratch deleted, the run recorded failed), seeds the metrics from the
// stored drills, and adds tick, which the scheduler calls with its clock
// to start the scheduled drills.

// Limits of drills.
const (
	// maxConcurrentDrills bounds drills and restores running at once
	// (each restores a whole database); one per stanza.
	maxConcurrentDrills = 2
	// defaultDrillTimeout bounds a drill when neither the drill's timeout
	// nor the stanza's RTO is set (the RTO default).
	defaultDrillTimeout = 4 * time.Hour
	// stopTimeout bounds a drill postgres' fast shutdown before it is
	// killed.
	stopTimeout = 60 * time.Second
)

// maxLabelLen bounds a requested backup label; labelRE is pgBackRest's
// label form: a full backup's, or a diff's or incr's after its full's.
const maxLabelLen = 64

var labelRE = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?$`)

// drillDeps is what the Manager gives drills.
type drillDeps struct {
	Logger *slog.Logger
	// DataDir is ward's data directory; scratch copies go under
	// DataDir/backups/drills.
	DataDir string
	// Save stores a run (new or updated); NewID makes a run id.
	Save  func(Run) error
	NewID func(time.Time) string
	// Production connects to the production database through the postgres
	// check named check (the stanza's check), with database db ("" for the
	// check's own). Used for row counts, migrations and the current size.
	Production func(ctx context.Context, check, db string) (*pgx.Conn, error)
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// drills runs restore drills and restores-to-target.
type drills struct {
	deps    drillDeps
	metrics *drillMetrics

	base context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	cfg     config.Backups
	running map[string]bool      // stanza -> a drill or restore is running
	next    map[string]time.Time // stanza+schedule -> its next drill time
}

func newDrills(deps drillDeps) *drills {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	base, stop := context.WithCancel(context.Background())
	return &drills{
		deps: deps, metrics: newDrillMetrics(deps.Registerer),
		base: base, stop: stop, running: map[string]bool{}, next: map[string]time.Time{},
	}
}

// apply takes a new (validated) config; running drills keep theirs.
func (d *drills) apply(cfg config.Backups) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg = cfg
	d.metrics.rtoTarget.Reset() // a stanza gone from the config has no target
	for _, st := range cfg.Stanzas {
		d.metrics.target(st.Name, stanzaRTO(st))
	}
}

// close cancels running drills and waits until each has cleaned up.
func (d *drills) close() {
	d.stop()
	d.wg.Wait()
}

// scheduled starts stanza's scheduled drill for the schedule time at.
func (d *drills) scheduled(stanza string, at time.Time) (Run, error) {
	return d.start(DrillRequest{Stanza: stanza}, TriggerSchedule, at)
}

// start validates req, records the run and starts it in the background;
// the returned run is still running.
func (d *drills) start(req DrillRequest, trigger Trigger, at time.Time) (Run, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(req.Label) > maxLabelLen || (req.Label != "" && !labelRE.MatchString(req.Label)) {
		return Run{}, fmt.Errorf("%w: label: not a pgBackRest backup label (like 20260314-020000F)", ErrRefused)
	}
	st, ok := findStanza(d.cfg, req.Stanza)
	if !ok {
		return Run{}, fmt.Errorf("%w: stanza %q", ErrNotFound, req.Stanza)
	}
	job := drillJob{deps: d.deps, exec: Executor{User: d.cfg.RunAs}, st: st, req: req}
	if err := checkRunAs(d.cfg.RunAs); err != nil {
		return Run{}, err
	}
	if req.RestoreTarget != "" {
		t, ok := findRestoreTarget(d.cfg, req.RestoreTarget)
		if !ok {
			return Run{}, fmt.Errorf("%w: restore target %q", ErrNotFound, req.RestoreTarget)
		}
		job.target = &t
	}
	now := d.deps.Now()
	if !req.Time.IsZero() && req.Time.After(now) {
		return Run{}, fmt.Errorf("%w: time: %s is in the future", ErrRefused, req.Time.UTC().Format(time.RFC3339))
	}
	id := d.deps.NewID(now)
	job.run.ID = id
	if err := job.checkPaths(); err != nil {
		return Run{}, err
	}
	if d.running[st.Name] {
		return Run{}, fmt.Errorf("%w: a drill or restore of stanza %s", ErrBusy, st.Name)
	}
	if len(d.running) >= maxConcurrentDrills {
		return Run{}, fmt.Errorf("%w: %d drills or restores already running", ErrBusy, len(d.running))
	}
	run := Run{
		ID: id, Kind: KindDrill, State: StateRunning, Trigger: trigger, By: req.By,
		Stanza: st.Name, Type: "latest", Scheduled: at, Started: now, Label: req.Label,
		Progress: "starting",
		Drill:    &DrillResult{Target: req.Time, RTOTarget: stanzaRTO(st), Assertions: []Assertion{}},
	}
	if job.target != nil {
		run.Kind = KindRestore
	}
	if !req.Time.IsZero() {
		run.Type = "time"
	}
	if err := d.deps.Save(run); err != nil {
		return Run{}, fmt.Errorf("save run: %w", err)
	}
	job.run = run
	d.running[st.Name] = true
	d.wg.Add(1)
	ctx, cancel := context.WithTimeout(d.base, drillTimeout(st))
	go func() {
		defer d.wg.Done()
		defer cancel()
		final := job.execute(ctx)
		d.mu.Lock()
		delete(d.running, st.Name)
		d.mu.Unlock()
		if final.Kind == KindDrill {
			d.metrics.observe(final)
		}
	}()
	return run, nil
}

// checkRunAs refuses drills that would run postgres as root: as root,
// ward needs backups.run_as naming another user.
func checkRunAs(runAs string) error {
	if runAs == "" {
		if os.Geteuid() == 0 {
			return fmt.Errorf("%w: backups.run_as: required when ward runs as root (postgres refuses root)", ErrRefused)
		}
		return nil
	}
	u, err := user.Lookup(runAs)
	if err != nil {
		return fmt.Errorf("%w: backups.run_as: %w", ErrRefused, err)
	}
	if u.Uid == "0" {
		return fmt.Errorf("%w: backups.run_as: %s is root", ErrRefused, runAs)
	}
	return nil
}

func findStanza(cfg config.Backups, name string) (config.BackupStanza, bool) {
	for _, st := range cfg.Stanzas {
		if st.Name == name {
			return st, true
		}
	}
	return config.BackupStanza{}, false
}

func findRestoreTarget(cfg config.Backups, name string) (config.RestoreTarget, bool) {
	for _, t := range cfg.RestoreTargets {
		if t.Name == name {
			return t, true
		}
	}
	return config.RestoreTarget{}, false
}

// stanzaRTO is the stanza's RTO target (default 4h).
func stanzaRTO(st config.BackupStanza) time.Duration {
	if st.RTO > 0 {
		return time.Duration(st.RTO)
	}
	return defaultDrillTimeout
}

// drillTimeout bounds a whole drill: the drill's timeout, else the RTO.
func drillTimeout(st config.BackupStanza) time.Duration {
	if st.Drill.Timeout > 0 {
		return time.Duration(st.Drill.Timeout)
	}
	return stanzaRTO(st)
}

// errDrillCancelled marks a drill stopped by ward's shutdown.
var errDrillCancelled = errors.New("cancelled: ward is shutting down")
