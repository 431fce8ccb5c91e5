package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors/ingest"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

const ingestKey = "0123456789abcdef0123456789abcdef"

// countingAcceptor counts the events it is given.
type countingAcceptor struct{ events atomic.Int64 }

func (c *countingAcceptor) Accept(_ context.Context, _ string, events []json.RawMessage, _ time.Time) error {
	c.events.Add(int64(len(events)))
	return nil
}

// testIngest is an ingest handler without projects, as the app serves
// one while the config names none.
func testIngest(tb testing.TB) http.Handler {
	tb.Helper()
	h, err := ingest.New(ingest.Options{Accept: &countingAcceptor{}})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func startIngestServer(t *testing.T) (*Server, string, *countingAcceptor) {
	t.Helper()
	acc := &countingAcceptor{}
	h, err := ingest.New(ingest.Options{Accept: acc})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultErrors()
	cfg.Projects = []config.ErrorProject{{ID: "1", Name: "shop", Keys: []string{ingestKey}}}
	h.Apply(cfg)
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) { d.ErrorIngest = h })
	return s, base, acc
}

// TestErrorIngestRoutes: with error tracking, the ingest routes are
// public API routes of their own limit class and body bound, the
// handler's answers reach the client, and the routes beside them under
// /api/ keep their guard.
func TestErrorIngestRoutes(t *testing.T) {
	s, base, acc := startIngestServer(t)
	found := 0
	for _, e := range s.routes() {
		if !strings.Contains(e.pattern, "{project_id}") {
			continue
		}
		found++
		maxBody, timeout := defaultRequestLimits(e)
		if e.access != public || !publicRoutes[e.pattern] || e.kind != kindAPI || defaultLimitClass(e) != errorIngest ||
			maxBody != maxIngestBody || maxBody <= 2<<20 || timeout != ingestTimeout {
			t.Errorf("%s: access %v, kind %v, limit %v, body %d, timeout %v", e.pattern, e.access, e.kind, defaultLimitClass(e), maxBody, timeout)
		}
	}
	if found != 2 {
		t.Fatalf("%d ingest routes, want 2", found)
	}
	auth := []string{"X-Sentry-Auth", "Sentry sentry_version=7, sentry_key=" + ingestKey}
	event := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","message":"boom"}`
	req, err := http.NewRequest("POST", base+"/api/1/store/", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(auth[0], auth[1])
	resp, body := send(t, req)
	if resp.StatusCode != 200 || body != `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}`+"\n" || acc.events.Load() != 1 {
		t.Fatalf("store: %d %q, %d events", resp.StatusCode, body, acc.events.Load())
	}
	// A body over the route's bound: 413 before the handler reads it.
	req, _ = http.NewRequest("POST", base+"/api/1/store/", strings.NewReader(strings.Repeat(" ", maxIngestBody+1)))
	req.Header.Set(auth[0], auth[1])
	if resp, _ := send(t, req); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", resp.StatusCode)
	}
	if resp, body := doAs(t, "POST", base+"/api/1/store/", "", nil); resp.StatusCode != 401 || !strings.Contains(body, "missing sentry_key") {
		t.Errorf("without a key: %d %q", resp.StatusCode, body)
	}
	if resp, _ := doAs(t, "GET", base+"/api/1/store/", "", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	// Alertmanager's API beside it still wants credentials.
	if resp, _ := doAs(t, "POST", base+"/api/v2/alerts", "", nil); resp.StatusCode != 401 {
		t.Errorf("POST /api/v2/alerts without credentials: %d", resp.StatusCode)
	}
	if resp, _ := doAs(t, "GET", base+"/api/backups/status/", "", nil); resp.StatusCode != 401 {
		t.Errorf("GET /api/backups/status/ without credentials: %d", resp.StatusCode)
	}
}

// TestErrorIngestNotAnonymousLimited: one address sends more than the
// anonymous class allows (600 a minute): all are answered by the
// project's limit (burst 1,000), none by the per-address one.
func TestErrorIngestNotAnonymousLimited(t *testing.T) {
	_, base, acc := startIngestServer(t)
	n := config.DefaultLimits().Rates().Classes[anonymous.String()].Quota + 50
	for i := range n {
		resp, body := doAs(t, "POST", base+"/api/1/store/?sentry_key="+ingestKey, "", nil)
		if resp.StatusCode != 400 { // an empty body: the handler's answer
			t.Fatalf("request %d of %d: %d %q", i+1, n, resp.StatusCode, body)
		}
	}
	if acc.events.Load() != 0 {
		t.Errorf("accepted %d", acc.events.Load())
	}
}

// TestErrorIngestUnmounted: without error tracking the routes are 404.
func TestErrorIngestUnmounted(t *testing.T) {
	_, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) { d.ErrorIngest = nil })
	for _, p := range []string{"/api/1/envelope/", "/api/1/store/"} {
		if resp, _ := doAs(t, "POST", base+p, "", nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}
