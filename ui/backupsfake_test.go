package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/storage"
)

// memBackups is a small in-memory backups.Service for the HTTP layer's
// routing, role, step-up and validation tests: runs in a slice, one
// watched job by token. The real Manager is tested through the app
// (app/backups_test.go).
type memBackups struct {
	mu      sync.Mutex
	runs    []backups.Run // oldest first
	tokens  map[string]string
	busy    map[string]bool
	pings   []backups.Ping
	filters []backups.Filter
	drills  []backups.DrillRequest
	status  backups.Status
	seq     int
}

var _ backups.Service = (*memBackups)(nil)

func newMemBackups(now time.Time) *memBackups {
	m := &memBackups{tokens: map[string]string{"tok-media": "media"}, busy: map[string]bool{}}
	exit := 0
	var last backups.Run
	for i := range 5 {
		last = m.add(backups.Run{Kind: backups.KindBackup, State: backups.StateSuccess, Trigger: backups.TriggerSchedule, Job: "nightly", Stanza: "main", Type: "incr",
			Started: now.Add(time.Duration(i-5) * 24 * time.Hour), Finished: now.Add(time.Duration(i-5)*24*time.Hour + 5*time.Minute), Bytes: 1 << 30, ExitCode: &exit, Log: "backup done"})
	}
	failed := m.add(backups.Run{Kind: backups.KindBackup, State: backups.StateFailed, Trigger: backups.TriggerPing, Job: "media", Started: now.Add(-2 * time.Hour), Finished: now.Add(-time.Hour), Error: "exit code 3"})
	drill := m.add(backups.Run{Kind: backups.KindDrill, State: backups.StateSuccess, Trigger: backups.TriggerSchedule, Stanza: "main", Started: now.Add(-3 * time.Hour), Finished: now.Add(-150 * time.Minute),
		Drill: &backups.DrillResult{RTO: 5 * time.Hour, RTOTarget: 4 * time.Hour, Assertions: []backups.Assertion{{Name: "select 1", Passed: true, Detail: "1"}}}})
	m.add(backups.Run{Kind: backups.KindDrill, State: backups.StateRunning, Trigger: backups.TriggerManual, By: "olga", Stanza: "main", Started: now.Add(-time.Minute), Progress: "restoring"})
	day := func(d int) string { return now.UTC().AddDate(0, 0, -d).Format(time.DateOnly) }
	var inv []backups.Backup
	for _, d := range []int{9, 8, 6, 5, 4, 3, 2, 1} {
		stop := now.UTC().AddDate(0, 0, -d)
		inv = append(inv, backups.Backup{Stanza: "main", Label: stop.Format("20060102-150405") + "F", Type: "full", Start: stop.Add(-time.Hour), Stop: stop, Size: 1 << 30, RepoSize: 1 << 28, Restorable: true})
	}
	m.status = backups.Status{
		Jobs: []backups.JobStatus{
			{Name: "nightly", Kind: "pgbackrest", Stanza: "main", LastSuccess: &last, LastRun: &last, NextRun: now.Add(5 * time.Hour), SuccessRate: ratePtr(1), Runs30d: 5},
			{Name: "media", Kind: "watched", LastRun: &failed, SuccessRate: ratePtr(0.5), Runs30d: 2},
		},
		Stanzas: []backups.StanzaStatus{{
			Name: "main", Message: "ok", Backups: inv,
			RPO:      backups.RPO{Target: time.Hour, ArchivedAt: now.Add(-2 * time.Minute), RepoAt: now.Add(-3 * time.Minute), Now: 3 * time.Minute},
			PITRFrom: now.AddDate(0, 0, -9), PITRTo: now.Add(-3 * time.Minute),
			Gaps:               []string{"missing daily " + day(7), "missing weekly 2026-W11"},
			Overdue:            []string{},
			RetentionCheckedAt: now.Add(-time.Minute),
			LastDrill:          &drill, RTOTarget: 4 * time.Hour,
		}},
		SuccessRate: ratePtr(6.0 / 7), Goal: 0.99,
	}
	return m
}

// add stores r under a new sortable id and returns it.
func (m *memBackups) add(r backups.Run) backups.Run {
	m.seq++
	r.ID = fmt.Sprintf("%016x-%08x", r.Started.UnixNano(), m.seq)
	m.runs = append(m.runs, r)
	slices.SortFunc(m.runs, func(a, b backups.Run) int { return strings.Compare(a.ID, b.ID) })
	return r
}

