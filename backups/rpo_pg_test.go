package backups

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// pgStanza is a real PostgreSQL 15 archiving into a real pgBackRest
// stanza, and the stanza's configuration as ward would have it.
type pgStanza struct {
	b       *servicetest.PgBackRest
	conn    *pgx.Conn
	cfg     config.BackupStanza
	connect Connector
}

func startPgStanza(t *testing.T, rpo time.Duration) *pgStanza {
	t.Helper()
	pg := servicetest.StartPostgres(t)
	b := servicetest.StartPgBackRest(t, pg, servicetest.PgBackRestOptions{ArchiveTimeout: 2 * time.Second})
	conn := pg.Connect(t)
	t.Setenv("WARD_TEST_PG_PASSWORD", pg.Password)
	check := config.Check{Name: "db", Kind: config.CheckPostgres, Timeout: model.Duration(5 * time.Second),
		Spec: &config.PostgresCheck{DSN: pg.DSN(), PasswordEnv: "WARD_TEST_PG_PASSWORD"}}
	daily := 2
	return &pgStanza{
		b: b, conn: conn,
		cfg: config.BackupStanza{Name: b.Stanza, Config: b.Config, Check: "db", RPO: model.Duration(rpo),
			Timeout: model.Duration(10 * time.Second), Retention: config.BackupRetention{Daily: &daily}},
		connect: PostgresConnector(func() []config.Check { return []config.Check{check} }),
	}
}

// write inserts a row and completes its WAL segment, so there is WAL
// to archive now (archive_timeout alone proved slow to switch on a
// loaded machine).
func (s *pgStanza) write(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS w (at timestamptz)"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.conn.Exec(ctx, "INSERT INTO w VALUES (now())"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.conn.Exec(ctx, "SELECT pg_switch_wal()"); err != nil {
		t.Fatal(err)
	}
}

// TestRPOArchiveFailing: with archiving working both sides are measured
// and level; once archive-push fails (the repository turned read-only
// under it) the archiver reports the failure, the RPO grows, and
// RPOBreached, evaluated on the exported series, fires within a minute of
// the deadline (the older side's time plus the 20s target), not before.
func TestRPOArchiveFailing(t *testing.T) {
	const target = 20 * time.Second
	s := startPgStanza(t, target)
	reg := prometheus.NewRegistry()
	w := newStanzaWatch(stanzaDeps{Connect: s.connect}, reg)
	w.apply(config.Backups{Stanzas: []config.BackupStanza{s.cfg}})
	ctx := context.Background()
	status := func() RPO {
		var st StanzaStatus
		w.fill(ctx, s.cfg, &st)
		return st.RPO
	}

	var seen RPO
	t.Cleanup(func() {
		if t.Failed() {
			var row string
			_ = s.conn.QueryRow(context.Background(), "SELECT row(pg_stat_archiver.*)::text FROM pg_stat_archiver").Scan(&row)
			ents, _ := os.ReadDir(filepath.Join(s.b.Repo, "archive", s.b.Stanza))
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Logf("newest RPO: %+v\npg_stat_archiver: %s\narchive dir: %v", seen, row, names)
		}
	})
	servicetest.Eventually(t, 60*time.Second, "both RPO sides measured", func() bool {
		s.write(t)
		w.measure(ctx)
		seen = status()
		return seen.Error == "" && !seen.ArchivedAt.IsZero() && !seen.RepoAt.IsZero()
	})
	r := status()
	if r.Now > target || r.FailedAt.After(r.ArchivedAt) {
		t.Fatalf("healthy archiving: %+v", r)
	}
	if lag := r.ArchivedAt.Sub(r.RepoAt); lag > 5*time.Second || lag < -5*time.Second {
		t.Errorf("archiver at %s, repository at %s: want them level", r.ArchivedAt, r.RepoAt)
	}

	// Break archive-push: the repository's archive turns read-only for
	// the postgres user.
	archive := filepath.Join(s.b.Repo, "archive", s.b.Stanza)
	setWritable(t, archive, false)
	t.Cleanup(func() { setWritable(t, archive, true) })

	h := newRuleHarness(t, reg)
	var firedAt, deadline time.Time
	var failingSeen bool
	var first, last RPO
	for start := time.Now(); time.Since(start) < 3*time.Minute && firedAt.IsZero(); time.Sleep(2 * time.Second) {
		s.write(t)
		w.measure(ctx)
		r := status()
		if first.ArchivedAt.IsZero() {
			first = r
		}
		last = r
		worst := r.ArchivedAt
		if r.RepoAt.Before(worst) {
			worst = r.RepoAt
		}
		deadline = worst.Add(target)
		failingSeen = failingSeen || r.FailedAt.After(r.ArchivedAt)
		now := h.scrape(time.Now())
		if got := h.firing("RPOBreached", now); len(got) > 0 {
			firedAt = now
			if want := `{instance="ward:9740", job="ward", stanza="` + s.b.Stanza + `"}`; !slices.Equal(got, []string{want}) {
				t.Errorf("RPOBreached fires for %q, want %q", got, want)
			}
		}
	}
	if !failingSeen {
		t.Errorf("the archiver never reported a failure: %+v", last)
	}
	if !last.ArchivedAt.Equal(first.ArchivedAt) && last.ArchivedAt.Sub(first.ArchivedAt) > 5*time.Second {
		t.Errorf("archiving went on: %s then %s", first.ArchivedAt, last.ArchivedAt)
	}
	if last.Now <= first.Now {
		t.Errorf("RPO did not grow: %s then %s", first.Now, last.Now)
	}
	if firedAt.IsZero() {
		t.Fatalf("RPOBreached never fired; deadline %s, last %+v", deadline, last)
	}
	late := firedAt.Sub(deadline)
	t.Logf("RPOBreached fired %s after the deadline (RPO %s, target %s)", late, last.Now, target)
	if late < 0 || late > time.Minute {
		t.Errorf("RPOBreached fired %s after the deadline, want within [0, 1m]", late)
	}
	m := gatherGauge(t, reg, "ward_backup_wal_archive_failing")
	if m != 1 {
		t.Errorf("ward_backup_wal_archive_failing = %v, want 1", m)
	}
}

