package ui

import (
	"sync"
	"time"
)

// Audit records of refused requests (403) are rate limited: a script
// retrying with a token of too low a role must not flood the trail.
const (
	// denialWindow is how long one record covers a principal's refusals
	// on one route.
	denialWindow = time.Minute
	// maxDenialKeys bounds the (principal, route) pairs followed at once;
	// past it, refusals go unrecorded until old pairs expire. Principals
	// are signed-in users and tokens, so reaching it takes hundreds of
	// them refused within one window.
	maxDenialKeys = 10_000
)

// denialLimiter decides which refusals are audited: the first of each
// principal on each route per denialWindow. Its zero value is ready.
type denialLimiter struct {
	mu   sync.Mutex
	seen map[denialKey]*denialWindowState
}

type denialKey struct{ actor, route string }

type denialWindowState struct {
	start      time.Time
	suppressed int
}

// record reports whether a refusal at now is to be audited and, if so,
// how many refusals of the same pair went unrecorded before it.
func (l *denialLimiter) record(actor, route string, now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[denialKey]*denialWindowState{}
	}
	k := denialKey{actor, route}
	if st := l.seen[k]; st != nil {
		if now.Sub(st.start) < denialWindow {
			st.suppressed++
			return false, 0
		}
		suppressed = st.suppressed
		st.start, st.suppressed = now, 0
		return true, suppressed
	}
	if len(l.seen) >= maxDenialKeys {
		for k, st := range l.seen {
			if now.Sub(st.start) >= denialWindow {
				delete(l.seen, k)
			}
		}
		if len(l.seen) >= maxDenialKeys {
			return false, 0
		}
	}
	l.seen[k] = &denialWindowState{start: now}
	return true, 0
}

// forget drops the window of actor and route, so that the next record
// is recorded again: for a record that was to be written and was not.
func (l *denialLimiter) forget(actor, route string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.seen, denialKey{actor, route})
}
