package backups

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// selfWard is a ward's state for self-backup tests: a real state
// database with a user and a sealed audit chain, a real TSDB with a
// sample, and a secret key.
func selfWard(t *testing.T) (SelfEnv, *storage.State, string) {
	t.Helper()
	dir := t.TempDir()
	raw := make([]byte, auth.KeySize)
	rand.Read(raw)
	key, err := auth.ParseKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ak, _ := key.Derive(audit.KeyPurpose)
	if _, err := st.SetAuditKey(ak, time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateUser(storage.User{Name: "root", Role: "admin", PasswordHash: "x", Created: now},
		audit.Record{Time: now, Actor: "cli:test", Action: audit.ActionUserCreate, Target: "root", Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	db, err := tsdb.Open(filepath.Join(dir, "tsdb"), nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	app := db.Appender(context.Background())
	if _, err := app.Append(0, labels.FromStrings("__name__", "up", "job", "ward"), now.UnixMilli(), 1); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(dir, "scratch")
	os.MkdirAll(scratch, 0o700)
	env := func() (SelfSource, string, *auth.Key, []config.Check, error) {
		return SelfSource{State: st, TSDB: db, AlertingDir: filepath.Join(dir, "alerting"), AlertingFiles: []string{"nflog"}, Scratch: scratch}, dir, key, nil, nil
	}
	return env, st, dir
}

// TestSelfJobScheduled: a self job runs on its schedule, as a backup run
// of the job with its size; keep expires older snapshots; the restore
// test runs on drill_schedule as a drill run of the job and passes, and
// fails (and says so in its metric) once the newest snapshot is modified.
func TestSelfJobScheduled(t *testing.T) {
	env, st, _ := selfWard(t)
	snaps := filepath.Join(t.TempDir(), "snaps")
	clock := &testClock{t: at("2026-03-14T01:59:50Z")}
	reg := prometheus.NewRegistry()
	m := New(Options{State: st, Registerer: reg, Now: clock.Now, Tick: 20 * time.Millisecond, Self: env})
	cfg, err := config.Load([]byte(`backups:
  jobs:
    - {name: self, kind: self, destination: `+snaps+`, schedule: "0 2 * * *", drill_schedule: "0 5 * * *", keep: 1}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m.Apply(cfg.Backups)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	waitRun := func(kind RunKind, n int) []Run {
		var runs []Run
		servicetest.Eventually(t, 30*time.Second, string(kind)+" runs of the self job", func() bool {
			p, _ := m.List(ctx, Filter{Job: "self", Kind: kind})
			runs = nil
			for _, r := range p.Runs {
				if r.State != StateRunning {
					runs = append(runs, r)
				}
			}
			return len(runs) >= n
		})
		return runs
	}
	clock.Set(at("2026-03-14T02:00:01Z"))
	r := waitRun(KindBackup, 1)[0]
	if r.State != StateSuccess || r.Trigger != TriggerSchedule || r.Bytes <= 0 || r.Label == "" {
		t.Fatalf("scheduled self-backup: %+v", r)
	}
	clock.Set(at("2026-03-14T03:00:00Z"))
	if r2, err := m.SelfBackupNow(ctx, "self", "cli:test"); err != nil || r2.State != StateSuccess {
		t.Fatalf("self-backup now: %v %+v", err, r2)
	}
	names, _ := dirDest(snaps).List(ctx)
	if len(names) != 1 {
		t.Fatalf("keep 1: %d snapshots at the destination: %v", len(names), names)
	}
	clock.Set(at("2026-03-14T05:00:01Z"))
	d := waitRun(KindDrill, 1)[0]
	if d.State != StateSuccess || d.Trigger != TriggerSchedule || d.Job != "self" || d.Drill == nil || len(d.Drill.Assertions) != 5 {
		t.Fatalf("scheduled restore test: %+v", d)
	}
	for _, a := range d.Drill.Assertions {
		if !a.Passed {
			t.Errorf("assertion %s: %s", a.Name, a.Detail)
		}
	}
	if v := testutil.ToFloat64(m.selfw.metrics.lastFailed.WithLabelValues("self")); v != 0 {
		t.Errorf("ward_self_restore_test_last_failed = %v after a success", v)
	}

	// A modified snapshot fails the test.
	path := filepath.Join(snaps, names[0])
	b, _ := os.ReadFile(path)
	b[len(b)-100] ^= 1
	os.WriteFile(path, b, 0o600)
	f, err := m.SelfDrillNow(ctx, "self", "cli:test")
	if err != nil || f.State != StateFailed || f.Trigger != TriggerManual {
		t.Fatalf("restore test of a modified snapshot: %v %+v", err, f)
	}
	if v := testutil.ToFloat64(m.selfw.metrics.lastFailed.WithLabelValues("self")); v != 1 {
		t.Errorf("ward_self_restore_test_last_failed = %v after a failure", v)
	}
	recs, _ := st.AuditQuery(audit.Query{Actions: []string{audit.ActionSelfBackup, audit.ActionSelfRestore}}, nil)
	if len(recs) != 4 {
		t.Errorf("%d self-backup audit records, want 4 (2 backups, 2 tests)", len(recs))
	}
}
