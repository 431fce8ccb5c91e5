package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstRunWithoutTerminal: when stderr is not a terminal (systemd,
// docker logs), the setup URL with its token goes to a 0600 file in a
// 0700 data directory, and the log says where, without the token.
func TestFirstRunWithoutTerminal(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := filepath.Join(dir, "ward.yaml")
	cfg := fastGlobal + "rules: {builtin: false}\nscrape_configs: []\n" +
		"storage:\n  path: " + data + "\nserver:\n  listen: 127.0.0.1:0\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	a, err := New(Options{ConfigFile: cfgFile, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	file := filepath.Join(data, setupURLFile)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no setup URL file: %v\nlog:\n%s", err, logs.String())
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("setup URL file mode %#o, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u := strings.TrimSpace(string(b))
	_, token, ok := strings.Cut(u, "/setup?token=")
	if !ok || len(token) < 20 {
		t.Fatalf("setup URL file holds %q", u)
	}
	if l := logs.String(); strings.Contains(l, token) || !strings.Contains(l, file) {
		t.Errorf("the log must name the file and never hold the token:\n%s", l)
	}
	for _, d := range []string{data, filepath.Join(data, "tsdb")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %#o, want 0700", d, fi.Mode().Perm())
		}
	}
}
