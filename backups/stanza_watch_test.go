package backups

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

// TestStanzaWatchRetentionSeries: the stanza watch checks retention
// against the Manager's inventory with the stanza's pgbackrest job
// schedule (today's bucket is due at 02:00 plus grace), fills the status
// and exports gaps, overdue, the PITR window and the repository side; the
// archiver side, with no check named, has no series and says why.
func TestStanzaWatchRetentionSeries(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	wal := filepath.Join(dir, "repo", "archive", "main", "15-1", "0000000100000000", "000000010000000000000003-abc.gz")
	if err := os.MkdirAll(filepath.Dir(wal), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wal, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	walAt := now.Add(-30 * time.Second)
	if err := os.Chtimes(wal, walAt, walAt); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "pgbackrest.conf")
	if err := os.WriteFile(conf, []byte("[global]\nrepo1-path="+filepath.Join(dir, "repo")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	daily, weekly := 3, 0
	st := config.BackupStanza{Name: "main", Config: conf, RPO: model.Duration(time.Hour), TimeZone: "UTC",
		Retention: config.BackupRetention{Daily: &daily, Weekly: &weekly, MaxAge: model.Duration(30 * 24 * time.Hour), Grace: model.Duration(2 * time.Hour)}}
	cfg := config.Backups{Stanzas: []config.BackupStanza{st}, Jobs: []config.BackupJob{{Name: "db", Kind: config.BackupKindPgBackRest,
		Stanza: "main", TimeZone: "UTC", Schedules: []config.BackupSchedule{{Cron: "0 2 * * *", Type: "full"}}}}}
	inv := StanzaStatus{Name: "main", InventoryAt: now.Add(-time.Minute), Backups: restorable(
		now.Add(-40*24*time.Hour), now.Add(-48*time.Hour), now.Add(-10*time.Hour))}
	clock := &testClock{t: now}
	reg := prometheus.NewRegistry()
	w := newStanzaWatch(stanzaDeps{Now: clock.Now, Inventory: func(string) (StanzaStatus, bool) { return inv, true }}, reg)
	w.apply(cfg)
	w.measure(context.Background())

	var out StanzaStatus
	w.fill(context.Background(), st, &out)
	if want := []string{"missing daily 2026-03-14"}; !slices.Equal(out.Gaps, want) {
		t.Errorf("gaps %q, want %q", out.Gaps, want)
	}
	if len(out.Overdue) != 1 {
		t.Errorf("overdue %q, want the 40-day-old backup", out.Overdue)
	}
	if !out.RPO.RepoAt.Equal(walAt) || out.RPO.Now != 30*time.Second || out.RPO.Error != "archiver: the stanza names no postgres check" {
		t.Errorf("rpo %+v", out.RPO)
	}
	if !out.PITRFrom.Equal(inv.Backups[0].Stop) || !out.PITRTo.Equal(walAt) {
		t.Errorf("pitr %s .. %s", out.PITRFrom, out.PITRTo)
	}

	clock.Set(now.Add(time.Minute))
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() == "side" {
					key += "/" + l.GetValue()
				}
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"ward_backup_rpo_seconds/repository":        90, // aged to the scrape
		"ward_backup_rpo_target_seconds":            3600,
		"ward_backup_retention_gaps":                1,
		"ward_backup_retention_overdue":             1,
		"ward_backup_pitr_oldest_timestamp_seconds": unixSeconds(inv.Backups[0].Stop),
		"ward_backup_pitr_newest_timestamp_seconds": unixSeconds(walAt),
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
