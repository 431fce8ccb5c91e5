package servicetest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a PostgreSQL cluster started for a test with pg_ctl. Its
// superuser postgres has Password over TCP (scram-sha-256).
type Postgres struct {
	// Addr is its host:port on loopback.
	Addr     string
	Password string
	bin      string
	dir      string // owned by the server's user; holds data/ and the log
	stopped  bool
	// settings are extra `-c name=value` server settings, and socketDir
	// a Unix socket directory (short: under /tmp), for pgBackRest.
	settings  []string
	socketDir string
}

// StartPostgres initialises a cluster in a temporary directory and starts
// it on a free loopback port. As root, the server runs as user postgres
// (PostgreSQL refuses to run as root) via runuser.
func StartPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	p := &Postgres{bin: postgresBin(tb), dir: serverDir(tb), Password: "ward-pg-secret-81d3"}
	pwFile := filepath.Join(p.dir, "pwfile")
	p.writeOwned(tb, pwFile, p.Password+"\n")
	p.run(tb, "initdb", "-D", p.data(), "-U", "postgres", "--pwfile="+pwFile, "-E", "UTF8", "--locale=C",
		"--auth-host=scram-sha-256", "--auth-local=trust", "--no-sync", "--no-instructions")
	p.start(tb)
	return p
}

// DSN is a connection URL without the password.
func (p *Postgres) DSN() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", p.Addr)
}

// Connect opens a connection as postgres, for test setup.
func (p *Postgres) Connect(tb testing.TB) *pgx.Conn {
	tb.Helper()
	cc, err := pgx.ParseConfig(p.DSN())
	if err != nil {
		tb.Fatal(err)
	}
	cc.Password = p.Password
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		tb.Fatalf("servicetest: connect to postgres: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Stop shuts the server down; later connections are refused.
func (p *Postgres) Stop(tb testing.TB) {
	tb.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	p.run(tb, "pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop")
}

// StartReplica clones p with pg_basebackup and starts the clone as a
// streaming replica (hot standby) of p.
func (p *Postgres) StartReplica(tb testing.TB) *Postgres {
	tb.Helper()
	r := &Postgres{bin: p.bin, dir: serverDir(tb), Password: p.Password}
	host, port, _ := net.SplitHostPort(p.Addr)
	conninfo := fmt.Sprintf("host=%s port=%s user=postgres password=%s", host, port, p.Password)
	p.run(tb, "pg_basebackup", "-d", conninfo, "-D", r.data(), "-R", "-X", "stream", "--no-sync")
	r.start(tb)
	return r
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

// DataDir is the cluster's data directory.
func (p *Postgres) DataDir() string { return p.data() }

// BinDir is where the server's programs are.
func (p *Postgres) BinDir() string { return p.bin }

func (p *Postgres) start(tb testing.TB) {
	tb.Helper()
	p.Addr = FreeAddr(tb)
	host, port, _ := net.SplitHostPort(p.Addr)
	// No Unix socket: t.TempDir() paths can exceed its 107-byte limit.
	opts := fmt.Sprintf("-p %s -c listen_addresses=%s -c unix_socket_directories='%s' -c fsync=off", port, host, p.socketDir)
	for _, s := range p.settings {
		opts += " -c " + s
	}
	p.run(tb, "pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	tb.Cleanup(func() {
		if !p.stopped {
			p.stopped = true
			_ = p.command("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop").Run()
		}
	})
}

// run runs a PostgreSQL program as the server's user, failing the test
// with its output and the server log on error.
func (p *Postgres) run(tb testing.TB, prog string, args ...string) {
	tb.Helper()
	if out, err := p.command(prog, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		tb.Fatalf("servicetest: %s: %v\n%s\nserver log:\n%s", prog, err, out, log)
	}
}

func (p *Postgres) command(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, prog)
	if os.Geteuid() != 0 {
		return exec.Command(path, args...)
	}
	return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
}

func (p *Postgres) writeOwned(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	chownToPostgres(tb, path)
}

// postgresBin finds the newest installed server's binaries.
func postgresBin(tb testing.TB) string {
	tb.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) < pgMajor(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	tb.Fatal("servicetest: PostgreSQL server not found in /usr/lib/postgresql/*/bin: run `make test-deps` (apt-get install postgresql)")
	return ""
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// serverDir returns a temporary directory the server's user owns. As
// root that is user postgres, which must also be able to reach it: the
// test's temporary root is made traversable (not listable) for others.
func serverDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			tb.Fatal(err)
		}
		chownToPostgres(tb, dir)
	}
	return dir
}

func chownToPostgres(tb testing.TB, path string) {
	tb.Helper()
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		tb.Fatalf("servicetest: user postgres: %v: run `make test-deps` (apt-get install postgresql)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		tb.Fatal(err)
	}
}

// Blackhole listens on a free loopback port and accepts connections but
// never reads or writes: a server that hangs. It returns the address.
func Blackhole(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("servicetest: blackhole: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	tb.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// Exporter starts Debian's prometheus-postgres-exporter against p and
// returns its host:port. The password goes in the environment, not the
// command line.
func (p *Postgres) Exporter(tb testing.TB) string {
	tb.Helper()
	bin := LookPath(tb, "prometheus-postgres-exporter", "prometheus-postgres-exporter")
	addr := FreeAddr(tb)
	dsn := fmt.Sprintf("postgresql://postgres:%s@%s/postgres?sslmode=disable", url.QueryEscape(p.Password), p.Addr)
	StartEnv(tb, []string{"DATA_SOURCE_NAME=" + dsn}, "http://"+addr+"/metrics", bin,
		"--web.listen-address="+addr)
	return addr
}
