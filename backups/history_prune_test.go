package backups

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestHistoryPrunePerJob is the attack's reproduction: a flood of ping
// runs for one watched job evicts neither another job's failed run nor
// a drill or a restore; the failed job's rate is not 100%, and a job
// with no finished run has an unknown rate (nil, no metric), not 1.
func TestHistoryPrunePerJob(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	job := script(t, "echo ok\n")
	m.Apply(loadBackups(t, fmt.Sprintf("  jobs:\n    - {name: db, kind: command, command: [%s]}\n    - {name: idle, kind: command, command: [%s]}\n", job, job)))
	m.keepRuns = 20
	put := func(r Run, ago time.Duration) Run {
		r.Started = clock.Now().Add(-ago)
		r.Finished = r.Started.Add(time.Second)
		r.ID = newRunID(r.Started)
		if err := m.store.put(r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	failed := put(Run{Kind: KindBackup, State: StateFailed, Job: "db"}, 3*time.Hour)
	drill := put(Run{Kind: KindDrill, State: StateSuccess, Stanza: "main"}, 3*time.Hour)
	restore := put(Run{Kind: KindRestore, State: StateSuccess, Stanza: "main"}, 3*time.Hour)
	var pings []Run
	for i := 0; i < 100; i++ {
		pings = append(pings, put(Run{Kind: KindBackup, State: StateSuccess, Job: "media"}, time.Duration(100-i)*time.Minute))
	}
	m.prune(clock.Now())
	for _, r := range []Run{failed, drill, restore} {
		if _, err := m.store.get(r.ID); err != nil {
			t.Errorf("%s run of %q%q pruned by pings: %v", r.Kind, r.Job, r.Stanza, err)
		}
	}
	if got := m.store.recent("media", KindBackup, 500); len(got) != 20 || got[0].ID != pings[99].ID || got[19].ID != pings[80].ID {
		t.Errorf("media keeps %d runs, want its newest 20", len(got))
	}
	m.refreshRates(clock.Now())
	st, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range st.Jobs {
		switch j.Name {
		case "db":
			if j.SuccessRate == nil || *j.SuccessRate != 0 || j.Runs30d != 1 {
				t.Errorf("db rate %v over %d runs, want 0 over 1", j.SuccessRate, j.Runs30d)
			}
		case "idle":
			if j.SuccessRate != nil || j.Runs30d != 0 {
				t.Errorf("idle rate %v, want unknown (nil)", *j.SuccessRate)
			}
		}
	}
	if st.SuccessRate == nil || *st.SuccessRate != 20.0/21 {
		t.Errorf("overall rate %v, want 20/21", st.SuccessRate)
	}
	if v := testutil.ToFloat64(m.metrics.ratio.WithLabelValues("db")); v != 0 {
		t.Errorf("ward_backup_success_ratio_30d{job=db} %v", v)
	}
	m.metrics.ratio.WithLabelValues("idle").Set(1)
	m.refreshRates(clock.Now())
	if n := testutil.CollectAndCount(m.metrics.ratio); n != 1 {
		t.Errorf("%d ratio series, want 1 (db; idle unknown)", n)
	}
}

// TestRateUnknownWithoutRuns: no finished run at all means no overall
// rate either (JSON null), not 100%.
func TestRateUnknownWithoutRuns(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	m.Apply(loadBackups(t, fmt.Sprintf("  jobs:\n    - {name: idle, kind: command, command: [%s]}\n", script(t, "echo ok\n"))))
	st, err := m.Status(context.Background())
	if err != nil || st.SuccessRate != nil || len(st.Jobs) != 1 || st.Jobs[0].SuccessRate != nil {
		t.Fatalf("status %+v %v", st, err)
	}
}
