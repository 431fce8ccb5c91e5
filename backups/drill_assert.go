package backups

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Defaults of the drill assertions.
const (
	defaultRowCountTolerance = 0.05
	defaultRPO               = time.Hour
	// maxAssertionValue bounds a value quoted in an assertion's detail.
	maxAssertionValue = 64
	// pitrNotCompared is the detail of a comparison with production
	// that a point-in-time drill skips.
	pitrNotCompared = "not compared: a point-in-time copy"
)

// assert runs the configured assertions on the copy (after SELECT 1,
// which verify recorded) and, for a point-in-time drill, checks that
// nothing committed after the target was replayed.
func (j *drillJob) assert(ctx context.Context, copyConn *pgx.Conn) {
	a := j.st.Drill.Assertions
	add := func(name string, err error, ok string) {
		j.run.Drill.Assertions = append(j.run.Drill.Assertions, Assertion{Name: name, Passed: err == nil, Detail: detailOf(err, ok)})
	}
	if !j.req.Time.IsZero() {
		ok, err := j.afterTargetAbsent(ctx, copyConn)
		add("no transaction after the target", err, ok)
	}
	if !j.req.Time.IsZero() {
		// A point-in-time copy is production as it was at the target,
		// not as it is now: comparing it with production today would
		// fail (or pass) on the rows written since.
		for _, table := range a.RowCounts {
			add("row count "+table, nil, pitrNotCompared)
		}
		if a.DjangoMigrations {
			add("django migrations", nil, pitrNotCompared)
		}
		a.RowCounts, a.DjangoMigrations = nil, false
	}
	var prod *pgx.Conn
	var prodErr error
	needProd := len(a.RowCounts) > 0 || a.DjangoMigrations
	if needProd {
		prod, prodErr = j.production(ctx)
		if prod != nil {
			defer prod.Close(context.WithoutCancel(ctx))
		}
	}
	for _, table := range a.RowCounts {
		ok, err := j.rowCount(ctx, copyConn, prod, prodErr, table)
		add("row count "+table, err, ok)
	}
	if a.DjangoMigrations {
		const q = `SELECT app || '.' || name FROM django_migrations ORDER BY id DESC LIMIT 1`
		var ok string
		err := prodErr
		if err == nil {
			var c, p string
			if err = copyConn.QueryRow(ctx, q).Scan(&c); err != nil {
				err = fmt.Errorf("copy: %w", err)
			} else if err = prod.QueryRow(ctx, q).Scan(&p); err != nil {
				err = fmt.Errorf("production: %w", err)
			} else if c != p {
				err = fmt.Errorf("copy's latest migration %s, production's %s", clip(c), clip(p))
			}
			ok = "latest migration " + clip(c)
		}
		add("django migrations", err, ok)
	}
	if f := a.Freshness; f != nil {
		ok, err := j.freshness(ctx, copyConn)
		add("freshness "+f.Table, err, ok)
	}
	for _, s := range a.SQL {
		got, err := firstValue(ctx, copyConn, s.Query)
		if err == nil && got != s.Expect {
			err = fmt.Errorf("returned %q, want %q", clip(got), clip(s.Expect))
		}
		add("sql "+s.Name, err, fmt.Sprintf("returned %q", clip(got)))
	}
}

// afterTargetAbsent: the last transaction replayed committed at or
// before the target (recovery stops before the first commit after it),
// and the freshness table, if named, has no row after it.
func (j *drillJob) afterTargetAbsent(ctx context.Context, c *pgx.Conn) (string, error) {
	target := j.req.Time
	var last *time.Time
	if err := c.QueryRow(ctx, "SELECT pg_last_xact_replay_timestamp()").Scan(&last); err != nil {
		return "", err
	}
	if last != nil && last.After(target) {
		return "", fmt.Errorf("a transaction committed at %s, after the target %s, was replayed",
			last.UTC().Format(time.RFC3339Nano), target.UTC().Format(time.RFC3339Nano))
	}
	detail := "no transaction replayed"
	if last != nil {
		detail = "last replayed commit " + last.UTC().Format(time.RFC3339Nano)
	}
	if f := j.st.Drill.Assertions.Freshness; f != nil {
		newest, err := newestValue(ctx, c, f.Table, f.Column)
		if err != nil {
			return "", err
		}
		if newest != nil && newest.After(target) {
			return "", fmt.Errorf("%s has a row of %s, after the target %s", f.Table,
				newest.UTC().Format(time.RFC3339Nano), target.UTC().Format(time.RFC3339Nano))
		}
		detail += fmt.Sprintf("; newest %s row not after the target", f.Table)
	}
	return detail, nil
}

