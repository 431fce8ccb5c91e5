package ui

import (
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

var tokenInPage = regexp.MustCompile(`ward_[A-Za-z0-9_-]{20,}`)

// stepUpAs confirms cookie's session with the password (the test server
// requires 2FA of nobody).
func stepUpAs(tb testing.TB, base string, cookie *http.Cookie) {
	tb.Helper()
	resp, body := postForm(tb, base+"/account/step-up", url.Values{"proof": {testPassword}, "next": {"/account/tokens"}}, cookie)
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("step-up: %d %s", resp.StatusCode, body)
	}
}

// TestTokensPage walks the page: make a token (step-up first, role
// capped), see it once with its snippets, use it, see it listed to its
// maker and admins only, revoke it after a confirmation.
func TestTokensPage(t *testing.T) {
	var logs syncBuffer
	s, base := startServer(t, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	vera := signIn(t, s, "vera", auth.RoleViewer)
	victor := signIn(t, s, "victor", auth.RoleViewer)
	ada := signIn(t, s, "ada", auth.RoleAdmin)

	if resp, body := doAs(t, "GET", base+"/account/tokens", "", vera); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No API tokens yet") {
		t.Fatalf("empty page: %d", resp.StatusCode)
	}
	form := url.Values{"name": {"grafana"}, "role": {"viewer"}, "scope": {"metrics:read"}, "expiry": {"30d"}}
	if resp, body := postForm(t, base+"/account/tokens", form, vera); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "confirm") {
		t.Errorf("without step-up: %d, want 403 asking to confirm", resp.StatusCode)
	}
	stepUpAs(t, base, vera)
	for _, bad := range []struct {
		field, value, want string
	}{
		{"role", "operator", "role"},
		{"name", "Bad Name", "name"},
		{"scope", "admin:all", "invalid scope"},
		{"expiry", "10y", "expiry"},
		{"expiry", "custom", "expiry date"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set(bad.field, bad.value)
		resp, body := postForm(t, base+"/account/tokens", f, vera)
		if resp.StatusCode < 400 || !strings.Contains(strings.ToLower(html.UnescapeString(body)), bad.want) || tokenInPage.MatchString(body) {
			t.Errorf("%s=%q: %d, want a refusal naming %q and no token", bad.field, bad.value, resp.StatusCode, bad.want)
		}
	}
	resp, body := postForm(t, base+"/account/tokens", form, vera)
	token := tokenInPage.FindString(body)
	if resp.StatusCode != http.StatusOK || token == "" {
		t.Fatalf("create: %d, token %q", resp.StatusCode, token)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q on the page showing the token", cc)
	}
	page := html.UnescapeString(body)
	for _, want := range []string{"credentials: " + token, "httpHeaderValue1: Bearer " + token, "--http.config.file=ward-http.yml", "promtool query instant"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the token was logged")
	}
	// It works, within its scope.
	if resp, _ := doAs(t, "GET", base+"/api/v1/query?query=up", token, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("query with the new token: %d", resp.StatusCode)
	}
	if resp, _ := doAs(t, "GET", base+"/api/ward/deliveries", token, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("deliveries with a metrics:read token: %d, want 403", resp.StatusCode)
	}
	const nameCell = `<td data-label="Name">grafana</td>`
	// Shown once: the list has it, not the secret.
	_, body = doAs(t, "GET", base+"/account/tokens", "", vera)
	if !strings.Contains(body, nameCell) || strings.Contains(body, token) || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("list: want grafana, its last IP, and no token")
	}
	if _, body := doAs(t, "GET", base+"/account/tokens", "", victor); strings.Contains(body, nameCell) {
		t.Error("another viewer sees vera's token")
	}
	if resp, _ := doAs(t, "GET", base+"/admin/tokens", "", victor); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer on /admin/tokens: %d", resp.StatusCode)
	}
	if _, body := doAs(t, "GET", base+"/admin/tokens", "", ada); !strings.Contains(body, nameCell) || !strings.Contains(body, `"Made by">vera<`) {
		t.Error("admin page lacks vera's token")
	}
	// Another viewer cannot revoke it; its maker can, after a
	// confirmation.
	if resp, _ := postForm(t, base+"/account/tokens/grafana/revoke", url.Values{"confirm": {"yes"}}, victor); resp.StatusCode != http.StatusNotFound {
		t.Errorf("victor revoking vera's token: %d, want 404", resp.StatusCode)
	}
	if resp, body := doAs(t, "GET", base+"/account/tokens/grafana/revoke", "", vera); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Revoke grafana?") {
		t.Errorf("confirmation page: %d", resp.StatusCode)
	}
	if resp, _ := postForm(t, base+"/account/tokens/grafana/revoke", url.Values{"confirm": {"yes"}}, vera); resp.StatusCode != http.StatusOK {
		t.Errorf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := doAs(t, "GET", base+"/api/v1/query?query=up", token, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", resp.StatusCode)
	}
}

