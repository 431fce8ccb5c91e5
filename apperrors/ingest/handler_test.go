package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/apperrors/envelope"
	"github.com/ward-monitoring/ward/config"
)

const (
	key1  = "0123456789abcdef0123456789abcdef"
	key1b = "fedcba9876543210fedcba9876543210" // project 1's second key (rotation)
	key2  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	wrong = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// batch is one Accept call.
type batch struct {
	project string
	events  []string
}

// recorder is an Acceptor that records what it is given, or fails with
// err.
type recorder struct {
	mu      sync.Mutex
	batches []batch
	err     error
}

func (r *recorder) Accept(_ context.Context, projectID string, events []json.RawMessage, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	b := batch{project: projectID}
	for _, e := range events {
		b.events = append(b.events, string(e))
	}
	r.batches = append(r.batches, b)
	return nil
}

func (r *recorder) all() []batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]batch(nil), r.batches...)
}

func testConfig() config.Errors {
	e := config.DefaultErrors()
	e.Projects = []config.ErrorProject{
		{ID: "1", Name: "shop", Keys: []string{key1, key1b}},
		{ID: "2", Name: "api", Keys: []string{key2}, RateLimit: config.ErrorRateLimit{PerSecond: 1, Burst: 2}},
	}
	return e
}

type fixture struct {
	h   *Handler
	acc *recorder
	reg *prometheus.Registry
	now time.Time
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{acc: &recorder{}, reg: prometheus.NewRegistry(), now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	h, err := New(Options{Accept: f.acc, Registerer: f.reg, Now: func() time.Time { return f.now }})
	if err != nil {
		tb.Fatal(err)
	}
	h.Apply(testConfig())
	f.h = h
	return f
}

// post sends body to path with header pairs and returns the recorded
// answer.
func (f *fixture) post(path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.7:5555"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) count(project, outcome string) float64 {
	return testutil.ToFloat64(f.h.metrics.requests.WithLabelValues(project, outcome))
}

const testEvent = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","message":"boom"}`

func envelopeOf(dsn string, items ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":%q}`+"\n", dsn)
	for _, it := range items {
		b.WriteString(it)
		b.WriteString("\n")
	}
	return b.String()
}

func auth(key string) string {
	return "Sentry sentry_version=7, sentry_key=" + key + ", sentry_client=test/1"
}

func TestAuth(t *testing.T) {
	ev := "{\"type\":\"event\"}\n" + testEvent
	for _, tc := range []struct {
		name   string
		path   string
		body   string
		header []string
		status int
		detail string
	}{
		{"header", "/api/1/envelope/", envelopeOf("", ev), []string{"X-Sentry-Auth", auth(key1)}, 200, ""},
		{"query", "/api/1/envelope/?sentry_key=" + key1, envelopeOf("", ev), nil, 200, ""},
		{"dsn only", "/api/1/envelope/", envelopeOf("http://"+key1+"@ward.example/1", ev), nil, 200, ""},
		{"rotated key", "/api/1/store/", testEvent, []string{"X-Sentry-Auth", auth(key1b)}, 200, ""},
		{"all three agree", "/api/1/envelope/?sentry_key=" + key1, envelopeOf("http://"+key1+"@h/1", ev), []string{"X-Sentry-Auth", auth(key1)}, 200, ""},
		{"no key", "/api/1/envelope/", envelopeOf("", ev), nil, 401, "missing sentry_key"},
		{"store without key", "/api/1/store/", testEvent, nil, 401, "missing sentry_key"},
		{"wrong key", "/api/1/store/", testEvent, []string{"X-Sentry-Auth", auth(wrong)}, 403, "not valid for this project"},
		{"other project's key", "/api/1/store/", testEvent, []string{"X-Sentry-Auth", auth(key2)}, 403, "not valid for this project"},
		{"unknown project", "/api/9/store/", testEvent, []string{"X-Sentry-Auth", auth(key1)}, 403, "not valid for this project"},
		{"header and query differ", "/api/1/store/?sentry_key=" + key1b, testEvent, []string{"X-Sentry-Auth", auth(key1)}, 401, "differ"},
		{"dsn and header differ", "/api/1/envelope/", envelopeOf("http://"+key1b+"@h/1", ev), []string{"X-Sentry-Auth", auth(key1)}, 401, "dsn and X-Sentry-Auth name different keys"},
		{"dsn names another project", "/api/1/envelope/", envelopeOf("http://"+key1+"@h/2", ev), []string{"X-Sentry-Auth", auth(key1)}, 403, `names project \"2\", the path project \"1\"`},
		{"dsn without key", "/api/1/envelope/", envelopeOf("http://h/1", ev), nil, 401, "dsn is not"},
		{"bad auth header", "/api/1/store/", testEvent, []string{"X-Sentry-Auth", "Bearer " + key1}, 401, "X-Sentry-Auth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.post(tc.path, tc.body, tc.header...)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.detail) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, tc.status, tc.detail)
			}
			got := f.acc.all()
			if tc.status != 200 {
				if len(got) != 0 || f.count(map[string]string{"1": "shop", "9": ""}[strings.Split(tc.path, "/")[2]], outcomeUnauthorized) != 1 {
					t.Errorf("refused request: accepted %v", got)
				}
				// The same answer for a wrong key and a missing project.
				if tc.status == 403 && strings.Contains(tc.detail, "not valid") && rec.Body.String() != `{"detail":"the sentry_key is not valid for this project"}`+"\n" {
					t.Errorf("body %q leaks more than refusal", rec.Body)
				}
				return
			}
			if len(got) != 1 || got[0].project != "1" || len(got[0].events) != 1 || got[0].events[0] != testEvent {
				t.Errorf("accepted %v", got)
			}
			if rec.Body.String() != `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}`+"\n" {
				t.Errorf("answer %q", rec.Body)
			}
		})
	}
}

