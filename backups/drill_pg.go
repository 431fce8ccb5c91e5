package backups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// copyPort is the restored copy's port: with no TCP listener it only
// names the unix socket (DIR/.s.PGSQL.5432), which lives in the copy's
// own directory, so it collides with nothing.
const copyPort = 5432

// Files a drill writes into the copy: an hba that trusts local (socket)
// connections only, and an empty ident map. Production's pg_hba.conf
// may demand peer or password authentication that ward cannot meet;
// the socket directory is the copy's own, mode 0700.
const (
	drillHBA   = "ward_drill_hba.conf"
	drillIdent = "ward_drill_ident.conf"
)

// copyServer is postgres running on a restored copy.
type copyServer struct {
	j       *drillJob
	dir     string
	started time.Time
	done    chan Result
	cancel  context.CancelFunc
	once    sync.Once
	result  Result
}

// startCopy starts postgres on the copy: no TCP listener, its socket in
// the copy's directory, archiving off, few connections, and nothing that
// could touch production (no standby connection, no external pid file).
func startCopy(ctx context.Context, j *drillJob) (*copyServer, error) {
	owner, err := lookupOwner(j.exec.User)
	if err != nil {
		return nil, err
	}
	files := map[string]string{drillHBA: "local all all trust\n", drillIdent: ""}
	// Debian keeps postgresql.conf in /etc; the copy then has none.
	if _, err := os.Stat(filepath.Join(j.dir, "postgresql.conf")); errors.Is(err, os.ErrNotExist) {
		files["postgresql.conf"] = "# written by ward's restore drill: production's configuration is not in the data directory\n"
	}
	for name, content := range files {
		p := filepath.Join(j.dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			return nil, fmt.Errorf("drill config: %w", err)
		}
		if err := owner.chown(p); err != nil {
			return nil, err
		}
	}
	bin, err := pgBin(j.st.PGBin)
	if err != nil {
		return nil, err
	}
	argv := []string{filepath.Join(bin, "postgres"), "-D", j.dir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + j.dir,
		"-c", "unix_socket_permissions=0700",
		"-c", "archive_mode=off",
		"-c", "max_connections=5",
		"-c", "port=" + strconv.Itoa(copyPort),
		"-c", "hba_file=" + filepath.Join(j.dir, drillHBA),
		"-c", "ident_file=" + filepath.Join(j.dir, drillIdent),
		// Without hot standby, recovery needs no production-sized
		// max_connections and nobody reads the copy before it is promoted.
		"-c", "hot_standby=off",
		"-c", "primary_conninfo=",
		"-c", "synchronous_standby_names=",
		// Production's postgresql.conf may name its own pid file.
		"-c", "external_pid_file=" + filepath.Join(j.dir, "ward_drill.pid"),
		"-c", "logging_collector=off",
		"-c", "ssl=off",
		"-c", "shared_buffers=128MB",
		"-c", "huge_pages=off",
		"-c", "cluster_name=ward-drill",
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &copyServer{j: j, dir: j.dir, started: time.Now(), done: make(chan Result, 1), cancel: cancel}
	go func() {
		s.done <- j.exec.Run(pctx, Cmd{Argv: argv, Env: []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}})
	}()
	return s, nil
}

// waitPromoted waits until the copy accepts connections and is out of
// recovery; postgres exiting first fails the drill with its log.
func (s *copyServer) waitPromoted(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		select {
		case r := <-s.done:
			s.finish(r)
			return fmt.Errorf("postgres on the copy exited (code %d): %s", r.ExitCode, lastLine(r.Log))
		case <-ctx.Done():
			return fmt.Errorf("waiting for recovery: %w (last: %v)", ctx.Err(), last)
		case <-tick.C:
		}
		// As pg_ctl does: postmaster.pid's status line says "ready" once
		// the copy accepts connections (after recovery: no hot standby).
		// Connecting before that only fills the log with refusals.
		if !s.ready() {
			continue
		}
		conn, err := s.connect(ctx, "postgres")
		if err != nil {
			last = err
			continue
		}
		var rec bool
		err = conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&rec)
		conn.Close(context.WithoutCancel(ctx))
		if err == nil && !rec {
			return nil
		}
		last = err
	}
}

