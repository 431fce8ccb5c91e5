package ui

import (
	"net/http"
	"time"

	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/errkind"
)

// checksView is what /checks shows: the HTML face of the health report
// that /health/ serves as JSON.
type checksView struct {
	Now        time.Time
	Status     checks.HealthStatus
	State      string // the filter: "", "failing", "up", "pending"; failing lists weak checks too
	Kind       string
	Checks     []checks.Result
	Total      int
	Components []checks.ComponentHealth
}

var (
	errCheckState = errkind.New(errkind.Malformed, "ui: bad checks state", "state: want failing, up or pending")
	errCheckKind  = errkind.New(errkind.Malformed, "ui: bad checks kind", "kind: want postgres, redis, s3, http, tcp or headers")
)

var checkKinds = map[string]bool{"": true, "postgres": true, "redis": true, "s3": true, "http": true, "tcp": true, "headers": true}

// checksPage serves GET /checks[?state=failing|up|pending][&kind=K].
func (s *Server) checksPage(w http.ResponseWriter, r *http.Request) {
	state, kind := r.URL.Query().Get("state"), r.URL.Query().Get("kind")
	want, ok := map[string]checks.Status{"": "", "failing": checks.StatusDown, "up": checks.StatusUp, "pending": checks.StatusPending}[state]
	if !ok {
		s.fail(w, r, errCheckState)
		return
	}
	if !checkKinds[kind] {
		s.fail(w, r, errCheckKind)
		return
	}
	v := checksView{Now: s.now(), State: state, Kind: kind, Status: checks.HealthPass}
	if s.deps.Report != nil {
		h := s.deps.Report(r.Context())
		v.Status, v.Components, v.Total = h.Status, h.Components, len(h.Checks)
		for _, c := range h.Checks {
			if (want == "" || checkFilterStatus(c) == want) && (kind == "" || c.Kind == kind) {
				v.Checks = append(v.Checks, c)
			}
		}
	}
	p := s.page(r, "Checks")
	p.Live = true
	s.render(w, r, http.StatusOK, checksPageView(p, v))
}

// checkFilterStatus is the status c is filtered by: a weak check (up,
// with a warning such as a low headers score) is listed as failing.
func checkFilterStatus(c checks.Result) checks.Status {
	if c.Weak() {
		return checks.StatusDown
	}
	return c.Status
}

// checkState is the status c shows: "weak" for a check up with a
// warning, else its status.
func checkState(c checks.Result) string {
	if c.Weak() {
		return "weak"
	}
	return string(c.Status)
}

// checkSince says since when a check stands where it is: a failing one
// since its last success, an up one since its last run.
func checkSince(c checks.Result, now time.Time) string {
	switch c.Status {
	case checks.StatusDown:
		if c.LastSuccess.IsZero() {
			return "never passed since ward started"
		}
		return "failing since " + utcStamp(c.LastSuccess) + " (" + agoText(c.LastSuccess, now) + ")"
	case checks.StatusUp:
		return "last run " + utcStamp(c.Time) + " (" + agoText(c.Time, now) + ")"
	}
	return "not run yet"
}

// healthLevel maps the report's status onto the console's levels.
func healthLevel(h checks.HealthStatus) level {
	switch h {
	case checks.HealthFail:
		return levelDown
	case checks.HealthWarn:
		return levelDegraded
	}
	return levelOK
}

// checkLevel is one check's colour.
func checkLevel(c checks.Result) level {
	switch {
	case c.Status == checks.StatusDown && c.Critical:
		return levelDown
	case c.Status == checks.StatusDown, c.Weak():
		return levelDegraded
	}
	return levelOK
}
