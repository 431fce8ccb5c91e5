package querylimit

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// PerUser bounds how many API requests one user has in flight, from the
// moment the handler starts until its answer is written: the engine's
// slots cover evaluation only, while the result lives on through JSON
// encoding and a slow client. A request over the limit waits for one of
// the user's own to finish, at most the wait, then is answered 429 with
// a Retry-After header. Users share nothing, so one user looping heavy
// queries cannot hold every slot the others need.
type PerUser struct {
	next  http.Handler
	limit int
	wait  time.Duration
	key   func(*http.Request) string

	mu   sync.Mutex
	busy map[string]*userSlots
}

// userSlots are one user's slots and how many requests hold or wait for
// them (the entry is dropped at zero).
type userSlots struct {
	slots chan struct{}
	refs  int
}

// NewPerUser wraps next. key names the request's user; "" (no user)
// passes unbounded, for callers already bounded elsewhere.
func NewPerUser(next http.Handler, limit int, wait time.Duration, key func(*http.Request) string) *PerUser {
	return &PerUser{next: next, limit: max(1, limit), wait: wait, key: key, busy: map[string]*userSlots{}}
}

func (p *PerUser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := p.key(r)
	if user == "" {
		p.next.ServeHTTP(w, r)
		return
	}
	u := p.acquire(user)
	defer p.release(user, u)
	ctx, cancel := context.WithTimeout(r.Context(), p.wait)
	defer cancel()
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		if r.Context().Err() != nil {
			return // the client went away
		}
		p.refuse(w)
		return
	}
	defer func() { <-u.slots }()
	p.next.ServeHTTP(w, r)
}

func (p *PerUser) acquire(user string) *userSlots {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.busy[user]
	if u == nil {
		u = &userSlots{slots: make(chan struct{}, p.limit)}
		p.busy[user] = u
	}
	u.refs++
	return u
}

func (p *PerUser) release(user string, u *userSlots) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u.refs--; u.refs == 0 {
		delete(p.busy, user)
	}
}

// refuse answers 429 in Prometheus' error envelope.
func (p *PerUser) refuse(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.FormatInt(max(1, int64(math.Ceil(p.wait.Seconds()))), 10))
	w.WriteHeader(http.StatusTooManyRequests)
	msg := fmt.Sprintf("too many requests of yours at once: %d are in flight (query.max_per_user) and none finished within %s; retry later", p.limit, p.wait)
	_, _ = fmt.Fprintf(w, `{"status":"error","errorType":"unavailable","error":%q}`, msg)
}

// Users is how many users have requests in flight or waiting (for
// tests and metrics).
func (p *PerUser) Users() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.busy)
}
