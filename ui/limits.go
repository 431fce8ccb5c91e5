package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/ratelimit"
)

// Issue 13, rate limits. Every route is in one limit class (a column of
// the route table, defaulted here from its kind, method and role), and
// each class is a ratelimit.Limiter keyed by principal: the user, the
// API token, or for anonymous callers the client address (IPv6 by
// /64). Token buckets for the principal classes (api_read, api_query
// charged by cost, api_write, page, anonymous); fixed windows for the
// sign-in forms and pings. Allowed and refused answers alike carry the
// RateLimit and RateLimit-Policy fields; a refusal is a 429 with
// Retry-After, counted, sampled into the audit trail and the events
// timeline, and summed per hour for /admin/limits (limitsrecord.go).

// defaultLimitClass is e's limit class when the table sets none: public
// routes are anonymous; Prometheus' query endpoints are api_query; other
// API GETs api_read and API changes api_write; pages a signed-in person
// opens or posts are page, but the live stream (GET /live) is not
// limited, since a tab holds it open.
func defaultLimitClass(e endpoint) limitClass {
	if e.limit != 0 {
		return e.limit
	}
	method, path, _ := strings.Cut(e.pattern, " ")
	switch {
	case e.access == public:
		return anonymous
	case e.kind == kindAPI && queryRoutes[path]:
		return apiQuery
	case e.kind == kindAPI && (method == http.MethodGet || method == http.MethodHead):
		return apiRead
	case e.kind == kindAPI:
		return apiWrite
	case e.pattern == "GET /live":
		return unlimited
	}
	return pageView
}

// queryRoutes are the paths of Prometheus' API that run PromQL or walk
// the index over a time span: charged by cost (ratelimit.QueryCost).
var queryRoutes = map[string]bool{
	"/api/v1/query": true, "/api/v1/query_range": true, "/api/v1/query_exemplars": true,
	"/api/v1/series": true, "/api/v1/labels": true, "/api/v1/label/{name}/values": true,
}

// maxQueryForm bounds a POSTed query form read to find its cost when
// the route sets no smaller body limit (maxBody, 256 KiB for the API).
const maxQueryForm = 1 << 20

// limits are the running limiters of every class, replaced whole on
// reload (SetLimits).
type limits struct {
	rates ratelimit.Rates
	// byClass holds each class's limiter; byRole the limiters of the
	// classes a role overrides.
	byClass map[string]ratelimit.Limiter
	byRole  map[string]map[string]ratelimit.Limiter
}

// limitState is the server's rate limiting: the limiters and what
// records refusals.
type limitState struct {
	cur      atomic.Pointer[limits]
	recorder *violations
}

// newLimits builds the limiters of rates, keeping old's limiter (and so
// its buckets) for every class whose policy did not change.
func newLimits(rates ratelimit.Rates, old *limits) *limits {
	l := &limits{rates: rates, byClass: map[string]ratelimit.Limiter{}, byRole: map[string]map[string]ratelimit.Limiter{}}
	build := func(p ratelimit.Policy, prev ratelimit.Limiter) ratelimit.Limiter {
		if prev != nil && prev.Policy() == p {
			return prev
		}
		if p.Name == signInLimited.String() || p.Name == pingLimited.String() {
			return ratelimit.NewWindow(p, 0)
		}
		return ratelimit.NewBuckets(p, 0)
	}
	for class, p := range rates.Classes {
		var prev ratelimit.Limiter
		if old != nil {
			prev = old.byClass[class]
		}
		l.byClass[class] = build(p, prev)
	}
	for role, classes := range rates.Roles {
		l.byRole[role] = map[string]ratelimit.Limiter{}
		for class, p := range classes {
			var prev ratelimit.Limiter
			if old != nil {
				prev = old.byRole[role][class]
			}
			l.byRole[role][class] = build(p, prev)
		}
	}
	return l
}

// limiter is the limiter of class for a principal of role ("" for none).
func (l *limits) limiter(class limitClass, role auth.Role) ratelimit.Limiter {
	if lim, ok := l.byRole[string(role)][class.String()]; ok {
		return lim
	}
	return l.byClass[class.String()]
}

// SetLimits replaces the rate limits (the limits section). Classes whose
// policy did not change keep their buckets, so a reload gives nobody a
// fresh quota.
func (s *Server) SetLimits(r ratelimit.Rates) {
	s.limits.cur.Store(newLimits(r, s.limits.cur.Load()))
}

func (s *Server) currentLimits() *limits {
	if l := s.limits.cur.Load(); l != nil {
		return l
	}
	s.limits.cur.CompareAndSwap(nil, newLimits(config.DefaultLimits().Rates(), nil))
	return s.limits.cur.Load()
}

