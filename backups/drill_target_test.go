package backups

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// testDrillRefused: a drill or restore aimed at production is refused
// before anything is written, also through a symlink and from above.
func testDrillRefused(t *testing.T, pg *servicetest.Postgres, b *servicetest.PgBackRest, prodData string) {
	other := shortDir(t) // a production dir named only in data_dirs
	link := filepath.Join(shortDir(t), "link")
	if err := os.Symlink(prodData, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		dataDir string // ward's data dir (drills); "" keeps the default
		target  string // restore target path
	}{
		{name: "ward data dir inside production", dataDir: filepath.Join(prodData, "ward")},
		{name: "ward data dir through a symlink into production", dataDir: filepath.Join(link, "x")},
		{name: "ward data dir in a data_dirs entry", dataDir: other},
		{name: "target is production", target: prodData},
		{name: "target is production through a symlink", target: link},
		{name: "target inside production", target: filepath.Join(prodData, "base", "restore")},
		{name: "target holds production", target: filepath.Dir(prodData)},
		{name: "target with dot-dot into production", target: filepath.Join(link, "..", filepath.Base(link), "pg_wal")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newDrillEnv(t, pg.DSN(), pg.Password)
			if c.dataDir != "" {
				e.d.deps.DataDir = c.dataDir
			}
			cfg := stanzaCfg(b, config.BackupDrillAssertions{})
			cfg.Stanzas[0].DataDirs = []string{other}
			req := DrillRequest{Stanza: b.Stanza}
			if c.target != "" {
				cfg.RestoreTargets = []config.RestoreTarget{{Name: "staging", Path: c.target}}
				req.RestoreTarget = "staging"
			}
			e.d.apply(cfg)
			before := listDir(t, prodData)
			_, err := e.d.start(req, TriggerManual, time.Time{})
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "production data directory") {
				t.Fatalf("start: %v; want refused naming the production data directory", err)
			}
			if after := listDir(t, prodData); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("production changed: %v -> %v", before, after)
			}
			if len(e.saves) != 0 {
				t.Errorf("a refused drill recorded %d runs", len(e.saves))
			}
		})
	}
}