func gzipped(tb testing.TB, s string) string {
	tb.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// TestItems: events go to Accept in order; every other item is answered
// 200 and dropped, counted by a bounded type label.
func TestItems(t *testing.T) {
	f := newFixture(t)
	body := envelopeOf("",
		`{"type":"event"}`, `{"event_id":"a1","message":"one"}`,
		`{"type":"transaction"}`, `{"type":"transaction"}`,
		`{"type":"replay_recording","length":3}`, "abc",
		`{"type":"session"}`, `{"sid":"s"}`,
		`{"type":"made_up_type_42"}`, `{}`,
		`{"type":"event"}`, `{"event_id":"a2","message":"two"}`)
	rec := f.post("/api/1/envelope/", gzipped(t, body), "X-Sentry-Auth", auth(key1), "Content-Encoding", "gzip")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := f.acc.all()
	if len(got) != 1 || len(got[0].events) != 2 || !strings.Contains(got[0].events[1], `"two"`) {
		t.Fatalf("accepted %v", got)
	}
	for typ, want := range map[string]float64{"transaction": 1, "replay": 1, "session": 1, "other": 1, "made_up_type_42": 0} {
		if n := testutil.ToFloat64(f.h.metrics.dropped.WithLabelValues(typ)); n != want {
			t.Errorf("dropped %s = %v, want %v", typ, n, want)
		}
	}
	// Only non-events: 200, nothing accepted.
	rec = f.post("/api/1/envelope/", envelopeOf("", `{"type":"client_report"}`, `{}`), "X-Sentry-Auth", auth(key1))
	if rec.Code != 200 || len(f.acc.all()) != 1 {
		t.Errorf("client report: %d %s, batches %d", rec.Code, rec.Body, len(f.acc.all()))
	}
	if n := f.count("shop", outcomeAccepted); n != 2 {
		t.Errorf("accepted requests = %v", n)
	}
}

// TestRefusedBodies: the envelope package's refusals keep their status
// and reason, counted by outcome.
func TestRefusedBodies(t *testing.T) {
	f := newFixture(t)
	bomb := gzipped(t, "{}\n{\"type\":\"attachment\"}\n"+strings.Repeat("0", 64<<20))
	for _, tc := range []struct {
		name, path, body, encoding string
		status                     int
		outcome, detail            string
	}{
		{"bomb", "/api/1/envelope/", bomb, "gzip", 413, outcomeTooLarge, "exceeds 2097152 bytes decompressed"},
		{"brotli", "/api/1/store/", testEvent, "br", 415, outcomeBadRequest, `Content-Encoding \"br\" is not supported`},
		{"deep", "/api/1/store/", `{"a":` + strings.Repeat("[", 100), "", 400, outcomeBadRequest, "nested deeper than 32"},
		{"lying length", "/api/1/envelope/", "{}\n{\"type\":\"event\",\"length\":900}\n{}", "", 400, outcomeBadRequest, "item 1: length 900 exceeds the remaining 2 bytes"},
	} {
		rec := f.post(tc.path, tc.body, "X-Sentry-Auth", auth(key1), "Content-Encoding", tc.encoding)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.detail) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, rec.Code, rec.Body, tc.status, tc.detail)
		}
	}
	if f.count("shop", outcomeTooLarge) != 1 || f.count("shop", outcomeBadRequest) != 3 || len(f.acc.all()) != 0 {
		t.Errorf("too_large %v, bad_request %v, accepted %v", f.count("shop", outcomeTooLarge), f.count("shop", outcomeBadRequest), f.acc.all())
	}
}

