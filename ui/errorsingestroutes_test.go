package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
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
	// A body over the route's bound: 413 in Sentry's format, declared
	// (before it is read) or chunked (while it is read).
	for _, declared := range []bool{true, false} {
		var r io.Reader = strings.NewReader(strings.Repeat(" ", maxIngestBody+1))
		if !declared {
			r = io.MultiReader(r) // no length: chunked
		}
		req, _ = http.NewRequest("POST", base+"/api/1/store/", r)
		req.Header.Set(auth[0], auth[1])
		resp, body := send(t, req)
		var detail struct{ Detail string }
		if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal([]byte(body), &detail) != nil || !strings.Contains(detail.Detail, "exceeds") {
			t.Errorf("oversized body (declared %v): %d %q", declared, resp.StatusCode, body)
		}
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

// TestErrorIngestUnreadBody (issue 16 fix round, attack #1): the server
// does not read an ingest body before the handler checks the project
// and key: a request for no project whose body is withheld is answered
// at once.
func TestErrorIngestUnreadBody(t *testing.T) {
	_, base, _ := startIngestServer(t)
	for _, path := range []string{"/api/999/envelope/", "/api/999/store/"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n{}\n", path, strings.TrimPrefix(base, "http://"), maxIngestBody)
		// A safety net against a hang, not a timing claim.
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: no answer while the body is withheld: %v", path, err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, resp.StatusCode)
		}
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
