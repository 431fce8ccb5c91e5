package backups

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/servicetest"
)

// newestInfoLabel reads pgbackrest info itself (not through the
// Manager) and returns the newest backup's label and size.
func newestInfoLabel(t *testing.T, b *servicetest.PgBackRest) (string, int64) {
	t.Helper()
	var info []struct {
		Backup []struct {
			Label string `json:"label"`
			Info  struct {
				Size int64 `json:"size"`
			} `json:"info"`
		} `json:"backup"`
	}
	if err := json.Unmarshal(b.Info(t), &info); err != nil || len(info) != 1 || len(info[0].Backup) == 0 {
		t.Fatalf("pgbackrest info: %v %+v", err, info)
	}
	last := info[0].Backup[len(info[0].Backup)-1]
	return last.Label, last.Info.Size
}

// TestScheduledPgBackRestBackup: at 02:00 (test clock) the job runs
// pgbackrest backup and expire on a real PostgreSQL 15; the run records
// the new backup's label and size, the inventory lists it restorable,
// and the metrics follow.
func TestScheduledPgBackRestBackup(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{})
	clock := &testClock{t: at("2026-03-10T01:59:50Z")}
	m, _ := testManager(t, clock)
	m.Apply(loadBackups(t, fmt.Sprintf(`  stanzas:
    - {name: %s, config: %s}
  jobs:
    - name: db
      kind: pgbackrest
      stanza: %s
      schedules: [{cron: "0 2 * * 0", type: full}, {cron: "0 2 * * 1-6", type: incr}]
`, b.Stanza, b.Config, b.Stanza)))
	m.step(context.Background())
	servicetest.Eventually(t, time.Minute, "first inventory", func() bool {
		s, ok := m.stanzaInventory(b.Stanza)
		return ok && s.Code == 2 // no valid backups
	})
	clock.Set(at("2026-03-10T02:00:01Z")) // a Tuesday: incr, which pgBackRest turns into full without a prior
	m.step(context.Background())
	r := finished(t, m, "db", 1)
	label, size := newestInfoLabel(t, b)
	if r.State != StateSuccess || r.Label != label || r.Bytes != size || r.Bytes < 1<<20 || r.Type != "incr" || r.Stanza != b.Stanza {
		t.Fatalf("run: %+v\n(info: %s, %d bytes)", r, label, size)
	}
	if !strings.Contains(r.Log, "--type=incr backup") || !strings.Contains(r.Log, " expire\n") || r.ExitCode == nil || *r.ExitCode != 0 {
		t.Errorf("log:\n%s", r.Log)
	}
	s, _ := m.stanzaInventory(b.Stanza)
	if s.Code != 0 || len(s.Backups) != 1 || s.Backups[0].Label != label || !s.Backups[0].Restorable || s.ArchiveMax == "" || s.SystemID == 0 {
		t.Errorf("inventory: %+v", s)
	}
	if v := testutil.ToFloat64(m.metrics.size.WithLabelValues("db")); v != float64(size) {
		t.Errorf("ward_backup_last_size_bytes %v", v)
	}
	if v := testutil.ToFloat64(m.metrics.lastSuccess.WithLabelValues("db")); v != float64(at("2026-03-10T02:00:01Z").Unix()) {
		t.Errorf("ward_backup_last_success_timestamp_seconds %v", v)
	}
	if v := testutil.ToFloat64(m.metrics.invBackups.WithLabelValues(b.Stanza)); v != 1 {
		t.Errorf("ward_backup_inventory_backups %v", v)
	}
	st, err := m.Status(context.Background())
	if err != nil || len(st.Stanzas) != 1 || st.Stanzas[0].Code != 0 || st.Stanzas[0].RTOTarget != 4*time.Hour || st.Jobs[0].Stanza != b.Stanza {
		t.Errorf("status: %+v %v", st, err)
	}
}

