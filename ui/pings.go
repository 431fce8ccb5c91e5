package ui

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/ratelimit"
)

// Healthchecks-compatible pings (issue 12): GET, POST or HEAD
// /ping/{token} reports success; /ping/{token}/start, /fail, /log and
// /{0-255} the rest; ?rid= pairs a start with its finish. They are
// public: the token is the secret. Any token ward does not know, and any
// malformed one, gets the same 404 "not found". Pings are monitoring
// data like scrapes, so they are counted (ward_backup_pings_total), not
// audited.

// Ping rate limits, each per pingWindow. A token ward knows has
// pingsPerToken of its own (the limits section's ping, limits.go), and its address (IPv6 by /64) pingsPerIP
// across known tokens: a job pings a few times per run, and the per-IP
// bound leaves room for many jobs behind one address. Unknown and
// malformed tokens count only against their address's junkPingsPerIP,
// a separate budget, so that a client guessing tokens behind a shared
// address (a proxy without server.trusted_proxies) can never get a real
// job's ping a 429.
const (
	pingsPerToken  = 60
	pingsPerIP     = 600
	junkPingsPerIP = 30
	pingWindow     = time.Minute
	// maxPingToken bounds a token (Healthchecks' are UUIDs, 36
	// characters); maxPingRID a run id.
	maxPingToken = 128
	maxPingRID   = 64
)

var (
	pingTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	pingRIDPattern   = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	pingExitPattern  = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$`)
)

// pingGuard holds the pings' per-address rate limits and counter.
type pingGuard struct {
	byIP, junk *ipLimiter
	total      *prometheus.CounterVec
}

func newPingGuard(reg prometheus.Registerer, now func() time.Time) *pingGuard {
	g := &pingGuard{
		byIP: newIPLimiter("ping_address", pingsPerIP, pingWindow, now),
		junk: newIPLimiter("ping_unknown", junkPingsPerIP, pingWindow, now),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_backup_pings_total",
			Help: "Pings to /ping/{token} by outcome: ok, not_found, bad_request, rate_limited, error.",
		}, []string{"outcome"}),
	}
	for _, o := range []string{"ok", "not_found", "bad_request", "rate_limited", "error"} {
		g.total.WithLabelValues(o)
	}
	if reg != nil {
		if err := reg.Register(g.total); err != nil {
			// A second server on one registry (tests) shares the first's.
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				if c, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
					g.total = c
				}
			}
		}
	}
	return g
}

// parsePingAction reads the path's action: "" (success), start, fail,
// log or an exit code 0-255.
func parsePingAction(action string) (backups.PingKind, int, bool) {
	switch action {
	case "":
		return backups.PingSuccess, 0, true
	case "start":
		return backups.PingStart, 0, true
	case "fail":
		return backups.PingFail, 0, true
	case "log":
		return backups.PingLog, 0, true
	}
	if !pingExitPattern.MatchString(action) {
		return "", 0, false
	}
	n, _ := strconv.Atoi(action)
	if n > 255 {
		return "", 0, false
	}
	return backups.PingExit, n, true
}

// ping serves /ping/{token} and /ping/{token}/{action}.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	answer := func(code int, outcome, text string) {
		s.pings.total.WithLabelValues(outcome).Inc()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, text)
		}
	}
	// limited charges addr under an address budget, with the RateLimit
	// fields (issue 13), and answers 429 when it is spent.
	token := r.PathValue("token")
	addr := ratelimit.AddrKey(s.clientIP(r))
	limited := func(l *ipLimiter) bool {
		d := l.take(addr)
		ratelimit.SetHeaders(w.Header(), l.w.Policy(), d)
		if d.Allowed {
			return false
		}
		s.limitViolation(r, pingLimited, "ip:"+addr, "anonymous", nil)
		answer(http.StatusTooManyRequests, "rate_limited", "rate limited")
		return true
	}
	kind, exit, ok := parsePingAction(r.PathValue("action"))
	if !ok || len(token) > maxPingToken || !pingTokenPattern.MatchString(token) ||
		s.deps.Backups == nil || !s.deps.Backups.KnownPing(token) {
		// Junk takes no slot of a token's own and none of the known
		// tokens' budget: only its address's junk bucket.
		if !limited(s.pings.junk) {
			answer(http.StatusNotFound, "not_found", "not found")
		}
		return
	}
	if limited(s.pings.byIP) {
		return
	}
	if !s.charge(w, r, pingLimited, s.currentLimits().limiter(pingLimited, ""), pingKey(token), "anonymous", 1, nil) {
		answer(http.StatusTooManyRequests, "rate_limited", "rate limited")
		return
	}
	rid := r.URL.Query().Get("rid")
	if rid != "" && (len(rid) > maxPingRID || !pingRIDPattern.MatchString(rid)) {
		answer(http.StatusBadRequest, "bad_request", "invalid rid")
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		// As Healthchecks: the first MaxPingBody bytes are kept, the
		// rest is cut, not refused.
		b, err := io.ReadAll(io.LimitReader(r.Body, backups.MaxPingBody))
		if err != nil {
			answer(http.StatusBadRequest, "bad_request", "body could not be read")
			return
		}
		body = b
	}
	err := s.deps.Backups.Ping(r.Context(), backups.Ping{
		Token: token, Kind: kind, Exit: exit, RID: rid, Body: body, At: s.now(),
	})
	switch {
	case err == nil:
		answer(http.StatusOK, "ok", "OK")
	case errors.Is(err, backups.ErrUnknownToken), errors.Is(err, backups.ErrNotFound):
		answer(http.StatusNotFound, "not_found", "not found")
	default:
		s.logger.Error("recording a ping", "err", err)
		answer(http.StatusInternalServerError, "error", "error")
	}
}
