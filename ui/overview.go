package ui

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/a-h/templ"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/errkind"
)

// overview is what GET / shows.
type overview struct {
	Now  time.Time
	User string
	// Problems is the "not OK only" view (?problems=1): everything that
	// is fine is left out.
	Problems  bool
	Verdict   verdict
	Alerts    alerting.Summary
	Severity  []severityCount
	Targets   targetCounts
	Checks    checkCounts
	Tiles     []tile
	Setup     []setupStep // nil: the getting-started panel is not shown
	CanReload bool
	// Events is the last events, rendered by the events page's
	// component; nil leaves the section out.
	Events templ.Component
	// Charts are the key graphs (issue 11; graphs.go); nil leaves the
	// section out.
	Charts templ.Component
	// NewErrors is error tracking's "new since the last deploy" (issue
	// 16; errorsoverview.go); nil leaves the section out.
	NewErrors templ.Component
}

type severityCount struct {
	Severity string
	N        int
	Href     string
}

type targetCounts struct{ Up, Down, Unknown int }

type checkCounts struct{ Failing, Pending, Total int }

var errProblemsParam = errkind.New(errkind.Malformed, "ui: bad problems parameter", "problems: want 1 or 0")

// overviewPage serves GET /: the production banner, counters, tiles and
// the getting-started panel.
func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	var problems bool
	switch r.URL.Query().Get("problems") {
	case "", "0":
	case "1":
		problems = true
	default:
		s.fail(w, r, errProblemsParam)
		return
	}
	// The key graphs (issue 11), left out of the "not OK only" view; the
	// range is read only when they are shown, so a stale range= on the
	// problems view is no error.
	charts := keyCharts(s.boards())
	showCharts := len(charts) > 0 && !problems
	var cr chartRange
	if showCharts {
		var ok bool
		if cr, ok = s.chartRangeFrom(w, r); !ok {
			return
		}
	}
	ov := s.buildOverview(r.Context(), s.now())
	ov.Problems = problems
	ov.User = auth.PrincipalFrom(r.Context()).User.Name
	p := s.page(r, "Overview")
	if showCharts {
		ov.Charts = overviewCharts(charts, rangeLinks(r, cr), cr, customRangeOf(r))
		p = s.chartPage(p)
	}
	p.Live = true
	if ov.NewErrors != nil { // issue 16
		p.Styles = append(p.Styles, s.assets.path("errors.css"))
	}
	ov.CanReload = p.Admin
	s.render(w, r, http.StatusOK, overviewPageView(p, ov))
}

// buildOverview reads every source the overview shows, once.
func (s *Server) buildOverview(ctx context.Context, now time.Time) overview {
	ov := overview{Now: now, Alerts: s.deps.Alerting.Summary(ctx)}
	var health checks.Health
	if s.deps.Report != nil {
		health = s.deps.Report(ctx)
	}
	targets := s.targetList(now)
	var down []string
	for _, pool := range targets {
		for _, t := range pool.Targets {
			switch t.Health {
			case "up":
				ov.Targets.Up++
			case "down":
				ov.Targets.Down++
				down = append(down, pool.Job+" "+t.Instance)
			default:
				ov.Targets.Unknown++
			}
		}
	}
	for _, c := range health.Checks {
		ov.Checks.Total++
		switch c.Status {
		case checks.StatusDown:
			ov.Checks.Failing++
		case checks.StatusPending:
			ov.Checks.Pending++
		}
	}
	if evs := s.recentEvents(ctx, 20); len(evs) > 0 {
		ov.Events = eventList(evs, now)
	}
	ov.Verdict = deriveVerdict(verdictInput{Checks: health.Checks, Components: health.Components, Firing: ov.Alerts.Firing, DownTargets: down})
	ov.Severity = severities(ov.Alerts.Firing)
	var st WardStatus
	if s.deps.Status != nil {
		st = s.deps.Status()
	}
	ov.Tiles = s.tiles(ctx, now, health, st)
	ov.Setup = setupSteps(st)
	ov.NewErrors = s.newErrorsSection(ctx, now) // issue 16
	return ov
}

// severityOrder puts the severities people act on first.
var severityOrder = map[string]int{"critical": 0, "warning": 1, "info": 2, "none": 4}

// severities lists firing counts, critical and warning always.
func severities(firing map[string]int) []severityCount {
	counts := map[string]int{"critical": 0, "warning": 0}
	for sev, n := range firing {
		counts[sev] = n
	}
	var out []severityCount
	for sev, n := range counts {
		out = append(out, severityCount{Severity: sev, N: n, Href: "/alerts?" + url.Values{"filter": {`{severity="` + sev + `"}`}}.Encode()})
	}
	sort.Slice(out, func(i, j int) bool {
		oi, ok := severityOrder[out[i].Severity]
		if !ok {
			oi = 3
		}
		oj, ok := severityOrder[out[j].Severity]
		if !ok {
			oj = 3
		}
		if oi != oj {
			return oi < oj
		}
		return out[i].Severity < out[j].Severity
	})
	return out
}
