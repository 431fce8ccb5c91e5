package backups

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// benchRows fill the bench table to about 1 GB: ~140 bytes a row on
// disk (a bigint and 96 characters of md5 text, with tuple overhead).
const benchRows = 7_500_000

// benchRepoVersion names the cached repository; bump it when the
// generation changes.
const benchRepoVersion = "drill-1g-v1"

// benchMeta describes the cached repository.
type benchMeta struct {
	Rows    int64 `json:"rows"`
	DBBytes int64 `json:"db_bytes"`
}

// BenchmarkDrill measures a restore drill's RTO and throughput on a
// ~1 GB database: a real pgBackRest repository (gz, as pgBackRest
// defaults) holding one full backup of a table filled by generate_series,
// generated once and cached in $WARD_BENCH_CACHE or the user cache dir
// (~3 min). Each iteration is a whole drill: restore into scratch, start
// postgres on the copy, wait for promotion, SELECT 1, count the rows,
// stop, delete.
//
//	go test ./backups -run '^$' -bench BenchmarkDrill -benchtime 1x -timeout 30m
func BenchmarkDrill(b *testing.B) {
	cached, meta := drillBenchRepo(b)
	work := shortDir(b)
	repo := filepath.Join(work, "repo")
	copyTree(b, cached, repo)
	for _, d := range []string{work, filepath.Join(work, "lock")} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			b.Fatal(err)
		}
		benchChown(b, d)
	}
	conf := filepath.Join(work, "pgbackrest.conf")
	// pg1-path names where production would be: the drill refuses it.
	text := fmt.Sprintf("[global]\nrepo1-path=%s\nlock-path=%s\nlog-level-file=off\n\n[main]\npg1-path=%s\n",
		repo, filepath.Join(work, "lock"), filepath.Join(work, "production"))
	if err := os.WriteFile(conf, []byte(text), 0o640); err != nil {
		b.Fatal(err)
	}
	benchChown(b, conf)

	e := newDrillEnv(b, "", "")
	e.d.apply(config.Backups{RunAs: runAs(), Stanzas: []config.BackupStanza{{
		Name: "main", Config: conf,
		Drill: config.BackupDrill{Assertions: config.BackupDrillAssertions{SQL: []config.BackupSQLAssertion{
			{Name: "rows", Query: "SELECT count(*) FROM bench", Expect: strconv.FormatInt(meta.Rows, 10)},
		}}},
	}}})
	var sum DrillResult
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run, err := e.d.start(DrillRequest{Stanza: "main"}, TriggerManual, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		r := e.wait(b, run.ID)
		if r.State != StateSuccess {
			b.Fatalf("drill %s: %s\n%s", r.State, r.Error, r.Log)
		}
		d := r.Drill
		sum.Restore += d.Restore
		sum.Replay += d.Replay
		sum.FirstQuery += d.FirstQuery
		sum.RTO += d.RTO
		sum.Bytes += d.Bytes
	}
	b.StopTimer()
	n := float64(b.N)
	mbps := float64(sum.Bytes) / sum.Restore.Seconds() / 1e6
	fmt.Printf("drill of %.2f GB (%d rows): RTO %.1f s = restore %.1f s + replay %.2f s + first query %.3f s; restore %.0f MB/s\n",
		float64(sum.Bytes)/n/1e9, meta.Rows, sum.RTO.Seconds()/n, sum.Restore.Seconds()/n, sum.Replay.Seconds()/n,
		sum.FirstQuery.Seconds()/n, mbps)
	b.ReportMetric(sum.RTO.Seconds()/n, "rto_s")
	b.ReportMetric(sum.Restore.Seconds()/n, "restore_s")
	b.ReportMetric(sum.Replay.Seconds()/n, "replay_s")
	b.ReportMetric(sum.FirstQuery.Seconds()/n, "first_query_s")
	b.ReportMetric(mbps, "MB/s")
	b.ReportMetric(float64(sum.Bytes)/n/1e9, "GB")
}

// drillBenchRepo returns the cached repository and what it holds,
// generating it first: PostgreSQL filled with benchRows rows, then
// archiving and one full backup.
func drillBenchRepo(tb testing.TB) (string, benchMeta) {
	tb.Helper()
	cache := os.Getenv("WARD_BENCH_CACHE")
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			tb.Fatalf("no cache dir: set WARD_BENCH_CACHE: %v", err)
		}
		cache = filepath.Join(d, "ward-bench")
	}
	dir := filepath.Join(cache, benchRepoVersion)
	var meta benchMeta
	if b, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil && json.Unmarshal(b, &meta) == nil && meta.Rows > 0 {
		return filepath.Join(dir, "repo"), meta
	}
	start := time.Now()
	pg := servicetest.StartPostgres(tb)
	conn := pg.Connect(tb)
	ctx := context.Background()
	// Filled before archiving is on: the WAL of the load is not archived.
	for _, q := range []string{
		"CREATE TABLE bench (id bigint NOT NULL, payload text NOT NULL)",
		"INSERT INTO bench SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, " + strconv.Itoa(benchRows) + ") g",
		"CHECKPOINT",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT sum(pg_database_size(oid))::bigint FROM pg_database").Scan(&meta.DBBytes); err != nil {
		tb.Fatal(err)
	}
	meta.Rows = benchRows
	pgbr := servicetest.StartPgBackRest(tb, pg, servicetest.PgBackRestOptions{})
	pgbr.Backup(tb, "full")
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		tb.Fatal(err)
	}
	copyTree(tb, pgbr.Repo, filepath.Join(tmp, "repo"))
	mb, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), mb, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		tb.Fatal(err)
	}
	fmt.Printf("drill bench repository generated in %s: %s (database %.2f GB)\n",
		time.Since(start).Round(time.Second), dir, float64(meta.DBBytes)/1e9)
	return filepath.Join(dir, "repo"), meta
}

// copyTree hard-links (or, across file systems, copies) every file of
// src into dst; directories are made and, as root, given to postgres,
// which reads the repository during the restore.
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			if err := os.MkdirAll(out, 0o750); err != nil {
				return err
			}
			benchChown(tb, out)
			return nil
		}
		if os.Link(p, out) == nil {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o640)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		benchChown(tb, out)
		return f.Close()
	})
	if err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
}

func benchChown(tb testing.TB, p string) {
	tb.Helper()
	if runAs() == "" {
		return
	}
	u, err := lookupOwner(runAs())
	if err != nil {
		tb.Fatal(err)
	}
	if err := u.chown(p); err != nil {
		tb.Fatal(err)
	}
}
