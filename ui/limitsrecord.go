package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/events"
	"github.com/ward-monitoring/ward/storage"
)

// Refused requests are counted in full (ward_http_requests_limited_total
// and the hourly counts behind /admin/limits) and sampled into the audit
// trail and the events timeline: the first refusal of each principal in
// each class per minute, with how many went unrecorded since (as 403s
// are, denials.go), at most maxRefusalAuditsPerClass records per class
// per minute (the rest summed into one record), and one event per class
// per minute, so that a flood, even from many addresses, cannot flood
// either. A signed-in principal's refusals on the tokens pages are
// always audited.

// LimitStats keeps the hourly counts of refused requests
// (*storage.State).
type LimitStats interface {
	AddLimitCounts(at time.Time, counts []storage.LimitCount) error
	LimitCounts(since time.Time, n int) ([]storage.LimitCount, error)
}

// eventRecorder is the events log's writing side (*events.Log); the
// server's EventLog only reads.
type eventRecorder interface {
	Record(evs ...events.Event)
}

// Bounds of the counts kept in memory between writes.
const (
	// limitFlushEvery is how often pending counts are written.
	limitFlushEvery = time.Minute
	// maxPendingLimitKeys bounds the pairs pending between writes; past
	// it, new pairs are summed under storage.OtherPrincipals.
	maxPendingLimitKeys = 10_000
)

// violations records refusals.
type violations struct {
	total   *prometheus.CounterVec
	sampler denialLimiter
	// auditCap bounds the sampled records per class per minute, and
	// eventSampler the events (one per class per minute).
	auditCap     classCap
	eventSampler denialLimiter

	mu        sync.Mutex
	pending   map[[3]string]uint64
	lastFlush time.Time
	// writing counts the writes started off a request; a forced flush
	// (the admin page, shutdown) waits for them, so that what it reads
	// back includes every refusal counted before it.
	writing sync.WaitGroup
}

func newViolations(reg prometheus.Registerer) *violations {
	v := &violations{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_http_requests_limited_total",
			Help: "Requests refused with 429 by a rate limit, by limit class and principal kind (user, token, anonymous).",
		}, []string{"class", "principal_kind"}),
		pending:  map[[3]string]uint64{},
		auditCap: classCap{max: maxRefusalAuditsPerClass},
	}
	for _, c := range []limitClass{apiRead, apiQuery, apiWrite, pageView, anonymous, signInLimited, pingLimited} {
		for _, k := range []string{"user", "token", "anonymous"} {
			if (c == anonymous || c == signInLimited || c == pingLimited) != (k == "anonymous") || (c == pageView && k == "token") {
				continue // pages never take tokens
			}
			v.total.WithLabelValues(c.String(), k)
		}
	}
	if reg != nil {
		if err := reg.Register(v.total); err != nil {
			// A second server on one registry (tests) shares the first's.
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				if c, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
					v.total = c
				}
			}
		}
	}
	return v
}

