package collector

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/tsdb"
)

// newCollector builds a Collector over a real TSDB in a temporary
// directory.
func newCollector(tb testing.TB) *Collector {
	tb.Helper()
	db, err := tsdb.Open(tb.TempDir(), nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	c, err := New(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), db)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// runAsync starts c.Run and returns the channel its result arrives on.
func runAsync(ctx context.Context, c *Collector) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return done
}

func wait(tb testing.TB, done <-chan error) error {
	tb.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		tb.Fatal("Run did not return")
		return nil
	}
}

func TestRunReturnsNilWhenStopped(t *testing.T) {
	c := newCollector(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, c)
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatalf("Run = %v after its context ended, want nil", err)
	}
}

// TestRunFailsWhenAManagerStops: a discovery manager that stops on its
// own leaves ward scraping nothing; Run must say so with an error (ward
// then exits non-zero and systemd's Restart=on-failure restarts it), not
// return nil as on shutdown.
func TestRunFailsWhenAManagerStops(t *testing.T) {
	c := newCollector(t)
	done := runAsync(context.Background(), c)
	// The discovery manager runs under the collector's own context;
	// ending it stops the manager while Run's context is still live.
	c.cancel()
	err := wait(t, done)
	if err == nil || !strings.Contains(err.Error(), "discovery manager stopped unexpectedly") || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want the discovery manager's unexpected stop", err)
	}
}

func TestUnexpectedStopWithoutError(t *testing.T) {
	if got := unexpectedStop("scrape manager", nil); got == nil || got.Error() != "scrape manager stopped unexpectedly" {
		t.Fatalf("unexpectedStop(nil) = %v", got)
	}
}
