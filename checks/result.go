package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/secret"
)

// Status is where a check stands after its latest run.
type Status string

// Check statuses.
const (
	// StatusPending means the check has not finished a run yet.
	StatusPending Status = "pending"
	StatusUp      Status = "up"
	StatusDown    Status = "down"
)

// Result is the outcome of a check's latest run.
type Result struct {
	Check    string
	Kind     string
	Critical bool
	Status   Status
	// Time is when the run started; it is also the timestamp of the
	// run's samples in the TSDB.
	Time     time.Time
	Duration time.Duration
	// Reason is the kind of failure (one of the Reason constants), empty
	// when the check passed.
	Reason string
	// Error is a short message saying why the check failed. It never
	// holds a credential.
	Error string
	// Details summarises what the run saw, e.g. "PostgreSQL 15.4, primary,
	// 7/100 connections".
	Details string
	// LastSuccess is when the check last passed; zero if never.
	LastSuccess time.Time
	// Warning says why a check that got its answer still found it
	// wanting (a headers check scoring under headersWeakScore); empty
	// otherwise. The check stays up (ward_check_up 1); pages show it as
	// weak and list it with the failing ones.
	Warning string
}

// OK reports whether the check passed its latest run.
func (r Result) OK() bool { return r.Status == StatusUp }

// Weak reports whether the check is up with a warning.
func (r Result) Weak() bool { return r.Status == StatusUp && r.Warning != "" }

// maxErrorLen bounds Result.Error: /health/ and the CLI table show it.
const maxErrorLen = 240

// report collects what one probe saw: kind-specific gauges, a summary and
// the credentials it used, so that they can be scrubbed from its error.
type report struct {
	gauges  []gauge
	details []string
	secrets []string
	warning string
}

// gauge is one kind-specific sample; extra holds label name/value pairs
// beyond the check's own labels.
type gauge struct {
	name  string
	value float64
	extra []labels.Label
}

// gauge records a kind-specific sample; extra is label name, value, ...
func (r *report) gauge(name string, v float64, extra ...string) {
	g := gauge{name: name, value: v}
	for i := 0; i+1 < len(extra); i += 2 {
		g.extra = append(g.extra, labels.Label{Name: extra[i], Value: extra[i+1]})
	}
	r.gauges = append(r.gauges, g)
}

// detail appends a phrase to the run's summary.
func (r *report) detail(format string, args ...any) {
	r.details = append(r.details, fmt.Sprintf(format, args...))
}

// warn marks a run that got its answer as weak (Result.Warning).
func (r *report) warn(format string, args ...any) {
	r.warning = fmt.Sprintf(format, args...)
}

// secret registers a credential used by this run; redact removes it from
// anything the run reports.
func (r *report) secret(s secret.Secret) {
	if s != "" {
		r.secrets = append(r.secrets, string(s))
	}
}

// redact replaces every registered credential in msg with <redacted>.
// Probes already keep credentials out of their errors; this is the second
// line of defence against a library that echoes one back.
func (r *report) redact(msg string) string {
	return secret.Redact(msg, r.secrets...)
}

// shortError trims an error message for display.
func shortError(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen-3] + "..."
	}
	return msg
}

// formatDuration renders d for details: "3d", "2d5h", "4h0m0s", "1.25s".
func formatDuration(d time.Duration) string {
	if d < 48*time.Hour && d > -48*time.Hour {
		return d.Round(time.Millisecond).String()
	}
	h := int(d.Round(time.Hour).Hours())
	if h%24 == 0 {
		return fmt.Sprintf("%dd", h/24)
	}
	return fmt.Sprintf("%dd%dh", h/24, h%24)
}
