package ui

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// assertOWASPHeaders checks the full secure-headers set of issue 13 on
// one answer: every header on every response, Cache-Control: no-store on
// everything but content-hashed static files.
func assertOWASPHeaders(tb testing.TB, what string, resp *http.Response) {
	tb.Helper()
	h := resp.Header
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	for name, v := range want {
		if got := h.Get(name); got != v {
			tb.Errorf("%s: %s = %q, want %q", what, name, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			tb.Errorf("%s: Content-Security-Policy = %q, want %s", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		tb.Errorf("%s: Content-Security-Policy = %q allows unsafe sources", what, csp)
	}
	pp := h.Get("Permissions-Policy")
	for _, f := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} {
		if !strings.Contains(pp, f) {
			tb.Errorf("%s: Permissions-Policy = %q, want %s", what, pp, f)
		}
	}
	for _, f := range strings.Split(pp, ", ") {
		if !strings.HasSuffix(f, "=()") {
			tb.Errorf("%s: Permissions-Policy allows %q", what, f)
		}
	}
	cc := h.Get("Cache-Control")
	if resp.Request != nil && strings.HasPrefix(resp.Request.URL.Path, "/static/") && resp.StatusCode == http.StatusOK {
		if !strings.Contains(cc, "immutable") {
			tb.Errorf("%s: Cache-Control = %q, want a hashed asset's long lifetime", what, cc)
		}
	} else if cc != "no-store" {
		tb.Errorf("%s: Cache-Control = %q, want no-store", what, cc)
	}
	if h.Get("Strict-Transport-Security") != "" && resp.TLS == nil {
		tb.Errorf("%s: HSTS over plain http", what)
	}
	if h.Get("Access-Control-Allow-Origin") != "" {
		tb.Errorf("%s: Access-Control-Allow-Origin = %q without an Origin", what, h.Get("Access-Control-Allow-Origin"))
	}
}

// TestHeadersOnEveryRoute walks every route of the table, anonymous and
// signed in (a session for pages, a token for the API), and checks the
// whole header set on each answer, whatever its status: redirects to
// sign-in, 401, 403, 404, 405, 413 and 429 included.
func TestHeadersOnEveryRoute(t *testing.T) {
	s, base := startServer(t, discardLogger())
	token := apiToken(t, s, "admin-headers", auth.RoleAdmin)
	cookie := signIn(t, s, "alice", auth.RoleAdmin)
	viewerCookie := signIn(t, s, "victor", auth.RoleViewer)
	statuses := map[int]int{}
	walk := func(name, token string, cookie *http.Cookie) {
		for _, r := range s.routes() {
			method, path, _ := strings.Cut(r.pattern, " ")
			path = pathParam.ReplaceAllString(strings.ReplaceAll(path, "{$}", ""), "x")
			if r.pattern == "POST /logout" {
				continue // last, below: it ends the session
			}
			resp, _ := doAs(t, method, base+path, token, cookie)
			statuses[resp.StatusCode]++
			assertOWASPHeaders(t, name+" "+r.pattern, resp)
		}
	}
	walk("anonymous", "", nil)
	walk("signed in", token, cookie)
	walk("viewer", "", viewerCookie)
	// A real static asset, cached for a year.
	css := s.assets.path("ward.css")
	resp, _ := doAs(t, "GET", base+css, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", css, resp.StatusCode)
	}
	assertOWASPHeaders(t, "GET "+css, resp)

	// Refusals and errors outside the table's handlers.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/no/such/path", http.StatusNotFound},
		{"DELETE", "/api/v1/query", http.StatusMethodNotAllowed},
		{"GET", "/api/v1/query?query=up", http.StatusUnauthorized},
		{"POST", "/-/reload", http.StatusForbidden},
	} {
		c := (*http.Cookie)(nil)
		if tc.status == http.StatusForbidden {
			c = viewerCookie
		}
		resp, _ := doAs(t, tc.method, base+tc.path, "", c)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		statuses[resp.StatusCode]++
		assertOWASPHeaders(t, tc.method+" "+tc.path, resp)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/query", strings.NewReader(strings.Repeat("x", maxQueryBody+1)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, _ = send(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize query: %d, want 413", resp.StatusCode)
	}
	statuses[resp.StatusCode]++
	assertOWASPHeaders(t, "oversize silence", resp)
	// The sign-in limit's 429.
	form := url.Values{"username": {"nobody"}, "password": {"wrong"}}.Encode()
	var limited *http.Response
	for range signInPostsPerWindow + 1 {
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		limited, _ = send(t, req)
	}
	if limited.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in past its limit: %d, want 429", limited.StatusCode)
	}
	statuses[limited.StatusCode]++
	assertOWASPHeaders(t, "sign-in limited", limited)

	// Signing out clears the browser's copy of everything.
	resp, _ = doAs(t, "POST", base+"/logout", "", cookie)
	assertOWASPHeaders(t, "POST /logout", resp)
	if got := resp.Header.Get("Clear-Site-Data"); !strings.Contains(got, `"cookies"`) || !strings.Contains(got, `"storage"`) || !strings.Contains(got, `"cache"`) {
		t.Errorf("sign-out: Clear-Site-Data = %q", got)
	}
	// A handler's panic, through the same middleware.
	ts := httptest.NewServer(chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		s.recoverPanics, s.securityHeaders))
	defer ts.Close()
	resp, _ = doAs(t, "GET", ts.URL+"/x", "", nil)
	statuses[resp.StatusCode]++
	assertOWASPHeaders(t, "panic", resp)
	t.Logf("%d routes walked three ways; answers checked by status: %v", len(s.routes()), statuses)
	for _, code := range []int{200, 303, 401, 403, 404, 405, 413, 429, 500} {
		if statuses[code] == 0 {
			t.Errorf("no answer with status %d was checked (%v)", code, statuses)
		}
	}

	// HSTS only over TLS (or behind an https external URL).
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.TLS = &tls.ConnectionState{}
	s.securityHeaders(http.NotFoundHandler()).ServeHTTP(rec, r)
	if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("over TLS: Strict-Transport-Security = %q", got)
	}
}
