package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// TestClearThrottleFromUIAndAPI: the users page shows a throttled user
// with a button that clears it, and the API does the same for the CLI;
// viewers can do neither.
func TestClearThrottleFromUIAndAPI(t *testing.T) {
	s, base := startServer(t, discardLogger())
	ctx := context.Background()
	if _, err := s.deps.Auth.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: "alice", Role: auth.RoleViewer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	throttle := func() {
		for i := range 6 {
			_, _ = s.deps.Auth.Login(ctx, auth.LoginRequest{Username: "alice", Password: "wrong password", IP: fmt.Sprintf("203.0.113.%d", i), UserAgent: "x"})
		}
		if s.deps.Auth.Throttled("alice") == 0 {
			t.Fatal("alice is not throttled")
		}
	}
	throttle()
	admin := signIn(t, s, "root", auth.RoleAdmin)
	_, body := doAs(t, "GET", base+"/admin/users", "", admin)
	if !strings.Contains(body, `action="/admin/users/alice/clear-throttle"`) {
		t.Fatal("the users page offers no way to clear alice's throttle")
	}
	resp, _ := doAs(t, "POST", base+"/admin/users/alice/clear-throttle", "", admin)
	if resp.StatusCode != http.StatusOK || s.deps.Auth.Throttled("alice") != 0 {
		t.Fatalf("clearing from the page: %d, still throttled %v", resp.StatusCode, s.deps.Auth.Throttled("alice"))
	}

	throttle()
	viewer := apiToken(t, s, "viewer-test", auth.RoleViewer)
	if resp, _ := doAs(t, "POST", base+"/api/ward/users/alice/clear-throttle", viewer, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer token cleared a throttle: %d", resp.StatusCode)
	}
	adminToken := apiToken(t, s, "admin-test", auth.RoleAdmin)
	if resp, body := doAs(t, "POST", base+"/api/ward/users/alice/clear-throttle", adminToken, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin token: %d %s", resp.StatusCode, body)
	}
	if s.deps.Auth.Throttled("alice") != 0 {
		t.Fatal("still throttled after the API call")
	}
	if resp, _ := doAs(t, "POST", base+"/api/ward/users/nobody/clear-throttle", adminToken, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d, want 404", resp.StatusCode)
	}
	recs, err := s.deps.AuditLog.Records(ctx, "test", "", audit.Query{Action: auth.ActionThrottleClear})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d audit records of clearing, want 2", len(recs))
	}
}

// TestThrottledSignInSaysRetryAfter: a sign-in refused by the account's
// throttle answers 429 with Retry-After, like every other limit.
func TestThrottledSignInSaysRetryAfter(t *testing.T) {
	s, base := startServer(t, discardLogger())
	ctx := context.Background()
	if _, err := s.deps.Auth.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: "alice", Role: auth.RoleViewer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		_, _ = s.deps.Auth.Login(ctx, auth.LoginRequest{Username: "alice", Password: "wrong password", IP: fmt.Sprintf("203.0.113.%d", i), UserAgent: "x"})
	}
	form := url.Values{"username": {"alice"}, "password": {testPassword}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := send(t, req)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled sign-in: %d, Retry-After %q, want 429 with the header\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}
