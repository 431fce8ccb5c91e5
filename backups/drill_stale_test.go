package backups

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// testDrillStale: a ward that died mid-drill left the run "running" and
// a postgres on the scratch copy; the next ward's wiring stops that
// postgres, deletes the copy and records the run failed.
func testDrillStale(t *testing.T, pg *servicetest.Postgres, b *servicetest.PgBackRest) {
	e := newDrillEnv(t, pg.DSN(), pg.Password)
	cfg := stanzaCfg(b, config.BackupDrillAssertions{})
	ctx := context.Background()
	run := Run{ID: newRunID(time.Now()), Kind: KindDrill, State: StateRunning, Stanza: b.Stanza,
		Started: time.Now(), Progress: "running assertions", Drill: &DrillResult{}}
	j := &drillJob{deps: e.d.deps, exec: Executor{User: runAs()}, st: cfg.Stanzas[0], run: run}
	if err := j.choose(ctx); err != nil {
		t.Fatal(err)
	}
	if err := j.prepare(); err != nil {
		t.Fatal(err)
	}
	if err := j.restore(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := startCopy(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.waitPromoted(ctx); err != nil {
		t.Fatal(err)
	}
	if len(processesIn(t, j.dir)) == 0 {
		t.Fatal("the leftover postgres is not running")
	}

	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := (store{st: st}).put(run); err != nil {
		t.Fatal(err)
	}
	o := Options{State: st, Registerer: prometheus.NewRegistry(), DataDir: e.dataDir}
	m := New(o)
	o.Registerer = prometheus.NewRegistry()
	m.wireDrills(o, nil)
	t.Cleanup(m.hooks.close[len(m.hooks.close)-1])

	for _, p := range []string{j.dir, j.tsDir} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale scratch %s not deleted: %v", p, err)
		}
	}
	if pids := processesIn(t, j.dir); len(pids) > 0 {
		t.Errorf("leftover postgres %v still runs", pids)
	}
	got, err := (store{st: st}).get(run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateFailed || !strings.Contains(got.Error, "ward stopped while this drill ran (at step: running assertions)") {
		t.Errorf("stale run %s: %q", got.State, got.Error)
	}
	select {
	case <-cp.done:
	case <-time.After(30 * time.Second):
		t.Error("the leftover postgres' Executor run did not end")
	}
}

// testProductionConnector reaches production through a postgres check as
// the check would (password from its env), with the drill's database.
func testProductionConnector(t *testing.T, pg *servicetest.Postgres) {
	t.Setenv("WARD_TEST_DRILL_PG_PASSWORD", pg.Password)
	checks := []config.Check{
		{Name: "redis", Kind: config.CheckRedis, Spec: &config.RedisCheck{}},
		{Name: "prod", Kind: config.CheckPostgres, Timeout: model.Duration(10 * time.Second),
			Spec: &config.PostgresCheck{DSN: pg.DSN(), PasswordEnv: "WARD_TEST_DRILL_PG_PASSWORD"}},
	}
	connect := PostgresConnector(func() []config.Check { return checks })
	ctx := context.Background()
	conn, err := connect(ctx, "prod", "template1")
	if err != nil {
		t.Fatal(err)
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil || db != "template1" {
		t.Errorf("database %q, %v; want template1", db, err)
	}
	conn.Close(ctx)
	for _, name := range []string{"redis", "nope"} {
		if _, err := connect(ctx, name, ""); err == nil {
			t.Errorf("check %s: want an error", name)
		}
	}
	t.Setenv("WARD_TEST_DRILL_PG_PASSWORD", "wrong")
	if _, err := connect(ctx, "prod", ""); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("a wrong password: %v", err)
	}
}