func (m *memBackups) List(_ context.Context, f backups.Filter) (backups.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.filters = append(m.filters, f)
	var p backups.Page
	for i := len(m.runs) - 1; i >= 0; i-- {
		r := m.runs[i]
		if (f.Kind != "" && r.Kind != f.Kind) || (f.Job != "" && r.Job != f.Job) || (f.Stanza != "" && r.Stanza != f.Stanza) ||
			(f.State != "" && r.State != f.State) || (f.Before != "" && r.ID >= f.Before) {
			continue
		}
		if len(p.Runs) == f.Limit {
			p.Next = p.Runs[len(p.Runs)-1].ID
			break
		}
		p.Runs = append(p.Runs, r)
	}
	return p, nil
}

func (m *memBackups) Get(_ context.Context, id string) (backups.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runs {
		if r.ID == id {
			return r, nil
		}
	}
	return backups.Run{}, fmt.Errorf("run %s: %w", id, backups.ErrNotFound)
}

func (m *memBackups) Status(context.Context) (backups.Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status, nil
}

func (m *memBackups) RunNow(ctx context.Context, job, by string) (backups.Run, error) {
	return m.RunNowType(ctx, job, "", by)
}

func (m *memBackups) RunNowType(_ context.Context, job, typ, by string) (backups.Run, error) {
	if typ == "" {
		typ = "full" // nightly's schedule
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case job != "nightly":
		return backups.Run{}, fmt.Errorf("job %q: %w", job, backups.ErrNotFound)
	case m.busy[job]:
		return backups.Run{}, fmt.Errorf("job %q: %w", job, backups.ErrBusy)
	}
	m.busy[job] = true
	return m.add(backups.Run{Kind: backups.KindBackup, State: backups.StateRunning, Trigger: backups.TriggerManual, By: by, Job: job, Type: typ, Started: time.Now()}), nil
}

func (m *memBackups) StartDrill(_ context.Context, req backups.DrillRequest) (backups.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if req.Stanza != "main" {
		return backups.Run{}, fmt.Errorf("stanza %q: %w", req.Stanza, backups.ErrNotFound)
	}
	if req.RestoreTarget != "" && req.RestoreTarget != "staging" {
		return backups.Run{}, fmt.Errorf("%w: restore target %q is not configured", backups.ErrRefused, req.RestoreTarget)
	}
	m.drills = append(m.drills, req)
	kind := backups.KindDrill
	if req.RestoreTarget != "" {
		kind = backups.KindRestore
	}
	return m.add(backups.Run{Kind: kind, State: backups.StateRunning, Trigger: backups.TriggerManual, By: req.By, Stanza: req.Stanza, Started: time.Now(), Progress: "restoring"}), nil
}

func (m *memBackups) Ping(_ context.Context, p backups.Ping) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[p.Token]; !ok {
		return backups.ErrUnknownToken
	}
	m.pings = append(m.pings, p)
	return nil
}

func (m *memBackups) KnownPing(token string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.tokens[token]
	return ok
}

func (m *memBackups) Runbook(stanza string, target time.Time) (string, error) {
	if stanza != "main" {
		return "", fmt.Errorf("stanza %q: %w", stanza, backups.ErrNotFound)
	}
	rb := "sudo -u postgres pgbackrest --stanza=main --delta restore"
	if !target.IsZero() {
		rb += " --type=time --target=\"" + target.UTC().Format("2006-01-02 15:04:05+00") + "\" --target-action=promote"
	}
	return rb, nil
}

func (m *memBackups) lastPing() backups.Ping {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pings) == 0 {
		return backups.Ping{}
	}
	return m.pings[len(m.pings)-1]
}

// startBackupsServer is startServer with mem as Deps.Backups and the
// registry taking the server's metrics.
func startBackupsServer(tb testing.TB, mem *memBackups) (*Server, string) {
	tb.Helper()
	return startServerEdit(tb, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		if mem != nil {
			d.Backups = mem
		}
		d.Registerer = registererOf(tb, d)
	})
}

// ratePtr is a known success rate.
func ratePtr(v float64) *float64 { return &v }
