package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestSignInLimit: the routes of class signInLimited share one per-IP
// budget of posts; past it they answer 429 with Retry-After, while other
// routes, GETs of the same paths included, are not limited.
func TestSignInLimit(t *testing.T) {
	s, base := startServer(t, discardLogger())
	session := signIn(t, s, "alice", auth.RoleViewer)
	post := func(path string, form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return send(t, req)
	}
	// Forms refused before any account is looked at, so that only the
	// server's limit can answer 429.
	differ := url.Values{"token": {"x"}, "password": {"one long password"}, "confirm": {"another long password"}}
	for i := range signInPostsPerWindow {
		if resp, body := post("/reset-password/confirm", differ); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("post %d: %d %q, want 422 (passwords differ)", i+1, resp.StatusCode, body)
		}
		if resp, _ := doAs(t, "GET", base+"/login", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
	}
	for _, path := range []string{"/reset-password/confirm", "/setup", "/login", "/login/2fa", "/reset-password"} {
		resp, body := post(path, differ)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many sign-in attempts") {
			t.Errorf("POST %s over the limit: %d Retry-After %q, want 429 with Retry-After", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if resp, _ := doAs(t, "GET", base+"/login", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login over the post limit: %d, want 200", resp.StatusCode)
	}
	if resp, _ := doAs(t, "POST", base+"/sessions/end-others", "", session); resp.StatusCode != http.StatusOK {
		t.Errorf("POST /sessions/end-others over the sign-in limit: %d, want 200", resp.StatusCode)
	}
}
