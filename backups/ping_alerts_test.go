package backups

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// TestWatchedJobAlerts drives the Manager as ward does: a watched job
// that finishes too fast raises BackupSuspiciouslyFast, one that never
// starts raises BackupMissed once its start_grace has passed, each
// evaluated from the series the Manager exports.
func TestWatchedJobAlerts(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: night}
	reg := prometheus.NewRegistry()
	m := New(Options{State: st, Registerer: reg, Now: clock.Now, Tick: 10 * time.Millisecond})
	jobs := []config.WatchedJob{
		{Name: "quick", Schedule: "0 2 * * *", MinDuration: dur(5 * time.Minute)},
		{Name: "never", Schedule: "0 3 * * *", StartGrace: dur(30 * time.Minute)},
	}
	for i := range jobs {
		jobs[i].TokenEnv = "WARD_TEST_TOKEN_" + jobs[i].Name
		t.Setenv(jobs[i].TokenEnv, "token-of-"+jobs[i].Name+"-0123456789abcdef")
		defaultWatched(&jobs[i])
	}
	m.Apply(config.Backups{Watched: jobs})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	h := newRuleHarness(t, reg)
	ping := func(job string, kind PingKind, at time.Time) {
		t.Helper()
		clock.Set(at)
		if err := m.Ping(ctx, Ping{Token: "token-of-" + job + "-0123456789abcdef", Kind: kind, At: at}); err != nil {
			t.Fatalf("ping %s %s: %v", job, kind, err)
		}
	}
	ping("quick", PingStart, night.Add(2*time.Hour))
	ping("quick", PingSuccess, night.Add(2*time.Hour+4*time.Second))
	at := night.Add(2*time.Hour + 5*time.Second)
	h.scrape(at)
	want := []string{`{__name__="ward_backup_suspicious", backup_job="quick", instance="ward:9740", job="ward", reason="fast"}`}
	if got := h.firing("BackupSuspiciouslyFast", at); !slices.Equal(got, want) {
		t.Errorf("BackupSuspiciouslyFast fires for %q, want %q", got, want)
	}
	if got := h.firing("BackupMissed", at); len(got) != 0 {
		t.Errorf("BackupMissed fires for %q before any slot passed", got)
	}

	// 03:30 is never's start_grace: not missed yet. The ticker (every
	// 10ms of real time) reads the clock.
	clock.Set(night.Add(3*time.Hour + 30*time.Minute))
	time.Sleep(100 * time.Millisecond)
	at = clock.Now()
	h.scrape(at)
	if got := h.firing("BackupMissed", at); len(got) != 0 {
		t.Errorf("BackupMissed fires for %q at the grace's end", got)
	}
	clock.Set(night.Add(3*time.Hour + 31*time.Minute))
	want = []string{`{__name__="ward_backup_missed", backup_job="never", instance="ward:9740", job="ward"}`}
	var got []string
	servicetest.Eventually(t, 5*time.Second, "BackupMissed for never", func() bool {
		at = h.scrape(clock.Now())
		got = h.firing("BackupMissed", at)
		return slices.Equal(got, want)
	})
	runs, err := m.List(ctx, Filter{Job: "never"})
	if err != nil || len(runs.Runs) != 1 || runs.Runs[0].State != StateMissed || !runs.Runs[0].Scheduled.Equal(night.Add(3*time.Hour)) {
		t.Errorf("never's runs %+v (%v), want one missed for 03:00", runs.Runs, err)
	}
	// A missed run is not a failure alert as well.
	if got := h.firing("BackupFailed", at); len(got) != 0 {
		t.Errorf("BackupFailed fires for %q", got)
	}
	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range status.Jobs {
		names = append(names, j.Name+"/"+j.Kind)
	}
	if !slices.Equal(names, []string{"never/watched", "quick/watched"}) {
		t.Errorf("status jobs %q", names)
	}
}
