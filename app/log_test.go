package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// testLogger logs to a file in the test's temp dir and prints it if the
// test failed, so passing runs stay quiet and late log lines from
// stopping goroutines cannot race the test's end.
func testLogger(tb testing.TB) *slog.Logger {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ward.log")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		f.Close()
		if tb.Failed() {
			if b, err := os.ReadFile(path); err == nil {
				tb.Logf("ward log:\n%s", b)
			}
		}
	})
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
