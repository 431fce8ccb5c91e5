package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

func scopedToken(tb testing.TB, s *Server, name string, role auth.Role, scopes ...auth.Scope) string {
	tb.Helper()
	tok, err := s.deps.Auth.CreateToken(context.Background(), auth.Local("test"), auth.TokenSpec{Name: name, Role: role, Scopes: scopes})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// TestDefaultScopes walks the route table: every route a scoped token
// may use is an API route and names the scope the README's table says.
func TestDefaultScopes(t *testing.T) {
	s, _ := startServer(t, discardLogger())
	want := map[string]auth.Scope{
		"GET /api/v1/query":                    auth.ScopeMetricsRead,
		"POST /api/v1/query_range":             auth.ScopeMetricsRead,
		"GET /metrics":                         auth.ScopeMetricsRead,
		"GET /api/v2/status":                   auth.ScopeMetricsRead,
		"GET /api/v2/silences":                 auth.ScopeMetricsRead,
		"POST /api/v2/alerts":                  auth.ScopeAlertsWrite,
		"POST /api/v2/silences":                auth.ScopeAlertsWrite,
		"DELETE /api/v2/silence/{id}":          auth.ScopeAlertsWrite,
		"GET /api/backups/status/{$}":          auth.ScopeBackupsPing,
		"POST /api/backups/jobs/{job}/run":     auth.ScopeBackupsPing,
		"POST /api/backups/restore/{$}":        "",
		"GET /api/ward/audit":                  auth.ScopeAuditRead,
		"GET /api/ward/audit/verify":           auth.ScopeAuditRead,
		"POST /-/reload":                       "",
		"GET /api/ward/deliveries":             "",
		"POST /api/ward/receivers/{name}/test": "",
		"GET /admin/users":                     "",
		"GET /alerts":                          "",
	}
	for pattern, scope := range want {
		e, ok := s.endpoints[pattern]
		if !ok {
			t.Errorf("route %q missing", pattern)
			continue
		}
		if e.scope != scope {
			t.Errorf("route %q: scope %q, want %q", pattern, e.scope, scope)
		}
	}
	for pattern, e := range s.endpoints {
		if e.scope != "" && (e.kind != kindAPI || e.access != protected) {
			t.Errorf("route %q: scope %q on a %v %v route", pattern, e.scope, e.access, e.kind)
		}
	}
}

// TestScopeEnforced sends scoped tokens at routes in and out of their
// scopes: outside, 403 in Prometheus' envelope naming the scope needed,
// audited once per route and minute.
func TestScopeEnforced(t *testing.T) {
	s, base := startServer(t, discardLogger())
	reader := scopedToken(t, s, "grafana", auth.RoleAdmin, auth.ScopeMetricsRead)
	amtool := scopedToken(t, s, "amtool", auth.RoleOperator, auth.ScopeAlertsWrite)
	backup := scopedToken(t, s, "backup", auth.RoleOperator, auth.ScopeBackupsPing)
	for _, tc := range []struct {
		token, method, path string
		want                int
		need                string
	}{
		{reader, "GET", "/api/v1/query?query=up", http.StatusOK, ""},
		{reader, "GET", "/metrics", http.StatusOK, ""},
		{reader, "GET", "/api/v2/silences", http.StatusOK, ""},
		{reader, "POST", "/api/v2/silences", http.StatusForbidden, "alerts:write"},
		{reader, "POST", "/-/reload", http.StatusForbidden, "no scope does"},
		{amtool, "GET", "/api/v2/status", http.StatusOK, ""},
		{amtool, "GET", "/api/v2/alerts", http.StatusOK, ""},
		{amtool, "GET", "/api/v1/query?query=up", http.StatusForbidden, "metrics:read"},
		{amtool, "GET", "/metrics", http.StatusForbidden, "metrics:read"},
		{backup, "GET", "/api/v1/query?query=up", http.StatusForbidden, "metrics:read"},
		{backup, "GET", "/api/v2/alerts", http.StatusForbidden, "metrics:read"},
		{backup, "POST", "/api/ward/receivers/log/test", http.StatusForbidden, "no scope does"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := doAs(t, tc.method, base+tc.path, tc.token, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want != http.StatusForbidden {
				return
			}
			var env struct{ Status, ErrorType, Error string }
			if json.Unmarshal([]byte(body), &env) != nil || env.Status != "error" || !strings.Contains(env.Error, tc.need) {
				t.Errorf("refusal %q: want the API envelope naming %q", body, tc.need)
			}
		})
	}
	// A second refusal on the same route within the minute is counted,
	// not recorded.
	doAs(t, "GET", base+"/api/v1/query?query=up", backup, nil)
	var mine []audit.Record
	for _, r := range auditRecords(t, s, audit.ActionAccessDenied) {
		if r.Actor == "token:backup" && r.Target == "GET /api/v1/query" {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || mine[0].Details["required_scope"] != "metrics:read" || mine[0].Details["scopes"] != "backups:ping" {
		t.Errorf("audited refusals %+v: want one naming the scopes", mine)
	}
}
