package main

import (
	"strings"
	"testing"
)

func runToken(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut strings.Builder
	code = tokenCmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTokenCommands(t *testing.T) {
	cfg, _ := wardConfig(t)
	code, out, errOut := runToken(t, "create", "--name", "grafana", "--role", "viewer", "--config", cfg)
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "ward_") || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runToken(t, "create", "--name", "grafana", "--role", "admin", "--config", cfg); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate: %d %q", code, errOut)
	}
	if code, _, errOut := runToken(t, "create", "--name", "x", "--role", "root", "--config", cfg); code != 1 || !strings.Contains(errOut, "invalid role") {
		t.Errorf("bad role: %d %q", code, errOut)
	}
	code, out, _ = runToken(t, "list", "--config", cfg)
	if code != 0 || !strings.Contains(out, "grafana") || !strings.Contains(out, "viewer") || strings.Contains(out, token) {
		t.Errorf("list: %d %q", code, out)
	}
	if code, out, _ := runToken(t, "revoke", "grafana", "--config", cfg); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %d %q", code, out)
	}
	if code, _, errOut := runToken(t, "revoke", "grafana", "--config", cfg); code != 1 || !strings.Contains(errOut, "no such API token") {
		t.Errorf("second revoke: %d %q", code, errOut)
	}
	if code, _, _ := runToken(t, "create", "--name", "x"); code != 2 {
		t.Errorf("missing --role: exit %d, want 2", code)
	}
}
