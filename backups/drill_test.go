package backups

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestDrills runs real drills (PostgreSQL 15 + pgBackRest) against one
// production cluster with one full backup of a table with rows.
func TestDrills(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{})
	conn := pg.Connect(t)
	ctx := context.Background()
	var prodData string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&prodData); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE items (id serial PRIMARY KEY, note text NOT NULL, created timestamptz NOT NULL DEFAULT now())",
		"INSERT INTO items (note) SELECT 'row ' || g FROM generate_series(1, 1000) g",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	b.Backup(t, "full")
	full := config.BackupDrillAssertions{
		RowCounts: []string{"public.items"},
		Freshness: &config.BackupFreshness{Table: "items", Column: "created"},
		SQL:       []config.BackupSQLAssertion{{Name: "rows", Query: "SELECT count(*) FROM items", Expect: "1000"}},
	}

	t.Run("full", func(t *testing.T) {
		e := newDrillEnv(t, pg.DSN(), pg.Password)
		e.d.apply(stanzaCfg(b, full))
		var seen struct {
			pids, tcp []int
			socket    bool
			mode      os.FileMode
			uid       uint32
		}
		e.onSave = func(r Run) {
			if r.Progress != "running assertions" {
				return
			}
			dir := filepath.Join(e.dataDir, "backups", "drills", r.ID)
			seen.pids = processesIn(t, dir)
			listen := tcpListeners(t)
			for _, pid := range seen.pids {
				for _, ino := range socketInodes(pid) {
					if listen[ino] {
						seen.tcp = append(seen.tcp, pid)
					}
				}
			}
			_, err := os.Stat(filepath.Join(dir, ".s.PGSQL.5432"))
			seen.socket = err == nil
			if fi, err := os.Stat(dir); err == nil {
				seen.mode, seen.uid = fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid
			}
		}
		run, err := e.d.start(DrillRequest{Stanza: b.Stanza, By: "alice"}, TriggerManual, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		r := e.wait(t, run.ID)
		if r.State != StateSuccess {
			t.Fatalf("drill %s: %s\n%s", r.State, r.Error, r.Log)
		}
		dr := r.Drill
		for _, a := range dr.Assertions {
			if !a.Passed {
				t.Errorf("assertion %s failed: %s", a.Name, a.Detail)
			}
		}
		names := []string{}
		for _, a := range dr.Assertions {
			names = append(names, a.Name)
		}
		if want := []string{"select 1", "row count public.items", "freshness items", "sql rows"}; !slices.Equal(names, want) {
			t.Errorf("assertions %v, want %v", names, want)
		}
		if dr.Restore <= 0 || dr.Replay <= 0 || dr.FirstQuery <= 0 || dr.RTO != dr.Restore+dr.Replay+dr.FirstQuery {
			t.Errorf("phases restore %s replay %s first query %s, RTO %s", dr.Restore, dr.Replay, dr.FirstQuery, dr.RTO)
		}
		if dr.Bytes <= 0 || dr.Throughput <= 0 || dr.Predicted <= 0 || dr.RTOTarget != 4*time.Hour {
			t.Errorf("bytes %d throughput %.0f predicted %s target %s", dr.Bytes, dr.Throughput, dr.Predicted, dr.RTOTarget)
		}
		if r.Label == "" || r.Kind != KindDrill || r.Type != "latest" || r.By != "alice" {
			t.Errorf("run %+v", r)
		}
		if len(seen.pids) == 0 || !seen.socket {
			t.Errorf("drill postgres not seen while it ran (pids %v, socket %v)", seen.pids, seen.socket)
		}
		if len(seen.tcp) > 0 {
			t.Errorf("drill postgres processes %v listen on TCP", seen.tcp)
		}
		if seen.mode != 0o700 || (os.Geteuid() == 0 && seen.uid == 0) {
			t.Errorf("scratch mode %04o uid %d, want 0700 owned by run_as", seen.mode, seen.uid)
		}
		assertCleaned(t, e, r.ID)
		prog := e.progress(r.ID)
		for _, step := range []string{"choosing the backup", "running assertions", "stopping postgres", "done"} {
			if !slices.Contains(prog, step) {
				t.Errorf("progress %q lacks %q", prog, step)
			}
		}
		if got := testutil.ToFloat64(e.d.metrics.runs.WithLabelValues(b.Stanza, "success")); got != 1 {
			t.Errorf("runs_total{success} = %v", got)
		}
		if got := testutil.ToFloat64(e.d.metrics.rto.WithLabelValues(b.Stanza)); got != dr.RTO.Seconds() {
			t.Errorf("rto_seconds = %v, want %v", got, dr.RTO.Seconds())
		}
		t.Logf("RTO %s = restore %s + replay %s + first query %s; %.1f MB/s; predicted %s",
			dr.RTO, dr.Restore, dr.Replay, dr.FirstQuery, dr.Throughput/1e6, dr.Predicted)
	})

	t.Run("assertion fails", func(t *testing.T) {
		e := newDrillEnv(t, pg.DSN(), pg.Password)
		bad := full
		bad.SQL = []config.BackupSQLAssertion{{Name: "wrong", Query: "SELECT count(*) FROM items", Expect: "999"}}
		e.d.apply(stanzaCfg(b, bad))
		run, err := e.d.start(DrillRequest{Stanza: b.Stanza}, TriggerSchedule, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := e.wait(t, run.ID)
		if r.State != StateFailed || !strings.Contains(r.Error, "assertion sql wrong failed") {
			t.Fatalf("drill %s, error %q; want failed on sql wrong", r.State, r.Error)
		}
		last := r.Drill.Assertions[len(r.Drill.Assertions)-1]
		if last.Passed || !strings.Contains(last.Detail, `returned "1000", want "999"`) {
			t.Errorf("assertion %+v", last)
		}
		assertCleaned(t, e, r.ID)
		if got := testutil.ToFloat64(e.d.metrics.lastFailed.WithLabelValues(b.Stanza)); got != 1 {
			t.Errorf("last_failed = %v", got)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		e := newDrillEnv(t, pg.DSN(), pg.Password)
		e.d.apply(stanzaCfg(b, full))
		// Shut ward down while the copy's postgres runs.
		e.onSave = func(r Run) {
			if r.Progress == "first query" {
				go e.d.stop()
			}
		}
		run, err := e.d.start(DrillRequest{Stanza: b.Stanza}, TriggerManual, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		r := e.wait(t, run.ID)
		if r.State != StateFailed || !strings.Contains(r.Error, "cancelled") {
			t.Fatalf("drill %s, error %q; want failed, cancelled", r.State, r.Error)
		}
		assertCleaned(t, e, r.ID)
	})

	t.Run("timeout", func(t *testing.T) {
		e := newDrillEnv(t, pg.DSN(), pg.Password)
		cfg := stanzaCfg(b, full)
		// Far below a restore's ~1 s: the drill is cut short midway.
		cfg.Stanzas[0].Drill.Timeout = model.Duration(300 * time.Millisecond)
		e.d.apply(cfg)
		run, err := e.d.start(DrillRequest{Stanza: b.Stanza}, TriggerManual, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		r := e.wait(t, run.ID)
		if r.State != StateFailed || !strings.Contains(r.Error, "timed out after 300ms") {
			t.Fatalf("drill %s, error %q; want failed, timed out", r.State, r.Error)
		}
		assertCleaned(t, e, r.ID)
	})

	t.Run("refused", func(t *testing.T) { testDrillRefused(t, pg, b, prodData) })
	t.Run("restore target", func(t *testing.T) { testRestoreTarget(t, pg, b) })
	t.Run("production connector", func(t *testing.T) { testProductionConnector(t, pg) })
	t.Run("stale", func(t *testing.T) { testDrillStale(t, pg, b) })
	t.Run("pitr", func(t *testing.T) { testDrillPITR(t, pg, b) })
}

// assertCleaned: the scratch copy is deleted and its postgres is gone.
func assertCleaned(tb testing.TB, e *drillEnvT, id string) {
	tb.Helper()
	dir := filepath.Join(e.dataDir, "backups", "drills", id)
	for _, p := range []string{dir, dir + "-ts"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			tb.Errorf("scratch %s still there (%v)", p, err)
		}
	}
	if pids := processesIn(tb, dir); len(pids) > 0 {
		tb.Errorf("processes %v still run on the scratch copy", pids)
	}
}
