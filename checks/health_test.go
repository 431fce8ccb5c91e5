package checks

import (
	"context"
	"errors"
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

// countingProber counts probes: a health report must never cause one.
type countingProber struct{ n atomic.Int32 }

func (p *countingProber) probe(context.Context, *report) error { p.n.Add(1); return nil }

func TestHealthReport(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	up := Result{Status: StatusUp, Time: now, Duration: 12 * time.Millisecond, LastSuccess: now, Details: "PostgreSQL 15.4, primary"}
	down := Result{Status: StatusDown, Time: now.Add(time.Minute), Duration: 3 * time.Second, Reason: ReasonTimeout, Error: "no answer within 3s"}
	pending := Result{Status: StatusPending}
	tsdbOK := component{name: "tsdb"}
	tsdbBroken := component{name: "tsdb", err: errors.New("append:   disk\n full")}

	tests := []struct {
		name       string
		db, cache  Result // db is critical, cache is not
		components []Component
		status     HealthStatus
	}{
		{"all up", up, up, []Component{tsdbOK}, HealthPass},
		{"non-critical down", up, down, []Component{tsdbOK}, HealthWarn},
		{"non-critical pending", up, pending, nil, HealthWarn},
		{"critical down", down, up, []Component{tsdbOK}, HealthFail},
		{"critical pending", pending, up, nil, HealthFail},
		{"component down", up, up, []Component{tsdbOK, tsdbBroken}, HealthFail},
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
			want := map[string]Result{}
			for name, res := range map[string]Result{"db": tt.db, "cache": tt.cache} {
				j := r.jobs[name]
				j.prober = probes
				res.Check, res.Kind, res.Critical = name, j.cfg.Kind, j.cfg.Critical
				if res.Status != StatusPending {
					// Every check that ran passed once, at now.
					first := up
					first.Check, first.Kind, first.Critical = name, j.cfg.Kind, j.cfg.Critical
					j.record(first)
					j.record(res)
					res.LastSuccess = now
				}
				want[name] = res
			}

			h := r.Health(context.Background(), tt.components)
			if h.Status != tt.status {
				t.Errorf("status %s, want %s", h.Status, tt.status)
			}
			if len(h.Checks) != 2 || h.Checks[0].Check != "db" || h.Checks[1].Check != "cache" {
				t.Fatalf("checks not in configuration order: %+v", h.Checks)
			}
			for _, got := range h.Checks {
				if got != want[got.Check] {
					t.Errorf("%s: %+v, want %+v", got.Check, got, want[got.Check])
				}
			}
			if len(h.Components) != len(tt.components) {
				t.Fatalf("%d components, want %d", len(h.Components), len(tt.components))
			}
			for i, c := range h.Components {
				wantC := ComponentHealth{Name: "tsdb", Status: StatusUp}
				if tt.components[i].Healthy(context.Background()) != nil {
					wantC.Status, wantC.Error = StatusDown, "append: disk full"
				}
				if c != wantC {
					t.Errorf("component %d: %+v, want %+v", i, c, wantC)
				}
			}
			if n := probes.n.Load(); n != 0 {
				t.Errorf("the health report probed %d times; it must only report", n)
			}
		})
	}
}

// hung is a component that never answers.
type hung struct{}

func (hung) Name() string { return "notifier" }
func (hung) Healthy(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestHealthComponentHangs(t *testing.T) {
	r := NewRunner(newLogger(&logBuffer{}), openTSDB(t), nil)
	start := time.Now()
	h := r.Health(context.Background(), []Component{hung{}, component{name: "tsdb"}})
	if h.Status != HealthFail || h.Components[0].Status != StatusDown || h.Components[1].Status != StatusUp {
		t.Errorf("report %+v, want fail with the hung component down", h)
	}
	if h.Components[0].Error != context.DeadlineExceeded.Error() {
		t.Errorf("hung component's error %q", h.Components[0].Error)
	}
	if d := time.Since(start); d > 3*componentTimeout {
		t.Errorf("the health report took %s with a hung component", d)
	}
}
