package ui

import (
	"time"

	"github.com/ward-monitoring/ward/ratelimit"
)

// ipLimiter is a fixed-window count per key (an address, a ping token):
// the pings' per-address budgets (pings.go), which are not configurable.
// The configurable classes, sign-in posts and pings per token included,
// are in limits.go.
type ipLimiter struct {
	w   *ratelimit.Window
	now func() time.Time
}

// Sign-in form posts allowed per IP per window by default (the limits
// section's sign_in); maxLimiterKeys bounds every limiter's memory.
const (
	signInPostsPerWindow = 30
	signInWindow         = time.Minute
	maxLimiterKeys       = ratelimit.DefaultMaxKeys
)

func newIPLimiter(name string, limit int, window time.Duration, now func() time.Time) *ipLimiter {
	return &ipLimiter{w: ratelimit.NewWindow(ratelimit.Policy{Name: name, Quota: limit, Window: window}, maxLimiterKeys), now: now}
}

// allow counts one request from key and returns how long to wait when it
// is over the limit.
func (l *ipLimiter) allow(key string) time.Duration {
	if d := l.take(key); !d.Allowed {
		return max(d.Reset, time.Nanosecond)
	}
	return 0
}

// take counts one request from key.
func (l *ipLimiter) take(key string) ratelimit.Decision { return l.w.Take(key, 1, l.now()) }

// size is how many keys the limiter holds.
func (l *ipLimiter) size() int { return l.w.Len() }
