package checks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestPostgres(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	stopped := servicetest.StartPostgres(t)
	stopped.Stop(t)
	pwFile := writeSecret(t, pg.Password)
	wrongFile := writeSecret(t, "not-the-password")
	dsnFile := writeSecret(t, fmt.Sprintf("postgres://postgres:%s@%s/postgres?sslmode=disable", pg.Password, pg.Addr))

	tests := []struct {
		name   string
		yaml   string
		status Status
		reason string
		detail string
	}{
		{name: "up", yaml: "dsn: " + pg.DSN() + "\n    password_file: " + pwFile,
			status: StatusUp, detail: "primary"},
		{name: "whole DSN from a file", yaml: "dsn_file: " + dsnFile,
			status: StatusUp, detail: "PostgreSQL 1"},
		{name: "wrong password", yaml: "dsn: " + pg.DSN() + "\n    password_file: " + wrongFile,
			status: StatusDown, reason: ReasonAuth},
		{name: "stopped server", yaml: "dsn: " + stopped.DSN() + "\n    password_file: " + pwFile,
			status: StatusDown, reason: ReasonNetwork},
		{name: "missing password file", yaml: "dsn: " + pg.DSN() + "\n    password_file: /nonexistent/pw",
			status: StatusDown, reason: ReasonConfig},
		{name: "custom query as expected", yaml: "dsn: " + pg.DSN() + "\n    password_file: " + pwFile +
			"\n    query: SELECT count(*) > 0 FROM pg_database\n    expect_result: t", status: StatusUp},
		{name: "custom query differs", yaml: "dsn: " + pg.DSN() + "\n    password_file: " + pwFile +
			"\n    query: SELECT 41\n    expect_result: \"42\"", status: StatusDown, reason: ReasonQuery},
		{name: "custom query fails", yaml: "dsn: " + pg.DSN() + "\n    password_file: " + pwFile +
			"\n    query: SELECT * FROM no_such_table", status: StatusDown, reason: ReasonQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadCheck(t, "  - name: db\n    kind: postgres\n    "+tt.yaml+"\n")
			o := probeOnce(t, cfg)
			t.Logf("%s %s: error %q, details %q", o.result.Status, o.result.Reason, o.result.Error, o.result.Details)
			wantResult(t, o, tt.status, tt.reason)
			if !strings.Contains(o.result.Details, tt.detail) {
				t.Errorf("details %q lack %q", o.result.Details, tt.detail)
			}
			if strings.Contains(o.result.Error+o.result.Details, pg.Password) {
				t.Errorf("result shows the password: %+v", o.result)
			}
			if tt.status != StatusUp {
				return
			}
			ratio, ok := gaugeValue(o, "ward_check_postgres_connections_used_ratio")
			if !ok || ratio <= 0 || ratio > 1 {
				t.Errorf("connections used ratio = %v (reported %v), want in (0, 1]", ratio, ok)
			}
			if _, ok := gaugeValue(o, "ward_check_postgres_info", "role", "primary"); !ok {
				t.Error("no ward_check_postgres_info{role=primary}")
			}
			if _, ok := gaugeValue(o, "ward_check_postgres_replication_lag_seconds"); ok {
				t.Error("a primary reports replication lag")
			}
		})
	}
}

