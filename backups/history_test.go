package backups

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// TestHistoryPrune: runs older than 400 days go, and so do runs beyond
// the newest keepRuns.
func TestHistoryPrune(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	m.keepRuns = 5
	put := func(ago time.Duration) Run {
		start := clock.Now().Add(-ago)
		r := Run{ID: newRunID(start), Kind: KindBackup, State: StateSuccess, Job: "db", Started: start, Finished: start.Add(time.Minute)}
		if err := m.store.put(r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	put(500 * 24 * time.Hour)
	put(401 * 24 * time.Hour)
	keep := []Run{}
	for d := 4; d >= 0; d-- {
		keep = append(keep, put(time.Duration(d)*24*time.Hour+time.Hour))
	}
	m.prune(clock.Now())
	p, err := m.store.list(Filter{})
	if err != nil || len(p.Runs) != 5 || p.Runs[0].ID != keep[4].ID || p.Runs[4].ID != keep[0].ID {
		t.Fatalf("after prune by age: %d runs %v", len(p.Runs), err)
	}
	for i := 0; i < 3; i++ {
		put(time.Duration(i) * time.Minute)
	}
	m.prune(clock.Now())
	p, _ = m.store.list(Filter{})
	if len(p.Runs) != 5 || p.Runs[4].ID != keep[3].ID {
		t.Fatalf("after prune by count: %d runs, oldest %s", len(p.Runs), p.Runs[len(p.Runs)-1].ID)
	}
}

// TestRestartCatchesUp: a ward started at 02:20 starts the 02:00 run it
// was stopped through (within grace), and the status shows the last
// success from the history.
func TestRestartCatchesUp(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: at("2026-03-10T02:20:00Z")}
	prev := Run{ID: newRunID(at("2026-03-09T02:00:03Z")), Kind: KindBackup, State: StateSuccess, Trigger: TriggerSchedule, Job: "media",
		Scheduled: at("2026-03-09T02:00:00Z"), Started: at("2026-03-09T02:00:03Z"), Finished: at("2026-03-09T02:10:00Z"), Bytes: 42, Log: "yesterday"}
	if err := (store{st: st}).put(prev); err != nil {
		t.Fatal(err)
	}
	m, _ := testManagerOn(t, st, clock)
	job := script(t, "echo ok\n")
	m.Apply(loadBackups(t, fmt.Sprintf("  jobs:\n    - {name: media, kind: command, command: [%s], grace: 1h}\n", job)))
	s, _ := m.Status(context.Background())
	if len(s.Jobs) != 1 || s.Jobs[0].LastSuccess == nil || s.Jobs[0].LastSuccess.ID != prev.ID || s.Jobs[0].LastSuccess.Log != "" {
		t.Fatalf("status from history: %+v", s.Jobs)
	}
	m.step(context.Background())
	r := finished(t, m, "media", 2)
	if r.State != StateSuccess || !r.Scheduled.Equal(at("2026-03-10T02:00:00Z")) || !r.Started.Equal(clock.Now()) {
		t.Fatalf("caught-up run: %+v", r)
	}
	if n := len(m.store.recent("media", KindBackup, 10)); n != 2 {
		t.Errorf("%d runs, want yesterday's and today's (nothing missed)", n)
	}
}

// TestDecodeRunHead: the head cut before the log decodes as the whole
// run does, whatever the log and the error hold.
func TestDecodeRunHead(t *testing.T) {
	code := 3
	for _, r := range []Run{
		{ID: "a", Kind: KindBackup, State: StateFailed, Job: "db", Error: `said ,"log":"x" and }`, ExitCode: &code, Log: `,"log":"{}`, Label: "L", Suspicious: []string{`small: ,"log":`}},
		{ID: "b", Kind: KindDrill, State: StateSuccess, Stanza: "main", Drill: &DrillResult{RTO: time.Second}},
	} {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		h, err := decodeRunHead(data)
		if err != nil || h.Kind != r.Kind || h.State != r.State || h.Job != r.Job || h.Label != r.Label || len(h.Suspicious) != len(r.Suspicious) {
			t.Errorf("%s: head %+v, %v", r.ID, h, err)
		}
	}
	if _, err := decodeRunHead([]byte(`{"kind":`)); err == nil {
		t.Error("a cut run decoded")
	}
}
