package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestIPLimiterBounded: 200,000 distinct keys inside one window (an IPv6
// client inventing addresses, or tokens) leave the limiter at its
// maximum, each call doing constant work (the benchmark below measures
// it), and the oldest keys are the ones evicted: the newest still count.
func TestIPLimiterBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newIPLimiter("test", 2, time.Minute, func() time.Time { return now })
	for i := range 200_000 {
		l.allow("k" + strconv.Itoa(i))
		if i%1000 == 0 {
			now = now.Add(time.Millisecond)
		}
	}
	if n := l.size(); n != maxLimiterKeys {
		t.Fatalf("limiter holds %d keys, want %d", n, maxLimiterKeys)
	}
	newest := "k199999"
	if l.allow(newest) != 0 {
		t.Errorf("newest key's second request refused")
	}
	if l.allow(newest) == 0 {
		t.Errorf("newest key's third request allowed: evicted instead of the oldest")
	}
	// A minute on, every window has expired and leaves.
	now = now.Add(time.Minute)
	l.allow("fresh")
	if n := l.size(); n != 1 {
		t.Errorf("after a minute the limiter holds %d keys, want 1", n)
	}
}

// BenchmarkIPLimiterManyKeys: the cost of a call with the limiter full
// of live keys, each call a new key (the attack's pattern).
func BenchmarkIPLimiterManyKeys(b *testing.B) {
	now := time.Unix(1_700_000_000, 0)
	l := newIPLimiter("test", pingsPerIP, pingWindow, func() time.Time { return now })
	for i := range maxLimiterKeys {
		l.allow("pre" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := range b.N {
		l.allow("k" + strconv.Itoa(i))
	}
}