// alwaysAudited reports whether a refusal is audited each time: a
// signed-in principal refused on a route of the tokens pages (by the
// route table's pattern, never the request's path). Anonymous refusals,
// sign-in posts included, are sampled like the rest.
func alwaysAudited(e *endpoint, p *auth.Principal) bool {
	if p == nil || e == nil {
		return false
	}
	_, path, _ := strings.Cut(e.pattern, " ")
	for _, prefix := range []string{"/account/tokens", "/admin/tokens"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

// countRefusal counts one refusal of key (of kind) in class, in the
// metric and the hourly counts, without auditing it: refusals the auth
// package's sign-in throttles decide and audit themselves.
func (s *Server) countRefusal(class limitClass, kind, key string) {
	v := s.limits.recorder
	v.total.WithLabelValues(class.String(), kind).Inc()
	v.count(class.String(), kind, key)
	s.flushLimitCounts(s.now(), false)
}

// limitViolation records one refusal of key (of kind) in class.
func (s *Server) limitViolation(r *http.Request, class limitClass, key, kind string, p *auth.Principal) {
	v := s.limits.recorder
	now := s.now()
	s.countRefusal(class, kind, key)

	sampled, suppressed := v.sampler.record(key, class.String(), now)
	audited, overflow := false, 0
	switch {
	case alwaysAudited(s.route(r), p):
		audited = true
	case sampled:
		audited, overflow = v.auditCap.take(class.String(), now)
	default:
		overflow = v.auditCap.skip(class.String(), now)
	}
	if overflow > 0 {
		s.auditOverflow(class.String(), overflow)
	}
	if audited {
		details := map[string]string{"class": class.String(), "key": key, "route": r.Pattern}
		if r.Pattern == "" {
			details["route"] = r.Method + " " + r.URL.Path
		}
		if suppressed > 0 {
			details["unrecorded_before"] = strconv.Itoa(suppressed)
		}
		ar := r
		if p != nil {
			ar = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		s.audit(ar, audit.ActionRateLimited, key, http.StatusTooManyRequests, details)
	}
	// Events: at most one per class per minute, however many keys.
	if ok, more := v.eventSampler.record("", class.String(), now); ok {
		if rec, isRec := s.deps.Events.(eventRecorder); isRec {
			text := key + " was refused by the " + class.String() + " rate limit"
			if more > 0 {
				text += " (" + strconv.Itoa(more) + " more refusals of this class in the minute before, not shown)"
			}
			rec.Record(events.Event{Time: now, Kind: events.RateLimited, Severity: events.SeverityWarning,
				Subject: key, Text: text, Labels: map[string]string{"class": class.String(), "principal_kind": kind}})
		}
	}
}

// auditOverflow writes one record summing the n principals (addresses,
// users, tokens) whose first refusal of class in a window the per-class
// bound kept out of the audit trail; their further refusals in the
// window are counted in the metric and on /admin/limits as everyone's.
func (s *Server) auditOverflow(class string, n int) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	s.audit(r, audit.ActionRateLimited, storage.OtherPrincipals, http.StatusTooManyRequests, map[string]string{
		"class": class, "key": storage.OtherPrincipals, "unrecorded_principals": strconv.Itoa(n),
		"reason": "over " + strconv.Itoa(maxRefusalAuditsPerClass) + " records of the class in a minute",
	})
}

// count adds one refusal to the pending counts.
func (v *violations) count(class, kind, key string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	id := [3]string{class, kind, key}
	if _, ok := v.pending[id]; !ok && len(v.pending) >= maxPendingLimitKeys {
		id = [3]string{class, "other", storage.OtherPrincipals}
	}
	v.pending[id]++
}

// flushLimitCounts writes the pending counts when limitFlushEvery has
// passed since the last write, or now when force is set (the admin page
// reads them). Writes happen off the request unless forced.
func (s *Server) flushLimitCounts(now time.Time, force bool) {
	v := s.limits.recorder
	if s.deps.LimitStats == nil {
		return
	}
	v.mu.Lock()
	if len(v.pending) == 0 || (!force && now.Sub(v.lastFlush) < limitFlushEvery) {
		v.mu.Unlock()
		if force {
			v.writing.Wait()
		}
		return
	}
	counts := make([]storage.LimitCount, 0, len(v.pending))
	for id, n := range v.pending {
		counts = append(counts, storage.LimitCount{Class: id[0], Kind: id[1], Key: id[2], Count: n})
	}
	v.pending, v.lastFlush = map[[3]string]uint64{}, now
	v.mu.Unlock()
	write := func() {
		if err := s.deps.LimitStats.AddLimitCounts(now, counts); err != nil {
			s.logger.Error("recording rate-limit counts", "err", err)
		}
	}
	if force {
		write()
		v.writing.Wait()
		return
	}
	v.writing.Go(write)
}

// flushLimitsEvery writes the pending refusal counts and the summaries
// of ended windows every interval, so that they reach /admin/limits
// without a further refusal or page view; the returned stop writes them
// a last time (at shutdown).
func (s *Server) flushLimitsEvery(interval time.Duration) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.flushLimits(false)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		s.flushLimits(true)
	}
}

// flushLimits writes the pending counts and the audit summaries of the
// windows that ended over the per-class bound; final (at shutdown) ends
// the current windows too.
func (s *Server) flushLimits(final bool) {
	now := s.now()
	end := now
	if final {
		end = now.Add(refusalWindow)
	}
	for class, n := range s.limits.recorder.auditCap.ended(end) {
		s.auditOverflow(class, n)
	}
	s.flushLimitCounts(now, true)
}
