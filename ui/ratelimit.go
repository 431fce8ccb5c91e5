package ui

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// ipLimiter is a coarse per-IP limit in front of the sign-in forms. The
// auth package limits attempts per account and per IP precisely; this
// bounds the work (argon2id hashing) one address can cause across
// usernames and forms, setup included.
type ipLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	seen   map[string]*ipWindow
}

type ipWindow struct {
	start time.Time
	n     int
}

// Sign-in form posts allowed per IP per window.
const (
	signInPostsPerWindow = 30
	signInWindow         = time.Minute
)

func newIPLimiter(limit int, window time.Duration, now func() time.Time) *ipLimiter {
	return &ipLimiter{limit: limit, window: window, now: now, seen: map[string]*ipWindow{}}
}

// allow counts one request from ip and returns how long to wait when it is
// over the limit.
func (l *ipLimiter) allow(ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) > 10000 {
		for k, w := range l.seen {
			if now.Sub(w.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	w := l.seen[ip]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &ipWindow{start: now}
		l.seen[ip] = w
	}
	w.n++
	if w.n > l.limit {
		return w.start.Add(l.window).Sub(now)
	}
	return 0
}

var errSignInLimit = errkind.New(errkind.RateLimited, "ui: sign-in posts over the per-IP limit",
	"too many sign-in attempts from your address. Wait a minute and try again")

// limitSignIn answers 429 to an address posting sign-in forms (the
// routes of class signInLimited) too fast. It runs outside the route
// table's mux, before the CSRF check, so it asks the mux which route a
// request is for.
func (s *Server) limitSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := s.route(r); e != nil && e.limit == signInLimited {
			if wait := s.signInLimit.allow(s.clientIP(r)); wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				s.fail(w, r, errSignInLimit)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
