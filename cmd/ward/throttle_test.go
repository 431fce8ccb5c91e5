package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/app"
)

// TestClearThrottleCommand runs `ward user clear-throttle` against a real
// ward: alice, throttled by failed sign-ins, can sign in from a new
// device at once afterwards.
func TestClearThrottleCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "storage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n  trusted_proxies: [127.0.0.1]\nrules: {builtin: false}\nscrape_configs: []\n", filepath.Join(dir, "data")), 0o600); err != nil {
		t.Fatal(err)
	}
	const pw = "correct horse battery staple\n"
	if code, _, errOut := runUser(t, pw, "add", "alice", "--role", "viewer", "--config", cfg); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	code, out, errOut := runToken(t, "create", "--name", "ops", "--role", "admin", "--config", cfg)
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	token := strings.TrimSpace(out)

	a, err := app.New(app.Options{ConfigFile: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + a.Addr()

	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Behind a (simulated) proxy: the guesser and alice have addresses
	// of their own.
	login := func(password, agent, ip string) int {
		form := url.Values{"username": {"alice"}, "password": {password}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", agent)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 6 {
		login("not her password", "guesser", fmt.Sprintf("203.0.113.%d", i))
	}
	if got := login(strings.TrimSpace(pw), "alice's new laptop", "198.51.100.7"); got != http.StatusTooManyRequests {
		t.Fatalf("alice from a new device before clearing: %d, want 429", got)
	}

	t.Setenv("WARD_TOKEN", "")
	if code, _, _ := runUser(t, "", "clear-throttle", "alice", "--url", base); code != 2 {
		t.Errorf("without WARD_TOKEN: exit %d, want 2", code)
	}
	t.Setenv("WARD_TOKEN", token)
	if code, out, errOut := runUser(t, "", "clear-throttle", "alice", "--url", base); code != 0 || !strings.Contains(out, "forgotten") {
		t.Fatalf("clear-throttle: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runUser(t, "", "clear-throttle", "nobody", "--url", base); code != 1 || !strings.Contains(errOut, "no such user") {
		t.Errorf("unknown user: %d %q", code, errOut)
	}
	if got := login(strings.TrimSpace(pw), "alice's new laptop", "198.51.100.7"); got != http.StatusSeeOther {
		t.Fatalf("alice after clearing: %d, want a sign-in (303)", got)
	}
}
