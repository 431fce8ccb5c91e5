package events_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/storage"
)

// newLog returns a Log over a real state database in a temp dir.
func newLog(tb testing.TB, now func() time.Time) (*events.Log, *storage.State) {
	tb.Helper()
	st, err := storage.OpenState(filepath.Join(tb.TempDir(), "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	log, err := events.NewLog(st, events.LogOptions{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return log, st
}

// describe renders events as "kind subject: text" lines.
func describe(evs []events.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+" "+e.Subject+": "+e.Text)
	}
	return strings.Join(out, "\n")
}

func TestWatcherTransitions(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log, st := newLog(t, clock)
	var snap events.Snapshot
	var versions []uint64
	w := events.NewWatcher(events.WatcherOptions{
		Source:   func(context.Context) events.Snapshot { return snap },
		Log:      log,
		OnChange: func(v uint64) { versions = append(versions, v) },
		Now:      clock,
	})
	ctx := context.Background()
	alert := func(fp, name string) events.AlertState {
		return events.AlertState{Fingerprint: fp, Name: name, Severity: "critical", StartsAt: now, Labels: map[string]string{"alertname": name}}
	}
	target := func(instance, health string) events.TargetState {
		return events.TargetState{Job: "node", Instance: instance, Health: health, Error: map[string]string{"down": "connection refused"}[health]}
	}

	steps := []struct {
		name string
		snap events.Snapshot
		want string
	}{
		{
			// Already firing, failing, down or up when ward starts:
			// not news, and neither is n4 coming up later.
			name: "first snapshot records nothing",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a1", "Old")},
				Checks:  []events.CheckState{{Name: "db", Status: "up", Critical: true}, {Name: "cache", Status: "down"}},
				Targets: []events.TargetState{target("n4:9100", "down"), target("n1:9100", "up"), target("n2:9100", "unknown"), target("n3:9100", "unknown")},
			},
		},
		{
			name: "nothing changed",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a1", "Old")},
				Checks:  []events.CheckState{{Name: "db", Status: "up", Critical: true}, {Name: "cache", Status: "down"}},
				Targets: []events.TargetState{target("n4:9100", "down"), target("n1:9100", "up"), target("n2:9100", "up"), target("n3:9100", "unknown")},
			},
		},
		{
			name: "fire, fail, go down, never come up",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a1", "Old"), alert("a2", "New")},
				Checks:  []events.CheckState{{Name: "db", Status: "down", Critical: true, Error: "timeout"}, {Name: "cache", Status: "down"}},
				Targets: []events.TargetState{target("n4:9100", "down"), target("n1:9100", "down"), target("n2:9100", "up"), target("n3:9100", "down")},
			},
			want: "alert_firing New: New is firing\n" +
				"check_changed db: check db failed: timeout\n" +
				"target_down node n1:9100: n1:9100 (node) went down: connection refused\n" +
				"target_down node n3:9100: n3:9100 (node) has never been up since ward started: connection refused",
		},
		{
			name: "still down: no repeat",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a1", "Old"), alert("a2", "New")},
				Checks:  []events.CheckState{{Name: "db", Status: "down", Critical: true, Error: "timeout again"}, {Name: "cache", Status: "down"}},
				Targets: []events.TargetState{target("n4:9100", "down"), target("n1:9100", "down"), target("n2:9100", "up"), target("n3:9100", "down")},
			},
		},
		{
			name: "resolve and recover",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a2", "New")},
				Checks:  []events.CheckState{{Name: "db", Status: "up", Critical: true}, {Name: "cache", Status: "up"}},
				Targets: []events.TargetState{target("n4:9100", "up"), target("n1:9100", "up"), target("n2:9100", "up"), target("n3:9100", "up")},
			},
			// Down at minute 2, up at minute 4. The cache failed
			// from the start: no failure recorded, no recovery.
			want: "alert_resolved Old: Old resolved after 4m\n" +
				"check_changed db: check db passes again after 2m failing\n" +
				"target_up node n1:9100: n1:9100 (node) is back up after 2m down\n" +
				"target_up node n3:9100: n3:9100 (node) is up for the first time since ward started after 2m down",
		},
		{
			name: "fail again after passing",
			snap: events.Snapshot{
				Alerts:  []events.AlertState{alert("a2", "New")},
				Checks:  []events.CheckState{{Name: "db", Status: "up", Critical: true}, {Name: "cache", Status: "down", Error: "refused"}},
				Targets: []events.TargetState{target("n4:9100", "up"), target("n1:9100", "up"), target("n2:9100", "up"), target("n3:9100", "up")},
			},
			want: "check_changed cache: check cache failed: refused",
		},
	}
	for _, s := range steps {
		snap = s.snap
		got := w.Step(ctx)
		if d := describe(got); d != s.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", s.name, d, s.want)
		}
		now = now.Add(time.Minute)
	}
	stored, err := st.Events(events.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 9 {
		t.Errorf("stored %d events, want 9:\n%s", len(stored), describe(stored))
	}
	if stored[len(stored)-1].Severity != events.SeverityCritical || stored[0].Severity != events.SeverityWarning {
		t.Errorf("severities: oldest %s, newest %s", stored[len(stored)-1].Severity, stored[0].Severity)
	}
	// A version at the start and at every step that changed something
	// (the second changed a target's health, not an event).
	if want := []uint64{1, 2, 3, 4, 5}; len(versions) != len(want) {
		t.Errorf("versions %v, want %v", versions, want)
	}

	// A silence in force changes the version without an event.
	snap.Silences = 1
	if evs := w.Step(ctx); len(evs) != 0 || versions[len(versions)-1] != 6 {
		t.Errorf("silence: events %v, versions %v", evs, versions)
	}
	if evs := w.Step(ctx); len(evs) != 0 || len(versions) != 6 {
		t.Errorf("unchanged: versions %v", versions)
	}
	// So does anything else the console shows.
	snap.Other = []string{"rule Pending pending"}
	if evs := w.Step(ctx); len(evs) != 0 || versions[len(versions)-1] != 7 {
		t.Errorf("other: events %v, versions %v", evs, versions)
	}
}

// TestWatcherBurst: more changes than one batch holds are summarised.
func TestWatcherBurst(t *testing.T) {
	log, st := newLog(t, nil)
	var snap events.Snapshot
	w := events.NewWatcher(events.WatcherOptions{Source: func(context.Context) events.Snapshot { return snap }, Log: log})
	w.Step(context.Background())
	for i := range events.MaxBatch + 500 {
		snap.Alerts = append(snap.Alerts, events.AlertState{Fingerprint: strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String(), Name: "Burst"})
	}
	evs := w.Step(context.Background())
	if len(evs) != events.MaxBatch || !strings.Contains(evs[len(evs)-1].Text, "501 more changes") {
		t.Fatalf("%d events, last %+v", len(evs), evs[len(evs)-1])
	}
	stored, _ := st.Events(events.Query{Limit: events.MaxPage})
	if len(stored) != events.MaxBatch {
		t.Errorf("stored %d", len(stored))
	}
}
