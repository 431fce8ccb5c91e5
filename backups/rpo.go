package backups

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// RPO is measured on both sides (issue 12): the database's archiver says
// when it last archived a WAL segment (pg_stat_archiver), and the
// repository says when the newest segment reached it (file time in a
// posix repository, object time in S3). The archiver can report success
// while nothing reaches the repository, so the worse side counts.

// rpoSideTimeout bounds each side's measurement; the stanza's own
// timeout lowers it.
const rpoSideTimeout = 20 * time.Second

// archiverQuery reads the archiver's last success and failure, and
// whether WAL is waiting to be archived: the current WAL file is the
// last archived one when nothing was written since (pg_walfile_name of
// a segment boundary names the segment before it). On a standby the
// current WAL file cannot be named; it reads as NULL (not caught up).
const archiverQuery = `SELECT last_archived_time, last_failed_time,
  CASE WHEN pg_is_in_recovery() THEN NULL
       ELSE last_archived_wal = pg_walfile_name(pg_current_wal_lsn()) END
FROM pg_stat_archiver`

// repoTolerance is how far the repository's newest segment may be
// behind the archiver's last success and still hold it (file and
// statistics times differ by moments; async archiving by more).
const repoTolerance = time.Minute

// Connector opens a connection through the postgres check named check,
// to database db ("" for the check's own).
type Connector func(ctx context.Context, check, db string) (*pgx.Conn, error)

// PostgresConnector connects through the postgres checks that checks()
// returns (the running configuration's), the way the checks themselves
// do. Errors name the check, never a credential.
func PostgresConnector(checksOf func() []config.Check) Connector {
	return func(ctx context.Context, name, db string) (*pgx.Conn, error) {
		for _, c := range checksOf() {
			if c.Name != name {
				continue
			}
			cc, secrets, err := checks.PostgresConnConfig(c)
			if err != nil {
				return nil, fmt.Errorf("check %s: %s", name, redactSecrets(err.Error(), secrets))
			}
			if db != "" {
				cc.Database = db
			}
			conn, err := pgx.ConnectConfig(ctx, cc)
			if err != nil {
				return nil, fmt.Errorf("check %s: connect: %s", name, redactSecrets(err.Error(), secrets))
			}
			return conn, nil
		}
		return nil, fmt.Errorf("%w: no postgres check named %q", ErrNotFound, name)
	}
}

func redactSecrets(msg string, secrets []secret.Secret) string {
	s := make([]string, len(secrets))
	for i, v := range secrets {
		s[i] = string(v)
	}
	return secret.Redact(msg, s...)
}

