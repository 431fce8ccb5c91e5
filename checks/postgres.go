package checks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// postgresStatsQuery reads what a run reports besides liveness. Lag is
// NULL on a primary and 0 on a replica that has replayed all it received;
// otherwise it is the age of the last replayed transaction.
const postgresStatsQuery = `SELECT
  current_setting('server_version'),
  pg_is_in_recovery(),
  CASE WHEN pg_is_in_recovery() THEN
    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8
    END
  END,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
  current_setting('max_connections')::int`

// postgresProber connects, runs SELECT 1 and reads version, recovery
// state, replication lag and connection usage; optionally it runs a custom
// query and compares its result.
type postgresProber struct {
	cfg  config.Check
	spec *config.PostgresCheck
}

var _ prober = (*postgresProber)(nil)

// postgresReasons are the failure reasons a PostgreSQL check reports.
var postgresReasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonAuth, ReasonConfig, ReasonQuery, ReasonError}

func newPostgresProber(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.PostgresCheck](cfg)
	if err != nil {
		return nil, err
	}
	return &postgresProber{cfg: cfg, spec: spec}, nil
}

func (p *postgresProber) probe(ctx context.Context, r *report) error {
	cc, err := p.connConfig(r)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return postgresError("connect", err)
	}
	defer conn.Close(ctx)

	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return postgresError("SELECT 1", err)
	}
	var (
		ver         string
		recovery    bool
		lag         *float64
		used, limit int64
	)
	if err := conn.QueryRow(ctx, postgresStatsQuery).Scan(&ver, &recovery, &lag, &used, &limit); err != nil {
		return postgresError("stats query", err)
	}
	ver, _, _ = strings.Cut(ver, " ")
	role := "primary"
	if recovery {
		role = "replica"
	}
	r.gauge("ward_check_postgres_info", 1, "role", role, "version", ver)
	r.gauge("ward_check_postgres_connections", float64(used))
	r.gauge("ward_check_postgres_max_connections", float64(limit))
	if limit > 0 {
		r.gauge("ward_check_postgres_connections_used_ratio", float64(used)/float64(limit))
	}
	r.detail("PostgreSQL %s", ver)
	r.detail("%s", role)
	if lag != nil {
		r.gauge("ward_check_postgres_replication_lag_seconds", *lag)
		r.detail("replication lag %s", formatDuration(time.Duration(*lag*float64(time.Second))))
	}
	r.detail("%d/%d connections", used, limit)

	if p.spec.Query != "" {
		return p.customQuery(ctx, conn)
	}
	return nil
}

// connConfig builds the connection settings from the DSN and the
// password, registering every credential with r.
func (p *postgresProber) connConfig(r *report) (*pgx.ConnConfig, error) {
	cc, secrets, err := PostgresConnConfig(p.cfg)
	for _, s := range secrets {
		r.secret(s)
	}
	return cc, err
}

// PostgresConnConfig builds the connection settings of the postgres check
// cfg as its probe does (DSN or dsn_file, password_env or password_file,
// the check's timeouts, the simple protocol), for other parts of ward
// that read through a check's connection (backups: pg_stat_archiver,
// drill row counts). secrets are the credentials involved, for redacting
// messages; they are returned even with an error.
func PostgresConnConfig(cfg config.Check) (cc *pgx.ConnConfig, secrets []secret.Secret, err error) {
	spec, ok := cfg.Spec.(*config.PostgresCheck)
	if !ok {
		return nil, nil, fail(ReasonConfig, fmt.Errorf("check %q is not a postgres check", cfg.Name))
	}
	dsn := spec.DSN
	if spec.DSNFile != "" {
		s, err := secret.Read("", spec.DSNFile)
		if err != nil {
			return nil, nil, fail(ReasonConfig, fmt.Errorf("dsn_file: %w", err))
		}
		secrets = append(secrets, s)
		dsn = string(s)
	}
	pw, err := secret.Read(spec.PasswordEnv, spec.PasswordFile)
	if err != nil {
		return nil, secrets, fail(ReasonConfig, fmt.Errorf("password: %w", err))
	}
	secrets = append(secrets, pw)
	cc, err = pgx.ParseConfig(dsn)
	if err != nil {
		// pgx masks the password in its message; redact catches the rest.
		return nil, secrets, fail(ReasonConfig, fmt.Errorf("dsn: %w", err))
	}
	// The password may also come from the DSN file, PGPASSWORD or ~/.pgpass.
	secrets = append(secrets, secret.Secret(cc.Password))
	if pw != "" {
		cc.Password = string(pw)
	}
	timeout := time.Duration(cfg.Timeout)
	if d := time.Duration(spec.ConnectTimeout); d > 0 {
		cc.ConnectTimeout = d
	} else if cc.ConnectTimeout <= 0 || cc.ConnectTimeout > timeout {
		cc.ConnectTimeout = timeout
	}
	stmt := timeout
	if d := time.Duration(spec.StatementTimeout); d > 0 {
		stmt = d
	}
	cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(stmt.Milliseconds(), 10)
	cc.RuntimeParams["application_name"] = "ward"
	// The simple protocol prepares nothing, so the check also works
	// through pgbouncer in transaction mode.
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return cc, secrets, nil
}

// customQuery runs the configured query and compares the first column of
// its first row, as text, with expect_result.
func (p *postgresProber) customQuery(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, p.spec.Query)
	if err != nil {
		return fail(ReasonQuery, fmt.Errorf("query: %w", err))
	}
	defer rows.Close()
	var got *string
	if rows.Next() {
		if raw := rows.RawValues(); len(raw) > 0 && raw[0] != nil {
			s := string(raw[0])
			got = &s
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		if reason := classify(err); reason == ReasonTimeout || reason == ReasonNetwork {
			return fmt.Errorf("query: %w", err)
		}
		return fail(ReasonQuery, fmt.Errorf("query: %w", err))
	}
	if p.spec.ExpectResult == "" {
		return nil
	}
	switch {
	case got == nil:
		return fail(ReasonQuery, fmt.Errorf("query returned no value, want %q", p.spec.ExpectResult))
	case *got != p.spec.ExpectResult:
		v := *got
		if len(v) > 64 {
			v = v[:64] + "..."
		}
		return fail(ReasonQuery, fmt.Errorf("query returned %q, want %q", v, p.spec.ExpectResult))
	}
	return nil
}

// postgresError classifies an error of step: rejected credentials are
// SQLSTATE class 28; a server that cannot answer for another reason (it is
// starting, shutting down, or out of connections) is class 57 or 53.
func postgresError(step string, err error) error {
	err = fmt.Errorf("%s: %w", step, err)
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		if strings.HasPrefix(pe.Code, "28") {
			return fail(ReasonAuth, err)
		}
		return err
	}
	if reason := classify(err); reason != ReasonError {
		return fail(reason, err)
	}
	if strings.Contains(err.Error(), "tls error") || strings.Contains(err.Error(), "tls: ") {
		return fail(ReasonTLS, err)
	}
	return err
}