// TestRateLimit: project 2 (1/s, burst 2) is refused its third event
// with Retry-After, the RateLimit fields and Sentry's own header; a
// second later it may send again. Project 1 is not affected.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	send := func(project, key string) *httptest.ResponseRecorder {
		return f.post("/api/"+project+"/store/", testEvent, "X-Sentry-Auth", auth(key))
	}
	for i := range 2 {
		if rec := send("2", key2); rec.Code != 200 || !strings.Contains(rec.Header().Get("RateLimit"), `"error_ingest";r=`) {
			t.Fatalf("event %d: %d %v", i+1, rec.Code, rec.Header())
		}
	}
	rec := send("2", key2)
	h := rec.Header()
	if rec.Code != 429 || h.Get("Retry-After") != "1" || h.Get("X-Sentry-Rate-Limits") != "1::organization" ||
		h.Get("RateLimit-Policy") != `"error_ingest";q=2;w=2` || h.Get("RateLimit") != `"error_ingest";r=0;t=1` {
		t.Fatalf("third event: %d %v %s", rec.Code, h, rec.Body)
	}
	if rec := send("1", key1); rec.Code != 200 {
		t.Errorf("project 1: %d", rec.Code)
	}
	f.now = f.now.Add(time.Second)
	if rec := send("2", key2); rec.Code != 200 {
		t.Errorf("a second later: %d", rec.Code)
	}
	if f.count("api", outcomeRateLimited) != 1 || f.count("api", outcomeAccepted) != 3 {
		t.Errorf("rate_limited %v accepted %v", f.count("api", outcomeRateLimited), f.count("api", outcomeAccepted))
	}
	// An envelope of 3 events costs 3 (at most the burst, 2): over
	// the 1 left.
	f.now = f.now.Add(time.Minute)
	if rec := send("2", key2); rec.Code != 200 {
		t.Fatalf("a minute later: %d", rec.Code)
	}
	three := envelopeOf("", `{"type":"event"}`, testEvent, `{"type":"event"}`, testEvent, `{"type":"event"}`, testEvent)
	if rec := f.post("/api/2/envelope/", three, "X-Sentry-Auth", auth(key2)); rec.Code != 429 {
		t.Errorf("3 events with 1 left: %d", rec.Code)
	}
}

