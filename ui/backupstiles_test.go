package ui

import (
	"testing"
	"time"

	"github.com/ward-monitoring/ward/backups"
)

// TestStanzaTileFailingSince: the tile dates a failing archiver from the
// streak's first failure, and names the last one too.
func TestStanzaTileFailingSince(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	st := backups.StanzaStatus{Name: "main", RPO: backups.RPO{
		ArchivedAt: now.Add(-3 * time.Hour), FailingSince: now.Add(-2 * time.Hour), FailedAt: now.Add(-time.Minute)}}
	var got *tileRow
	tl := stanzaTile(st, now)
	for i := range tl.Rows {
		if tl.Rows[i].Label == "Archiving" {
			got = &tl.Rows[i]
		}
	}
	if want := "failing since 2026-03-15 10:00 UTC, last failure 2026-03-15 11:59 UTC"; got == nil || got.Value != want || got.Level != levelDown {
		t.Errorf("archiving row %+v, want %q", got, want)
	}
}

// TestStanzaTileRetentionNotChecked: before the first retention check
// the tile says so instead of "none" (a false all-clear).
func TestStanzaTileRetentionNotChecked(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		checked time.Time
		want    string
	}{{time.Time{}, "not checked yet"}, {now, "none"}} {
		tl := stanzaTile(backups.StanzaStatus{Name: "main", RetentionCheckedAt: c.checked, Gaps: []string{}}, now)
		var got string
		for _, r := range tl.Rows {
			if r.Label == "Retention gaps" {
				got = r.Value
			}
		}
		if got != c.want {
			t.Errorf("checked %v: retention gaps %q, want %q", c.checked, got, c.want)
		}
	}
}

// TestStanzaTileFailedDrillNotDown: a failed drill (or an RTO over its
// target) degrades the stanza's tile; it is not down, as its alerts are
// warnings.
func TestStanzaTileFailedDrillNotDown(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	st := backups.StanzaStatus{Name: "main", Code: 0, Message: "ok", RetentionCheckedAt: now,
		RPO:       backups.RPO{Target: time.Hour, Now: time.Minute, ArchivedAt: now.Add(-time.Minute), RepoAt: now.Add(-time.Minute)},
		LastDrill: &backups.Run{Kind: backups.KindDrill, State: backups.StateFailed, Started: now.Add(-time.Hour), Drill: &backups.DrillResult{RTO: 5 * time.Hour, RTOTarget: 4 * time.Hour}}}
	if tl := stanzaTile(st, now); tl.Level != levelDegraded {
		t.Errorf("level %v, want degraded; rows %+v", tl.Level, tl.Rows)
	}
}