func listDir(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// testRestoreTarget restores into a configured target, starts it for
// SELECT 1, stops it and leaves the files; a second restore needs delta.
func testRestoreTarget(t *testing.T, pg *servicetest.Postgres, b *servicetest.PgBackRest) {
	e := newDrillEnv(t, pg.DSN(), pg.Password)
	target := filepath.Join(shortDir(t), "staging")
	cfg := stanzaCfg(b, config.BackupDrillAssertions{})
	cfg.RestoreTargets = []config.RestoreTarget{{Name: "staging", Path: target}}
	e.d.apply(cfg)
	req := DrillRequest{Stanza: b.Stanza, RestoreTarget: "staging", By: "alice"}
	run, err := e.d.start(req, TriggerManual, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := e.wait(t, run.ID)
	if r.State != StateSuccess || r.Kind != KindRestore {
		t.Fatalf("restore %s %s: %s\n%s", r.Kind, r.State, r.Error, r.Log)
	}
	if len(r.Drill.Assertions) != 1 || !r.Drill.Assertions[0].Passed || r.Drill.RTO <= 0 {
		t.Errorf("restore measured %+v", r.Drill)
	}
	if _, err := os.Stat(filepath.Join(target, "PG_VERSION")); err != nil {
		t.Errorf("restored files not left in the target: %v", err)
	}
	for _, f := range []string{"postmaster.pid", drillHBA, drillIdent} {
		if _, err := os.Stat(filepath.Join(target, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left in the target (postgres not stopped, or ward's hba left behind): %v", f, err)
		}
	}
	if pids := processesIn(t, target); len(pids) > 0 {
		t.Errorf("processes %v still run on the target", pids)
	}
	if _, err := e.d.start(req, TriggerManual, time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second restore without delta: %v; want refused, not empty", err)
	}
	req.Delta = true
	run, err = e.d.start(req, TriggerManual, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.wait(t, run.ID); r.State != StateSuccess {
		t.Fatalf("delta restore %s: %s\n%s", r.State, r.Error, r.Log)
	}
}

// testDrillPITR restores to a time between two inserts made after the
// backup: the first row is there, the second is not.
func testDrillPITR(t *testing.T, pg *servicetest.Postgres, b *servicetest.PgBackRest) {
	conn := pg.Connect(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec("INSERT INTO items (note) VALUES ('first')")
	time.Sleep(1100 * time.Millisecond)
	var target time.Time
	if err := conn.QueryRow(ctx, "SELECT now()").Scan(&target); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	exec("INSERT INTO items (note) VALUES ('second')")
	b.Run(t, "check") // switches WAL and waits until it is archived

	e := newDrillEnv(t, pg.DSN(), pg.Password)
	e.d.apply(stanzaCfg(b, config.BackupDrillAssertions{
		RowCounts: []string{"public.items"},
		Freshness: &config.BackupFreshness{Table: "items", Column: "created"},
		SQL: []config.BackupSQLAssertion{
			{Name: "first", Query: "SELECT count(*) FROM items WHERE note = 'first'", Expect: "1"},
			{Name: "second", Query: "SELECT count(*) FROM items WHERE note = 'second'", Expect: "0"},
		},
	}))
	run, err := e.d.start(DrillRequest{Stanza: b.Stanza, Time: target}, TriggerManual, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := e.wait(t, run.ID)
	if r.State != StateSuccess {
		t.Fatalf("pitr drill %s: %s\n%s", r.State, r.Error, r.Log)
	}
	if r.Type != "time" || !r.Drill.Target.Equal(target) {
		t.Errorf("type %s target %s, want time %s", r.Type, r.Drill.Target, target)
	}
	var found bool
	for _, a := range r.Drill.Assertions {
		if a.Name == "no transaction after the target" {
			found = a.Passed && strings.Contains(a.Detail, "last replayed commit")
		}
		// Production today is not the copy's past: not compared.
		if a.Name == "row count public.items" && (!a.Passed || a.Detail != "not compared: a point-in-time copy") {
			t.Errorf("pitr row count %+v, want passed, not compared", a)
		}
		if a.Name == "freshness items" && !strings.Contains(a.Detail, "target "+target.UTC().Format(time.RFC3339)) {
			t.Errorf("pitr freshness %+v, want relative to the target", a)
		}
	}
	if !found {
		t.Errorf("no passed after-target assertion: %+v", r.Drill.Assertions)
	}
	assertCleaned(t, e, r.ID)

	// A target after the second insert finds it: the check can fail.
	e.d.apply(stanzaCfg(b, config.BackupDrillAssertions{SQL: []config.BackupSQLAssertion{
		{Name: "second", Query: "SELECT count(*) FROM items WHERE note = 'second'", Expect: "0"},
	}}))
	var after time.Time
	if err := conn.QueryRow(ctx, "SELECT now()").Scan(&after); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	exec("INSERT INTO items (note) VALUES ('third')") // recovery stops at the first commit past the target
	b.Run(t, "check")
	run, err = e.d.start(DrillRequest{Stanza: b.Stanza, Time: after}, TriggerManual, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.wait(t, run.ID); r.State != StateFailed || !strings.Contains(r.Error, `returned "1", want "0"`) {
		t.Fatalf("pitr past the second insert: %s %q; want failed, the row present", r.State, r.Error)
	}

	// A drill with no time recovers to the end of the archived WAL: the
	// rows inserted after the backup are in the copy.
	exec("INSERT INTO items (note) VALUES ('latest')")
	b.Run(t, "check")
	e.d.apply(stanzaCfg(b, config.BackupDrillAssertions{
		RowCounts: []string{"public.items"},
		SQL: []config.BackupSQLAssertion{
			{Name: "latest", Query: "SELECT count(*) FROM items WHERE note IN ('first', 'second', 'third', 'latest')", Expect: "4"},
		},
	}))
	run, err = e.d.start(DrillRequest{Stanza: b.Stanza}, TriggerManual, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r = e.wait(t, run.ID)
	if r.State != StateSuccess || r.Type != "latest" {
		t.Fatalf("latest drill %s type %s: %s\n%s", r.State, r.Type, r.Error, r.Log)
	}
	if a := r.Drill.Assertions[1]; a.Name != "row count public.items" || !strings.Contains(a.Detail, "0.0% apart") {
		t.Errorf("latest drill row count %+v, want compared, equal", a)
	}
	if r.Drill.Replay <= 0 {
		t.Errorf("latest drill replay %s", r.Drill.Replay)
	}
	assertCleaned(t, e, r.ID)
}
