package app

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestQueryResultLimit: through ward's real API, an answer with more
// points than query.max_result_points is refused (422, naming the limit)
// while a smaller one of the same query passes.
func TestQueryResultLimit(t *testing.T) {
	in := startWard(t, fastGlobal+"query:\n  max_result_points: 40\n")
	c := viewerClient(t, in, 10*time.Second)
	now := time.Now().Unix()
	form := func(points int) url.Values {
		return url.Values{"query": {`vector(1)`}, "start": {strconv.FormatInt(now-int64(points-1), 10)}, "end": {strconv.FormatInt(now, 10)}, "step": {"1"}}
	}
	a, err := ask(context.Background(), c, in.base, http.MethodGet, "/api/v1/query_range", form(40))
	if err != nil || a.code != http.StatusOK {
		t.Fatalf("40 points: %d %+v %v", a.code, a.apiResponse, err)
	}
	a, err = ask(context.Background(), c, in.base, http.MethodGet, "/api/v1/query_range", form(41))
	if err != nil || a.code != http.StatusUnprocessableEntity || !strings.Contains(a.Error, "query.max_result_points") {
		t.Errorf("41 points: %d %+v %v, want 422 naming query.max_result_points", a.code, a.apiResponse, err)
	}
}

// TestQueryPerUser: through ward's real API, a viewer whose
// query.max_per_user requests are busy waits, then gets 429 with
// Retry-After, while another viewer's query is answered at once.
func TestQueryPerUser(t *testing.T) {
	in := startWard(t, fastGlobal+`
query:
  max_per_user: 1
  max_queue_wait: 300ms
  max_points_per_subquery: 100000
`)
	busy, other := viewerClient(t, in, 30*time.Second), viewerClient(t, in, 30*time.Second)
	const slow = `max_over_time(max_over_time(vector(1)[20s:1ms])[20s:1ms])`
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		_, _ = ask(ctx, busy, in.base, "GET", "/api/v1/query", url.Values{"query": {slow}})
	}()
	active := filepath.Join(in.dir, "data", "queries.active")
	servicetest.Eventually(t, 10*time.Second, "the slow query to run", func() bool {
		data, err := os.ReadFile(active)
		return err == nil && strings.Contains(string(data), slow)
	})

	a, err := ask(t.Context(), busy, in.base, "GET", "/api/v1/query", url.Values{"query": {"vector(1)"}})
	if err != nil || a.code != http.StatusTooManyRequests || a.retryAfter != "1" || !strings.Contains(a.Error, "query.max_per_user") {
		t.Errorf("same viewer: %d Retry-After %q %q %v, want 429 naming query.max_per_user", a.code, a.retryAfter, a.Error, err)
	}
	a, err = ask(t.Context(), other, in.base, "GET", "/api/v1/query", url.Values{"query": {"vector(1)"}})
	if err != nil || a.code != http.StatusOK {
		t.Errorf("another viewer: %d %q %v, want 200", a.code, a.Error, err)
	}
	select {
	case <-slowDone:
		t.Fatal("the slow query ended before the checks; make it slower")
	default:
	}
	cancel()
	<-slowDone
}
