package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// startWard runs a real ward on cfg until the returned stop is called.
func startWard(tb testing.TB, cfg string) (base string, stop func()) {
	tb.Helper()
	a, err := app.New(app.Options{ConfigFile: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("ward stopped with %v", err)
		}
	}
	tb.Cleanup(stop)
	return "http://" + a.Addr(), stop
}

func runningWardConfig(tb testing.TB) (cfg, dataDir string) {
	tb.Helper()
	dir := tb.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "storage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\nrules: {builtin: false}\nscrape_configs: []\n", dataDir), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cfg, dataDir
}

// TestCLIOnRunningWard: with ward running, user, token and audit
// commands go through its control socket (the database is locked, so
// they could not open it), are audited as cli:<OS user>, and after it
// stops the same commands open the database and see the same state.
func TestCLIOnRunningWard(t *testing.T) {
	cfg, dataDir := runningWardConfig(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	actor := "cli:" + me.Username
	base, stop := startWard(t, cfg)

	sock, err := os.Lstat(control.SocketPath(dataDir))
	if err != nil || sock.Mode().Type() != os.ModeSocket || sock.Mode().Perm() != 0o600 {
		t.Fatalf("control socket: %v %v, want a 0600 socket", sock, err)
	}
	if dir, err := os.Lstat(filepath.Dir(control.SocketPath(dataDir))); err != nil || dir.Mode().Perm() != 0o700 || !dir.IsDir() {
		t.Fatalf("control directory: %v %v, want 0700", dir, err)
	}
	if off, err := app.OpenOffline(cfg, slog.New(slog.DiscardHandler)); err == nil {
		off.Close()
		t.Fatal("the database opened while ward runs: the commands below would not prove the socket path")
	}

	const pw = "correct horse battery staple\n"
	for _, s := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{pw, []string{"add", "alice", "--role", "admin", "--config", cfg}, "added alice (admin)"},
		{pw, []string{"add", "vera", "--role", "viewer", "--config", cfg}, "added vera (viewer)"},
		{"", []string{"disable", "vera", "--config", cfg}, "vera is disabled"},
		{"", []string{"list", "--config", cfg}, "vera   viewer"},
		{"", []string{"clear-throttle", "alice", "--config", cfg}, "failed sign-in attempts against alice were forgotten (as " + actor + ")"},
	} {
		code, stdout, stderr := runUser(t, s.stdin, s.args...)
		if code != 0 || !strings.Contains(stdout, s.want) {
			t.Fatalf("ward user %s on a running ward: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(s.args, " "), code, stdout, stderr)
		}
	}
	code, stdout, stderr := runUser(t, "", "list", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "disabled") {
		t.Fatalf("list: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runUser(t, pw, "add", "vera", "--role", "viewer", "--config", cfg); code != 1 || !strings.Contains(stderr, "user already exists") {
		t.Errorf("duplicate add through the socket: exit %d, %q", code, stderr)
	}

	code, stdout, stderr = runToken(t, "create", "--name", "grafana", "--role", "viewer", "--scope", "metrics:read", "--expires", "30d", "--config", cfg)
	token := strings.TrimSpace(stdout)
	wantExp := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.DateOnly)
	if code != 0 || !strings.HasPrefix(token, "ward_") || !strings.Contains(stderr, "viewer, scopes metrics:read") || !strings.Contains(stderr, "expires "+wantExp) {
		t.Fatalf("token create: %d %q %q", code, stdout, stderr)
	}
	if got := apiStatus(t, base, token); got != http.StatusOK {
		t.Errorf("query with the new token: %d, want 200", got)
	}
	code, stdout, _ = runToken(t, "list", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "grafana") || !strings.Contains(stdout, "metrics:read") || !strings.Contains(stdout, wantExp) || strings.Contains(stdout, token) {
		t.Fatalf("token list: %d %q", code, stdout)
	}
	if code, stdout, stderr := runToken(t, "revoke", "grafana", "--config", cfg); code != 0 || !strings.Contains(stdout, "revoked") {
		t.Fatalf("token revoke: %d %q %q", code, stdout, stderr)
	}
	if got := apiStatus(t, base, token); got != http.StatusUnauthorized {
		t.Errorf("query with the revoked token: %d, want 401", got)
	}

	var out, errOut strings.Builder
	if code := auditCmd([]string{"verify", "--config", cfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("audit verify on a running ward: %d\n%s%s", code, out.String(), errOut.String())
	}

	stop()
	if _, err := os.Lstat(control.SocketPath(dataDir)); !os.IsNotExist(err) {
		t.Errorf("control socket left after stop: %v", err)
	}

	// Stopped: the same commands open the database.
	if code, stdout, stderr := runUser(t, pw, "add", "bob", "--role", "operator", "--config", cfg); code != 0 || !strings.Contains(stdout, "added bob (operator)") {
		t.Fatalf("add on a stopped ward: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runUser(t, "", "list", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "alice") || !strings.Contains(stdout, "bob") || !strings.Contains(stdout, "disabled") {
		t.Fatalf("list on a stopped ward: %d %q", code, stdout)
	}
	if code, stdout, _ := runToken(t, "list", "--config", cfg); code != 0 || strings.Contains(stdout, "grafana") {
		t.Fatalf("token list on a stopped ward: %d %q", code, stdout)
	}
	out.Reset()
	errOut.Reset()
	if code := auditCmd([]string{"verify", "--config", cfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("audit verify on a stopped ward: %d\n%s%s", code, out.String(), errOut.String())
	}

	// Both paths wrote their records as the OS user.
	st, err := storage.OpenState(filepath.Join(dataDir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.AuditQuery(audit.Query{Actor: actor}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Action+" "+r.Target)
	}
	for _, want := range []string{
		audit.ActionUserCreate + " alice", audit.ActionUserCreate + " vera", audit.ActionUserDisable + " vera",
		"user.throttle_clear alice", "token.create token:grafana", "token.revoke token:grafana",
		audit.ActionUserCreate + " bob",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no audit record %q by %s; records by %s: %q", want, actor, actor, got)
		}
	}
}

// apiStatus queries ward's Prometheus API with token.
func apiStatus(tb testing.TB, base, token string) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/query?query=up", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestClearThrottleWithoutWard: with no ward on the data directory and
// no --url, clear-throttle needs WARD_TOKEN for the HTTP fallback.
func TestClearThrottleWithoutWard(t *testing.T) {
	cfg, _ := wardConfig(t)
	t.Setenv("WARD_TOKEN", "")
	code, _, stderr := runUser(t, "", "clear-throttle", "alice", "--config", cfg)
	if code != 2 || !strings.Contains(stderr, "no ward answers on its control socket") || !strings.Contains(stderr, "WARD_TOKEN") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestTokenCreateFlags(t *testing.T) {
	cfg, _ := wardConfig(t)
	// Within any sane maximum expiry; noon UTC names the same day everywhere.
	later := time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.DateOnly)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--scope", "metrics:write"}, 2, `invalid scope "metrics:write"`},
		{[]string{"--expires", "2001-01-01"}, 2, "not in the future"},
		{[]string{"--expires", "soon"}, 2, `want a duration (90d, 12w, 1y) or a date (2027-03-01), got "soon"`},
		{[]string{"--expires", later + "T12:00:00Z", "--scope", "backups:ping", "--scope", "alerts:write"}, 0, "scopes backups:ping alerts:write) created, expires " + later},
	} {
		args := append([]string{"create", "--name", "backup", "--role", "operator", "--config", cfg}, c.args...)
		code, _, stderr := runToken(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("ward token %s: exit %d, stderr %q; want %d and %q", strings.Join(args, " "), code, stderr, c.code, c.want)
		}
	}
	code, stdout, _ := runToken(t, "list", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "backups:ping,alerts:write") || !strings.Contains(stdout, later+"T12:00:00Z") {
		t.Errorf("list: %d %q", code, stdout)
	}
}

func TestParseExpires(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"90d", now.Add(90 * 24 * time.Hour), true},
		{"12h", now.Add(12 * time.Hour), true},
		{"1y", now.Add(365 * 24 * time.Hour), true},
		{"2027-03-01T00:00:00Z", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"2027-03-01", time.Date(2027, 3, 1, 0, 0, 0, 0, time.Local), true},
		{"0s", time.Time{}, false},
		{"2026-12-04", time.Time{}, false},
		{"-5d", time.Time{}, false},
		{"", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
	} {
		got, err := parseExpires(c.in, now)
		if (err == nil) != c.ok || c.ok && !got.Equal(c.want) {
			t.Errorf("parseExpires(%q) = %v, %v; want %v (ok=%v)", c.in, got, err, c.want, c.ok)
		}
	}
}

// TestRunningWardRefusesUnsafeSocketDir: a ward whose control directory
// is a symlink runs without a socket, creates nothing through it, and the
// commands say the database is held by a ward that does not answer.
func TestRunningWardRefusesUnsafeSocketDir(t *testing.T) {
	cfg, dataDir := runningWardConfig(t)
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(dataDir, control.SocketDir)); err != nil {
		t.Fatal(err)
	}
	startWard(t, cfg)
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("ward created %v through the symlink", entries)
	}
	code, _, stderr := runUser(t, "", "list", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "does not answer on its control socket") || strings.Contains(stderr, "web UI") {
		t.Fatalf("list: exit %d, stderr %q", code, stderr)
	}
}
