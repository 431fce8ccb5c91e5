package config

import (
	"fmt"
	"math"
	"regexp"
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
	// MaxSize caps the stored event samples on disk, each compressed
	// file counted in whole 4 KiB blocks; the oldest samples go first
	// when it is reached. Counts stay exact.
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

// Limit is the project's rate limit: DefaultErrorRateLimit unless set.
func (p ErrorProject) Limit() ErrorRateLimit {
	if p.RateLimit == (ErrorRateLimit{}) {
		return DefaultErrorRateLimit()
	}
	return p.RateLimit
}

// Bounds of the errors section.
const (
	minErrorRetention = 24 * time.Hour
	maxErrorRetention = 400 * 24 * time.Hour
	minErrorMaxSize   = 16 * units.MiB
	maxErrorMaxSize   = units.TiB
	maxErrorPerSecond = 10_000
	maxErrorBurst     = 100_000
)

var (
	// errorProjectIDRE: Sentry's project ids are numbers; the DSN's path
	// ends with one.
	errorProjectIDRE = regexp.MustCompile(`^[0-9]{1,19}$`)
	// errorProjectNameRE: names go into metric labels and page titles.
	errorProjectNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// errorKeyRE: Sentry's public keys are 32 lowercase hex digits.
	errorKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// problems validates the section.
func (e Errors) problems() []fieldError {
	v := &pathValidator{path: "errors"}
	if d := time.Duration(e.Retention); d < minErrorRetention || d > maxErrorRetention {
		v.add("retention", "must be between %s and %s, got %s", model.Duration(minErrorRetention), model.Duration(maxErrorRetention), e.Retention)
	}
	if e.MaxSize < minErrorMaxSize || e.MaxSize > maxErrorMaxSize {
		v.add("max_size", "must be between %s and %s, got %s", minErrorMaxSize, maxErrorMaxSize, e.MaxSize)
	}
	ids, names, keys := map[string]int{}, map[string]int{}, map[string]string{}
	for i, p := range e.Projects {
		at := func(key string) string { return fmt.Sprintf("projects[%d].%s", i, key) }
		switch j, dup := ids[p.ID]; {
		case !errorProjectIDRE.MatchString(p.ID):
			v.add(at("id"), "want digits only (the number at the end of the DSN), got %q", p.ID)
		case dup:
			v.add(at("id"), "%q is also projects[%d]'s id", p.ID, j)
		default:
			ids[p.ID] = i
		}
		switch j, dup := names[p.Name]; {
		case !errorProjectNameRE.MatchString(p.Name):
			v.add(at("name"), "want 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit, got %q", p.Name)
		case dup:
			v.add(at("name"), "%q is also projects[%d]'s name", p.Name, j)
		default:
			names[p.Name] = i
		}
		if len(p.Keys) == 0 {
			v.add(at("keys"), "required: at least one key (32 lowercase hex digits, like Sentry's; e.g. openssl rand -hex 16)")
		}
		for k, key := range p.Keys {
			path := at(fmt.Sprintf("keys[%d]", k))
			if !errorKeyRE.MatchString(key) {
				// The key is public (it is in the app's DSN), but say only
				// its length: a secret pasted by mistake stays out of logs.
				v.add(path, "want 32 lowercase hex digits, like Sentry's keys (e.g. openssl rand -hex 16), got %d characters", len(key))
				continue
			}
			if other, dup := keys[key]; dup {
				v.add(path, "already used by %s; a key belongs to one project", other)
				continue
			}
			keys[key] = fmt.Sprintf("projects[%d]", i)
		}
		if p.RateLimit != (ErrorRateLimit{}) {
			if r := p.RateLimit.PerSecond; !(r > 0 && r <= maxErrorPerSecond) || math.IsNaN(r) {
				v.add(at("rate_limit.per_second"), "must be more than 0 and at most %d, got %g", maxErrorPerSecond, r)
			}
			if b := p.RateLimit.Burst; b < 1 || b > maxErrorBurst {
				v.add(at("rate_limit.burst"), "must be between 1 and %d, got %d", maxErrorBurst, b)
			}
		}
	}
	return v.errs
}