// TestPgBackRestBackupKilled: a backup that outlives its timeout is
// killed (the whole process group) and recorded failed with exit code
// -1; pgBackRest's lock is released, so the next backup succeeds.
func TestPgBackRestBackupKilled(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{})
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	section := `  stanzas:
    - {name: %s, config: %s}
  jobs:
    - {name: db, kind: pgbackrest, stanza: %s, timeout: %s}
`
	m.Apply(loadBackups(t, fmt.Sprintf(section, b.Stanza, b.Config, b.Stanza, "1s")))
	if _, err := m.RunNow(context.Background(), "db", "alice"); err != nil {
		t.Fatal(err)
	}
	r := finished(t, m, "db", 1)
	if r.State != StateFailed || r.ExitCode == nil || *r.ExitCode != -1 || !strings.Contains(r.Error, "killed after the timeout of 1s") || r.Label != "" {
		t.Fatalf("killed run: %+v", r)
	}
	if v := testutil.ToFloat64(m.metrics.lastFailed.WithLabelValues("db")); v != 1 {
		t.Errorf("ward_backup_last_run_failed %v", v)
	}
	m.Apply(loadBackups(t, fmt.Sprintf(section, b.Stanza, b.Config, b.Stanza, "5m")))
	clock.Add(time.Minute) // ids sort by start
	if _, err := m.RunNow(context.Background(), "db", "alice"); err != nil {
		t.Fatal(err)
	}
	r = finished(t, m, "db", 2)
	if r.State != StateSuccess || r.Label == "" {
		t.Fatalf("backup after the killed one: %+v", r)
	}
	if v := testutil.ToFloat64(m.metrics.runs.WithLabelValues("db", "failed")); v != 1 {
		t.Errorf("ward_backup_runs_total{outcome=failed} %v", v)
	}
}

// TestPgBackRestS3TLS: the repository is S3 on versitygw over TLS; the
// S3 secret reaches pgbackrest only through env_files and never the
// log; a backup and the inventory go through it.
func TestPgBackRestS3TLS(t *testing.T) {
	s3 := servicetest.StartS3TLS(t)
	s3.CreateBucket(t, "pgbr")
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{Repo: []string{
		"repo1-type=s3", "repo1-path=/ward", "repo1-s3-bucket=pgbr", "repo1-s3-endpoint=localhost",
		"repo1-storage-port=" + s3.Port(), "repo1-s3-region=" + s3.Region, "repo1-s3-uri-style=path",
		"repo1-s3-verify-tls=n",
		// archive-push runs from the server, without ward's environment.
		"repo1-s3-key=" + s3.AccessKey, "repo1-s3-key-secret=" + s3.SecretKey,
	}})
	secret := filepath.Join(t.TempDir(), "s3-secret")
	if err := os.WriteFile(secret, []byte(s3.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	m, _ := testManager(t, clock)
	m.Apply(loadBackups(t, fmt.Sprintf(`  stanzas:
    - name: %s
      config: %s
      env_files: {PGBACKREST_REPO1_S3_KEY_SECRET: %s}
  jobs:
    - {name: db, kind: pgbackrest, stanza: %s}
`, b.Stanza, b.Config, secret, b.Stanza)))
	if _, err := m.RunNow(context.Background(), "db", "alice"); err != nil {
		t.Fatal(err)
	}
	r := finished(t, m, "db", 1)
	label, size := newestInfoLabel(t, b)
	if r.State != StateSuccess || r.Label != label || r.Bytes != size {
		t.Fatalf("run over S3: %+v", r)
	}
	if strings.Contains(r.Log, s3.SecretKey) {
		t.Error("the S3 secret is in the log")
	}
	clock.Add(inventoryEvery)
	m.step(context.Background())
	servicetest.Eventually(t, time.Minute, "inventory over S3", func() bool {
		s, ok := m.stanzaInventory(b.Stanza)
		return ok && s.InventoryAt.Equal(clock.Now())
	})
	s, _ := m.stanzaInventory(b.Stanza)
	if s.Code != 0 || len(s.Backups) != 1 || !s.Backups[0].Restorable || s.Backups[0].RepoSize <= 0 {
		t.Errorf("inventory over S3: %+v", s)
	}
}
