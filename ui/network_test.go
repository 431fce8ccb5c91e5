package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

func TestClientIP(t *testing.T) {
	s := &Server{}
	s.SetNetwork([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}, nil)
	cases := []struct {
		name, peer string
		header     http.Header
		want       string
	}{
		{"no proxy", "192.0.2.1:5000", nil, "192.0.2.1"},
		{"untrusted peer's header is ignored", "192.0.2.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "192.0.2.1"},
		{"trusted proxy", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"client-written entries are left of the real one", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9"}}, "203.0.113.9"},
		{"two trusted hops", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9, 10.1.1.1"}}, "203.0.113.9"},
		{"several header lines", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"1.2.3.4", "203.0.113.9"}}, "203.0.113.9"},
		{"garbage stops the walk at the last trusted hop", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"203.0.113.9, evil"}}, "10.0.0.2"},
		{"only trusted hops: the oldest", "10.0.0.2:5000", http.Header{"X-Forwarded-For": {"10.9.9.9"}}, "10.9.9.9"},
		{"trusted proxy without header", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"Forwarded", "10.0.0.2:5000", http.Header{"Forwarded": {`for=1.2.3.4, for="[2001:db8::7]:4711";proto=https`}}, "2001:db8::7"},
		{"X-Forwarded-For wins over Forwarded", "10.0.0.2:5000", http.Header{"Forwarded": {"for=1.2.3.4"}, "X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"IPv6 proxy", "[fd00::1]:5000", http.Header{"X-Forwarded-For": {"2001:db8::9"}}, "2001:db8::9"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for k, v := range c.header {
				r.Header[k] = v
			}
			if got := s.clientIP(r); got != c.want {
				t.Errorf("clientIP = %q, want %q", got, c.want)
			}
		})
	}
	// With no trusted proxies, nothing is believed.
	none := &Server{}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.2:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := none.clientIP(r); got != "10.0.0.2" {
		t.Errorf("without trusted proxies: %q", got)
	}
}

func TestLocalPath(t *testing.T) {
	cases := map[string]string{
		"/alerts":                          "/alerts",
		"/alerts?filter=%7Bx%3D%22y%22%7D": "/alerts?filter=%7Bx%3D%22y%22%7D",
		"/a%20b":                           "/a%20b",
		"":                                 "/",
		"alerts":                           "/",
		"//evil.example/":                  "/",
		"/\\evil.example":                  "/",
		"/%09/evil.example":                "/",
		"/\t/evil.example":                 "/",
		"/%0a/evil.example":                "/",
		"/%5c/evil.example":                "/",
		"/%2F/evil.example":                "/",
		"https://evil.example/":            "/",
		"http:/evil.example":               "/",
		"javascript:alert(1)":              "/",
		"/ok\r\nLocation: x":               "/",
		"/\x7f":                            "/",
		"/" + strings.Repeat("a", 3000):    "/",
	}
	for in, want := range cases {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/%09/evil", "//x", "/\\x", "/a?b=c#d", "https://x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := localPath(in)
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") ||
			strings.ContainsAny(out, "\\\t\r\n") || strings.ContainsAny(u.Path, "\\\t\r\n") || strings.HasPrefix(u.Path, "//") {
			t.Fatalf("localPath(%q) = %q leaves the site", in, out)
		}
	})
}

// TestOpenRedirectRefused: the sign-in redirect never leaves the site
// (review finding: next=/%09/evil.example was echoed raw in Location,
// and Chromium strips the tab).
func TestOpenRedirectRefused(t *testing.T) {
	s, base := startServer(t, discardLogger())
	if _, err := s.deps.Auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{Name: "alice", Role: auth.RoleViewer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	for _, next := range []string{"/%09/evil.example", "/\t/evil.example", "/\\evil.example", "/%5C/evil.example"} {
		form := url.Values{"username": {"alice"}, "password": {testPassword}, "next": {next}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := send(t, req)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("next=%q: %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}
}

// TestHostAllowlist: a Host header naming another site (DNS rebinding)
// gets 421; IP literals, localhost, the external URL's host and
// server.allowed_hosts are served.
func TestHostAllowlist(t *testing.T) {
	s, base := startServer(t, discardLogger())
	s.SetNetwork(nil, []string{"ward.example.com"})
	for host, want := range map[string]int{
		"rebind.attacker.example:9090": http.StatusMisdirectedRequest,
		"rebind.attacker.example":      http.StatusMisdirectedRequest,
		"ward.example.com":             http.StatusOK,
		"WARD.example.com.:443":        http.StatusOK,
		"localhost:9090":               http.StatusOK,
		"127.0.0.1:1":                  http.StatusOK,
		"[::1]:9090":                   http.StatusOK,
	} {
		req, _ := http.NewRequest("GET", base+"/-/healthy", nil)
		req.Host = host
		resp, _ := send(t, req)
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// TestHSTSOnlyOverHTTPS: HSTS is sent when browsers reach ward over
// https (its external URL), never on plain http, where it would be
// ignored or, worse, pin a name that has no TLS.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	for _, c := range []struct {
		ext  string
		want bool
	}{{"https://ward.example.com/", true}, {"http://127.0.0.1:9090/", false}} {
		u, _ := url.Parse(c.ext)
		s := &Server{deps: Deps{ExternalURL: u}}
		rec := httptest.NewRecorder()
		s.securityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if got := rec.Header().Get("Strict-Transport-Security") != ""; got != c.want {
			t.Errorf("%s: HSTS %v, want %v", c.ext, got, c.want)
		}
		assertSecurityHeaders(t, rec.Header())
	}
}

// TestSignInBehindProxy: behind a trusted proxy the sign-in limits and
// the audit trail see each client's own address, so one client's
// failures do not slow the others (review finding: with every user
// sharing the proxy's address, anyone could lock everyone out).
func TestSignInBehindProxy(t *testing.T) {
	s, base := startServer(t, discardLogger())
	s.SetNetwork([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, nil)
	if _, err := s.deps.Auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{Name: "alice", Role: auth.RoleViewer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	login := func(user, pw, xff string) *http.Response {
		form := url.Values{"username": {user}, "password": {pw}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, _ := send(t, req)
		return resp
	}
	// 40 failures from one client: past both the per-address sign-in
	// limit (30 a minute) and auth's per-address limit.
	for i := range 40 {
		login("made-up-"+string(rune('a'+i%26)), "wrong password here", "spoofed, 203.0.113.66")
	}
	if resp := login("alice", testPassword, "198.51.100.20"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another client behind the proxy: %d, want a sign-in", resp.StatusCode)
	}
	recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Action: audit.ActionLogin, Outcome: audit.Success})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].ActorIP != "198.51.100.20" {
		t.Fatalf("sign-in audited from %+v, want the client's address", recs)
	}
}
