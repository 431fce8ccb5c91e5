package backups

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// drillEnvT is a drills under test: runs saved in memory, every saved
// version kept (to see the progress steps), production reached through
// the test's PostgreSQL.
type drillEnvT struct {
	d       *drills
	reg     *prometheus.Registry
	dataDir string
	mu      sync.Mutex
	saves   []Run
	onSave  func(Run)
}

func newDrillEnv(tb testing.TB, prodDSN, prodPassword string) *drillEnvT {
	tb.Helper()
	e := &drillEnvT{reg: prometheus.NewRegistry(), dataDir: shortDir(tb)}
	var n int
	e.d = newDrills(drillDeps{
		DataDir: e.dataDir,
		Save: func(r Run) error {
			e.mu.Lock()
			e.saves = append(e.saves, cloneRun(r))
			hook := e.onSave
			e.mu.Unlock()
			if hook != nil {
				hook(r)
			}
			return nil
		},
		NewID: func(t time.Time) string {
			e.mu.Lock()
			defer e.mu.Unlock()
			n++
			return fmt.Sprintf("%016x-%08x", t.UnixNano(), n)
		},
		Production: func(ctx context.Context, check, db string) (*pgx.Conn, error) {
			if check != "prod" {
				return nil, fmt.Errorf("no check %q", check)
			}
			cc, err := pgx.ParseConfig(prodDSN)
			if err != nil {
				return nil, err
			}
			cc.Password = prodPassword
			if db != "" {
				cc.Database = db
			}
			return pgx.ConnectConfig(ctx, cc)
		},
		Registerer: e.reg,
	})
	tb.Cleanup(e.d.close)
	return e
}

func cloneRun(r Run) Run {
	if r.Drill != nil {
		d := *r.Drill
		d.Assertions = append([]Assertion(nil), d.Assertions...)
		r.Drill = &d
	}
	return r
}

// wait returns the run id's final version.
func (e *drillEnvT) wait(tb testing.TB, id string) Run {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		if r, ok := e.last(id); ok && r.State != StateRunning {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("drill %s still running after 10 minutes", id)
	return Run{}
}

func (e *drillEnvT) last(id string) (Run, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.saves) - 1; i >= 0; i-- {
		if e.saves[i].ID == id {
			return e.saves[i], true
		}
	}
	return Run{}, false
}

func (e *drillEnvT) progress(id string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, r := range e.saves {
		if r.ID == id && (len(out) == 0 || out[len(out)-1] != r.Progress) {
			out = append(out, r.Progress)
		}
	}
	return out
}

// runAs is the user drills run postgres as: postgres when the test runs
// as root (postgres refuses root), else the test's own user.
func runAs() string {
	if os.Geteuid() == 0 {
		return "postgres"
	}
	return ""
}

// shortDir is a directory with a short path (the drill's socket must fit
// 107 bytes), traversable by the postgres user.
func shortDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("/tmp", "wd")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// stanzaCfg is the test stanza's policy with the given assertions.
func stanzaCfg(b *servicetest.PgBackRest, a config.BackupDrillAssertions) config.Backups {
	return config.Backups{RunAs: runAs(), Stanzas: []config.BackupStanza{{
		Name: b.Stanza, Config: b.Config, Check: "prod",
		Drill: config.BackupDrill{Assertions: a},
	}}}
}

// tcpListeners returns the inodes of the TCP sockets listening on this
// host (IPv4 and IPv6).
func tcpListeners(tb testing.TB) map[string]bool {
	tb.Helper()
	out := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) > 9 && fs[3] == "0A" { // TCP_LISTEN
				out[fs[9]] = true
			}
		}
		fh.Close()
	}
	return out
}

// processesIn returns the pids whose command line names dir (the
// drill's postmaster is started with -D dir; its children inherit).
func processesIn(tb testing.TB, dir string) []int {
	tb.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// socketInodes returns the socket inodes pid holds open.
func socketInodes(pid int) []string {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	var out []string
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]"))
		}
	}
	return out
}
