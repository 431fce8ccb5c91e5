package backups

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// TestFailingStreak: "failing since" is the first failure of the current
// streak, not last_failed_time (which moves on with every retry); it
// survives an unreadable archiver and resets when archiving works again.
func TestFailingStreak(t *testing.T) {
	t0 := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	archived := t0.Add(-time.Hour)
	steps := []struct {
		name string
		m    rpoSides
		want time.Time
	}{
		{"working", rpoSides{ArchivedAt: archived, FailedAt: t0.Add(-2 * time.Hour)}, time.Time{}},
		{"first failure", rpoSides{ArchivedAt: archived, FailedAt: t0}, t0},
		{"retry fails", rpoSides{ArchivedAt: archived, FailedAt: t0.Add(time.Minute)}, t0},
		{"archiver unreadable", rpoSides{ArchiverErr: errors.New("down")}, t0},
		{"retry fails again", rpoSides{ArchivedAt: archived, FailedAt: t0.Add(5 * time.Minute)}, t0},
		{"archiving works", rpoSides{ArchivedAt: t0.Add(6 * time.Minute), FailedAt: t0.Add(5 * time.Minute)}, time.Time{}},
		{"a new streak", rpoSides{ArchivedAt: t0.Add(6 * time.Minute), FailedAt: t0.Add(9 * time.Minute)}, t0.Add(9 * time.Minute)},
	}
	var since time.Time
	for _, s := range steps {
		since = failingStreak(since, s.m)
		if !since.Equal(s.want) {
			t.Errorf("%s: failing since %v, want %v", s.name, since, s.want)
		}
	}

	// fill exposes it in the RPO.
	w := newStanzaWatch(stanzaDeps{Now: func() time.Time { return t0.Add(10 * time.Minute) }}, nil)
	w.state["main"] = &stanzaState{sides: steps[2].m, measuredAt: t0.Add(time.Minute), failingSince: t0}
	var out StanzaStatus
	w.fill(t.Context(), config.BackupStanza{Name: "main"}, &out)
	if !out.RPO.FailingSince.Equal(t0) || !out.RPO.FailedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("rpo failing since %v, failed at %v", out.RPO.FailingSince, out.RPO.FailedAt)
	}
}