// ready reports whether postmaster.pid's status line (its 8th) is
// "ready".
func (s *copyServer) ready() bool {
	b, err := os.ReadFile(filepath.Join(s.dir, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	return len(lines) > 7 && strings.TrimSpace(lines[7]) == "ready"
}

// firstQuery connects afresh and runs SELECT 1, timing both: the first
// query an application would get answered.
func (s *copyServer) firstQuery(ctx context.Context, db string) (*pgx.Conn, time.Duration, error) {
	start := time.Now()
	conn, err := s.connect(ctx, db)
	if err != nil {
		return nil, time.Since(start), err
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		conn.Close(context.WithoutCancel(ctx))
		return nil, time.Since(start), fmt.Errorf("SELECT 1: got %d: %v", one, err)
	}
	return conn, time.Since(start), nil
}

// connect opens a connection over the copy's socket, as postgres or,
// when the cluster has no such role, as the run_as user's name.
func (s *copyServer) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	users := []string{"postgres"}
	if u := s.j.exec.User; u != "" && u != "postgres" {
		users = append(users, u)
	}
	var err error
	for _, u := range users {
		var conn *pgx.Conn
		conn, err = pgx.ConnectConfig(ctx, copyConnConfig(s.dir, u, db))
		if err == nil {
			return conn, nil
		}
		if pe, ok := errors.AsType[*pgconn.PgError](err); !ok || pe.Code != "28000" {
			return nil, err
		}
	}
	return nil, err
}

// copyConnConfig is built field by field: pgx.ParseConfig would read
// PGHOST, PGPASSWORD and friends from ward's environment.
func copyConnConfig(dir, user, db string) *pgx.ConnConfig {
	cc, _ := pgx.ParseConfig("host=/nonexistent sslmode=disable")
	cc.Host, cc.Port, cc.User, cc.Database, cc.Password = dir, copyPort, user, db, ""
	cc.TLSConfig, cc.Fallbacks = nil, nil
	cc.ConnectTimeout = 10 * time.Second
	cc.RuntimeParams = map[string]string{"application_name": "ward-drill", "statement_timeout": "600000"}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return cc
}

// stop shuts the copy down (fast), killing it if that takes longer than
// stopTimeout; safe to call twice.
func (s *copyServer) stop() error {
	var err error
	s.once.Do(func() {
		select {
		case r := <-s.done:
			s.result = r
			s.cancel()
			return
		default:
		}
		bin, _ := pgBin(s.j.st.PGBin)
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		r := s.j.exec.Run(ctx, Cmd{Argv: []string{filepath.Join(bin, "pg_ctl"), "-D", s.dir, "-m", "fast", "-w",
			"-t", strconv.Itoa(int(stopTimeout / time.Second)), "stop"}, Env: []string{"PATH=/usr/bin:/bin"}})
		if r.Err != nil || r.ExitCode != 0 {
			err = fmt.Errorf("pg_ctl stop: exit %d: %v: %s", r.ExitCode, r.Err, lastLine(r.Log))
		}
		select {
		case s.result = <-s.done:
		case <-time.After(stopTimeout):
			s.cancel() // kills the process group
			s.result = <-s.done
			err = errors.Join(err, errors.New("postgres on the copy did not stop; killed"))
		}
		s.cancel()
	})
	return err
}

func (s *copyServer) finish(r Result) {
	s.once.Do(func() { s.result = r; s.cancel() })
}

func (s *copyServer) log() string { return s.result.Log }

// pgBin is the PostgreSQL binaries' directory: configured, else the
// newest /usr/lib/postgresql/*/bin with a postgres in it.
func pgBin(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(d string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d))); return n }
	sort.Slice(dirs, func(a, b int) bool { return major(dirs[a]) > major(dirs[b]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pg_bin: no /usr/lib/postgresql/*/bin/postgres; set the stanza's pg_bin")
}
