package querylimit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
)

func newTestQueue(tb testing.TB, slots int, wait time.Duration) *Queue {
	tb.Helper()
	tracker, err := promql.NewActiveQueryTracker(tb.TempDir(), slots, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	q := NewQueue(tracker, wait)
	tb.Cleanup(func() { q.Close() })
	return q
}

func TestQueue(t *testing.T) {
	q := newTestQueue(t, 1, 50*time.Millisecond)
	held, err := q.Insert(t.Context(), "first")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("full: refused after the wait, request marked", func(t *testing.T) {
		h := RetryAfter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := q.Insert(r.Context(), "second")
			var full *QueueFullError
			if !errors.As(err, &full) || full.Slots != 1 {
				t.Errorf("err = %v, want a QueueFullError for 1 slot", err)
			}
			// Prometheus' API answers a promql.ErrQueryTimeout 503.
			var timeout promql.ErrQueryTimeout
			if !errors.As(err, &timeout) {
				t.Errorf("%v does not unwrap to promql.ErrQueryTimeout", err)
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/query", nil))
		if got := rec.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
	})

	t.Run("caller's context ends first: its error, no mark", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		slow := NewQueue(q.tracker, time.Hour)
		_, err := slow.Insert(ctx, "third")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the caller's deadline", err)
		}
		var full *QueueFullError
		if errors.As(err, &full) {
			t.Error("the caller's own deadline reported as a full queue")
		}
	})

	t.Run("other 503s get no Retry-After", func(t *testing.T) {
		h := RetryAfter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/query", nil))
		if got := rec.Header().Get("Retry-After"); got != "" {
			t.Errorf("Retry-After %q on a 503 the queue did not cause", got)
		}
	})

	q.Delete(held)
	t.Run("a freed slot is taken", func(t *testing.T) {
		i, err := q.Insert(t.Context(), "fourth")
		if err != nil {
			t.Fatal(err)
		}
		q.Delete(i)
	})
}
