package auth

import (
	"sync"
	"time"
)

// limitPolicy describes one attempt limiter.
type limitPolicy struct {
	// Max attempts per Window for each key.
	Max    int
	Window time.Duration
	// Delay returns how long to wait after n consecutive failures before
	// the next attempt; nil means no delay.
	Delay func(n int) time.Duration
	// LockAfter consecutive failures lock the key for LockFor; 0 disables
	// lockout. Failures are forgotten LockFor after the last one.
	LockAfter int
	LockFor   time.Duration
}

// loginPolicy: 5 attempts a minute per account and per IP, a delay that
// doubles from the third consecutive failure, and a 15-minute lockout
// after 10.
var loginPolicy = limitPolicy{
	Max: 5, Window: time.Minute,
	Delay:     progressiveDelay,
	LockAfter: 10, LockFor: 15 * time.Minute,
}

// secondFactorPolicy limits the 2FA step separately, per account.
var secondFactorPolicy = limitPolicy{
	Max: 5, Window: time.Minute,
	Delay:     progressiveDelay,
	LockAfter: 10, LockFor: 15 * time.Minute,
}

// resetPolicy: 3 password-reset requests an hour per account and per IP.
var resetPolicy = limitPolicy{Max: 3, Window: time.Hour}

// progressiveDelay is 0 for the first two failures, then 1 s doubling to
// at most 30 s.
func progressiveDelay(n int) time.Duration {
	if n < 3 {
		return 0
	}
	return min(time.Second<<(n-3), 30*time.Second)
}

// limiter counts attempts and failures per key in memory. It lives as
// long as the process; a restart forgets it, which the lockout's short
// duration makes acceptable.
type limiter struct {
	policy limitPolicy
	mu     sync.Mutex
	keys   map[string]*limitEntry
}

type limitEntry struct {
	attempts    []time.Time // within the window, oldest first
	failures    int         // consecutive
	lastFailure time.Time
	lockedUntil time.Time
	// noted is when the last denial was audited, so a flood of denied
	// attempts writes one record per window, not one per request.
	noted time.Time
}

func newLimiter(p limitPolicy) *limiter {
	return &limiter{policy: p, keys: map[string]*limitEntry{}}
}

// allow checks every key at now and, when all allow it, counts one
// attempt against each. When denied it returns how long to wait, whether
// it is a lockout, and whether this is the first denial of the window
// (the one to audit).
func (l *limiter) allow(now time.Time, keys ...string) (wait time.Duration, locked, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	entries := make([]*limitEntry, len(keys))
	for i, k := range keys {
		e := l.keys[k]
		if e == nil {
			e = &limitEntry{}
			l.keys[k] = e
		}
		entries[i] = e
		e.trim(now, l.policy)
		w, lk := e.wait(now, l.policy)
		if w > wait {
			wait = w
		}
		locked = locked || lk
	}
	if wait > 0 {
		first = true
		for _, e := range entries {
			if now.Before(e.noted.Add(l.policy.Window)) {
				first = false
			}
		}
		for _, e := range entries {
			e.noted = now
		}
		return wait, locked, first
	}
	for _, e := range entries {
		e.attempts = append(e.attempts, now)
	}
	return 0, false, false
}

// fail records a failed attempt for each key.
func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		e := l.keys[k]
		if e == nil {
			e = &limitEntry{}
			l.keys[k] = e
		}
		e.failures++
		e.lastFailure = now
		if l.policy.LockAfter > 0 && e.failures >= l.policy.LockAfter {
			e.lockedUntil = now.Add(l.policy.LockFor)
			e.failures = 0
		}
	}
}

// succeed clears the consecutive failures of each key.
func (l *limiter) succeed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if e := l.keys[k]; e != nil {
			e.failures = 0
		}
	}
}

func (e *limitEntry) trim(now time.Time, p limitPolicy) {
	i := 0
	for i < len(e.attempts) && !now.Before(e.attempts[i].Add(p.Window)) {
		i++
	}
	e.attempts = e.attempts[i:]
	if e.failures > 0 && p.LockFor > 0 && !now.Before(e.lastFailure.Add(p.LockFor)) {
		e.failures = 0
	}
}

func (e *limitEntry) wait(now time.Time, p limitPolicy) (time.Duration, bool) {
	if now.Before(e.lockedUntil) {
		return e.lockedUntil.Sub(now), true
	}
	var w time.Duration
	if len(e.attempts) >= p.Max {
		w = e.attempts[len(e.attempts)-p.Max].Add(p.Window).Sub(now)
	}
	if p.Delay != nil && e.failures > 0 {
		if d := e.lastFailure.Add(p.Delay(e.failures)).Sub(now); d > w {
			w = d
		}
	}
	return w, false
}

// sweep drops idle keys once the map grows, so that sprayed usernames
// and addresses cannot grow it without bound.
func (l *limiter) sweep(now time.Time) {
	if len(l.keys) < 4096 {
		return
	}
	keep := max(l.policy.Window, l.policy.LockFor)
	for k, e := range l.keys {
		last := e.lastFailure
		if n := len(e.attempts); n > 0 && e.attempts[n-1].After(last) {
			last = e.attempts[n-1]
		}
		if e.lockedUntil.After(last) {
			last = e.lockedUntil
		}
		if !now.Before(last.Add(keep)) {
			delete(l.keys, k)
		}
	}
}