// principalKey names what a request is charged to: the API token, the
// user, or (p nil) the client's address.
func principalKey(p *auth.Principal, ip string) (key, kind string) {
	switch {
	case p == nil:
		return "ip:" + ratelimit.AddrKey(ip), "anonymous"
	case p.Token != "":
		return auth.TokenActor(p.Token), "token"
	case strings.HasPrefix(p.User.Name, auth.TokenActor("")):
		return p.User.Name, "token"
	}
	return "user:" + p.User.Name, "user"
}

// exempt reports whether p is ward itself: its own scrape, the command
// line.
func exempt(p *auth.Principal) bool {
	return p != nil && (p.Local || p.Internal)
}

// errRateLimited answers a refused request.
var errRateLimited = errkind.New(errkind.RateLimited, "ui: over the rate limit",
	"too many requests: wait as long as Retry-After says and try again")

// admitRate charges r to its principal's bucket (p; nil on public
// routes: the client's IP) and answers 429 when it is empty. It reports
// whether the request may go on. Sign-in posts are charged before the
// CSRF check (limitSignIn) and pings by their handler, so both pass
// here.
func (s *Server) admitRate(w http.ResponseWriter, r *http.Request, e endpoint, p *auth.Principal) bool {
	if e.limit == unlimited || e.limit == signInLimited || e.limit == pingLimited || e.limit == errorIngest || exempt(p) {
		return true
	}
	// Live refreshes (X-Ward-Live, ward.js and graphs.js) are charged
	// like any request: a client-sent header exempts nothing. A tab
	// refetches a live page at most once per change and a chart once per
	// dashboard refresh (30 s by default), far below the page class.
	key, kind := principalKey(p, s.clientIP(r))
	class := e.limit
	if p == nil {
		class = anonymous
	}
	cost := 1
	if class == apiQuery {
		cost = s.queryCost(w, r, e)
	}
	var role auth.Role
	if p != nil {
		role = p.User.Role
	}
	if s.charge(w, r, class, s.currentLimits().limiter(class, role), key, kind, cost, p) {
		return true
	}
	s.fail(w, r, errRateLimited)
	return false
}

// admitFailedAuth charges a request whose credential failed (a bad
// token or cookie, or none, on a protected route) to the client's
// address under the anonymous class, whatever the route's class, so
// that guessing is throttled like any anonymous traffic. It answers 429
// and reports false past the limit.
func (s *Server) admitFailedAuth(w http.ResponseWriter, r *http.Request) bool {
	key, kind := principalKey(nil, s.clientIP(r))
	if s.charge(w, r, anonymous, s.currentLimits().limiter(anonymous, ""), key, kind, 1, nil) {
		return true
	}
	s.fail(w, r, errRateLimited)
	return false
}

// charge takes cost from key's quota under lim and writes the RateLimit
// fields on w. A refusal is recorded (limitsrecord.go) and left to the
// caller to answer.
func (s *Server) charge(w http.ResponseWriter, r *http.Request, class limitClass, lim ratelimit.Limiter, key, kind string, cost int, p *auth.Principal) bool {
	if lim == nil {
		return true
	}
	d := lim.Take(key, cost, s.now())
	ratelimit.SetHeaders(w.Header(), lim.Policy(), d)
	if !d.Allowed {
		s.limitViolation(r, class, key, kind, p)
	}
	return d.Allowed
}

// queryCost is what a query request costs (ratelimit.QueryCost). A
// POSTed form is parsed here, bounded by the route's body limit, and
// stays parsed for the handler; a body declared over it is not read
// here (bounded refuses it with 413) and costs 1.
func (s *Server) queryCost(w http.ResponseWriter, r *http.Request, e endpoint) int {
	v := r.URL.Query()
	if r.Method == http.MethodPost {
		limit := int64(maxQueryForm)
		if maxBody, _ := defaultRequestLimits(e); maxBody > 0 {
			limit = min(limit, maxBody)
		}
		if r.ContentLength > limit {
			return 1 // unread: bounded answers 413
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseForm(); err != nil {
			return ratelimit.MaxCost
		}
		v = r.Form
	}
	k := ratelimit.Lookup
	switch r.URL.Path {
	case "/api/v1/query":
		k = ratelimit.Instant
	case "/api/v1/query_range":
		k = ratelimit.Range
	}
	return ratelimit.QueryCost(k, v, s.now())
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
			key, kind := principalKey(nil, s.clientIP(r))
			if !s.charge(w, r, signInLimited, s.currentLimits().limiter(signInLimited, ""), key, kind, 1, nil) {
				s.fail(w, r, errSignInLimit)
				return
			}
			// The auth package's own throttles (per account, per
			// address failures) answer 429 in the handler: counted
			// under sign_in too, so the metric and /admin/limits show
			// every refused sign-in.
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == http.StatusTooManyRequests {
				s.countRefusal(signInLimited, kind, key)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pingKey is the key of a ping token in the limits' records: a prefix
// of its hash, since the token is the ping's secret.
func pingKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return "ping:" + hex.EncodeToString(h[:6])
}

// statusWriter notes the status a handler answers with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
