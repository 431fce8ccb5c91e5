package auth

import (
	"net/netip"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/ratelimit"
)

// limitPolicy describes one attempt limiter. There is no hard lockout:
// a lockout is a weapon anyone can aim at an account or a shared address,
// so repeated failures only slow the next attempt down.
type limitPolicy struct {
	// Max attempts per Window for each key.
	Max    int
	Window time.Duration
	// Delay returns how long to wait after n consecutive failures before
	// the next attempt; nil means no delay.
	Delay func(n int) time.Duration
	// ForgetAfter is how long after the last failure a key's streak of
	// failures is forgotten.
	ForgetAfter time.Duration
}

// loginPolicy: 5 attempts a minute per key and a delay that doubles from
// the third consecutive failure up to 30 s, forgotten 15 minutes after
// the last failure.
var loginPolicy = limitPolicy{
	Max: 5, Window: time.Minute,
	Delay:       progressiveDelay,
	ForgetAfter: 15 * time.Minute,
}

// secondFactorPolicy limits the 2FA step and step-up separately, per
// account.
var secondFactorPolicy = loginPolicy

// resetPolicy: 3 password-reset requests an hour per account and per IP.
var resetPolicy = limitPolicy{Max: 3, Window: time.Hour}

// adminResetPolicy: reset links an admin issues, per admin, apart from
// the self-service quota that anonymous requests can use up.
var adminResetPolicy = limitPolicy{Max: 20, Window: time.Hour}

// maxLimiterKeys bounds each limiter's map. Keys are short (a username of
// at most 64 bytes, an address, a hash), so this is a few MiB at most;
// past it the least recently used half is dropped.
const maxLimiterKeys = 50_000

// progressiveDelay is 0 for the first two failures, then 1 s doubling to
// at most 30 s.
func progressiveDelay(n int) time.Duration {
	if n < 3 {
		return 0
	}
	return min(time.Second<<min(n-3, 10), 30*time.Second)
}

// limiter counts attempts and failures per key in memory. It lives as
// long as the process; a restart forgets it.
type limiter struct {
	policy limitPolicy
	mu     sync.Mutex
	keys   map[string]*limitEntry
}

type limitEntry struct {
	attempts    []time.Time // within the window, oldest first
	failures    int         // consecutive
	lastFailure time.Time
	// noted is when the last denial was audited, so a flood of denied
	// attempts writes one record per window, not one per request.
	noted time.Time
	// related are the address keys failures of an account came from
	// (at most maxRelated, newest last), so that clearing the account's
	// throttle clears the addresses it was guessed from too.
	related []string
}

// maxRelated bounds the addresses remembered per account.
const maxRelated = 16

func newLimiter(p limitPolicy) *limiter {
	return &limiter{policy: p, keys: map[string]*limitEntry{}}
}

// allow checks every key at now and, when all allow it, counts one
// attempt against each. When denied it returns how long to wait and
// whether this is the first denial of the window (the one to audit).
func (l *limiter) allow(now time.Time, keys ...string) (wait time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	entries := make([]*limitEntry, len(keys))
	for i, k := range keys {
		e := l.entry(k)
		entries[i] = e
		e.trim(now, l.policy)
		if w := e.wait(now, l.policy); w > wait {
			wait = w
		}
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
		return wait, first
	}
	for _, e := range entries {
		e.attempts = append(e.attempts, now)
	}
	return 0, false
}

// peek reports how long key must wait, without counting an attempt.
func (l *limiter) peek(now time.Time, key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		return 0
	}
	e.trim(now, l.policy)
	return e.wait(now, l.policy)
}

func (l *limiter) entry(k string) *limitEntry {
	e := l.keys[k]
	if e == nil {
		e = &limitEntry{}
		l.keys[k] = e
	}
	return e
}

// fail records a failed attempt for each key.
func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		e := l.entry(k)
		e.failures++
		e.lastFailure = now
	}
}

// relate remembers that a failure against key came from address key
// addr.
func (l *limiter) relate(key, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key)
	for i, a := range e.related {
		if a == addr {
			e.related = append(e.related[:i], e.related[i+1:]...)
			break
		}
	}
	e.related = append(e.related, addr)
	if len(e.related) > maxRelated {
		e.related = e.related[len(e.related)-maxRelated:]
	}
}

// refund takes back the attempt allow just counted against each key: a
// successful attempt does not use up the window.
func (l *limiter) refund(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if e := l.keys[k]; e != nil && len(e.attempts) > 0 {
			e.attempts = e.attempts[:len(e.attempts)-1]
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

// clear forgets the keys match selects entirely, failures and attempts,
// and the address keys related to them.
func (l *limiter) clear(match func(key string) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var related []string
	n := 0
	for k, e := range l.keys {
		if match(k) {
			related = append(related, e.related...)
			delete(l.keys, k)
			n++
		}
	}
	for _, k := range related {
		if _, ok := l.keys[k]; ok {
			delete(l.keys, k)
			n++
		}
	}
	return n
}

func (e *limitEntry) trim(now time.Time, p limitPolicy) {
	i := 0
	for i < len(e.attempts) && !now.Before(e.attempts[i].Add(p.Window)) {
		i++
	}
	e.attempts = e.attempts[i:]
	if e.failures > 0 && p.ForgetAfter > 0 && !now.Before(e.lastFailure.Add(p.ForgetAfter)) {
		e.failures = 0
	}
}

func (e *limitEntry) wait(now time.Time, p limitPolicy) time.Duration {
	var w time.Duration
	if len(e.attempts) >= p.Max {
		w = e.attempts[len(e.attempts)-p.Max].Add(p.Window).Sub(now)
	}
	if p.Delay != nil && e.failures > 0 {
		if d := e.lastFailure.Add(p.Delay(e.failures)).Sub(now); d > w {
			w = d
		}
	}
	return w
}

// lastUse is the newest time e matters for.
func (e *limitEntry) lastUse() time.Time {
	last := e.lastFailure
	if n := len(e.attempts); n > 0 && e.attempts[n-1].After(last) {
		last = e.attempts[n-1]
	}
	return last
}

// sweep drops idle keys once the map grows, so that sprayed usernames
// and addresses cannot grow it without bound; past maxLimiterKeys of
// live ones it drops the least recently used half.
func (l *limiter) sweep(now time.Time) {
	if len(l.keys) < 4096 {
		return
	}
	keep := max(l.policy.Window, l.policy.ForgetAfter)
	for k, e := range l.keys {
		if !now.Before(e.lastUse().Add(keep)) {
			delete(l.keys, k)
		}
	}
	if len(l.keys) < maxLimiterKeys {
		return
	}
	// Under a flood from many addresses: keep the newer half.
	cutoff := now.Add(-keep / 2)
	for k, e := range l.keys {
		if e.lastUse().Before(cutoff) {
			delete(l.keys, k)
		}
	}
	for k := range l.keys {
		if len(l.keys) < maxLimiterKeys/2 {
			break
		}
		delete(l.keys, k)
	}
}

// Limiter keys. Each is bounded: usernames are validated (at most 64
// bytes) before a key is made, addresses are parsed, clients hashed.
func userKey(name string) string { return "user:" + name }

// ipKey groups IPv6 addresses by /64, the block one host or customer
// usually holds, so that an attacker cannot get fresh limits by cycling
// through its addresses.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:invalid"
	}
	return "ip:" + ratelimit.GroupKey(a)
}

// clientKey is one known device of a user (see noteClient).
func clientKey(name, clientID string) string { return "client:" + name + ":" + clientID }
