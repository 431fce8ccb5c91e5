package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// serveEnv makes the test binary act as `ward serve --config $serveEnv`,
// so crash tests can kill -9 a real ward process without building one.
const serveEnv = "WARD_TEST_SERVE_CONFIG"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(serveEnv); cfg != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if err := Run(ctx, Options{ConfigFile: cfg, Logger: logger}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if cfg := os.Getenv(rotateEnv); cfg != "" {
		os.Exit(rotateChild(cfg))
	}
	os.Exit(m.Run())
}
