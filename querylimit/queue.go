package querylimit

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/prometheus/promql"
)

// Queue is the engine's promql.QueryTracker: it wraps Prometheus'
// ActiveQueryTracker, which holds a slot per running query (and records
// the queries in a file, so that after a crash the next start logs what
// was running), and bounds how long a query waits for a slot. The engine
// asks for a slot while it builds a query and again while it evaluates
// it.
type Queue struct {
	tracker promql.QueryTracker
	wait    time.Duration
}

var _ promql.QueryTracker = (*Queue)(nil)

// NewQueue bounds the wait for one of tracker's slots to wait.
func NewQueue(tracker promql.QueryTracker, wait time.Duration) *Queue {
	return &Queue{tracker: tracker, wait: wait}
}

// QueueFullError refuses a query that found every slot busy for the
// whole wait. It unwraps to promql.ErrQueryTimeout, which Prometheus' API
// answers 503 with errorType "timeout"; RetryAfter adds the header.
type QueueFullError struct {
	Slots  int
	Waited time.Duration
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("too many concurrent queries: all %d query slots stayed busy for %s (query.max_concurrency, query.max_queue_wait); retry later", e.Slots, e.Waited)
}

func (e *QueueFullError) Unwrap() error { return promql.ErrQueryTimeout("query queue") }

// GetMaxConcurrent is the number of slots.
func (q *Queue) GetMaxConcurrent() int { return q.tracker.GetMaxConcurrent() }

// Insert takes a slot for query, waiting at most the queue's wait. When
// the wait runs out first it returns a *QueueFullError and marks the
// request for a Retry-After header; when ctx ends first (the client went
// away, or the query's own timeout), ctx's error.
func (q *Queue) Insert(ctx context.Context, query string) (int, error) {
	wctx, cancel := context.WithTimeout(ctx, q.wait)
	defer cancel()
	i, err := q.tracker.Insert(wctx, query)
	if err == nil || ctx.Err() != nil {
		return i, err
	}
	if m, ok := ctx.Value(retryKey{}).(*atomic.Int64); ok {
		m.Store(q.retryAfter())
	}
	return 0, &QueueFullError{Slots: q.tracker.GetMaxConcurrent(), Waited: q.wait}
}

// Delete frees the slot Insert returned.
func (q *Queue) Delete(i int) { q.tracker.Delete(i) }

// Close closes the tracker and its file.
func (q *Queue) Close() error { return q.tracker.Close() }

// retryAfter is the Retry-After a refused query is sent, in whole
// seconds: the queue's wait, at least one second.
func (q *Queue) retryAfter() int64 {
	return max(1, int64(math.Ceil(q.wait.Seconds())))
}

// retryKey holds, in a request's context, the Retry-After (seconds) a
// Queue refusal asks for.
type retryKey struct{}

// RetryAfter adds a Retry-After header to the 503 answer of a request
// whose query the Queue refused; other answers pass unchanged.
func RetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := new(atomic.Int64)
		next.ServeHTTP(&retryWriter{ResponseWriter: w, seconds: m}, r.WithContext(context.WithValue(r.Context(), retryKey{}, m)))
	})
}

type retryWriter struct {
	http.ResponseWriter
	seconds *atomic.Int64
}

func (w *retryWriter) WriteHeader(code int) {
	if s := w.seconds.Load(); s > 0 && code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *retryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
