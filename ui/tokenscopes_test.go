package ui

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestScopeMinRoles keeps auth's scope-to-role table in step with the
// route table: a scope's least role is the least role of the routes that
// name it.
func TestScopeMinRoles(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	least := map[auth.Scope]auth.Role{}
	for _, e := range s.endpoints {
		if e.scope == "" {
			continue
		}
		if r, ok := least[e.scope]; !ok || r.AtLeast(e.role) {
			least[e.scope] = e.role
		}
	}
	for _, sc := range auth.Scopes {
		if least[sc] != sc.MinRole() {
			t.Errorf("%s: routes need at least %q, auth says %q", sc, least[sc], sc.MinRole())
		}
	}
}

// TestTokenFormFitsRole: the form offers only scopes the maker's role
// can use, a scope above the token's role is refused with a reason, and
// the snippets shown after making a token are those that work with its
// scopes.
func TestTokenFormFitsRole(t *testing.T) {
	s, base := startServer(t, discardLogger())
	vera := signIn(t, s, "vera", auth.RoleViewer)
	otto := signIn(t, s, "otto", auth.RoleOperator)
	const alertsBox = `value="alerts:write"`
	if _, body := doAs(t, "GET", base+"/account/tokens", "", vera); strings.Contains(body, alertsBox) || !strings.Contains(body, `value="metrics:read"`) {
		t.Error("a viewer's form: want metrics:read offered and alerts:write not")
	}
	if _, body := doAs(t, "GET", base+"/account/tokens", "", otto); !strings.Contains(body, alertsBox) || !strings.Contains(body, "(role operator or above)") {
		t.Error("an operator's form: want alerts:write offered, saying it needs operator")
	}
	stepUpAs(t, base, otto)
	stepUpAs(t, base, vera)
	resp, body := postForm(t, base+"/account/tokens", url.Values{"name": {"am"}, "role": {"viewer"}, "scope": {"alerts:write"}, "expiry": {"30d"}}, otto)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "alerts:write needs role operator") || tokenInPage.MatchString(body) {
		t.Errorf("viewer token with alerts:write: %d, want 422 saying it needs operator", resp.StatusCode)
	}
	for _, tc := range []struct {
		who        *http.Cookie
		role       string
		scopes     []string
		want, lack []string
	}{
		{otto, "operator", []string{"alerts:write"}, []string{"amtool --alertmanager.url", "ward-http.yml"}, []string{"promtool query", "httpHeaderValue1", "/api/backups/"}},
		{vera, "viewer", []string{"metrics:read"}, []string{"promtool query", "httpHeaderValue1"}, []string{"amtool --alertmanager.url", "/api/backups/"}},
		{vera, "viewer", []string{"backups:ping"}, []string{"/api/backups/status/", "ward-auth-header"}, []string{"promtool query", "httpHeaderValue1", "amtool --alertmanager.url", "/run"}},
		{otto, "operator", []string{"backups:ping"}, []string{"/api/backups/status/", "/api/backups/jobs/JOB/run"}, []string{"promtool query", "amtool --alertmanager.url"}},
		{otto, "operator", nil, []string{"promtool query", "httpHeaderValue1", "amtool --alertmanager.url", "/api/backups/status/"}, nil},
	} {
		name := tc.role + "-" + strings.ReplaceAll(strings.Join(tc.scopes, "-"), ":", "")
		resp, body := postForm(t, base+"/account/tokens", url.Values{"name": {name}, "role": {tc.role}, "scope": tc.scopes, "expiry": {"30d"}}, tc.who)
		if resp.StatusCode != http.StatusOK || !tokenInPage.MatchString(body) {
			t.Errorf("%s: %d, want a token", name, resp.StatusCode)
			continue
		}
		page := html.UnescapeString(body)
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: snippets lack %q", name, w)
			}
		}
		for _, l := range tc.lack {
			if strings.Contains(page, l) {
				t.Errorf("%s: snippets show %q, which this token cannot use", name, l)
			}
		}
	}
}