func (j *drillJob) rowCount(ctx context.Context, c, prod *pgx.Conn, prodErr error, table string) (string, error) {
	if prodErr != nil {
		return "", prodErr
	}
	q := "SELECT count(*) FROM " + quoteTable(table)
	var nc, np int64
	if err := c.QueryRow(ctx, q).Scan(&nc); err != nil {
		return "", fmt.Errorf("copy: %w", err)
	}
	if err := prod.QueryRow(ctx, q).Scan(&np); err != nil {
		return "", fmt.Errorf("production: %w", err)
	}
	tol := j.st.Drill.Assertions.RowCountTolerance
	if tol <= 0 {
		tol = defaultRowCountTolerance
	}
	diff := math.Abs(float64(nc-np)) / math.Max(float64(np), 1)
	detail := fmt.Sprintf("copy %d rows, production %d (%.1f%% apart, tolerance %.1f%%)", nc, np, diff*100, tol*100)
	if diff > tol {
		return "", errors.New(detail)
	}
	return detail, nil
}

// freshness: the table's newest row is not older than the backup's stop
// minus the RPO.
func (j *drillJob) freshness(ctx context.Context, c *pgx.Conn) (string, error) {
	f := j.st.Drill.Assertions.Freshness
	newest, err := newestValue(ctx, c, f.Table, f.Column)
	if err != nil {
		return "", err
	}
	rpo := time.Duration(j.st.RPO)
	if rpo <= 0 {
		rpo = defaultRPO
	}
	if newest == nil {
		return "", fmt.Errorf("%s is empty", f.Table)
	}
	// Relative to the point recovered to: the target of a point-in-time
	// drill, else the backup's stop (the copy holds at least that).
	ref, refName := j.backup.Stop, "backup stopped"
	if !j.req.Time.IsZero() {
		ref, refName = j.req.Time, "target"
	}
	// A quiet table's newest row in production may be older than that:
	// the copy need not be fresher than production itself.
	if prod, err := j.production(ctx); err == nil {
		p, perr := newestValue(ctx, prod, f.Table, f.Column)
		prod.Close(ctx)
		if perr == nil && p != nil && p.Before(ref) {
			ref, refName = *p, "production's newest row"
		}
	}
	detail := fmt.Sprintf("newest row %s; %s %s, RPO %s", newest.UTC().Format(time.RFC3339), refName,
		ref.UTC().Format(time.RFC3339), rpo)
	if newest.Before(ref.Add(-rpo)) {
		return "", errors.New(detail + ": older than that minus the RPO")
	}
	return detail, nil
}

func (j *drillJob) production(ctx context.Context) (*pgx.Conn, error) {
	if j.st.Check == "" || j.deps.Production == nil {
		return nil, fmt.Errorf("stanza %s has no check to reach production", j.st.Name)
	}
	c, err := j.deps.Production(ctx, j.st.Check, j.st.Drill.Assertions.Database)
	if err != nil {
		return nil, fmt.Errorf("production: %w", err)
	}
	// Row counts of big tables take longer than a health check's
	// statement timeout; the drill's own timeout still bounds them.
	if _, err := c.Exec(ctx, "SET statement_timeout = '10min'"); err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("production: %w", err)
	}
	return c, nil
}

// predict sets the throughput and the RTO predicted for production's
// current size (its databases now, else the chosen backup's size).
func (j *drillJob) predict(ctx context.Context) {
	dr := j.run.Drill
	if dr.Restore <= 0 || dr.Bytes <= 0 {
		return
	}
	dr.Throughput = float64(dr.Bytes) / dr.Restore.Seconds()
	size := dr.Bytes
	if prod, err := j.production(ctx); err == nil {
		var n int64
		if prod.QueryRow(ctx, "SELECT sum(pg_database_size(oid))::bigint FROM pg_database").Scan(&n) == nil && n > 0 {
			size = n
		}
		prod.Close(context.WithoutCancel(ctx))
	}
	dr.Predicted = time.Duration(float64(size)/dr.Throughput*float64(time.Second)) + dr.Replay + dr.FirstQuery
}

func newestValue(ctx context.Context, c *pgx.Conn, table, column string) (*time.Time, error) {
	var t *time.Time
	q := fmt.Sprintf("SELECT max(%s)::timestamptz FROM %s", pgx.Identifier{column}.Sanitize(), quoteTable(table))
	if err := c.QueryRow(ctx, q).Scan(&t); err != nil {
		return nil, err
	}
	return t, nil
}

// firstValue is the first column of the first row in text form.
func firstValue(ctx context.Context, c *pgx.Conn, q string) (string, error) {
	rows, err := c.Query(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	got := ""
	if rows.Next() {
		if raw := rows.RawValues(); len(raw) > 0 && raw[0] != nil {
			got = string(raw[0])
		}
	}
	rows.Close()
	return got, rows.Err()
}

// quoteTable quotes "schema.table" (or "table") as identifiers.
func quoteTable(t string) string {
	return pgx.Identifier(strings.Split(t, ".")).Sanitize()
}

func clip(s string) string {
	if len(s) > maxAssertionValue {
		return s[:maxAssertionValue] + "..."
	}
	return s
}