// setWritable adds or removes write permission under dir, recursively.
func setWritable(t *testing.T, dir string, on bool) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		mode := fi.Mode().Perm()
		if on {
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

// gatherGauge is the value of the one series of name in reg.
func gatherGauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no single series %s", name)
	return 0
}

// TestRetentionGapAfterExpire: two real full backups fill two daily
// buckets; once pgbackrest expire --set removes the older, its day is a
// gap. The policy's zone is a fixed offset that puts local midnight
// between the two backups, so two backups a few seconds apart are on two
// days, as in production they would be a day apart.
func TestRetentionGapAfterExpire(t *testing.T) {
	s := startPgStanza(t, time.Hour)
	s.write(t)
	s.b.Backup(t, "full")
	time.Sleep(1100 * time.Millisecond) // distinct stop seconds
	s.b.Backup(t, "full")
	inventory := func() []Backup {
		st, err := parseInfo(s.b.Info(t), s.b.Stanza)
		if err != nil {
			t.Fatal(err)
		}
		return st.Backups
	}
	inv := inventory()
	if len(inv) != 2 || !inv[0].Restorable || !inv[1].Restorable {
		t.Fatalf("inventory %+v, want two restorable backups", inv)
	}
	older, newer := inv[0], inv[1]
	if newer.Stop.Before(older.Stop) {
		older, newer = newer, older
	}
	if newer.Stop.Sub(older.Stop) < 2*time.Second {
		t.Fatalf("backups stopped at %s and %s: want 2s apart", older.Stop, newer.Stop)
	}
	// Local midnight one second after the older backup's stop: offset =
	// -(seconds since UTC midnight).
	mid := older.Stop.Add(time.Second)
	sinceMidnight := mid.Sub(mid.UTC().Truncate(24 * time.Hour))
	loc := time.FixedZone("drill", -int(sinceMidnight.Seconds()))
	p := RetentionPolicy{Daily: 2, Loc: loc}
	now := newer.Stop.Add(time.Minute)
	if rep := CheckRetention(p, inv, now); len(rep.Gaps) != 0 {
		t.Fatalf("gaps before expire: %q (backups %s and %s in %s)", rep.Gaps, older.Stop, newer.Stop, loc)
	}
	s.b.Run(t, "expire", "--set="+older.Label)
	inv = inventory()
	if len(inv) != 1 || inv[0].Label != newer.Label {
		t.Fatalf("inventory after expire %+v", inv)
	}
	rep := CheckRetention(p, inv, now)
	want := "missing daily " + older.Stop.In(loc).Format(time.DateOnly)
	if !slices.Equal(rep.Gaps, []string{want}) {
		t.Errorf("gaps after expire %q, want %q", rep.Gaps, want)
	}
}
