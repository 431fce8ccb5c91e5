package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

const allowedOrigin = "https://grafana.example:3000"

func startCORSServer(tb testing.TB) (*Server, string) {
	tb.Helper()
	return startServerEdit(tb, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.CORSOrigins = func() []string { return []string{allowedOrigin} }
	})
}

// TestCORSPreflight sends real preflights: an allowed origin gets 204
// with exact CORS headers and no credentials; another origin, an origin
// differing only in port or scheme, and a page route get 403 without
// any.
func TestCORSPreflight(t *testing.T) {
	_, base := startCORSServer(t)
	for _, tc := range []struct {
		name, origin, path, method string
		status                     int
	}{
		{"allowed", allowedOrigin, "/api/v1/query", "POST", http.StatusNoContent},
		{"allowed write", allowedOrigin, "/api/v2/silences", "POST", http.StatusNoContent},
		{"allowed delete", allowedOrigin, "/api/v2/silence/x", "DELETE", http.StatusNoContent},
		{"refused origin", "https://evil.example", "/api/v1/query", "POST", http.StatusForbidden},
		{"other port", "https://grafana.example:3001", "/api/v1/query", "GET", http.StatusForbidden},
		{"other scheme", "http://grafana.example:3000", "/api/v1/query", "GET", http.StatusForbidden},
		{"page route", allowedOrigin, "/silences", "POST", http.StatusForbidden},
		{"no such route", allowedOrigin, "/api/v1/nothing", "GET", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := doAs(t, "OPTIONS", base+tc.path, "", nil,
				"Origin", tc.origin, "Access-Control-Request-Method", tc.method,
				"Access-Control-Request-Headers", "authorization,content-type")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			h := resp.Header
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("Access-Control-Allow-Credentials = %q: never sent", h.Get("Access-Control-Allow-Credentials"))
			}
			if tc.status != http.StatusNoContent {
				for name := range h {
					if strings.HasPrefix(name, "Access-Control-") {
						t.Errorf("refused preflight carries %s", name)
					}
				}
				return
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != tc.origin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.origin)
			}
			if got := h.Get("Access-Control-Allow-Methods"); !strings.Contains(got, tc.method) {
				t.Errorf("Access-Control-Allow-Methods = %q, want %s", got, tc.method)
			}
			if got := strings.ToLower(h.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "authorization") || !strings.Contains(got, "content-type") {
				t.Errorf("Access-Control-Allow-Headers = %q", got)
			}
			if h.Get("Access-Control-Max-Age") != "600" || !strings.Contains(h.Get("Vary"), "Origin") {
				t.Errorf("Max-Age %q, Vary %q", h.Get("Access-Control-Max-Age"), h.Get("Vary"))
			}
		})
	}
}

// TestCORSRequests checks the calls after a preflight: an allowed origin
// reads API answers with its token; a refused one gets no
// Access-Control-Allow-Origin; a cross-origin state change carried by
// the session cookie is refused by CSRF protection even from an allowed
// origin, while the same change with a token passes.
func TestCORSRequests(t *testing.T) {
	s, base := startCORSServer(t)
	token := apiToken(t, s, "grafana", auth.RoleOperator)
	cookie := signIn(t, s, "olga", auth.RoleOperator)

	resp, _ := doAs(t, "GET", base+"/api/v1/status/buildinfo", token, nil, "Origin", allowedOrigin)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != allowedOrigin {
		t.Errorf("allowed origin: %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = doAs(t, "GET", base+"/api/v1/status/buildinfo", token, nil, "Origin", "https://evil.example")
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("refused origin: Access-Control-Allow-Origin %q", got)
	}
	// State changes: a token from the allowed origin passes CSRF (the
	// body is refused by the handler, not by CSRF); the cookie does not.
	for _, tc := range []struct {
		name   string
		token  string
		cookie *http.Cookie
		origin string
		csrf   bool
	}{
		{"token from allowed origin", token, nil, allowedOrigin, false},
		{"cookie from allowed origin", "", cookie, allowedOrigin, true},
		{"token from refused origin", token, nil, "https://evil.example", true},
		{"cookie from refused origin", "", cookie, "https://evil.example", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := doAs(t, "POST", base+"/api/v2/silences", tc.token, tc.cookie,
				"Origin", tc.origin, "Sec-Fetch-Site", "cross-site", "Content-Type", "application/json")
			refused := resp.StatusCode == http.StatusForbidden && strings.Contains(body, "cross-origin")
			if refused != tc.csrf {
				t.Errorf("status %d %q: refused by CSRF %v, want %v", resp.StatusCode, body, refused, tc.csrf)
			}
		})
	}
	// Without server.cors, nothing changes: no CORS headers at all.
	_, plain := startServer(t, discardLogger())
	resp, _ = doAs(t, "OPTIONS", plain+"/api/v1/query", "", nil, "Origin", allowedOrigin, "Access-Control-Request-Method", "GET")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "" {
		t.Errorf("default: preflight %d, headers %v", resp.StatusCode, resp.Header)
	}
}
