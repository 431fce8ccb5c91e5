package config

import (
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"
)

// Errors configures error tracking (issue 16, section `errors:`): the
// projects whose Sentry SDKs send their events to ward, and how long
// and how much of them ward keeps.
type Errors struct {
	// Retention is how long event samples and issues without new events
	// are kept.
	Retention model.Duration `yaml:"retention"`
	// MaxSize caps the stored event samples (compressed, on disk); the
	// oldest samples go first when it is reached. Counts stay exact.
	MaxSize units.Base2Bytes `yaml:"max_size"`
	// Projects are the apps that send errors; none means the ingest
	// endpoints answer every request 401.
	Projects []ErrorProject `yaml:"projects,omitempty"`
}

// ErrorProject is one app sending Sentry events: its DSN is
// <scheme>://<key>@<ward's host>/<id>.
type ErrorProject struct {
	// ID is the Sentry project id in the DSN's path: digits only.
	ID string `yaml:"id"`
	// Name is the project's name on the pages and in metric labels.
	Name string `yaml:"name"`
	// Keys are the public keys (sentry_key) accepted for the project.
	// The first is the one the project's page shows in the DSN; list
	// the old one after a new one while rotating.
	Keys []string `yaml:"keys"`
	// Scrub replaces cookies, Authorization headers and values under
	// keys that look secret before storage; on unless set false.
	Scrub *bool `yaml:"scrub,omitempty"`
	// RateLimit bounds the events the project may send.
	RateLimit ErrorRateLimit `yaml:"rate_limit"`
}

// ErrorRateLimit is a token bucket of events.
type ErrorRateLimit struct {
	// PerSecond is the sustained rate of events; Burst the bucket size.
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// DefaultErrors returns the error tracking defaults: 30 days, 1 GiB of
// samples, no projects.
func DefaultErrors() Errors {
	return Errors{Retention: model.Duration(30 * 24 * time.Hour), MaxSize: units.GiB}
}

// DefaultErrorRateLimit is a project's rate limit unless set: 100
// events a second, bursts of 1,000.
func DefaultErrorRateLimit() ErrorRateLimit {
	return ErrorRateLimit{PerSecond: 100, Burst: 1000}
}

// ScrubEnabled reports whether the project's events are scrubbed.
func (p ErrorProject) ScrubEnabled() bool { return p.Scrub == nil || *p.Scrub }

// problems validates the section (issue 16 fills this in).
func (e Errors) problems() []fieldError {
	return nil
}