// TestPostgresHangingServer points a check at a server that accepts TCP
// and never answers. The check must fail with a timeout at every interval
// while a second check keeps running on its own schedule. Exact timing
// is BenchmarkRunner's business; this only needs runs to keep coming.
func TestPostgresHangingServer(t *testing.T) {
	hang := servicetest.Blackhole(t)
	open := servicetest.Blackhole(t) // accepting is all a tcp check needs
	cfgs := loadChecks(t, fmt.Sprintf(`
  - name: db
    kind: postgres
    dsn: postgres://ward@%s/app?sslmode=disable
    interval: 1s
    timeout: 300ms
  - name: port
    kind: tcp
    address: %s
    interval: 100ms
    timeout: 50ms
`, hang, open))
	db := openTSDB(t)
	r := NewRunner(newLogger(&logBuffer{}), db, nil)
	if err := r.ApplyConfig(cfgs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	time.Sleep(2500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	res := r.Results()
	if res[0].Status != StatusDown || res[0].Reason != ReasonTimeout {
		t.Fatalf("db: %s %q %q, want down with reason timeout", res[0].Status, res[0].Reason, res[0].Error)
	}
	if d := res[0].Duration; d < 300*time.Millisecond || d >= time.Second {
		t.Errorf("db run took %s; its timeout is 300ms and it must end well before the next interval", d)
	}
	if !strings.Contains(res[0].Error, "no answer within 300ms") {
		t.Errorf("error %q does not say it timed out", res[0].Error)
	}
	up := series(t, db, nameIs("ward_check_up"))
	runs := map[string]int{}
	for k, s := range up {
		for _, check := range []string{"db", "port"} {
			if strings.Contains(k, `check="`+check+`"`) {
				runs[check] = len(s)
			}
		}
	}
	// db runs at 0s, 1s, 2s; port every 100ms, about 25 times.
	if runs["db"] < 2 || runs["port"] < 10 {
		t.Errorf("runs in 2.5s: %v; the hanging check held up the schedule", runs)
	}
}

// TestPostgresReplicationLag runs the check against a real streaming
// replica whose replay is paused while the primary commits.
func TestPostgresReplicationLag(t *testing.T) {
	primary := servicetest.StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pconn := primary.Connect(t)
	mustExec(t, pconn, "CREATE TABLE ticks (at timestamptz)")
	replica := primary.StartReplica(t)
	rconn := replica.Connect(t)
	cfg := loadCheck(t, "  - name: replica\n    kind: postgres\n    dsn: "+replica.DSN()+
		"\n    password_file: "+writeSecret(t, replica.Password)+"\n")

	caughtUp := func() bool {
		var ok bool
		err := rconn.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", currentLSN(t, pconn)).Scan(&ok)
		return err == nil && ok
	}
	mustExec(t, pconn, "INSERT INTO ticks VALUES (now())")
	servicetest.Eventually(t, 30*time.Second, "replica replays the first insert", caughtUp)
	o := probeOnce(t, cfg)
	wantResult(t, o, StatusUp, "")
	if lag, ok := gaugeValue(o, "ward_check_postgres_replication_lag_seconds"); !ok || lag != 0 {
		t.Errorf("caught-up replica: lag %v (reported %v), want 0", lag, ok)
	}
	if _, ok := gaugeValue(o, "ward_check_postgres_info", "role", "replica"); !ok {
		t.Error("no ward_check_postgres_info{role=replica}")
	}

	mustExec(t, rconn, "SELECT pg_wal_replay_pause()")
	time.Sleep(1500 * time.Millisecond)
	mustExec(t, pconn, "INSERT INTO ticks VALUES (now())")
	target := currentLSN(t, pconn)
	servicetest.Eventually(t, 30*time.Second, "replica receives the second insert", func() bool {
		var ok bool
		err := rconn.QueryRow(ctx, "SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn", target).Scan(&ok)
		return err == nil && ok
	})
	o = probeOnce(t, cfg)
	if lag, ok := gaugeValue(o, "ward_check_postgres_replication_lag_seconds"); !ok || lag < 1.5 {
		t.Errorf("paused replica: lag %v (reported %v), want at least the 1.5s replay has been paused", lag, ok)
	}
	if !strings.Contains(o.result.Details, "replication lag") {
		t.Errorf("details %q do not mention the lag", o.result.Details)
	}

	mustExec(t, rconn, "SELECT pg_wal_replay_resume()")
	servicetest.Eventually(t, 30*time.Second, "replica catches up", caughtUp)
	if lag, _ := gaugeValue(probeOnce(t, cfg), "ward_check_postgres_replication_lag_seconds"); lag != 0 {
		t.Errorf("resumed replica: lag %v, want 0", lag)
	}
}

func mustExec(tb testing.TB, conn *pgx.Conn, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

func currentLSN(tb testing.TB, conn *pgx.Conn) string {
	tb.Helper()
	var lsn string
	if err := conn.QueryRow(context.Background(), "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		tb.Fatal(err)
	}
	return lsn
}
