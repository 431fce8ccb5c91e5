package ui

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/checks"
)

// tile is one box of the overview: a part of production (or ward) and
// its figures.
type tile struct {
	ID    string
	Title string
	Level level
	// NoData means none of the tile's series or checks exist yet; the
	// tile then says how to add them.
	NoData bool
	Rows   []tileRow
	Href   string // the page with more
	Docs   string // how to set it up, shown with no data
	// Err is a query that failed; the figures shown may be incomplete.
	Err string
	// Waiting is a tile with nothing to judge yet (issue 12: a backup
	// job before its first run): grey, tagged "Waiting", not OK or Down.
	Waiting bool
}

type tileRow struct {
	Label, Value string
	Level        level
}

// docsText names a documentation link as text: the README section (or
// the example config) it points at. The overview shows this instead of a
// link to github.com, which a ward on a closed network cannot reach
// (graphs-trial).
func docsText(href string) string {
	switch href {
	case docsConfiguration:
		return "“Configuration” in ward's README"
	case docsChecks:
		return "“Health checks” in ward's README"
	case docsAlerting:
		return "“Alerting” in ward's README"
	case docsRules:
		return "“Rules” in ward's README"
	case docsExampleConfig:
		return "config.example.yaml beside ward's README"
	}
	return "ward's README"
}

// Documentation the console links to when something is not set up yet.
const (
	docsBase          = "/docs"
	docsConfiguration = docsBase + "#configuration"
	docsChecks        = docsBase + "#health-checks"
	docsAlerting      = docsBase + "#alerting"
	docsRules         = docsBase + "#rules"
	docsExampleConfig = docsBase + "/config.example.yaml"
)

// Series the tiles read. The app's are the built-in recording rules
// (rules/builtin/app.yml), one value per scrape job.
const (
	appRequests = "job:ward_app_http_requests:rate5m"
	appErrors   = "job:ward_app_http_errors:rate5m"
	appP95      = "job:ward_app_http_request_duration_seconds:p95"
	// TLS: ward's own checks and blackbox_exporter's probes.
	tlsExpiry = `min by (check) (ward_check_tls_cert_expiry_seconds)`
	probeTLS  = `min by (instance) (probe_ssl_earliest_cert_expiry - time())`
	// ward itself.
	wardIngest    = `sum(rate(prometheus_tsdb_head_samples_appended_total{job="ward"}[5m]))`
	wardRuleFails = `sum(increase(prometheus_rule_evaluation_failures_total{job="ward"}[1h]))`
	wardNotifFail = `sum(increase(ward_notification_attempt_failures_total{job="ward"}[1h]))`
)

// TLS certificates closer to expiry than these are Down and Degraded.
const (
	tlsDownBelow     = 7 * 24 * time.Hour
	tlsDegradedBelow = 21 * 24 * time.Hour
)

// maxTileRows bounds the rows of one tile; the tile's page has the rest.
const maxTileRows = 8

// tiles builds the overview's tiles in a fixed order: the app,
// PostgreSQL, Redis, S3, TLS expiry, ward.
func (s *Server) tiles(ctx context.Context, now time.Time, h checks.Health, st WardStatus) []tile {
	ts := []tile{
		s.appTile(ctx, now),
		s.serviceTile(ctx, now, checkTile("postgres", "PostgreSQL", h.Checks), "pg_up"),
		s.serviceTile(ctx, now, checkTile("redis", "Redis", h.Checks), "redis_up"),
		checkTile("s3", "S3", h.Checks),
		s.tlsTile(ctx, now),
		s.wardTile(ctx, now, h, st),
	}
	for i := range ts {
		ts[i].finish()
	}
	return ts
}

