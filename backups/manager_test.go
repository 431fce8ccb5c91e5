package backups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// testClock is the Manager's clock in tests: it moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func at(s string) time.Time              { t, _ := time.Parse(time.RFC3339, s); return t }
func (c *testClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// testManager is a Manager on a fresh state database with the test's
// clock; Cleanup stops its runs.
func testManager(t testing.TB, clock *testClock) (*Manager, *prometheus.Registry) {
	t.Helper()
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return testManagerOn(t, st, clock)
}

// testManagerOn is a Manager on st (a restarted ward).
func testManagerOn(t testing.TB, st *storage.State, clock *testClock) (*Manager, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := New(Options{State: st, Registerer: reg, Now: clock.Now, Tick: 20 * time.Millisecond})
	t.Cleanup(func() {
		m.cancel()
		m.wg.Wait()
	})
	return m, reg
}

// loadBackups loads a backups section through config.Load (defaults and
// validation as in production). run_as is the user children run as.
func loadBackups(t *testing.T, section string) config.Backups {
	t.Helper()
	doc := "backups:\n  run_as: " + runAsUser(t) + "\n" + section
	cfg, err := config.Load([]byte(doc), "test.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return cfg.Backups
}

// runAsUser is postgres when the test runs as root (children never run
// as root), else the test's own user.
func runAsUser(t *testing.T) string {
	if os.Geteuid() == 0 {
		return "postgres"
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// script writes an executable shell script that the run_as user can
// run, and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "job.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// finished waits until job has n finished backup runs and returns the
// newest.
func finished(t *testing.T, m *Manager, job string, n int) Run {
	t.Helper()
	var last Run
	servicetest.Eventually(t, 2*time.Minute, fmt.Sprintf("%d finished runs of %s", n, job), func() bool {
		runs := m.store.recent(job, KindBackup, 50)
		done := 0
		for _, r := range runs {
			if r.State != StateRunning {
				done++
			}
		}
		if len(runs) > 0 {
			last = runs[0]
		}
		return done >= n && last.State != StateRunning
	})
	return last
}

// TestCommandJobResticSummary: a command job runs its argv without a
// shell, restic's --json summary gives size and files, a secret from
// env_files never reaches the log, and the job metrics follow.
func TestCommandJobResticSummary(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T01:59:58Z")}
	m, _ := testManager(t, clock)
	secret := filepath.Join(t.TempDir(), "restic-password")
	if err := os.WriteFile(secret, []byte("s3cr3t-restic-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	job := script(t, `echo "{\"message_type\":\"status\",\"percent_done\":0.5}"
echo "password is $RESTIC_PASSWORD, arg is $1"
echo "{\"message_type\":\"summary\",\"files_new\":3,\"files_changed\":2,\"files_unmodified\":10,\"total_bytes_processed\":52428800,\"snapshot_id\":\"ab12\"}"
`)
	m.Apply(loadBackups(t, fmt.Sprintf(`  jobs:
    - name: media
      kind: command
      command: [%s, "a b; rm -rf /"]
      env_files: {RESTIC_PASSWORD: %s}
      min_duration: 1h
`, job, secret)))
	m.step(context.Background())
	if runs := m.store.recent("media", KindBackup, 5); len(runs) != 0 {
		t.Fatalf("ran before its time: %+v", runs)
	}
	clock.Set(at("2026-03-10T02:00:01Z"))
	m.step(context.Background())
	r := finished(t, m, "media", 1)
	if r.State != StateSuccess || r.Bytes != 52428800 || r.Files != 15 || r.Trigger != TriggerSchedule || !r.Scheduled.Equal(at("2026-03-10T02:00:00Z")) {
		t.Fatalf("run: %+v", r)
	}
	if strings.Contains(r.Log, "s3cr3t") || !strings.Contains(r.Log, "password is [redacted], arg is a b; rm -rf /") {
		t.Errorf("log:\n%s", r.Log)
	}
	// It finished in no (test) time: under min_duration.
	if len(r.Suspicious) != 1 || !strings.HasPrefix(r.Suspicious[0], "fast:") {
		t.Errorf("suspicious: %q", r.Suspicious)
	}
	if v := testutil.ToFloat64(m.metrics.size.WithLabelValues("media")); v != 52428800 {
		t.Errorf("ward_backup_last_size_bytes %v", v)
	}
	if v := testutil.ToFloat64(m.metrics.suspicious.WithLabelValues("media", "fast")); v != 1 {
		t.Errorf("ward_backup_suspicious{reason=fast} %v", v)
	}
	if v := testutil.ToFloat64(m.metrics.runs.WithLabelValues("media", "success")); v != 1 {
		t.Errorf("ward_backup_runs_total{outcome=success} %v", v)
	}
	st, err := m.Status(context.Background())
	if err != nil || len(st.Jobs) != 1 || st.Jobs[0].LastSuccess == nil || st.Jobs[0].LastSuccess.ID != r.ID ||
		!st.Jobs[0].NextRun.Equal(at("2026-03-11T02:00:00Z")) || st.Jobs[0].SuccessRate == nil || *st.Jobs[0].SuccessRate != 1 || st.Jobs[0].Runs30d != 1 {
		t.Errorf("status: %+v %v", st, err)
	}
}

// TestMissedAndSizeDrop: a schedule that passes its grace with no run
// is recorded missed (and counts against the success rate); a run far
// smaller than the median of the last ones is suspicious.
func TestMissedAndSizeDrop(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T01:00:00Z")}
	m, _ := testManager(t, clock)
	size := filepath.Join(t.TempDir(), "size")
	if err := os.Chmod(filepath.Dir(size), 0o755); err != nil {
		t.Fatal(err)
	}
	job := script(t, `echo "{\"message_type\":\"summary\",\"total_bytes_processed\":$(cat `+size+`)}"`)
	m.Apply(loadBackups(t, fmt.Sprintf("  jobs:\n    - {name: media, kind: command, command: [%s], grace: 1h}\n", job)))
	// The host slept through 02:00: at 03:30 the run is past its grace
	// and is not started late.
	clock.Set(at("2026-03-10T03:30:00Z"))
	m.step(context.Background())
	runs := m.store.recent("media", KindBackup, 5)
	if len(runs) != 1 || runs[0].State != StateMissed || !runs[0].Scheduled.Equal(at("2026-03-10T02:00:00Z")) {
		t.Fatalf("runs: %+v", runs)
	}
	if testutil.ToFloat64(m.metrics.missed.WithLabelValues("media")) != 1 || testutil.ToFloat64(m.metrics.lastFailed.WithLabelValues("media")) != 1 {
		t.Error("missed gauges not set")
	}
	m.step(context.Background()) // recorded once
	if n := len(m.store.recent("media", KindBackup, 5)); n != 1 {
		t.Fatalf("%d runs after a second look", n)
	}
	// Eight nightly runs: seven of 100 MB, then one of 10 MB.
	for day := 11; day <= 18; day++ {
		bytes := "104857600"
		if day == 18 {
			bytes = "10485760"
		}
		if err := os.WriteFile(size, []byte(bytes), 0o644); err != nil {
			t.Fatal(err)
		}
		clock.Set(at(fmt.Sprintf("2026-03-%02dT02:00:05Z", day)))
		m.step(context.Background())
		finished(t, m, "media", day-9)
	}
	runs = m.store.recent("media", KindBackup, 20)
	if len(runs) != 9 || runs[0].Bytes != 10485760 || len(runs[0].Suspicious) != 1 || !strings.HasPrefix(runs[0].Suspicious[0], "small: 10.0 MiB, under 0.5 of the 7-run median 100.0 MiB") {
		t.Fatalf("newest run: %+v", runs[0])
	}
	for _, r := range runs[1:8] {
		if len(r.Suspicious) != 0 {
			t.Errorf("run %s suspicious: %q", r.ID, r.Suspicious)
		}
	}
	st, _ := m.Status(context.Background())
	if want := 8.0 / 9; st.Jobs[0].SuccessRate == nil || *st.Jobs[0].SuccessRate != want || st.SuccessRate == nil || *st.SuccessRate != want || st.Jobs[0].Runs30d != 9 || st.Goal != 0.99 {
		t.Errorf("success rate %v (%d runs), overall %v", st.Jobs[0].SuccessRate, st.Jobs[0].Runs30d, st.SuccessRate)
	}
	if testutil.ToFloat64(m.metrics.missed.WithLabelValues("media")) != 0 || testutil.ToFloat64(m.metrics.suspicious.WithLabelValues("media", "small")) != 1 {
		t.Error("gauges after the small run")
	}
	if v := testutil.ToFloat64(m.metrics.ratio.WithLabelValues("media")); v != 8.0/9 {
		t.Errorf("ward_backup_success_ratio_30d %v", v)
	}
}

// TestReloadKeepsRunningRun: Apply replaces schedules while a run goes
// on; the run is never doubled (ErrBusy) and is recorded even after its
// job left the configuration.
func TestReloadKeepsRunningRun(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	release := filepath.Join(t.TempDir(), "go")
	if err := os.Chmod(filepath.Dir(release), 0o777); err != nil {
		t.Fatal(err)
	}
	job := script(t, `while [ ! -e `+release+` ]; do sleep 0.05; done; echo done`)
	section := "  jobs:\n    - {name: media, kind: command, command: [%s], schedule: \"%s\"}\n"
	m.Apply(loadBackups(t, fmt.Sprintf(section, job, "0 2 * * *")))
	r, err := m.RunNow(context.Background(), "media", "alice")
	if err != nil || r.State != StateRunning || r.By != "alice" || r.Trigger != TriggerManual {
		t.Fatalf("run now: %+v %v", r, err)
	}
	m.Apply(loadBackups(t, fmt.Sprintf(section, job, "30 3 * * *")))
	if _, err := m.RunNow(context.Background(), "media", "bob"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second run now: %v, want ErrBusy", err)
	}
	st, _ := m.Status(context.Background())
	if len(st.Jobs) != 1 || !st.Jobs[0].Running || !st.Jobs[0].NextRun.Equal(at("2026-03-11T03:30:00Z")) {
		t.Fatalf("status after reload: %+v", st.Jobs)
	}
	m.Apply(loadBackups(t, "")) // the job is gone from the config
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got := finished(t, m, "media", 1)
	if got.ID != r.ID || got.State != StateSuccess || !strings.Contains(got.Log, "done") {
		t.Fatalf("run after reloads: %+v", got)
	}
	if _, err := m.RunNow(context.Background(), "media", "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("run now of a removed job: %v", err)
	}
}

// TestShutdownRecordsCancelledRun: stopping Run kills a running job's
// process group and records the run failed.
func TestShutdownRecordsCancelledRun(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	job := script(t, "echo started; sleep 60; echo never\n")
	m.Apply(loadBackups(t, fmt.Sprintf("  jobs:\n    - {name: media, kind: command, command: [%s]}\n", job)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	if _, err := m.RunNow(context.Background(), "media", "alice"); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 10*time.Second, "job started", func() bool {
		runs := m.store.recent("media", KindBackup, 1)
		return len(runs) == 1
	})
	time.Sleep(200 * time.Millisecond) // the script is past its first echo
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	r := m.store.recent("media", KindBackup, 1)[0]
	if r.State != StateFailed || r.ExitCode == nil || *r.ExitCode != -1 || !strings.Contains(r.Error, "cancelled") || strings.Contains(r.Log, "never") {
		t.Fatalf("cancelled run: %+v", r)
	}
	t.Logf("shutdown with a running job took %s", time.Since(start).Round(time.Millisecond))
}