// measureArchiver reads pg_stat_archiver through the stanza's check.
func measureArchiver(ctx context.Context, connect Connector, check string) (archived, failed time.Time, caughtUp bool, err error) {
	if check == "" {
		return archived, failed, false, errors.New("archiver: the stanza names no postgres check")
	}
	if connect == nil {
		return archived, failed, false, errors.New("archiver: no connector")
	}
	conn, err := connect(ctx, check, "")
	if err != nil {
		return archived, failed, false, fmt.Errorf("archiver: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var a, f *time.Time
	var level *bool
	if err := conn.QueryRow(ctx, archiverQuery).Scan(&a, &f, &level); err != nil {
		return archived, failed, false, fmt.Errorf("archiver: %w", err)
	}
	if a != nil {
		archived = *a
	}
	if f != nil {
		failed = *f
	}
	return archived, failed, level != nil && *level, nil
}

// rpoSides is one measurement of both sides.
type rpoSides struct {
	ArchivedAt, FailedAt time.Time
	RepoAt               time.Time
	ArchiverErr, RepoErr error
	// CaughtUp: no WAL was waiting to be archived at MeasuredAt, so an
	// idle database's old last_archived_time puts no data at risk.
	CaughtUp   bool
	MeasuredAt time.Time
}

// measureRPO measures both sides of st's RPO, each bounded by its own
// timeout, at the same time.
func measureRPO(ctx context.Context, st config.BackupStanza, connect Connector) rpoSides {
	timeout := rpoSideTimeout
	if d := time.Duration(st.Timeout); d > 0 && d < timeout {
		timeout = d
	}
	var out rpoSides
	done := make(chan struct{})
	go func() {
		defer close(done)
		actx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		out.ArchivedAt, out.FailedAt, out.CaughtUp, out.ArchiverErr = measureArchiver(actx, connect, st.Check)
	}()
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out.RepoAt, out.RepoErr = newestRepoWAL(rctx, st)
	<-done
	return out
}

// rpo computes the RPO at now from a measurement against target.
func (m rpoSides) rpo(target time.Duration, now time.Time) RPO {
	r := RPO{Target: target, ArchivedAt: m.ArchivedAt, FailedAt: m.FailedAt, RepoAt: m.RepoAt}
	var errs []string
	if m.ArchiverErr != nil {
		errs = append(errs, oneLine(m.ArchiverErr.Error()))
	}
	if m.RepoErr != nil {
		errs = append(errs, oneLine(m.RepoErr.Error()))
	}
	r.Error = strings.Join(errs, "; ")
	a, aok := m.archiverAge(now)
	rp, rok := m.repoAge(now)
	switch {
	case aok && rok:
		r.Now = max(a, rp)
	case aok:
		r.Now = a
	case rok:
		r.Now = rp
	}
	return r
}

// archiverAge is the data at risk by the archiver's account at now: the
// time since its last success, or since the measurement when it was
// caught up. ok is false when that side was not measured.
func (m rpoSides) archiverAge(now time.Time) (time.Duration, bool) {
	switch {
	case m.ArchiverErr != nil || m.MeasuredAt.IsZero():
		return 0, false
	case m.CaughtUp && !m.failing():
		return max(now.Sub(m.MeasuredAt), 0), true
	case m.ArchivedAt.IsZero():
		return 0, false
	}
	return max(now.Sub(m.ArchivedAt), 0), true
}

// repoAge is the data at risk by the repository's account: the time
// since its newest segment, or since the measurement when the archiver
// was caught up and the repository holds what it archived.
func (m rpoSides) repoAge(now time.Time) (time.Duration, bool) {
	switch {
	case m.RepoErr != nil || m.RepoAt.IsZero():
		return 0, false
	case m.CaughtUp && !m.failing() && !m.RepoAt.Before(m.ArchivedAt.Add(-repoTolerance)):
		return max(now.Sub(m.MeasuredAt), 0), true
	}
	return max(now.Sub(m.RepoAt), 0), true
}

// failing reports whether the archiver's last attempt failed.
func (m rpoSides) failing() bool {
	return !m.FailedAt.IsZero() && m.FailedAt.After(m.ArchivedAt)
}

// repoLag is how far the repository is behind the archiver: the
// archiver's last success minus the newest segment's time in the
// repository (0 when the repository is level or ahead).
func (m rpoSides) repoLag() (time.Duration, bool) {
	if m.ArchivedAt.IsZero() || m.RepoAt.IsZero() {
		return 0, false
	}
	return max(m.ArchivedAt.Sub(m.RepoAt), 0), true
}

// pitrWindow is the point-in-time-recovery window: the oldest restorable
// backup's stop to the newest WAL in the repository.
func pitrWindow(backups []Backup, repoAt time.Time) (from, to time.Time) {
	for _, b := range backups {
		if b.Restorable && !b.Error && !b.Stop.IsZero() && (from.IsZero() || b.Stop.Before(from)) {
			from = b.Stop
		}
	}
	if from.IsZero() {
		return time.Time{}, time.Time{}
	}
	to = repoAt
	if to.Before(from) {
		to = from
	}
	return from, to
}

// oneLine is s on one line, at most 300 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
