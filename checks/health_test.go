package checks

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// component is a Component with a fixed answer.
type component struct {
	name string
	err  error
}

func (c component) Name() string                  { return c.name }
func (c component) Healthy(context.Context) error { return c.err }

// countingProber counts probes: /health/ must never cause one.
type countingProber struct{ n atomic.Int32 }

func (p *countingProber) probe(context.Context, *report) error { p.n.Add(1); return nil }

func TestHealthHandler(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	up := Result{Status: StatusUp, Time: now, Duration: 12 * time.Millisecond, LastSuccess: now, Details: "PostgreSQL 15.4, primary"}
	down := Result{Status: StatusDown, Time: now.Add(time.Minute), Duration: 3 * time.Second, Reason: ReasonTimeout, Error: "no answer within 3s"}
	pending := Result{Status: StatusPending}
	tsdbOK := component{name: "tsdb"}
	tsdbBroken := component{name: "tsdb", err: errors.New("append: disk full")}

	tests := []healthCase{
		{"all up", up, up, []Component{tsdbOK}, http.StatusOK, "pass"},
		{"non-critical down", up, down, []Component{tsdbOK}, http.StatusOK, "warn"},
		{"critical down", down, up, []Component{tsdbOK}, http.StatusServiceUnavailable, "fail"},
		{"critical pending", pending, up, nil, http.StatusServiceUnavailable, "fail"},
		{"component down", up, up, []Component{tsdbBroken}, http.StatusServiceUnavailable, "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRunner(newLogger(&logBuffer{}), openTSDB(t), nil)
			if err := r.ApplyConfig(loadChecks(t, `
  - {name: db, kind: postgres, dsn: "postgres://ward@db/app", critical: true}
  - {name: cache, kind: redis, address: "cache:6379"}
`)); err != nil {
				t.Fatal(err)
			}
			probes := &countingProber{}
			for name, res := range map[string]Result{"db": tt.db, "cache": tt.cache} {
				j := r.jobs[name]
				j.prober = probes
				if res.Status == StatusPending {
					continue
				}
				// Every check that ran passed once, at now.
				for _, res := range []Result{up, res} {
					res.Check, res.Kind, res.Critical = name, j.cfg.Kind, j.cfg.Critical
					j.record(res)
				}
			}

			for _, details := range []bool{false, true} {
				h := r.HealthHandler(HealthOptions{Components: tt.components, Details: func(*http.Request) bool { return details }})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/health/", nil))
				if rec.Code != tt.code {
					t.Errorf("details %v: status code %d, want %d", details, rec.Code, tt.code)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, rec.Body)
				}
				if body["status"] != tt.status {
					t.Errorf("status %v, want %s", body["status"], tt.status)
				}
				checkShape(t, body, details, tt)
			}
			if n := probes.n.Load(); n != 0 {
				t.Errorf("/health/ probed %d times; it must only report", n)
			}
		})
	}
}

// healthCase is one state of two checks and ward's components.
type healthCase struct {
	name       string
	db, cache  Result // db is critical, cache is not
	components []Component
	code       int
	status     string
}

// checkShape checks the JSON's keys and values; details says whether the
// request could see them.
func checkShape(t *testing.T, body map[string]any, details bool, tt healthCase) {
	t.Helper()
	if got := slices.Sorted(maps.Keys(body)); !slices.Equal(got, []string{"checks", "components", "status"}) {
		t.Errorf("top-level keys %v", got)
	}
	checks := body["checks"].([]any)
	if len(checks) != 2 {
		t.Fatalf("%d checks, want 2", len(checks))
	}
	db := checks[0].(map[string]any)
	want := []string{"critical", "kind", "name", "status"}
	switch {
	case details && tt.db.Status == StatusUp:
		want = []string{"critical", "details", "kind", "last_run", "last_success", "latency_seconds", "name", "status"}
	case details && tt.db.Status == StatusDown:
		want = []string{"critical", "error", "kind", "last_run", "last_success", "latency_seconds", "name", "reason", "status"}
	}
	if got := slices.Sorted(maps.Keys(db)); !slices.Equal(got, want) {
		t.Errorf("details %v: db keys %v, want %v", details, got, want)
	}
	if db["name"] != "db" || db["kind"] != "postgres" || db["critical"] != true || db["status"] != string(tt.db.Status) {
		t.Errorf("db = %v", db)
	}
	if details && tt.db.Status == StatusDown {
		if db["error"] != tt.db.Error || db["reason"] != ReasonTimeout || db["latency_seconds"] != 3.0 ||
			db["last_success"] != "2026-11-27T10:00:00Z" {
			t.Errorf("db = %v", db)
		}
	}
	comps := body["components"].([]any)
	if len(comps) != len(tt.components) {
		t.Fatalf("%d components, want %d", len(comps), len(tt.components))
	}
	for i, c := range comps {
		c := c.(map[string]any)
		wantStatus := "up"
		if tt.components[i].Healthy(context.Background()) != nil {
			wantStatus = "down"
			if _, shown := c["error"]; shown != details {
				t.Errorf("details %v: component error shown = %v", details, shown)
			}
		}
		if c["name"] != tt.components[i].Name() || c["status"] != wantStatus {
			t.Errorf("component %v, want %s %s", c, tt.components[i].Name(), wantStatus)
		}
	}
}

// hung is a component that never answers.
type hung struct{}

func (hung) Name() string { return "notifier" }
func (hung) Healthy(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestHealthHandlerComponentHangs(t *testing.T) {
	r := NewRunner(newLogger(&logBuffer{}), openTSDB(t), nil)
	h := r.HealthHandler(HealthOptions{Components: []Component{hung{}}})
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/health/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 for a component that does not answer", rec.Code)
	}
	if d := time.Since(start); d > 3*componentTimeout {
		t.Errorf("/health/ took %s with a hung component", d)
	}
}
