package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// fastHasher keeps tests quick; production uses auth.DefaultHasher.
var fastHasher = auth.Argon2id{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const testPassword = "a long and unguessable test passphrase"

// apiToken creates an API token through the auth service, as
// `ward token create` does.
func apiToken(tb testing.TB, s *Server, name string, role auth.Role) string {
	tb.Helper()
	tok, err := s.deps.Auth.CreateAPIToken(context.Background(), auth.Local("test"), name, role)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// signIn creates a user with role and signs them in with the password
// (the test server requires 2FA of nobody); it returns the session cookie.
func signIn(tb testing.TB, s *Server, name string, role auth.Role) *http.Cookie {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.deps.Auth.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: name, Role: role, Password: testPassword}); err != nil && !strings.Contains(err.Error(), "exists") {
		tb.Fatal(err)
	}
	res, err := s.deps.Auth.Login(ctx, auth.LoginRequest{Username: name, Password: testPassword, IP: "127.0.0.1", UserAgent: "Go-http-client/1.1"})
	if err != nil {
		tb.Fatal(err)
	}
	if res.Stage != auth.StageActive {
		tb.Fatalf("sign-in stage %s, want active", res.Stage)
	}
	return &http.Cookie{Name: plainCookieName, Value: res.Token}
}

// doAs sends one request with a bearer token and/or a session cookie
// (either may be empty) without following redirects.
func doAs(tb testing.TB, method, u, token string, cookie *http.Cookie, header ...string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(tb, req)
}

func send(tb testing.TB, req *http.Request) (*http.Response, string) {
	tb.Helper()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(body)
}

// TestDenyByDefault walks the route table: every route but the public
// few must be protected, and calling it without credentials must send a
// person to the sign-in page and a program a 401 in Prometheus' envelope.
func TestDenyByDefault(t *testing.T) {
	s, base := startServer(t, discardLogger())
	table := s.routes()
	seen := map[string]bool{}
	for _, r := range table {
		r.limit = defaultLimitClass(r) // as NewServer does
		method, path, ok := strings.Cut(r.pattern, " ")
		if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
			t.Errorf("route %q: want \"METHOD /path\"", r.pattern)
		}
		if seen[r.pattern] {
			t.Errorf("route %q listed twice", r.pattern)
		}
		seen[r.pattern] = true
		if r.handler == nil {
			t.Errorf("route %q has no handler", r.pattern)
		}
		if publicRoutes[r.pattern] != (r.access == public) {
			t.Errorf("route %q is %v; public routes are exactly the reviewed list", r.pattern, r.access)
		}
		if r.access == protected && !r.role.Valid() {
			t.Errorf("route %q is protected without a role", r.pattern)
		}
		if r.kind != kindPage && r.kind != kindAPI {
			t.Errorf("route %q: kind %v, want page or api", r.pattern, r.kind)
		}
		if (r.limit == pingLimited) != strings.HasPrefix(path, "/ping/") {
			t.Errorf("route %q: limit class %v; the ping limit covers exactly /ping/ (issue 12)", r.pattern, r.limit)
		}
		if r.limit.String() == "unset" {
			t.Errorf("route %q: limit class %v, want one set", r.pattern, r.limit)
		}
		if r.limit == unlimited && r.pattern != "GET /live" {
			t.Errorf("route %q is unlimited; only the live stream is (issue 13)", r.pattern)
		}
		if signInLimitedRoutes[r.pattern] != (r.limit == signInLimited) {
			t.Errorf("route %q has limit class %v; the sign-in limit covers exactly the reviewed list", r.pattern, r.limit)
		}
		if r.selfScrape != (r.pattern == "GET /metrics") {
			t.Errorf("route %q: ward's own scrape token accepted: %v; only GET /metrics takes it", r.pattern, r.selfScrape)
		}
		if r.access == public {
			continue
		}
		t.Run(r.pattern, func(t *testing.T) {
			resp, body := doAs(t, method, base+pathParam.ReplaceAllString(strings.ReplaceAll(path, "{$}", ""), "x"), "", nil)
			if r.kind == kindAPI {
				var env struct{ Status, ErrorType string }
				if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &env) != nil || env.Status != "error" || env.ErrorType != "unauthorized" {
					t.Errorf("without credentials: %d %q, want 401 in the API envelope", resp.StatusCode, body)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("without credentials: %d Location %q, want a redirect to /login", resp.StatusCode, loc)
			}
		})
	}
	for p := range publicRoutes {
		if !seen[p] {
			t.Errorf("public route %q is not in the route table", p)
		}
	}
	for p := range signInLimitedRoutes {
		if !seen[p] {
			t.Errorf("sign-in route %q is not in the route table", p)
		}
	}
	// Junk credentials are no better than none.
	for _, tok := range []string{"nonsense", auth.APITokenPrefix + strings.Repeat("A", 43)} {
		if resp, _ := doAs(t, "GET", base+"/api/v1/status/buildinfo", tok, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, resp.StatusCode)
		}
	}
	if resp, _ := doAs(t, "GET", base+"/account", "", &http.Cookie{Name: plainCookieName, Value: "forged"}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: status %d, want a redirect to /login", resp.StatusCode)
	}
}

