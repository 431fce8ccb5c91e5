package backups

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// TestRetentionBuildingUp: buckets before the stanza's first known
// backup are building up, not gaps; a bucket after it with no backup
// still is one.
func TestRetentionBuildingUp(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	p := RetentionPolicy{Daily: 7, Weekly: 4, Grace: 2 * time.Hour, Next: daily02(time.UTC), Since: day(12, 2)}
	rep := CheckRetention(p, restorable(day(12, 2), day(14, 2), day(15, 2)), day(15, 12))
	if want := []string{"missing daily 2026-03-13"}; !slices.Equal(rep.Gaps, want) {
		t.Errorf("gaps %q, want %q", rep.Gaps, want)
	}
	var building []string
	for _, b := range rep.Buckets {
		if b.BuildingUp {
			building = append(building, b.Kind+" "+b.Name)
			if b.Missing {
				t.Errorf("%s %s both building up and missing", b.Kind, b.Name)
			}
		}
	}
	if want := []string{"daily 2026-03-11", "daily 2026-03-10", "daily 2026-03-09", "weekly 2026-W10", "weekly 2026-W09", "weekly 2026-W08"}; !slices.Equal(building, want) {
		t.Errorf("building up %q, want %q", building, want)
	}
}

// TestStanzaWatchFirstStop: the stanza's first backup is kept in the
// state db, so once the early backups expire their buckets still count
// as building up (and after a restart); before the first check the
// status has no retention verdict (null, checked-at zero).
func TestStanzaWatchFirstStop(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	clock := &testClock{t: now}
	m, _ := testManagerOn(t, st, clock)
	daily, weekly := 5, 0
	sc := config.BackupStanza{Name: "main", Config: "/nonexistent/pgbackrest.conf", TimeZone: "UTC", RPO: model.Duration(time.Hour),
		Retention: config.BackupRetention{Daily: &daily, Weekly: &weekly, Grace: model.Duration(2 * time.Hour)}}
	cfg := config.Backups{Stanzas: []config.BackupStanza{sc}}
	inv := StanzaStatus{Name: "main", InventoryAt: now, Backups: restorable(now.Add(-82*time.Hour), now.Add(-34*time.Hour), now.Add(-10*time.Hour))}
	w := newStanzaWatch(stanzaDeps{Now: clock.Now, FirstStop: m.firstStop, Inventory: func(string) (StanzaStatus, bool) { return inv, true }}, nil)
	w.apply(cfg)
	var before StanzaStatus
	w.fill(context.Background(), sc, &before)
	if before.Gaps != nil || before.Overdue != nil || !before.RetentionCheckedAt.IsZero() {
		t.Errorf("before the first check: gaps %v overdue %v checked %v, want null", before.Gaps, before.Overdue, before.RetentionCheckedAt)
	}
	w.measure(context.Background())
	var out StanzaStatus
	w.fill(context.Background(), sc, &out)
	// Backups on the 12th, 14th and 15th: the 13th is missing, the 11th
	// (before the first backup) is building up.
	if want := []string{"missing daily 2026-03-13"}; !slices.Equal(out.Gaps, want) || !out.RetentionCheckedAt.Equal(now) {
		t.Errorf("first check: gaps %q checked %v, want %q at %v", out.Gaps, out.RetentionCheckedAt, want, now)
	}
	// The 12th's backup expires; a restarted watch reads the first stop
	// from the state db: the 12th and 13th are gaps (the inventory alone
	// would start the policy on the 14th and see none).
	inv = StanzaStatus{Name: "main", InventoryAt: now.Add(time.Minute), Backups: inv.Backups[1:]}
	w = newStanzaWatch(stanzaDeps{Now: clock.Now, FirstStop: m.firstStop, Inventory: func(string) (StanzaStatus, bool) { return inv, true }}, nil)
	w.apply(cfg)
	w.measure(context.Background())
	w.fill(context.Background(), sc, &out)
	if want := []string{"missing daily 2026-03-13", "missing daily 2026-03-12"}; !slices.Equal(out.Gaps, want) {
		t.Errorf("after expiry: gaps %q, want %q", out.Gaps, want)
	}
	if got, err := st.NoteBackupFirstStop("main", time.Time{}); err != nil || !got.Equal(now.Add(-82*time.Hour)) {
		t.Errorf("stored first stop %v %v", got, err)
	}
}
