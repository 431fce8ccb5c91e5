package config

import (
	"fmt"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"
)

// Query bounds what PromQL queries may cost ward (section `query:`): the
// engine's timeout and sample limit (for API queries and rule evaluation
// alike), how many API queries run at once and how long one waits for a
// slot, and how many steps one subquery may evaluate. Changes take effect
// after a restart.
type Query struct {
	// Timeout bounds one query, as Prometheus' --query.timeout. The HTTP
	// server's write timeout leaves room past it.
	Timeout model.Duration `yaml:"timeout"`
	// LookbackDelta is how far back an instant selector looks for a
	// sample, as Prometheus' --query.lookback-delta.
	LookbackDelta model.Duration `yaml:"lookback_delta"`
	// MaxSamples is how many samples one query may hold in memory at
	// once, as Prometheus' --query.max-samples.
	MaxSamples int `yaml:"max_samples"`
	// MaxConcurrency is how many API queries evaluate at once, as
	// Prometheus' --query.max-concurrency. Rule evaluation has its own
	// engine and never waits for these slots.
	MaxConcurrency int `yaml:"max_concurrency"`
	// MaxQueueWait is how long an API query waits for a free slot before
	// it is answered 503 with a Retry-After header.
	MaxQueueWait model.Duration `yaml:"max_queue_wait"`
	// MaxPointsPerSubquery is how many steps one subquery may evaluate,
	// counted over the whole span the engine evaluates it for: its range
	// plus the enclosing range query's or subquery's span. Queries over
	// it are refused before evaluation. Prometheus caps a range query at
	// 11,000 points; a subquery is capped nowhere else.
	MaxPointsPerSubquery int `yaml:"max_points_per_subquery"`
	// MaxResultPoints is how many points (samples of every series) one
	// answer may carry. The engine has already bounded what evaluation
	// holds (max_samples); this bounds what is kept and encoded as JSON
	// afterwards, outside the query slots. A chart needs at most one
	// point per pixel per series.
	MaxResultPoints int `yaml:"max_result_points"`
	// MaxPerUser is how many API requests one user (or one user's
	// tokens together) may have in flight; more wait for one of them,
	// as long as max_queue_wait, then are answered 429. It keeps one
	// user from holding every query slot.
	MaxPerUser int `yaml:"max_per_user"`
}

// DefaultQuery returns the query limits' defaults: Prometheus' timeout
// and lookback, a fifth of its sample limit and concurrency (sized for
// the small host ward runs on: at most about 4 × 10M samples of 16
// bytes in flight), and query_range's 11,000 points for subqueries.
func DefaultQuery() Query {
	return Query{
		Timeout:              model.Duration(2 * time.Minute),
		LookbackDelta:        model.Duration(5 * time.Minute),
		MaxSamples:           10_000_000,
		MaxConcurrency:       4,
		MaxQueueWait:         model.Duration(10 * time.Second),
		MaxPointsPerSubquery: 11_000,
		MaxResultPoints:      1_000_000,
		MaxPerUser:           2,
	}
}

// Bounds of the query section's values.
const (
	maxQueryConcurrency = 256
	// minMemoryLimit is the smallest server.memory_limit accepted: below
	// ward's own working set the garbage collector would run
	// continuously.
	minMemoryLimit = 64 * units.MiB
)

// validateQuery checks the query section and server.memory_limit.
func (c *Config) validateQuery() []fieldError {
	errs := c.Query.problems()
	if l := c.Server.MemoryLimit; l != 0 && l < minMemoryLimit {
		errs = append(errs, fieldError{path: "server.memory_limit", msg: fmt.Sprintf("must be 0 (automatic) or at least %s, got %s", minMemoryLimit, l)})
	}
	return errs
}

// Validate returns every problem of the section as "query.key: msg".
func (q Query) Validate() []string {
	var out []string
	for _, p := range q.problems() {
		out = append(out, p.path+": "+p.msg)
	}
	return out
}

func (q Query) problems() []fieldError {
	var errs []fieldError
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldError{path: "query." + path, msg: fmt.Sprintf(format, args...)})
	}
	if q.Timeout <= 0 {
		add("timeout", "must be positive")
	}
	if q.LookbackDelta <= 0 {
		add("lookback_delta", "must be positive")
	}
	if q.MaxSamples <= 0 {
		add("max_samples", "must be positive")
	}
	if q.MaxConcurrency < 1 || q.MaxConcurrency > maxQueryConcurrency {
		add("max_concurrency", "must be between 1 and %d, got %d", maxQueryConcurrency, q.MaxConcurrency)
	}
	switch {
	case q.MaxQueueWait <= 0:
		add("max_queue_wait", "must be positive")
	case q.Timeout > 0 && q.MaxQueueWait >= q.Timeout:
		// The wait counts against the query's timeout: a wait as long
		// would time queries out in the queue instead of refusing them
		// with a Retry-After.
		add("max_queue_wait", "must be shorter than timeout (%s)", q.Timeout)
	}
	if q.MaxPointsPerSubquery <= 0 {
		add("max_points_per_subquery", "must be positive")
	}
	if q.MaxResultPoints <= 0 {
		add("max_result_points", "must be positive")
	}
	if q.MaxPerUser < 1 || q.MaxPerUser > maxQueryConcurrency {
		add("max_per_user", "must be between 1 and %d, got %d", maxQueryConcurrency, q.MaxPerUser)
	}
	return errs
}
