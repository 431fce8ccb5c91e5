package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ward-monitoring/ward/checks"
)

// healthJSON is the body of /health/.
type healthJSON struct {
	Status     checks.HealthStatus `json:"status"`
	Checks     []checkJSON         `json:"checks"`
	Components []componentJSON     `json:"components"`
}

type checkJSON struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	Critical bool          `json:"critical"`
	Status   checks.Status `json:"status"`
	// Details only.
	LatencySeconds *float64   `json:"latency_seconds,omitempty"`
	LastRun        *time.Time `json:"last_run,omitempty"`
	LastSuccess    *time.Time `json:"last_success,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	Error          string     `json:"error,omitempty"`
	Details        string     `json:"details,omitempty"`
}

type componentJSON struct {
	Name   string        `json:"name"`
	Status checks.Status `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// HealthHandler serves GET /health/: the health report as JSON, 200 when
// every critical check and every component is up and 503 otherwise.
// details says whether a request may see latency, last success, failure
// reason, error and details; nil means never, so that anyone who can
// reach the listener sees only the statuses.
func HealthHandler(report func(context.Context) checks.Health, details func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := report(r.Context())
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(healthBody(h, details != nil && details(r))); err != nil {
			http.Error(w, "encoding health", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if h.Status == checks.HealthFail {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(buf.Bytes())
	})
}

// healthBody renders h, with or without the details.
func healthBody(h checks.Health, details bool) healthJSON {
	body := healthJSON{Status: h.Status, Checks: []checkJSON{}, Components: []componentJSON{}}
	for _, res := range h.Checks {
		c := checkJSON{Name: res.Check, Kind: res.Kind, Critical: res.Critical, Status: res.Status}
		if details && res.Status != checks.StatusPending {
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
	for _, comp := range h.Components {
		c := componentJSON{Name: comp.Name, Status: comp.Status}
		if details {
			c.Error = comp.Error
		}
		body.Components = append(body.Components, c)
	}
	return body
}