func (s *Server) appTile(ctx context.Context, now time.Time) tile {
	t := tile{ID: "app", Title: "The app", Href: "/rules#" + RuleAnchor("ward-app-recording", appRequests), Docs: docsConfiguration}
	type figures struct{ req, errs, p95 float64 }
	byJob := map[string]*figures{}
	get := func(job string) *figures {
		f, ok := byJob[job]
		if !ok {
			f = &figures{req: math.NaN(), errs: math.NaN(), p95: math.NaN()}
			byJob[job] = f
		}
		return f
	}
	for _, q := range []struct {
		expr string
		set  func(*figures, float64)
	}{
		{appRequests, func(f *figures, v float64) { f.req = v }},
		{appErrors, func(f *figures, v float64) { f.errs = v }},
		{appP95, func(f *figures, v float64) { f.p95 = v }},
	} {
		vec, err := s.instant(ctx, q.expr, now)
		if err != nil {
			t.Err = err.Error()
			continue
		}
		for _, smp := range vec {
			q.set(get(smp.Metric.Get("job")), smp.F)
		}
	}
	if len(byJob) == 0 {
		t.NoData = true
		return t
	}
	jobs := make([]string, 0, len(byJob))
	for j := range byJob {
		jobs = append(jobs, j)
	}
	sort.Strings(jobs)
	for _, j := range jobs {
		f := byJob[j]
		row := tileRow{Label: j}
		var parts []string
		if !math.IsNaN(f.req) {
			parts = append(parts, number(f.req)+" req/s")
		}
		if !math.IsNaN(f.errs) && f.req > 0 {
			ratio := f.errs / f.req
			parts = append(parts, fmt.Sprintf("%.2f%% errors", 100*ratio))
			if ratio > 0.01 {
				row.Level = levelDown
			}
		}
		if !math.IsNaN(f.p95) {
			parts = append(parts, "p95 "+millis(time.Duration(f.p95*float64(time.Second))))
			if f.p95 > 1 {
				row.Level = max(row.Level, levelDegraded)
			}
		}
		row.Value = strings.Join(parts, " · ")
		t.Rows = append(t.Rows, row)
	}
	return t
}

