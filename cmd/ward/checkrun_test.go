package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestCheckRun(t *testing.T) {
	const (
		webPassword = "cli-http-pw-61b2"
		wrongRedis  = "cli-wrong-redis-pw-9d0e"
	)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, _ := r.BasicAuth(); p != webPassword {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer web.Close()
	rd := servicetest.StartRedis(t, servicetest.RedisOptions{Password: "cli-redis-pw-3a7c"})
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfg := write("ward.yaml", fmt.Sprintf(`
checks:
  - {name: web, kind: http, url: %q, username: ward, password_file: %q, critical: true}
  - {name: cache, kind: redis, address: %q, password_file: %q}
  - {name: port, kind: tcp, address: %q}
`, web.URL, write("web.pw", webPassword), rd.Addr, write("redis.pw", wrongRedis), servicetest.FreeAddr(t)))
	bad := write("bad.yaml", "checks:\n  - {name: x, kind: ftp}\n")

	tests := []struct {
		name         string
		args         []string
		code         int
		stdout       []string
		stderr       string
		stdoutAbsent string
	}{
		{name: "all", args: []string{"--config", cfg}, code: 1, stdout: []string{
			"NAME   KIND   STATUS  LATENCY  DETAILS",
			"web    http   up", "HTTP 200",
			"cache  redis  DOWN", "auth: PING: WRONGPASS",
			"port   tcp    DOWN", "network: connect:",
			"3 checks: 1 up, 2 down",
		}},
		{name: "selected and passing", args: []string{"--config", cfg, "web"}, code: 0,
			stdout: []string{"web", "1 check: 1 up, 0 down"}, stdoutAbsent: "cache"},
		{name: "unknown name", args: []string{"--config", cfg, "db"}, code: 2,
			stderr: `no check named "db" (configured: [web cache port])`},
		{name: "no checks configured", args: nil, code: 1, stderr: "no checks configured in <embedded default>"},
		{name: "invalid config", args: []string{"--config", bad}, code: 1, stderr: `checks[0].kind: "ftp": want one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(append([]string{"check", "run"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q", want)
				}
			}
			if tt.stdoutAbsent != "" && strings.Contains(stdout.String(), tt.stdoutAbsent) {
				t.Errorf("stdout shows %q", tt.stdoutAbsent)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q", tt.stderr)
			}
			for _, secret := range []string{webPassword, wrongRedis, "cli-redis-pw-3a7c"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("output shows secret %q", secret)
				}
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
		})
	}
}