// TestDisableConfirmListsTokens: disabling asks first, names the tokens
// that go, and they stop working.
func TestDisableConfirmListsTokens(t *testing.T) {
	s, base := startServer(t, discardLogger())
	otto := signIn(t, s, "otto", auth.RoleOperator)
	ada := signIn(t, s, "ada", auth.RoleAdmin)
	stepUpAs(t, base, otto)
	resp, body := postForm(t, base+"/account/tokens", url.Values{"name": {"oncall"}, "role": {"operator"}, "scope": {"alerts:write"}}, otto)
	token := tokenInPage.FindString(body)
	if resp.StatusCode != http.StatusOK || token == "" {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	for _, u := range []string{"/admin/users/otto/disable", "/admin/users/otto/delete"} {
		if resp, body := doAs(t, "GET", base+u, "", ada); resp.StatusCode != http.StatusOK || !strings.Contains(body, "oncall") {
			t.Errorf("%s: %d, want the token listed", u, resp.StatusCode)
		}
	}
	stepUpAs(t, base, ada)
	// Without confirm=yes it only asks.
	if _, body := postForm(t, base+"/admin/users/otto/disable", nil, ada); !strings.Contains(body, "Disable otto?") {
		t.Error("disable without confirmation did not ask")
	}
	if resp, _ := doAs(t, "GET", base+"/api/v2/silences", token, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("token before disabling: %d", resp.StatusCode)
	}
	if resp, body := postForm(t, base+"/admin/users/otto/disable", url.Values{"confirm": {"yes"}}, ada); resp.StatusCode != http.StatusOK {
		t.Fatalf("disable: %d %s", resp.StatusCode, body)
	}
	if resp, _ := doAs(t, "GET", base+"/api/v2/silences", token, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: %d, want 401", resp.StatusCode)
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		choice, date string
		want         time.Time
		ok           bool
	}{
		{"default", "", time.Time{}, true},
		{"30d", "", now.Add(30 * 24 * time.Hour), true},
		{"365d", "", now.Add(365 * 24 * time.Hour), true},
		{"custom", "2027-01-31", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), true},
		{"custom", "31/01/2027", time.Time{}, false},
		{"7d", "", time.Time{}, false},
	} {
		got, err := parseExpiry(c.choice, c.date, now)
		if (err == nil) != c.ok || !got.Equal(c.want) {
			t.Errorf("parseExpiry(%q, %q) = %v, %v", c.choice, c.date, got, err)
		}
	}
}

func TestTokenRowFlags(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		expires time.Time
		flag    string
	}{
		{time.Time{}, ""},
		{now.Add(8 * 24 * time.Hour), ""},
		{now.Add(7 * 24 * time.Hour), "expires in 7 days"},
		{now.Add(36 * time.Hour), "expires in 1 day"},
		{now.Add(time.Hour), "expires within a day"},
		{now, "expired"},
		{now.Add(-time.Hour), "expired"},
	} {
		if got := tokenRowAt(auth.APIToken{Expires: c.expires}, now).Flag; got != c.flag {
			t.Errorf("expires %v: flag %q, want %q", c.expires, got, c.flag)
		}
	}
}

// FuzzParseExpiry: the form's expiry fields never panic, and anything
// accepted is the default (zero) or after now.
func FuzzParseExpiry(f *testing.F) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	for _, c := range [][2]string{{"default", ""}, {"30d", ""}, {"custom", "2027-01-31"}, {"custom", "0001-01-01"}, {"9999999d", ""}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, choice, date string) {
		got, err := parseExpiry(choice, date, now)
		if err == nil && !got.IsZero() && choice != "custom" && !got.After(now) {
			t.Errorf("parseExpiry(%q, %q) = %v, not after now", choice, date, got)
		}
	})
}
