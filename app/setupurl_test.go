package app

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
)

// TestSetupURLFileRemovedOnSetup: the setup URL file, which holds the
// one-time token, is deleted as soon as setup creates the first admin,
// not at the next start.
func TestSetupURLFileRemovedOnSetup(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := filepath.Join(dir, "ward.yaml")
	cfg := fastGlobal + "rules: {builtin: false}\nscrape_configs: []\n" +
		"storage:\n  path: " + data + "\nserver:\n  listen: 127.0.0.1:0\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{ConfigFile: cfgFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	file := filepath.Join(data, setupURLFile)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no setup URL file: %v", err)
	}
	_, token, ok := strings.Cut(strings.TrimSpace(string(b)), "/setup?token=")
	if !ok {
		t.Fatalf("setup URL file holds %q", b)
	}
	if err := a.auth.CompleteSetup(ctx, token, auth.NewUser{Name: "root", Password: "correct horse battery staple"}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("setup URL file after setup: %v, want it gone", err)
	}
	// The identity controls, checked at start with no user, are checked
	// again: the admin's missing 2FA shows at once, not "n/a" for an hour.
	deadline := time.Now().Add(20 * time.Second)
	for {
		items, err := a.compliance.Checklist(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var st compliance.Status
		for _, it := range items {
			if it.Control.ID == "admins-2fa" {
				st = it.Status
			}
		}
		if st == compliance.Fail {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("admins-2fa after setting up an admin without 2FA: %q, want fail", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
