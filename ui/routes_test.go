package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/storage"
)

// publicRoutes are the only routes anyone who reaches the listener may
// call. Adding a public route means adding it here, in review.
var publicRoutes = map[string]bool{
	"GET /-/healthy":  true,
	"HEAD /-/healthy": true,
	"GET /-/ready":    true,
	"HEAD /-/ready":   true,
	// /health/ shows statuses only, details when configured (checks tests).
	"GET /health/":  true,
	"HEAD /health/": true,
	// Signing in, first-run setup and password reset: each checks its
	// own token or pending session.
	"GET /login":                   true,
	"POST /login":                  true,
	"GET /login/2fa":               true,
	"POST /login/2fa":              true,
	"GET /setup":                   true,
	"POST /setup":                  true,
	"GET /reset-password":          true,
	"POST /reset-password":         true,
	"POST /reset-password/confirm": true,
	"GET /static/{file}":           true,
	// Backup pings (issue 12): the token in the path is the credential;
	// rate-limited (pingLimited).
	"GET /ping/{token}":           true,
	"POST /ping/{token}":          true,
	"HEAD /ping/{token}":          true,
	"GET /ping/{token}/{action}":  true,
	"POST /ping/{token}/{action}": true,
	"HEAD /ping/{token}/{action}": true,
	// Sentry ingest (issue 16, mounted when error tracking serves it):
	// the project's key is the credential; limited per project.
	"POST /api/{project_id}/envelope/{$}": true,
	"POST /api/{project_id}/store/{$}":    true,
}

// signInLimitedRoutes are the routes under the per-IP sign-in limit:
// every form that checks a password, code or token without a session.
var signInLimitedRoutes = map[string]bool{
	"POST /login":                  true,
	"POST /login/2fa":              true,
	"POST /setup":                  true,
	"POST /reset-password":         true,
	"POST /reset-password/confirm": true,
}

// syncBuffer is a log sink the server writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer builds a Server over the real state database, auth
// service, audit log and alert pipeline in a temp dir, wired as app.New
// wires them; Prometheus' API behind it is apiStub (promapi tests the real
// one). It serves on 127.0.0.1:0 until the test ends and returns the
// server with its base URL.
func startServer(tb testing.TB, logger *slog.Logger) (*Server, string) {
	return startServerWith(tb, logger, testAuthConfig())
}

// testAuthConfig requires 2FA of nobody, so that a password sign-in gives
// an active session; the browser test covers enrolment.
func testAuthConfig() auth.Config {
	c := auth.DefaultConfig()
	c.TwoFactor.RequiredRoles = nil
	c.Session.MaxPerUser = 5
	return c
}

// apiStub stands in for Prometheus' API: it answers every request 200 in
// the API's envelope, saying which route reached it.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]string{"reached": r.Method + " " + r.URL.Path}})
})

