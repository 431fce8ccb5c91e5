package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// TestRequestBodyLimits posts one byte past the bound of a form, an API
// write and a query, and a body to a GET: each is refused 413 in its
// route's format (a page, Prometheus' envelope, or Alertmanager's JSON
// string from the handlers that audit their refusals), naming the
// limit.
func TestRequestBodyLimits(t *testing.T) {
	s, base := startServer(t, discardLogger())
	token := apiToken(t, s, "writer", auth.RoleAdmin)
	cookie := signIn(t, s, "alice", auth.RoleAdmin)
	for _, tc := range []struct {
		name, method, path, contentType string
		size                            int
		api                             bool
		limit                           string
		envelope                        bool // Prometheus' JSON envelope
	}{
		{"form", "POST", "/silences", "application/x-www-form-urlencoded", maxFormBody + 1, false, "65536 bytes", false},
		{"sign-in form", "POST", "/login", "application/x-www-form-urlencoded", maxFormBody + 1, false, "65536 bytes", false},
		{"api write", "POST", "/api/v2/alerts", "application/json", maxAlertsBody + 1, true, "5242880 bytes", false},
		{"silence", "POST", "/api/v2/silences", "application/json", maxAPIWriteBody + 1, true, "1048576 bytes", false},
		{"query", "POST", "/api/v1/query", "application/x-www-form-urlencoded", maxQueryBody + 1, true, "262144 bytes", true},
		{"get with a body", "GET", "/api/v1/labels", "text/plain", 10, true, "takes no body", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader("q="+strings.Repeat("x", tc.size-2)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.contentType)
			if tc.api {
				req.Header.Set("Authorization", "Bearer "+token)
			} else {
				req.AddCookie(cookie)
			}
			resp, body := send(t, req)
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %.200s", resp.StatusCode, body)
			}
			if !strings.Contains(body, tc.limit) {
				t.Errorf("body %.300q does not name the limit %q", body, tc.limit)
			}
			isJSON := strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")
			if isJSON != tc.api || tc.envelope != strings.Contains(body, `"status":"error"`) {
				t.Errorf("Content-Type %q for an api route %v: %.200s", resp.Header.Get("Content-Type"), tc.api, body)
			}
		})
	}
	// One byte under the bound reaches the handler.
	req, _ := http.NewRequest("POST", base+"/api/v1/query", strings.NewReader("query=up&x="+strings.Repeat("x", maxQueryBody-20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, body := send(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("query under the bound: %d %.200s", resp.StatusCode, body)
	}
}

// TestDefaultRequestLimits checks the table's classes: every route has a
// body bound and a time bound or a reason to keep its own.
func TestDefaultRequestLimits(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	for _, e := range s.endpoints {
		method, path, _ := strings.Cut(e.pattern, " ")
		if e.maxBody == 0 || e.timeout == 0 {
			t.Errorf("%s: unset limits %d %v", e.pattern, e.maxBody, e.timeout)
		}
		if (method == "GET" || method == "HEAD") && e.maxBody != noBody {
			t.Errorf("%s: body bound %d, want none", e.pattern, e.maxBody)
		}
		ownTimeout := path == "/live" || strings.HasPrefix(path, "/api/v1/")
		if ownTimeout != (e.timeout == unbounded) {
			t.Errorf("%s: timeout %v", e.pattern, e.timeout)
		}
		if e.timeout > 0 && e.timeout > 2*time.Minute {
			t.Errorf("%s: timeout %v past the write timeout", e.pattern, e.timeout)
		}
	}
	if e := s.endpoints["POST /ping/{token}"]; e.maxBody != maxPingBody || e.timeout != pingTimeout {
		t.Errorf("ping: %d %v", e.maxBody, e.timeout)
	}
}

// TestBoundedDeadline: a page's handler runs under its route's
// deadline; the live stream and the query API under none of bounded's.
func TestBoundedDeadline(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	for pattern, want := range map[string]time.Duration{
		"GET /alerts":          pageTimeout,
		"POST /api/v2/alerts":  apiTimeout,
		"GET /events/export":   exportTimeout,
		"GET /live":            0,
		"POST /api/v1/query":   0,
		"GET /ping/{token}":    pingTimeout,
		"GET /api/v2/silences": apiTimeout,
	} {
		e, ok := s.endpoints[pattern]
		if !ok {
			t.Fatalf("no route %s", pattern)
		}
		var got time.Duration
		var has bool
		h := s.bounded(e, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			var d time.Time
			d, has = r.Context().Deadline()
			got = time.Until(d)
		}))
		method, path, _ := strings.Cut(pattern, " ")
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, strings.ReplaceAll(path, "{token}", "x"), nil))
		switch {
		case want == 0 && has:
			t.Errorf("%s: deadline in %v, want none of bounded's", pattern, got)
		case want != 0 && (!has || got > want || got < want-time.Second):
			t.Errorf("%s: deadline in %v (set %v), want %v", pattern, got, has, want)
		}
	}
}
