package querylimit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPerUser: a user's requests beyond the limit wait for one of their
// own, then are refused 429 with Retry-After in Prometheus' envelope;
// another user is not held up; requests without a user pass; nothing is
// left behind.
func TestPerUser(t *testing.T) {
	release := make(chan struct{})
	started := make(chan string, 8)
	h := NewPerUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- r.Header.Get("User")
		<-release
	}), 1, 500*time.Millisecond, func(r *http.Request) string { return r.Header.Get("User") })
	serve := func(user string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/query_range", nil)
		req.Header.Set("User", user)
		h.ServeHTTP(rec, req)
		return rec
	}

	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- serve("ada") }()
	if u := <-started; u != "ada" {
		t.Fatalf("started %q", u)
	}

	// Ada's second request waits 500 ms, then is refused.
	begin := time.Now()
	rec := serve("ada")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("second request: %d Retry-After %q, want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	if waited := time.Since(begin); waited < 500*time.Millisecond {
		t.Errorf("refused after %s, want after the 500 ms wait", waited)
	}
	var env struct{ Status, ErrorType, Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Status != "error" || !strings.Contains(env.Error, "query.max_per_user") {
		t.Errorf("body %q (%v), want Prometheus' error envelope naming query.max_per_user", rec.Body, err)
	}

	// Bob and an anonymous caller are not held up by Ada.
	bob := make(chan *httptest.ResponseRecorder)
	go func() { bob <- serve("bob") }()
	if u := <-started; u != "bob" {
		t.Fatalf("started %q, want bob", u)
	}
	anon := make(chan *httptest.ResponseRecorder)
	go func() { anon <- serve("") }()
	if u := <-started; u != "" {
		t.Fatalf("started %q, want the anonymous request", u)
	}

	// A waiting request gets the slot when Ada's first finishes.
	third := make(chan *httptest.ResponseRecorder)
	go func() {
		r := httptest.NewRequest("GET", "/", nil).WithContext(context.Background())
		r.Header.Set("User", "ada")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		third <- rec
	}()
	time.Sleep(20 * time.Millisecond)
	release <- struct{}{} // ada's first
	if rec := <-first; rec.Code != http.StatusOK {
		t.Errorf("first: %d", rec.Code)
	}
	if u := <-started; u != "ada" {
		t.Errorf("started %q, want ada's third", u)
	}
	close(release)
	for _, c := range []chan *httptest.ResponseRecorder{third, bob, anon} {
		if rec := <-c; rec.Code != http.StatusOK {
			t.Errorf("answer %d", rec.Code)
		}
	}
	if n := h.Users(); n != 0 {
		t.Errorf("%d users still tracked", n)
	}
}