// TestReload: keys and limits follow Apply; an unchanged limit keeps
// its bucket, so a reload gives no fresh burst.
func TestReload(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		f.post("/api/2/store/", testEvent, "X-Sentry-Auth", auth(key2))
	}
	cfg := testConfig()
	cfg.Projects[0].Keys = []string{key1b} // key1 rotated out
	f.h.Apply(cfg)
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1)); rec.Code != 403 {
		t.Errorf("rotated-out key: %d", rec.Code)
	}
	if rec := f.post("/api/2/store/", testEvent, "X-Sentry-Auth", auth(key2)); rec.Code != 429 {
		t.Errorf("after a reload with the same limit: %d, want 429", rec.Code)
	}
	cfg.Projects[1].RateLimit = config.ErrorRateLimit{PerSecond: 5, Burst: 10}
	f.h.Apply(cfg)
	if rec := f.post("/api/2/store/", testEvent, "X-Sentry-Auth", auth(key2)); rec.Code != 200 {
		t.Errorf("after raising the limit: %d", rec.Code)
	}
	f.h.Apply(config.DefaultErrors())
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1b)); rec.Code != 403 {
		t.Errorf("no projects: %d", rec.Code)
	}
}

// TestOverloaded: ErrOverloaded from Accept is a 429 with Retry-After.
func TestOverloaded(t *testing.T) {
	f := newFixture(t)
	f.acc.err = fmt.Errorf("queue: %w", apperrors.ErrOverloaded)
	rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1))
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "10" || rec.Header().Get("X-Sentry-Rate-Limits") != "10::organization" || f.count("shop", outcomeOverloaded) != 1 {
		t.Errorf("%d %v", rec.Code, rec.Header())
	}
	// A project removed by a reload between the key check and Accept.
	f.acc.err = fmt.Errorf("project: %w", apperrors.ErrNotFound)
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1)); rec.Code != 403 {
		t.Errorf("project gone: %d, want 403", rec.Code)
	}
	f.acc.err = fmt.Errorf("disk on fire")
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1)); rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") {
		t.Errorf("other error: %d %s", rec.Code, rec.Body)
	}
}

// TestFailedAuthLimit: an address sending wrong keys gets 429 after
// failedAuthPerMinute of them; a good key from it still passes.
func TestFailedAuthLimit(t *testing.T) {
	f := newFixture(t)
	for i := range failedAuthPerMinute {
		if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(wrong)); rec.Code != 403 {
			t.Fatalf("attempt %d: %d", i+1, rec.Code)
		}
	}
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(wrong)); rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("attempt %d: %d %v", failedAuthPerMinute+1, rec.Code, rec.Header())
	}
	if rec := f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1)); rec.Code != 200 {
		t.Errorf("good key: %d", rec.Code)
	}
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/1/envelope", "/api/1/other/", "/api/1/store/x"} {
		// 404, or the mux's redirect to the path with a slash.
		if rec := f.post(path, testEvent, "X-Sentry-Auth", auth(key1)); rec.Code != 404 && rec.Code != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	if len(f.acc.all()) != 0 {
		t.Errorf("accepted %v", f.acc.all())
	}
	req := httptest.NewRequest(http.MethodGet, "/api/1/store/", nil)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != 405 {
		t.Errorf("GET: %d", rec.Code)
	}
}

// failingBody fails every read, as a connection whose read deadline
// passed does.
type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

// TestSlowBodyIs408: a body that fails at the request's deadline is a
// slow client (408, which SDKs retry), one that fails before it a bad
// request.
func TestSlowBodyIs408(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline time.Time
		want     int
	}{
		{"at the deadline", time.Now().Add(-time.Second), http.StatusRequestTimeout},
		{"before it", time.Now().Add(time.Hour), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithDeadline(context.Background(), tc.deadline)
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/1/envelope/", failingBody{})
			_, err := readBody(httptest.NewRecorder(), r)
			var e *envelope.Error
			if !errors.As(err, &e) || e.Status != tc.want {
				t.Errorf("got %v, want status %d", err, tc.want)
			}
		})
	}
}
