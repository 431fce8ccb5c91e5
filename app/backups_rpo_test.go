package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestBackupsRPOAlert runs ward on a real PostgreSQL 15 archiving into a
// real pgBackRest stanza with an RPO of 1 minute (the smallest the
// configuration allows). Once archive-push fails (the repository turned
// read-only), the built-in RPOBreached alert, evaluated by ward on the
// series it scrapes from itself, fires within a minute of the deadline:
// the older side's last WAL time plus the RPO.
func TestBackupsRPOAlert(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{ArchiveTimeout: 2 * time.Second})
	conn := pg.Connect(t)
	ctx := context.Background()
	write := func() {
		t.Helper()
		for _, q := range []string{"CREATE TABLE IF NOT EXISTS w (at timestamptz)", "INSERT INTO w VALUES (now())", "SELECT pg_switch_wal()"} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("WARD_TEST_PG_PASSWORD", pg.Password)
	in := startWard(t, fastGlobal+fmt.Sprintf(`
checks:
  - name: db
    kind: postgres
    dsn: %q
    password_env: WARD_TEST_PG_PASSWORD
backups:
  run_as: postgres
  stanzas:
    - name: %s
      config: %s
      check: db
      rpo: 1m
`, pg.DSN(), b.Stanza, b.Config))

	servicetest.Eventually(t, 90*time.Second, "both RPO sides measured", func() bool {
		write()
		st, err := in.app.backups.Status(ctx)
		if err != nil || len(st.Stanzas) != 1 {
			t.Fatalf("status %+v %v", st, err)
		}
		r := st.Stanzas[0].RPO
		return r.Error == "" && !r.ArchivedAt.IsZero() && !r.RepoAt.IsZero()
	})

	archive := filepath.Join(b.Repo, "archive", b.Stanza)
	chmodTree(t, archive, false)
	t.Cleanup(func() { chmodTree(t, archive, true) })

	var firedAt, deadline time.Time
	for start := time.Now(); time.Since(start) < 4*time.Minute && firedAt.IsZero(); time.Sleep(time.Second) {
		write()
		st, err := in.app.backups.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := st.Stanzas[0].RPO
		worst := r.ArchivedAt
		if r.RepoAt.Before(worst) {
			worst = r.RepoAt
		}
		deadline = worst.Add(time.Minute)
		if firingAlert(t, in, "RPOBreached") {
			firedAt = time.Now()
		}
	}
	if firedAt.IsZero() {
		t.Fatalf("RPOBreached never fired (deadline %s)", deadline)
	}
	late := firedAt.Sub(deadline)
	t.Logf("RPOBreached fired %s after the deadline", late)
	if late < 0 || late > time.Minute {
		t.Errorf("RPOBreached fired %s after the deadline, want within [0, 1m]", late)
	}
	if v := in.metricValue(t, fmt.Sprintf(`ward_backup_wal_archive_failing{stanza=%q}`, b.Stanza)); v != "1" {
		t.Errorf("ward_backup_wal_archive_failing = %q, want 1", v)
	}
}

// firingAlert reports whether ward's alerts API lists name as firing.
func firingAlert(t *testing.T, in *instance, name string) bool {
	t.Helper()
	_, r := in.get(t, "/api/v1/alerts")
	var d struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	for _, a := range d.Alerts {
		if a.Labels["alertname"] == name && a.State == "firing" {
			return true
		}
	}
	return false
}

// chmodTree adds or removes write permission under dir, recursively.
func chmodTree(t *testing.T, dir string, writable bool) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		mode := fi.Mode().Perm()
		if writable {
			mode |= 0o200
		} else {
			mode &^= 0o222
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}
