package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/checks"
)

// TestHealthJSON renders health reports as /health/ and compares the
// bytes with what checks.Runner's handler answered before the report
// became a value: the JSON is a contract with load balancers and
// monitors.
func TestHealthJSON(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	// Results carry local times; the JSON is in UTC.
	local := time.FixedZone("CET", 3600)
	up := func(name, kind string, critical bool) checks.Result {
		return checks.Result{Check: name, Kind: kind, Critical: critical, Status: checks.StatusUp, Time: now.In(local),
			Duration: 12 * time.Millisecond, LastSuccess: now.In(local), Details: "PostgreSQL 15.4, primary"}
	}
	down := func(name, kind string, critical bool) checks.Result {
		return checks.Result{Check: name, Kind: kind, Critical: critical, Status: checks.StatusDown, Time: now.Add(time.Minute),
			Duration: 3 * time.Second, Reason: checks.ReasonTimeout, Error: "no answer within 3s", LastSuccess: now}
	}
	tests := []struct {
		name                string
		report              checks.Health
		code                int
		statuses, detailsOn string
	}{
		{
			name: "critical check and a component down",
			report: checks.Health{Status: checks.HealthFail,
				Checks: []checks.Result{down("db", "postgres", true), up("cache", "redis", false)},
				Components: []checks.ComponentHealth{{Name: "tsdb", Status: checks.StatusUp},
					{Name: "notifier", Status: checks.StatusDown, Error: "receiver team failing for 6m"}}},
			code:      http.StatusServiceUnavailable,
			statuses:  `{"status":"fail","checks":[{"name":"db","kind":"postgres","critical":true,"status":"down"},{"name":"cache","kind":"redis","critical":false,"status":"up"}],"components":[{"name":"tsdb","status":"up"},{"name":"notifier","status":"down"}]}`,
			detailsOn: `{"status":"fail","checks":[{"name":"db","kind":"postgres","critical":true,"status":"down","latency_seconds":3,"last_run":"2026-11-27T10:01:00Z","last_success":"2026-11-27T10:00:00Z","reason":"timeout","error":"no answer within 3s"},{"name":"cache","kind":"redis","critical":false,"status":"up","latency_seconds":0.012,"last_run":"2026-11-27T10:00:00Z","last_success":"2026-11-27T10:00:00Z","details":"PostgreSQL 15.4, primary"}],"components":[{"name":"tsdb","status":"up"},{"name":"notifier","status":"down","error":"receiver team failing for 6m"}]}`,
		},
		{
			name: "critical check pending, no components",
			report: checks.Health{Status: checks.HealthFail,
				Checks: []checks.Result{{Check: "db", Kind: "postgres", Critical: true, Status: checks.StatusPending}, down("cache", "redis", false)}},
			code:      http.StatusServiceUnavailable,
			statuses:  `{"status":"fail","checks":[{"name":"db","kind":"postgres","critical":true,"status":"pending"},{"name":"cache","kind":"redis","critical":false,"status":"down"}],"components":[]}`,
			detailsOn: `{"status":"fail","checks":[{"name":"db","kind":"postgres","critical":true,"status":"pending"},{"name":"cache","kind":"redis","critical":false,"status":"down","latency_seconds":3,"last_run":"2026-11-27T10:01:00Z","last_success":"2026-11-27T10:00:00Z","reason":"timeout","error":"no answer within 3s"}],"components":[]}`,
		},
		{
			name: "all up",
			report: checks.Health{Status: checks.HealthPass,
				Checks:     []checks.Result{up("db", "postgres", true), up("cache", "redis", false)},
				Components: []checks.ComponentHealth{{Name: "tsdb", Status: checks.StatusUp}}},
			code:      http.StatusOK,
			statuses:  `{"status":"pass","checks":[{"name":"db","kind":"postgres","critical":true,"status":"up"},{"name":"cache","kind":"redis","critical":false,"status":"up"}],"components":[{"name":"tsdb","status":"up"}]}`,
			detailsOn: `{"status":"pass","checks":[{"name":"db","kind":"postgres","critical":true,"status":"up","latency_seconds":0.012,"last_run":"2026-11-27T10:00:00Z","last_success":"2026-11-27T10:00:00Z","details":"PostgreSQL 15.4, primary"},{"name":"cache","kind":"redis","critical":false,"status":"up","latency_seconds":0.012,"last_run":"2026-11-27T10:00:00Z","last_success":"2026-11-27T10:00:00Z","details":"PostgreSQL 15.4, primary"}],"components":[{"name":"tsdb","status":"up"}]}`,
		},
		{
			name:      "nothing configured",
			report:    checks.Health{Status: checks.HealthPass},
			code:      http.StatusOK,
			statuses:  `{"status":"pass","checks":[],"components":[]}`,
			detailsOn: `{"status":"pass","checks":[],"components":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				details func(*http.Request) bool
				want    string
			}{
				{nil, tt.statuses},
				{func(*http.Request) bool { return false }, tt.statuses},
				{func(*http.Request) bool { return true }, tt.detailsOn},
			} {
				var asked context.Context
				h := HealthHandler(func(ctx context.Context) checks.Health { asked = ctx; return tt.report }, c.details)
				req := httptest.NewRequest("GET", "/health/", nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tt.code {
					t.Errorf("status code %d, want %d", rec.Code, tt.code)
				}
				if got := rec.Body.String(); got != c.want+"\n" {
					t.Errorf("body\n%s\nwant\n%s", got, c.want)
				}
				if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
					t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
				}
				if asked != req.Context() {
					t.Error("the report was not asked with the request's context")
				}
			}
		})
	}
}
