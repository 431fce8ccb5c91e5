package ratelimit

import (
	"container/list"
	"sync"
	"time"
)

// Window is a fixed-window count per key: at most Quota units per key
// per Window, counted from the key's first request in the window. It
// suits limits people read as "n per minute" (the sign-in forms, pings)
// and costs less than a bucket.
//
// It holds at most max keys, in the order their windows started, so
// that each call does O(1) work however many keys a client invents:
// expired windows leave from the front, and a new key arriving at a
// full set evicts the oldest window. An evicted key starts over, so
// eviction can only give a key more room, never refuse one.
type Window struct {
	policy Policy
	max    int

	mu    sync.Mutex
	seen  map[string]*list.Element // of *window
	order *list.List               // oldest window first
}

type window struct {
	key   string
	start time.Time
	n     int
}

var _ Limiter = (*Window)(nil)

// NewWindow returns fixed windows under p holding at most maxKeys keys
// (DefaultMaxKeys when maxKeys <= 0).
func NewWindow(p Policy, maxKeys int) *Window {
	p, maxKeys = withDefaults(p, maxKeys)
	p.Burst = 0 // a window holds Quota: its headers say so
	return &Window{policy: p, max: maxKeys, seen: map[string]*list.Element{}, order: list.New()}
}

// Policy returns the window's policy.
func (l *Window) Policy() Policy { return l.policy }

// Len returns how many keys the window follows.
func (l *Window) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// Take counts cost units (at least 1) against key. Refused requests
// count too: a client hammering a sign-in form stays refused until its
// window ends.
func (l *Window) Take(key string, cost int, now time.Time) Decision {
	cost = max(cost, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	// Windows start in order, so the expired ones are at the front; each
	// leaves once, which keeps this amortised O(1).
	for f := l.order.Front(); f != nil && now.Sub(f.Value.(*window).start) >= l.policy.Window; f = l.order.Front() {
		l.remove(f)
	}
	e := l.seen[key]
	if e != nil {
		if d := now.Sub(e.Value.(*window).start); d < 0 || d >= l.policy.Window {
			// Only when the clock went back: start over.
			l.remove(e)
			e = nil
		}
	}
	if e == nil {
		if l.order.Len() >= l.max {
			l.remove(l.order.Front())
		}
		e = l.order.PushBack(&window{key: key, start: now})
		l.seen[key] = e
	}
	w := e.Value.(*window)
	w.n += cost
	reset := w.start.Add(l.policy.Window).Sub(now)
	return Decision{Allowed: w.n <= l.policy.Quota, Remaining: max(l.policy.Quota-w.n, 0), Reset: reset}
}

func (l *Window) remove(e *list.Element) {
	delete(l.seen, e.Value.(*window).key)
	l.order.Remove(e)
}