// TestRoles checks the role each kind of route needs, for tokens and
// sessions alike.
func TestRoles(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := apiToken(t, s, "grafana", auth.RoleViewer)
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	admin := apiToken(t, s, "ops", auth.RoleAdmin)
	viewerSession := signIn(t, s, "victor", auth.RoleViewer)
	for _, tc := range []struct {
		method, path string
		token        string
		cookie       *http.Cookie
		want         int
	}{
		{"GET", "/api/v1/query?query=up", viewer, nil, http.StatusOK},
		{"GET", "/metrics", viewer, nil, http.StatusOK},
		{"GET", "/api/v2/silences", viewer, nil, http.StatusOK},
		{"POST", "/api/v2/silences", viewer, nil, http.StatusForbidden},
		{"DELETE", "/api/v2/silence/x", viewer, nil, http.StatusForbidden},
		{"POST", "/api/v2/alerts", viewer, nil, http.StatusForbidden},
		{"POST", "/api/ward/receivers/log/test", viewer, nil, http.StatusForbidden},
		{"POST", "/api/ward/receivers/log/test", operator, nil, http.StatusOK},
		{"POST", "/-/reload", operator, nil, http.StatusForbidden},
		{"POST", "/-/reload", admin, nil, http.StatusOK},
		{"GET", "/api/v1/status/buildinfo", "", viewerSession, http.StatusOK},
		{"GET", "/account", "", viewerSession, http.StatusOK},
		{"GET", "/admin/users", "", viewerSession, http.StatusForbidden},
		{"GET", "/admin/audit", "", viewerSession, http.StatusForbidden},
		// Tokens are for programs: pages want a session.
		{"GET", "/account", admin, nil, http.StatusSeeOther},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := doAs(t, tc.method, base+tc.path, tc.token, tc.cookie)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
		})
	}
}

// TestCrossOriginRefused: a browser's cross-site POST is refused on
// sign-in forms, pages and the API alike, with or without a session.
func TestCrossOriginRefused(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "alice", auth.RoleAdmin)
	for _, path := range []string{"/login", "/sessions/end-others", "/account/password", "/-/reload", "/api/v2/silences"} {
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
			{"Origin", "https://evil.example"},
		} {
			resp, body := doAs(t, "POST", base+path, "", cookie, h...)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "cross-origin") {
				t.Errorf("POST %s with %v: %d %q, want 403", path, h, resp.StatusCode, body)
			}
		}
	}
	// The same-origin post of a page passes the check.
	resp, _ := doAs(t, "POST", base+"/sessions/end-others", "", cookie, "Sec-Fetch-Site", "same-origin", "Origin", base)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST: %d, want 200", resp.StatusCode)
	}
}

// TestSilenceAuthor: the v2 API records the token or user as a
// silence's author, whatever the client claims, and audits creation and
// expiry.
func TestSilenceAuthor(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	now := time.Now().UTC()
	body := `{"matchers":[{"name":"alertname","value":"X","isRegex":false,"isEqual":true}],` +
		`"startsAt":"` + now.Format(time.RFC3339) + `","endsAt":"` + now.Add(time.Hour).Format(time.RFC3339) + `",` +
		`"createdBy":"mallory","comment":"maintenance"}`
	req, _ := http.NewRequest("POST", base+"/api/v2/silences", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+operator)
	req.Header.Set("Content-Type", "application/json")
	resp, out := send(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var created struct{ SilenceID string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.SilenceID == "" {
		t.Fatalf("create answered %q", out)
	}
	_, got := doAs(t, "GET", base+"/api/v2/silence/"+created.SilenceID, operator, nil)
	if !strings.Contains(got, `"createdBy":"token:oncall"`) || strings.Contains(got, "mallory") {
		t.Errorf("silence author not enforced: %s", got)
	}
	if resp, out := doAs(t, "DELETE", base+"/api/v2/silence/"+created.SilenceID, operator, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("expire: %d %s", resp.StatusCode, out)
	}
	recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Actor: "token:oncall"})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, r := range recs {
		actions[r.Action] = r.Target
	}
	if actions[audit.ActionSilenceCreate] != created.SilenceID || actions[audit.ActionSilenceExpire] != created.SilenceID {
		t.Errorf("audit trail lacks the silence's create and expire: %v", actions)
	}
}

// TestRevokedSessionSaysWhy: a session ended elsewhere learns why on its
// next request.
func TestRevokedSessionSaysWhy(t *testing.T) {
	s, base := startServer(t, discardLogger())
	first := signIn(t, s, "alice", auth.RoleViewer)
	second := signIn(t, s, "alice", auth.RoleViewer)
	resp, _ := doAs(t, "POST", base+"/sessions/end-others", "", second)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("end others: %d", resp.StatusCode)
	}
	resp, body := doAs(t, "GET", base+"/account", "", first)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "You were signed out") || !strings.Contains(body, auth.ReasonEnded) {
		t.Errorf("revoked session: %d, want the sign-in page saying why:\n%s", resp.StatusCode, body)
	}
}

// TestSignInPages drives the password sign-in through HTTP forms.
func TestSignInPages(t *testing.T) {
	s, base := startServer(t, discardLogger())
	if _, err := s.deps.Auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{Name: "alice", Role: auth.RoleViewer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return send(t, req)
	}
	resp, body := post(url.Values{"username": {"alice"}, "password": {"wrong password here"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Invalid username or password") {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = post(url.Values{"username": {"alice"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign-in: %d to %q, want 303 to / (never off-site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == plainCookieName {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", session)
	}
	if resp, _ := doAs(t, "GET", base+"/account", "", session); resp.StatusCode != http.StatusOK {
		t.Errorf("account with the new session: %d", resp.StatusCode)
	}
}

// TestStaticAssets: hashed names, long cache lifetime, unknown names 404.
func TestStaticAssets(t *testing.T) {
	s, base := startServer(t, discardLogger())
	css := s.assets.path("ward.css")
	if !strings.HasPrefix(css, "/static/ward.") || css == "/static/ward.css" {
		t.Fatalf("css path %q is not content-hashed", css)
	}
	resp, body := doAs(t, "GET", base+css, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "@media print") {
		t.Errorf("GET %s: %d %q", css, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := doAs(t, "GET", base+"/static/ward.css", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unhashed name: %d, want 404", resp.StatusCode)
	}
}
