package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/ratelimit"
)

// TestDefaultLimitClass: each route's class follows from its kind,
// method and path.
func TestDefaultLimitClass(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	want := map[string]limitClass{
		"GET /api/v1/query":                    apiQuery,
		"POST /api/v1/query_range":             apiQuery,
		"GET /api/v1/label/{name}/values":      apiQuery,
		"POST /api/v1/series":                  apiQuery,
		"GET /api/v1/query_exemplars":          apiQuery,
		"GET /api/v1/targets":                  apiRead,
		"GET /api/v2/silences":                 apiRead,
		"GET /metrics":                         apiRead,
		"POST /api/v2/silences":                apiWrite,
		"DELETE /api/v2/silence/{id}":          apiWrite,
		"POST /api/ward/receivers/{name}/test": apiWrite,
		"POST /-/reload":                       apiWrite,
		"POST /api/backups/jobs/{job}/run":     apiWrite,
		"GET /-/healthy":                       anonymous,
		"GET /static/{file}":                   anonymous,
		"GET /login":                           anonymous,
		"POST /login":                          signInLimited,
		"POST /reset-password":                 signInLimited,
		"GET /ping/{token}":                    pingLimited,
		"GET /alerts":                          pageView,
		"POST /silences":                       pageView,
		"GET /admin/limits":                    pageView,
		"GET /live":                            unlimited,
	}
	for pattern, c := range want {
		e, ok := s.endpoints[pattern]
		if !ok {
			t.Errorf("%s: not in the route table", pattern)
			continue
		}
		if e.limit != c {
			t.Errorf("%s: class %v, want %v", pattern, e.limit, c)
		}
	}
}

// serve sends req through the whole chain from addr.
func serve(s *Server, req *http.Request, addr string) *httptest.ResponseRecorder {
	req.RemoteAddr = addr
	req.Host = "127.0.0.1"
	rec := httptest.NewRecorder()
	s.srv.Handler.ServeHTTP(rec, req)
	return rec
}

// TestAnonymousPerAddress: anonymous callers share one bucket per IPv4
// address and per IPv6 /64; another address or /64 has its own.
func TestAnonymousPerAddress(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	s.SetLimits(ratelimit.Rates{Classes: map[string]ratelimit.Policy{
		"anonymous": {Name: "anonymous", Quota: 3, Window: 1 << 62},
	}})
	get := func(addr string) int {
		return serve(s, httptest.NewRequest("GET", "/-/healthy", nil), addr).Code
	}
	for i, addr := range []string{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:1001", "[2001:db8:1:2::abcd]:1002"} {
		if c := get(addr); c != http.StatusOK {
			t.Fatalf("request %d from the /64: %d", i+1, c)
		}
	}
	if c := get("[2001:db8:1:2:1234::1]:1003"); c != http.StatusTooManyRequests {
		t.Errorf("4th request from the same /64 (another address): %d, want 429", c)
	}
	if c := get("[2001:db8:1:3::1]:1004"); c != http.StatusOK {
		t.Errorf("another /64: %d, want 200", c)
	}
	for range 3 {
		get("192.0.2.1:5")
	}
	if c := get("192.0.2.1:6"); c != http.StatusTooManyRequests {
		t.Errorf("4th from 192.0.2.1: %d, want 429", c)
	}
	if c := get("192.0.2.2:6"); c != http.StatusOK {
		t.Errorf("192.0.2.2: %d, want 200 (IPv4 addresses are not grouped)", c)
	}
	rec := serve(s, httptest.NewRequest("GET", "/-/healthy", nil), "192.0.2.1:7")
	if rec.Header().Get("RateLimit") == "" || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Header().Get("RateLimit-Policy"), `"anonymous";q=3`) {
		t.Errorf("429 headers: %v", rec.Header())
	}
}