// checkTile shows the checks of one kind: each one's status and what
// its last run saw.
func checkTile(kind, title string, results []checks.Result) tile {
	t := tile{ID: kind, Title: title, Href: "/checks?kind=" + kind, Docs: docsChecks}
	for _, c := range results {
		if c.Kind != kind {
			continue
		}
		row := tileRow{Label: c.Check}
		switch c.Status {
		case checks.StatusDown:
			row.Value = "failing: " + c.Error
			row.Level = levelDegraded
			if c.Critical {
				row.Level = levelDown
			}
		case checks.StatusPending:
			row.Value = "not run yet"
		default:
			row.Value = "up"
			if c.Details != "" {
				row.Value += ": " + c.Details
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.NoData = len(t.Rows) == 0
	return t
}

// serviceTile adds to a check tile what the service's exporter says
// (postgres_exporter's pg_up, redis_exporter's redis_up), one row per
// instance: a service watched only through its exporter has data too.
func (s *Server) serviceTile(ctx context.Context, now time.Time, t tile, upMetric string) tile {
	vec, err := s.instant(ctx, upMetric, now)
	if err != nil {
		t.Err = err.Error()
		return t
	}
	for _, smp := range vec {
		row := tileRow{Label: "exporter " + smp.Metric.Get("instance"), Value: "up"}
		if smp.F != 1 {
			row.Value, row.Level = "down (the exporter cannot reach it)", levelDegraded
		}
		t.Rows = append(t.Rows, row)
	}
	t.NoData = len(t.Rows) == 0
	return t
}

// tlsTile lists the certificates closest to expiry.
func (s *Server) tlsTile(ctx context.Context, now time.Time) tile {
	t := tile{ID: "tls", Title: "TLS expiry", Href: "/checks", Docs: docsChecks}
	type cert struct {
		name string
		left float64
	}
	var certs []cert
	for _, q := range []struct{ expr, label string }{{tlsExpiry, "check"}, {probeTLS, "instance"}} {
		vec, err := s.instant(ctx, q.expr, now)
		if err != nil {
			t.Err = err.Error()
			continue
		}
		for _, smp := range vec {
			certs = append(certs, cert{name: smp.Metric.Get(q.label), left: smp.F})
		}
	}
	if len(certs) == 0 {
		t.NoData = true
		return t
	}
	sort.Slice(certs, func(i, j int) bool { return certs[i].left < certs[j].left })
	for _, c := range certs {
		left := time.Duration(c.left * float64(time.Second))
		row := tileRow{Label: c.name, Value: "expires in " + roughDuration(left)}
		switch {
		case left <= 0:
			row.Value, row.Level = "expired", levelDown
		case left < tlsDownBelow:
			row.Level = levelDown
		case left < tlsDegradedBelow:
			row.Level = levelDegraded
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// wardTile is ward itself: series in the head, ingestion, failed rule
// evaluations and notifications, and its components.
func (s *Server) wardTile(ctx context.Context, now time.Time, h checks.Health, st WardStatus) tile {
	t := tile{ID: "ward", Title: "ward", Href: "/status"}
	t.Rows = append(t.Rows, tileRow{Label: "Series in head", Value: number(float64(st.HeadSeries))})
	scalar := func(expr string) (float64, bool) {
		vec, err := s.instant(ctx, expr, now)
		if err != nil {
			t.Err = err.Error()
			return 0, false
		}
		if len(vec) == 0 {
			return 0, false
		}
		return vec[0].F, true
	}
	if v, ok := scalar(wardIngest); ok {
		t.Rows = append(t.Rows, tileRow{Label: "Ingestion", Value: number(v) + " samples/s"})
	}
	if v, ok := scalar(wardRuleFails); ok {
		row := tileRow{Label: "Rule evaluation failures (1h)", Value: number(v)}
		if v > 0 {
			row.Level = levelDegraded
		}
		t.Rows = append(t.Rows, row)
	}
	if v, ok := scalar(wardNotifFail); ok {
		row := tileRow{Label: "Notification failures (1h)", Value: number(v)}
		if v > 0 {
			row.Level = levelDegraded
		}
		t.Rows = append(t.Rows, row)
	}
	for _, c := range h.Components {
		row := tileRow{Label: "Component " + c.Name, Value: string(c.Status)}
		if c.Status != checks.StatusUp {
			row.Value += ": " + c.Error
			row.Level = levelDegraded
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// finish sets the tile's level from its rows, worst rows first, and
// caps the rows.
func (t *tile) finish() {
	sort.SliceStable(t.Rows, func(i, j int) bool { return t.Rows[i].Level > t.Rows[j].Level })
	for _, r := range t.Rows {
		t.Level = max(t.Level, r.Level)
	}
	if len(t.Rows) > maxTileRows {
		n := len(t.Rows) - maxTileRows
		t.Rows = append(t.Rows[:maxTileRows:maxTileRows], tileRow{Label: "…", Value: fmt.Sprintf("%d more", n)})
	}
}

// shownRows are the rows the view shows: in the "not OK only" view, only
// those that are not OK.
func (t tile) shownRows(problems bool) []tileRow {
	if !problems {
		return t.Rows
	}
	return slices.DeleteFunc(slices.Clone(t.Rows), func(r tileRow) bool { return r.Level == levelOK })
}

// setupStep is one line of the getting-started panel.
type setupStep struct {
	What, Why, Href string
}

// setupSteps returns the getting-started panel's steps when ward watches
// only itself and the host (every scrape job is ward's own or node) and
// nothing else is set up, and nil once any of the app, PostgreSQL,
// checks or Slack is.
func setupSteps(st WardStatus) []setupStep {
	var app, postgres bool
	for _, j := range st.Jobs {
		switch {
		case j == "ward" || j == "node":
		case strings.Contains(j, "postgres"):
			postgres = true
		default:
			app = true
		}
	}
	if slices.Contains(st.CheckKinds, "postgres") {
		postgres = true
	}
	if app || postgres || len(st.CheckKinds) > 0 || st.SlackReceivers > 0 {
		return nil
	}
	return []setupStep{
		{What: "Scrape your app", Why: "add a scrape_configs job for its /metrics (django-prometheus, or edit the app recording rules); the app tile and its alerts use it", Href: docsExampleConfig},
		{What: "Scrape PostgreSQL through postgres_exporter", Why: "a scrape_configs job named postgres; the built-in PostgreSQL alerts use it", Href: docsRules},
		{What: "Add health checks", Why: "checks: PostgreSQL, Redis, S3, HTTP and TCP, as your app connects", Href: docsChecks},
		{What: "Send alerts to Slack", Why: "a receiver with slack_configs in the alerting section", Href: docsAlerting},
	}
}
