package ui

import (
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// TestFail: one helper answers every failure, as a page or in
// Prometheus' envelope by the route's kind, with the status of the
// error's kind and the message its package wrote for clients. Internal
// errors are logged and never shown.
func TestFail(t *testing.T) {
	var logs syncBuffer
	s, _ := startServer(t, slog.New(slog.NewTextHandler(&logs, nil)))
	const secret = "open /var/lib/ward/ward.db: input/output error"
	for _, tc := range []struct {
		name   string
		err    error
		status int
		etype  string // the envelope's errorType
		msg    string // the client message; pages show it as a sentence
	}{
		{"internal", fmt.Errorf("listing users: %s", secret), 500, "internal", internalMessage},
		{"internal with a message for clients", errkind.Wrap(fmt.Errorf("%s", secret), errkind.Internal, "the store failed"), 500, "internal", "the store failed"},
		{"malformed", badRequest("limit: want an integer"), 400, "bad_data", "limit: want an integer"},
		{"invalid", auth.ErrPasswordTooShort, 422, "bad_data", "password must be at least 12 characters"},
		{"conflict, wrapped", fmt.Errorf("create %q: %w", "ada", auth.ErrUserExists), 422, "conflict", "user already exists"},
		{"unauthenticated", auth.ErrInvalidCredentials, 401, "unauthorized", "invalid username or password"},
		{"forbidden", auth.ErrStepUpRequired, 403, "forbidden", "confirm with a current two-factor code first"},
		{"not found", auth.ErrUserNotFound, 404, "not_found", "no such user"},
		{"rate limited", &auth.RateLimitError{RetryAfter: 3 * time.Second}, 429, "rate_limited", "too many attempts; try again in 3s"},
		{"unavailable", alerting.ErrNotConfigured, 503, "unavailable", "alerting is not configured yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged := len(logs.String())
			for _, route := range []struct{ path, ctype string }{
				{"/api/ward/deliveries", "application/json"},
				{"/account", "text/html"},
			} {
				rec := httptest.NewRecorder()
				s.fail(rec, httptest.NewRequest("GET", route.path, nil), tc.err)
				body := rec.Body.String()
				if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), route.ctype) {
					t.Errorf("%s: %d %s, want %d %s", route.path, rec.Code, rec.Header().Get("Content-Type"), tc.status, route.ctype)
				}
				if strings.Contains(body, secret) {
					t.Errorf("%s: the internal error reached the client: %s", route.path, body)
				}
				if route.ctype == "application/json" {
					var env struct{ Status, ErrorType, Error string }
					if err := json.Unmarshal([]byte(body), &env); err != nil || env.Status != "error" || env.ErrorType != tc.etype || env.Error != tc.msg {
						t.Errorf("%s: %s, want errorType %q and error %q", route.path, body, tc.etype, tc.msg)
					}
					continue
				}
				sentence := html.EscapeString(strings.ToUpper(tc.msg[:1]) + tc.msg[1:] + ".")
				if !strings.Contains(body, sentence) || !strings.Contains(body, "<title>"+heading(errkindOf(tc.err))) {
					t.Errorf("%s: page lacks %q under its heading:\n%s", route.path, sentence, body)
				}
			}
			if got := strings.Contains(logs.String()[logged:], secret); got != (tc.status == 500) {
				t.Errorf("internal error logged: %v, want %v", got, tc.status == 500)
			}
		})
	}
}

func errkindOf(err error) errkind.Kind { k, _ := errkind.Of(err); return k }

// TestInvalidPasswordEncoding: a new password that is not UTF-8 is the
// person's mistake, answered 422 with the policy's message (it was a 500
// while the error's kind was a list of sentinels in ui that missed it).
func TestInvalidPasswordEncoding(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "alice", auth.RoleViewer)
	bad := strings.Repeat("\xff", 20)
	form := url.Values{"current": {testPassword}, "new": {bad}, "confirm": {bad}}
	req, _ := http.NewRequest("POST", base+"/account/password", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	resp, body := send(t, req)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Password is not valid UTF-8.") {
		t.Errorf("%d, want 422 saying the password is not valid UTF-8:\n%s", resp.StatusCode, body)
	}
}

// TestErrorsLocalBack: back may only name a page below /errors, after
// the path is cleaned.
func TestErrorsLocalBack(t *testing.T) {
	const def = "/errors/issues/x"
	for back, want := range map[string]string{
		"/errors":                     "/errors",
		"/errors?project=shop":        "/errors?project=shop",
		"/errors/issues/abc":          "/errors/issues/abc",
		"/errors/../admin":            def,
		"/errors/%2e%2e/admin":        def,
		"/errors/./../admin/users":    def,
		"/errors/a/../../admin":       def,
		"//evil.example/errors":       def,
		"https://evil.example/errors": def,
		"/errors\\..\\admin":          def,
		"/errorsx":                    def,
		"/errors/a/../b":              "/errors/b",
	} {
		if got := localBack(back, def); got != want {
			t.Errorf("localBack(%q) = %q, want %q", back, got, want)
		}
	}
}
