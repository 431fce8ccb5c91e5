package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// TestConsoleBadFilters: a filter value the page does not know is a 400
// that names the parameter, never an empty page.
func TestConsoleBadFilters(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	for _, tc := range []struct{ path, field string }{
		{"/?problems=yes", "problems:"},
		{"/targets?state=sideways", "state:"},
		{"/checks?state=broken", "state:"},
		{"/checks?kind=ftp", "kind:"},
	} {
		resp, body := doAs(t, "GET", base+tc.path, "", viewer)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(strings.ToLower(body), tc.field) {
			t.Errorf("GET %s: %d, want 400 naming %q:\n%s", tc.path, resp.StatusCode, tc.field, body)
		}
	}
}

// TestConsolePagesWithoutSources: a server without a TSDB, rules or
// targets (as in these unit tests) still renders every console page.
func TestConsolePagesWithoutSources(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	for path, want := range map[string]string{
		"/":                 "Production: <span class=\"verdict-level\">OK</span>",
		"/?problems=1":      "Every service is OK.",
		"/rules":            "No rule groups are loaded.",
		"/targets":          "ward scrapes no target.",
		"/targets?state=up": "No target is up.",
		"/checks":           "No checks are configured.",
		"/status":           "Series in the head",
	} {
		resp, body := doAs(t, "GET", base+path, "", viewer)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want %q in:\n%s", path, resp.StatusCode, want, body)
		}
	}
}

func TestAgoText(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-5 * time.Second: "5s ago", -3 * time.Minute: "3m ago", -5 * time.Hour: "5h ago",
		-72 * time.Hour: "3d ago", 2 * time.Minute: "in 2m",
	} {
		if got := agoText(now.Add(d), now); got != want {
			t.Errorf("agoText(%s) = %q, want %q", d, got, want)
		}
	}
	if got := agoText(time.Time{}, now); got != "" {
		t.Errorf("zero time: %q", got)
	}
}

func TestRuleAnchor(t *testing.T) {
	if got := RuleAnchor("ward-app", "job:ward_app_http_requests:rate5m"); got != "rule-ward-app-job-ward-app-http-requests-rate5m" {
		t.Errorf("RuleAnchor = %q", got)
	}
}
