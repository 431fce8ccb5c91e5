package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// postForm posts form values with cookie and returns the raw answer
// (redirects are not followed).
func postForm(tb testing.TB, u string, form url.Values, cookie *http.Cookie) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return send(tb, req)
}

// TestNoRawBackticksOnSignInPages: notices are prose, not Markdown; the
// login page of a ward without users showed "`ward serve`".
func TestNoRawBackticksOnSignInPages(t *testing.T) {
	_, base := startServer(t, discardLogger())
	for _, path := range []string{"/login", "/setup", "/reset-password"} {
		resp, body := do(t, http.MethodGet, base+path)
		if strings.Contains(body, "`") {
			t.Errorf("GET %s (%d) shows a backtick: %s", path, resp.StatusCode, body)
		}
	}
	if _, body := do(t, http.MethodGet, base+"/login"); !strings.Contains(body, "setup link") {
		t.Errorf("the login page of a ward without users no longer points to the setup link:\n%s", body)
	}
}

// TestSignOutRedirectsToLogin: signing out answers 303 to the sign-in
// page (the address bar left /logout behind) with Clear-Site-Data, and
// the sign-in page says so in the success colour.
func TestSignOutRedirectsToLogin(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "ada", auth.RoleViewer)
	resp, _ := postForm(t, base+"/logout", nil, cookie)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?signed_out=1" {
		t.Fatalf("POST /logout: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := resp.Header.Get("Clear-Site-Data"); !strings.Contains(got, `"cookies"`) || !strings.Contains(got, `"storage"`) {
		t.Errorf("Clear-Site-Data %q", got)
	}
	if resp, _ := doAs(t, http.MethodGet, base+"/account", "", cookie); resp.StatusCode == http.StatusOK {
		t.Error("the session still works after sign-out")
	}
	_, body := do(t, http.MethodGet, base+"/login?signed_out=1")
	if !strings.Contains(body, `<p class="success" role="status">You are signed out.</p>`) {
		t.Errorf("sign-in page after sign-out:\n%s", body)
	}
}

// TestSuccessNoticesAreGreen: what succeeded is shown with class
// "success", not the amber "notice" of warnings.
func TestSuccessNoticesAreGreen(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	if resp, body := postForm(t, base+"/account/step-up", url.Values{"proof": {testPassword}, "next": {"/admin/users"}}, admin); resp.StatusCode >= 400 {
		t.Fatalf("step-up: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"username": {"vic"}, "role": {"viewer"}, "password": {testPassword}}
	_, body := postForm(t, base+"/admin/users", form, admin)
	if !strings.Contains(body, `<p class="success" role="status">User vic added.</p>`) {
		t.Errorf("user added:\n%s", body)
	}
	if strings.Contains(body, `class="notice"`) {
		t.Error("a success shown as a notice")
	}
	// Times name their zone (ada's last sign-in, the step-up's end).
	if !strings.Contains(body, " UTC</td>") || !strings.Contains(body, " UTC.</p>") {
		t.Errorf("users page times without a zone:\n%s", body)
	}
}

// TestNotFoundPage: a path no route serves answers 404 with ward's page
// layout (and the navigation for a signed-in user) instead of Go's plain
// text; under /api/ it answers in the API's JSON envelope.
func TestNotFoundPage(t *testing.T) {
	s, base := startServer(t, discardLogger())
	resp, body := do(t, http.MethodGet, base+"/alertz")
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "<h1>Not found</h1>") || !strings.Contains(body, "/static/ward.") || !strings.Contains(body, "<code>/alertz</code>") {
		t.Errorf("anonymous 404: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	assertSecurityHeaders(t, resp.Header)
	cookie := signIn(t, s, "ada", auth.RoleViewer)
	resp, body = doAs(t, http.MethodGet, base+"/nothing/here", "", cookie)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "ada") || !strings.Contains(body, `action="/logout"`) {
		t.Errorf("signed-in 404 lacks the header: %d\n%s", resp.StatusCode, body)
	}
	resp, body = do(t, http.MethodGet, base+"/api/v1/nope")
	var env struct{ Status, ErrorType string }
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal([]byte(body), &env) != nil || env.ErrorType != "not_found" {
		t.Errorf("API 404: %d %s", resp.StatusCode, body)
	}
	// A method the route does not take is still 405, not a 404 page.
	if resp, _ := do(t, http.MethodDelete, base+"/login"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /login: %d, want 405", resp.StatusCode)
	}
}

// TestDeleteUserAsksFirst: the Delete button opens a confirmation page;
// only its form, with confirm=yes, deletes. A bare POST deletes nothing.
func TestDeleteUserAsksFirst(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	signIn(t, s, "vic", auth.RoleViewer)
	if resp, body := postForm(t, base+"/account/step-up", url.Values{"proof": {testPassword}, "next": {"/admin/users"}}, admin); resp.StatusCode >= 400 {
		t.Fatalf("step-up: %d %s", resp.StatusCode, body)
	}
	_, body := doAs(t, http.MethodGet, base+"/admin/users", "", admin)
	if !strings.Contains(body, `href="/admin/users/vic/delete"`) {
		t.Fatalf("users page has no delete link for vic:\n%s", body)
	}
	exists := func() bool {
		users, err := s.deps.Auth.Users(context.Background(), auth.Local("test"))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.Name == "vic" {
				return true
			}
		}
		return false
	}
	resp, body := postForm(t, base+"/admin/users/vic/delete", nil, admin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Delete vic?") || !exists() {
		t.Fatalf("POST without confirm: %d, exists %v\n%s", resp.StatusCode, exists(), body)
	}
	resp, body = doAs(t, http.MethodGet, base+"/admin/users/vic/delete", "", admin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, `href="/admin/users"`) {
		t.Fatalf("confirmation page: %d\n%s", resp.StatusCode, body)
	}
	_, body = postForm(t, base+"/admin/users/vic/delete", url.Values{"confirm": {"yes"}}, admin)
	if exists() || !strings.Contains(body, "vic was deleted.") {
		t.Errorf("confirmed delete: exists %v\n%s", exists(), body)
	}
	// Viewers cannot even see the question.
	viewer := signIn(t, s, "val", auth.RoleViewer)
	if resp, _ := doAs(t, http.MethodGet, base+"/admin/users/ada/delete", "", viewer); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer GET confirm page: %d, want 403", resp.StatusCode)
	}
}

func TestGroupsOf4(t *testing.T) {
	for in, want := range map[string]string{"": "", "ABC": "ABC", "ABCD": "ABCD", "ABCDEFGHIJ": "ABCD EFGH IJ"} {
		if got := strings.Join(groupsOf4(in), " "); got != want {
			t.Errorf("groupsOf4(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSetupPromisesTwoFactorOnlyWhenRequired: the setup page announced
// a 2FA step that never came when admins need no 2FA.
func TestSetupPromisesTwoFactorOnlyWhenRequired(t *testing.T) {
	for _, tc := range []struct {
		roles []string
		want  string
	}{
		{[]string{"admin"}, "Step 2 sets up two-factor authentication"},
		{nil, "Two-factor authentication is optional for admins"},
	} {
		c := testAuthConfig()
		c.TwoFactor.RequiredRoles = tc.roles
		_, base := startServerWith(t, discardLogger(), c)
		resp, body := do(t, http.MethodGet, base+"/setup?token=x")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("required roles %v: %d, page lacks %q", tc.roles, resp.StatusCode, tc.want)
		}
	}
}
