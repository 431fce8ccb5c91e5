package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// componentTimeout bounds a Component's Healthy call, so a misbehaving
// component cannot hang /health/.
const componentTimeout = time.Second

// Component is a part of ward itself that /health/ reports on: the TSDB
// being writable, rule evaluation running, a notifier reachable.
//
// Healthy must be cheap: it reports what the component already knows
// (its last append, evaluation or delivery), it does not probe, because
// /health/ answers from state and never does I/O on request.
type Component interface {
	Name() string
	Healthy(ctx context.Context) error
}

// HealthOptions configure the /health/ handler.
type HealthOptions struct {
	// Components are ward's own parts; each counts as critical.
	Components []Component
	// Details reports whether a request may see latency, last success,
	// failure reason, error and details. Nil means never: anyone who can
	// reach the listener sees only the statuses.
	Details func(*http.Request) bool
}

// Overall statuses of a /health/ answer.
const (
	healthPass = "pass" // every check and component up
	healthWarn = "warn" // only non-critical checks down or pending
	healthFail = "fail" // a critical check or a component down or pending
)

type healthJSON struct {
	Status     string          `json:"status"`
	Checks     []checkJSON     `json:"checks"`
	Components []componentJSON `json:"components"`
}

type checkJSON struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Critical bool   `json:"critical"`
	Status   Status `json:"status"`
	// Details only.
	LatencySeconds *float64   `json:"latency_seconds,omitempty"`
	LastRun        *time.Time `json:"last_run,omitempty"`
	LastSuccess    *time.Time `json:"last_success,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	Error          string     `json:"error,omitempty"`
	Details        string     `json:"details,omitempty"`
}

type componentJSON struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Error  string `json:"error,omitempty"`
}

// HealthHandler serves GET /health/: the latest result of every check and
// the state of ward's own components as JSON, 200 when every critical
// check and every component is up and 503 otherwise.
func (r *Runner) HealthHandler(o HealthOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		details := o.Details != nil && o.Details(req)
		body := healthJSON{Status: healthPass, Checks: []checkJSON{}, Components: []componentJSON{}}
		for _, res := range r.Results() {
			c := checkJSON{Name: res.Check, Kind: res.Kind, Critical: res.Critical, Status: res.Status}
			if !res.OK() {
				if res.Critical {
					body.Status = healthFail
				} else if body.Status == healthPass {
					body.Status = healthWarn
				}
			}
			if details && res.Status != StatusPending {
				lat, run := res.Duration.Seconds(), res.Time.UTC()
				c.LatencySeconds, c.LastRun = &lat, &run
				c.Reason, c.Error, c.Details = res.Reason, res.Error, res.Details
			}
			if details && !res.LastSuccess.IsZero() {
				ls := res.LastSuccess.UTC()
				c.LastSuccess = &ls
			}
			body.Checks = append(body.Checks, c)
		}
		for i, err := range componentHealth(req.Context(), o.Components) {
			c := componentJSON{Name: o.Components[i].Name(), Status: StatusUp}
			if err != nil {
				c.Status = StatusDown
				body.Status = healthFail
				if details {
					c.Error = shortError(err.Error())
				}
			}
			body.Components = append(body.Components, c)
		}

		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			http.Error(w, "encoding health", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if body.Status == healthFail {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(buf.Bytes())
	})
}

// componentHealth asks every component at once, each within
// componentTimeout; one that does not answer in time counts as down.
func componentHealth(ctx context.Context, cs []Component) []error {
	errs := make([]error, len(cs))
	ctx, cancel := context.WithTimeout(ctx, componentTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range cs {
		done := make(chan error, 1)
		wg.Go(func() {
			go func() { done <- c.Healthy(ctx) }()
			select {
			case errs[i] = <-done:
			case <-ctx.Done():
				errs[i] = ctx.Err()
			}
		})
	}
	wg.Wait()
	return errs
}
