package servicetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PgBackRest is a pgBackRest stanza over a test's PostgreSQL: archiving
// on, a posix repository in a temporary directory (or the repository
// the options give), the stanza created.
type PgBackRest struct {
	Stanza string
	// Config is pgbackrest.conf's path; Repo the posix repository
	// (empty for another repo type); Dir a directory the postgres user
	// owns, for locks and logs.
	Config string
	Repo   string
	Dir    string
	PG     *Postgres
	env    []string
}

// PgBackRestOptions adjust StartPgBackRest.
type PgBackRestOptions struct {
	// Stanza defaults to "main".
	Stanza string
	// ArchiveTimeout is PostgreSQL's archive_timeout (default 10s), which
	// bounds how stale the newest archived WAL is on an idle database.
	ArchiveTimeout time.Duration
	// Repo replaces the posix repository: lines for pgbackrest.conf's
	// [global] section such as "repo1-type=s3" (written as given).
	Repo []string
	// Env is added to every pgbackrest call's environment (secrets of an
	// S3 repository: PGBACKREST_REPO1_S3_KEY=...).
	Env []string
}

// StartPgBackRest restarts pg with archiving into a new pgBackRest
// stanza and creates the stanza. pg's address changes.
func StartPgBackRest(tb testing.TB, pg *Postgres, o PgBackRestOptions) *PgBackRest {
	tb.Helper()
	LookPath(tb, "pgbackrest", "pgbackrest")
	if o.Stanza == "" {
		o.Stanza = "main"
	}
	if o.ArchiveTimeout == 0 {
		o.ArchiveTimeout = 10 * time.Second
	}
	b := &PgBackRest{Stanza: o.Stanza, Dir: serverDir(tb), PG: pg}
	b.Config = filepath.Join(b.Dir, "pgbackrest.conf")
	// A Unix socket path is limited to 107 bytes: a short directory.
	sock, err := os.MkdirTemp("/tmp", "wpg")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(sock) })
	chownToPostgres(tb, sock)
	global := o.Repo
	if len(global) == 0 {
		b.Repo = filepath.Join(b.Dir, "repo")
		if err := os.Mkdir(b.Repo, 0o750); err != nil {
			tb.Fatal(err)
		}
		chownToPostgres(tb, b.Repo)
		global = []string{"repo1-path=" + b.Repo}
	}
	pg.Stop(tb)
	pg.stopped = false
	pg.socketDir = sock
	pg.settings = append(pg.settings,
		"archive_mode=on",
		fmt.Sprintf(`archive_command='%s --config=%s --stanza=%s archive-push %%p'`, pgbackrestPath(tb), b.Config, b.Stanza),
		fmt.Sprintf("archive_timeout=%d", int(o.ArchiveTimeout.Seconds())),
		"wal_level=replica",
	)
	pg.start(tb)
	_, port, _ := strings.Cut(pg.Addr, ":")
	conf := "[global]\n" + strings.Join(global, "\n") + "\n" +
		"repo1-retention-full=100\n" +
		"start-fast=y\n" +
		"log-level-console=warn\nlog-level-stderr=warn\nlog-level-file=off\n" +
		"lock-path=" + filepath.Join(b.Dir, "lock") + "\n" +
		"archive-timeout=30\n" +
		"\n[" + b.Stanza + "]\n" +
		"pg1-path=" + pg.data() + "\n" +
		"pg1-port=" + port + "\n" +
		"pg1-socket-path=" + sock + "\n"
	pg.writeOwned(tb, b.Config, conf)
	if err := os.Chmod(b.Config, 0o640); err != nil {
		tb.Fatal(err)
	}
	b.env = o.Env
	b.Run(tb, "stanza-create")
	return b
}

// pgbackrestPath is pgbackrest's absolute path, for archive_command.
func pgbackrestPath(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("pgbackrest")
	if err != nil {
		tb.Fatalf("servicetest: pgbackrest not found: run `make test-deps` (apt-get install pgbackrest)")
	}
	return p
}

// Command is a pgbackrest command for this stanza, run as the postgres
// user (as root) with the options' environment.
func (b *PgBackRest) Command(ctx context.Context, args ...string) *exec.Cmd {
	argv := append([]string{"--config=" + b.Config, "--stanza=" + b.Stanza}, args...)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", "pgbackrest"}, argv...)...)
	} else {
		cmd = exec.CommandContext(ctx, "pgbackrest", argv...)
	}
	cmd.Env = append(os.Environ(), b.env...)
	return cmd
}

// Run runs pgbackrest with args and returns its output, failing the test
// on error. It gives up after three minutes (a broken repository makes
// pgBackRest retry for about two).
func (b *PgBackRest) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := b.Command(ctx, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("servicetest: pgbackrest %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Backup takes a backup of type typ (full, diff, incr).
func (b *PgBackRest) Backup(tb testing.TB, typ string) {
	tb.Helper()
	b.Run(tb, "--type="+typ, "backup")
}

// Info is `pgbackrest info --output=json` for the stanza.
func (b *PgBackRest) Info(tb testing.TB) []byte {
	tb.Helper()
	return []byte(b.Run(tb, "--output=json", "info"))
}

// SocketDir is the server's Unix socket directory.
func (b *PgBackRest) SocketDir() string { return b.PG.socketDir }