// healthStub stands in for the health report (checks tests it).
var healthStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"healthy"}`)
})

func startServerWith(tb testing.TB, logger *slog.Logger, authCfg auth.Config) (*Server, string) {
	tb.Helper()
	return startServerEdit(tb, logger, authCfg, nil)
}

// startServerEdit is startServerWith with edit applied to the Deps
// before the server starts (issue 11: the explorer's tests serve a real
// API).
func startServerEdit(tb testing.TB, logger *slog.Logger, authCfg auth.Config, edit func(*Deps, *storage.State)) (*Server, string) {
	tb.Helper()
	dir := tb.TempDir()
	reg := prometheus.NewRegistry()
	cfg, err := config.Default()
	if err != nil {
		tb.Fatal(err)
	}
	state, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	// Stop order, as in app.Run: the server, then the alert pipeline,
	// then the state database.
	stopServing, stopAlerting := func() {}, func() {}
	tb.Cleanup(func() {
		stopServing()
		stopAlerting()
		if err := state.Close(); err != nil {
			tb.Errorf("closing state: %v", err)
		}
	})

	key, err := auth.OpenKey(state, auth.KeySource{DataDir: dir}, nil, logger)
	if err != nil {
		tb.Fatal(err)
	}
	authSvc, err := auth.New(state, authCfg, auth.Options{Key: key, Logger: logger, Hasher: fastHasher})
	if err != nil {
		tb.Fatal(err)
	}
	auditLog, err := audit.NewLog(state, audit.DefaultRetention, nil, logger)
	if err != nil {
		tb.Fatal(err)
	}
	eventLog, err := events.NewLog(state, events.LogOptions{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	extURL := &url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}
	am, err := alerting.New(alerting.Options{
		Logger:      logger,
		Registerer:  reg,
		DataDir:     filepath.Join(dir, "alerting"),
		ExternalURL: extURL,
		Deliveries:  state,
	})
	if err != nil {
		ln.Close()
		tb.Fatal(err)
	}
	if err := am.ApplyConfig(cfg.Alerting); err != nil {
		ln.Close()
		tb.Fatal(err)
	}
	boards := testBoards(tb)
	deps := Deps{
		Logger:       logger,
		Gatherer:     reg,
		API:          apiStub,
		WriteTimeout: 3 * time.Minute,
		ExternalURL:  extURL,
		Ready:        func() bool { return true },
		Alerting:     am,
		Health:       healthStub,
		Auth:         authSvc,
		AuditLog:     auditLog,
		Audit:        state,
		Events:       eventLog,
		Boards:       func() []dashboard.Board { return boards }, // issue 11
		History:      state,                                      // issue 11
	}
	deps.ErrorIngest = testIngest(tb) // issue 16: as the app always has it
	if edit != nil {
		edit(&deps, state)
	}
	s := NewServer(ln, deps, func(context.Context) error { return nil })

	stopAlerting = runUntilStopped(tb, "alerting", am.Run)
	stopServing = runUntilStopped(tb, "server", s.Run)
	return s, "http://" + s.Addr().String()
}

// runUntilStopped runs each f in its own goroutine until the returned
// stop function cancels them; stop waits for all to return.
func runUntilStopped(tb testing.TB, name string, fs ...func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, len(fs))
	for _, f := range fs {
		wg.Go(func() { errs <- f(ctx) })
	}
	return func() {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				tb.Errorf("stopping %s: %v", name, err)
			}
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// assertSecurityHeaders checks the headers every response must carry.
func assertSecurityHeaders(tb testing.TB, h http.Header) {
	tb.Helper()
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		tb.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		tb.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'self'") || !strings.Contains(got, "frame-ancestors 'none'") ||
		!strings.Contains(got, "base-uri 'none'") || !strings.Contains(got, "form-action 'self'") {
		tb.Errorf("Content-Security-Policy = %q, want default-src, frame-ancestors, base-uri and form-action", got)
	}
}

// do sends one request and returns the response with its body read.
func do(tb testing.TB, method, url string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(body)
}

func TestSecurityHeadersAndTimeouts(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := apiToken(t, s, "admin-test", auth.RoleAdmin)

	t.Run("timeouts", func(t *testing.T) {
		for name, d := range map[string]time.Duration{
			"ReadHeaderTimeout": s.srv.ReadHeaderTimeout,
			"ReadTimeout":       s.srv.ReadTimeout,
			"WriteTimeout":      s.srv.WriteTimeout,
			"IdleTimeout":       s.srv.IdleTimeout,
		} {
			if d <= 0 {
				t.Errorf("http.Server.%s is %v, want it set", name, d)
			}
		}
		// The caller's bound (promapi's, past the query timeout) is
		// the server's.
		if s.srv.WriteTimeout != s.deps.WriteTimeout {
			t.Errorf("WriteTimeout %v, want the %v Deps asked for", s.srv.WriteTimeout, s.deps.WriteTimeout)
		}
		if s.srv.MaxHeaderBytes <= 0 {
			t.Errorf("MaxHeaderBytes is %d, want it bounded", s.srv.MaxHeaderBytes)
		}
	})

	for _, tc := range []struct {
		method, path string
		status       int
		allow        []string // methods the Allow header must list
	}{
		{"GET", "/-/healthy", http.StatusOK, nil},
		{"HEAD", "/-/ready", http.StatusOK, nil},
		{"GET", "/api/v1/status/buildinfo", http.StatusOK, nil},
		{"GET", "/no/such/path", http.StatusNotFound, nil},
		{"GET", "/api/v1/no_such_endpoint", http.StatusNotFound, nil},
		{"DELETE", "/api/v1/query", http.StatusMethodNotAllowed, []string{"GET", "POST"}},
		{"POST", "/-/healthy", http.StatusMethodNotAllowed, []string{"GET", "HEAD"}},
		{"GET", "/-/reload", http.StatusMethodNotAllowed, []string{"POST", "PUT"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, _ := doAs(t, tc.method, base+tc.path, admin, nil)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			assertSecurityHeaders(t, resp.Header)
			allow := resp.Header.Get("Allow")
			for _, m := range tc.allow {
				if !strings.Contains(allow, m) {
					t.Errorf("Allow = %q, want it to list %s", allow, m)
				}
			}
		})
	}
}

// pathParam matches a wildcard of a ServeMux pattern, such as {name}.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryRouteIsServed calls each route of the table with its own method
// and no parameters. The answer may be an error about the request (400,
// 422, or 404 for a named thing that does not exist), but never the
// router's own 404 or 405, which would mean the handler behind the route
// does not know the path (Prometheus' and Alertmanager's API routers
// answer those for paths they do not register), and never a 5xx.
func TestEveryRouteIsServed(t *testing.T) {
	var logs syncBuffer
	s, base := startServer(t, slog.New(slog.NewTextHandler(&logs, nil)))
	token := apiToken(t, s, "admin-test", auth.RoleAdmin)
	cookie := signIn(t, s, "alice", auth.RoleAdmin)
	prometheusAPI := map[string]bool{}
	for _, p := range PrometheusAPIRoutes() {
		prometheusAPI[p] = true
	}
	for _, r := range s.routes() {
		method, path, _ := strings.Cut(r.pattern, " ")
		path = pathParam.ReplaceAllString(strings.ReplaceAll(path, "{$}", ""), "x")
		if r.pattern == "POST /logout" {
			continue // would end the session the other routes use
		}
		t.Run(r.pattern, func(t *testing.T) {
			resp, body := doAs(t, method, base+path, token, cookie)
			switch {
			case resp.StatusCode == http.StatusMethodNotAllowed,
				resp.StatusCode == http.StatusNotFound && body == "404 page not found\n":
				t.Errorf("%s %s: not routed: %d %q", method, path, resp.StatusCode, body)
			case resp.StatusCode >= 500:
				t.Errorf("%s %s: %d %q", method, path, resp.StatusCode, body)
			}
			// Prometheus' API routes reach it with the request as sent
			// (promapi tests that it serves each).
			if reached := strings.Contains(body, `"reached":"`+method+" "+path+`"`); reached != prometheusAPI[r.pattern] {
				t.Errorf("%s %s: reached Prometheus' API: %v, want %v", method, path, reached, prometheusAPI[r.pattern])
			}
			assertSecurityHeaders(t, resp.Header)
		})
	}
	if strings.Contains(logs.String(), "http handler panic") {
		t.Errorf("a handler panicked; log:\n%s", logs.String())
	}
}

// TestRecoverPanics serves a panicking handler through the same middleware
// NewServer installs, over a real connection.
func TestRecoverPanics(t *testing.T) {
	var logs syncBuffer
	s, _ := startServer(t, slog.New(slog.NewTextHandler(&logs, nil)))

	t.Run("panic is a 500", func(t *testing.T) {
		h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom")
		}), s.recoverPanics, s.logRequests, s.securityHeaders)
		ts := httptest.NewServer(h)
		defer ts.Close()

		resp, _ := do(t, "GET", ts.URL+"/x")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", resp.StatusCode)
		}
		assertSecurityHeaders(t, resp.Header)
		if got := logs.String(); !strings.Contains(got, "http handler panic") || !strings.Contains(got, "boom") {
			t.Errorf("panic not logged; log:\n%s", got)
		}
	})

	// http.ErrAbortHandler is how a handler asks net/http to drop the
	// connection; the middleware must not turn it into a response.
	t.Run("abort handler drops the connection", func(t *testing.T) {
		h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic(http.ErrAbortHandler)
		}), s.recoverPanics, s.logRequests, s.securityHeaders)
		ts := httptest.NewServer(h)
		defer ts.Close()

		client := &http.Client{Timeout: 30 * time.Second}
		resp, err := client.Get(ts.URL + "/x")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got status %d, want the connection dropped", resp.StatusCode)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("request hung: %v", err)
		}
	})
}
