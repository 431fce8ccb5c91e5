// Package ratelimit owns ward's request rate limits: token buckets per
// key (a user, an API token, a client address), fixed windows for the
// sign-in forms and pings, the cost of a PromQL query in bucket tokens,
// and the response header fields of the IETF httpapi draft "RateLimit
// header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10).
//
// The buckets are golang.org/x/time/rate limiters; this package adds
// the keying with bounded memory and the headers, which no common Go
// limiter writes.
package ratelimit

import (
	"container/list"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds the keys one limiter follows at once. A key
// costs about 250 bytes (the bucket, its list element and the key), so
// a full limiter holds about 2.5 MB.
const DefaultMaxKeys = 10_000

// Policy is one named quota: Quota units per Window. A token bucket
// under it holds at most Burst units (Quota unless set) and refills at
// Quota/Window.
type Policy struct {
	// Name identifies the policy in the headers (an RFC 9651 string).
	Name   string
	Quota  int
	Window time.Duration
	// Burst is what a bucket holds at most; zero means Quota. Fixed
	// windows ignore it.
	Burst int
}

// burst is what a bucket under p holds at most.
func (p Policy) burst() int {
	if p.Burst > 0 {
		return p.Burst
	}
	return p.Quota
}

// Decision is the outcome of charging one request.
type Decision struct {
	Allowed bool
	// Remaining is what the key has left after the charge (the draft's
	// r).
	Remaining int
	// Reset is how long until the key's quota is whole again when the
	// request was allowed, and until the refused request would be
	// allowed when it was not (the draft's t).
	Reset time.Duration
}

// Limiter is a set of keyed limits under one policy.
type Limiter interface {
	Policy() Policy
	// Take charges cost units to key at now.
	Take(key string, cost int, now time.Time) Decision
	// Len is how many keys it follows.
	Len() int
}

// Buckets is a token bucket per key with at most max keys. Keys are kept
// in least-recently-used order so that each call does O(1) work however
// many keys clients invent: a new key arriving at a full set evicts the
// key used longest ago, which starts over with a full bucket when it
// comes back. Eviction can so give an idle key more room, never refuse
// one.
type Buckets struct {
	policy Policy
	limit  rate.Limit
	max    int

	mu    sync.Mutex
	keys  map[string]*list.Element // of *bucket
	order *list.List               // least recently used first
}

type bucket struct {
	key string
	lim *rate.Limiter
}

var _ Limiter = (*Buckets)(nil)

// NewBuckets returns token buckets under p holding at most maxKeys keys
// (DefaultMaxKeys when maxKeys <= 0).
func NewBuckets(p Policy, maxKeys int) *Buckets {
	p, maxKeys = withDefaults(p, maxKeys)
	return &Buckets{
		policy: p, max: maxKeys,
		limit: rate.Limit(float64(p.Quota) / p.Window.Seconds()),
		keys:  map[string]*list.Element{}, order: list.New(),
	}
}

// Policy returns the buckets' policy.
func (b *Buckets) Policy() Policy { return b.policy }

// Len returns how many keys the buckets follow.
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.order.Len()
}

// Take charges cost units (at least 1, at most the burst: a request
// dearer than a whole bucket costs a whole bucket) to key's bucket.
// A refused request takes nothing.
func (b *Buckets) Take(key string, cost int, now time.Time) Decision {
	cost = min(max(cost, 1), b.policy.burst())
	b.mu.Lock()
	defer b.mu.Unlock()
	var lim *rate.Limiter
	if e := b.keys[key]; e != nil {
		b.order.MoveToBack(e)
		lim = e.Value.(*bucket).lim
	} else {
		if b.order.Len() >= b.max {
			f := b.order.Front()
			delete(b.keys, f.Value.(*bucket).key)
			b.order.Remove(f)
		}
		lim = rate.NewLimiter(b.limit, b.policy.burst())
		b.keys[key] = b.order.PushBack(&bucket{key: key, lim: lim})
	}
	allowed := lim.AllowN(now, cost)
	tokens := lim.TokensAt(now)
	if !allowed {
		return Decision{Remaining: max(int(math.Floor(tokens)), 0), Reset: b.wait(float64(cost) - tokens)}
	}
	return Decision{Allowed: true, Remaining: max(int(math.Floor(tokens)), 0), Reset: b.wait(float64(b.policy.burst()) - tokens)}
}

// wait is how long the bucket takes to gain n units.
func (b *Buckets) wait(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n / float64(b.limit) * float64(time.Second))
}

// Rates are the configured policies of every class, by class name, and
// per role the classes a role overrides.
type Rates struct {
	Classes map[string]Policy
	Roles   map[string]map[string]Policy
}

// For is the policy of class for role: the role's override, else the
// class's own. ok is false for a class Rates does not name.
func (r Rates) For(role, class string) (p Policy, ok bool) {
	if p, ok := r.Roles[role][class]; ok {
		return p, true
	}
	p, ok = r.Classes[class]
	return p, ok
}

// withDefaults fills in what a limiter needs of p and maxKeys: at least
// one request a window, a minute's window, DefaultMaxKeys keys.
func withDefaults(p Policy, maxKeys int) (Policy, int) {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if p.Quota < 1 {
		p.Quota = 1
	}
	if p.Window <= 0 {
		p.Window = time.Minute
	}
	return p, maxKeys
}
