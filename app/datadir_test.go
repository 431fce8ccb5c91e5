package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/storage"
)

// TestSecondWardOnSameDataDir: a second ward on a data directory in use
// stops before touching it, saying who holds it, where it used to log the
// TSDB's "lockfile ... was replaced" and fail with a lock error. Once the
// first ward stops, the directory is free again.
func TestSecondWardOnSameDataDir(t *testing.T) {
	dir := t.TempDir()
	first := startWardIn(t, dir, "")
	second := filepath.Join(t.TempDir(), "ward.yaml")
	doc := fmt.Sprintf("storage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(dir, "data"))
	if err := os.WriteFile(second, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	_, err := New(Options{ConfigFile: second, Logger: logger})
	if err == nil {
		t.Fatal("a second ward started on a data directory in use")
	}
	want := fmt.Sprintf("data directory in use by another ward (pid %d)", os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	for _, bad := range []string{"lockfile", "was replaced", "resource temporarily unavailable"} {
		if strings.Contains(err.Error(), bad) || strings.Contains(logs.String(), bad) {
			t.Errorf("output mentions %q:\nerr: %v\nlog: %s", bad, err, logs)
		}
	}
	first.stop()
	a, err := New(Options{ConfigFile: second, Logger: logger})
	if err != nil {
		t.Fatalf("after the first ward stopped: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: Run closes everything New opened
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := storage.LockDataDir(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	l.Release()
}
