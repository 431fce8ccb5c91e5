package ui

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/dashboard"
)

// Charts (issue 11). The server renders every chart as a <figure
// class="chart"> whose data attributes say what to draw; the browser
// (static/graphs.js, drawing with the vendored uPlot) fetches the data
// from /api/v1/query_range with a step sized to the plot's pixel width.
// Without JavaScript the page still shows each chart's title, the alert
// lines and a link to the explorer.

// chartSpec is one chart.
type chartSpec struct {
	// ID is the element id, stable across renders and unique on the page.
	ID    string
	Title string
	// Expr is the PromQL expression; one query_range draws the chart.
	Expr string
	// Legend names a series from its labels: "{{instance}} {{mountpoint}}";
	// empty means the series' labels as Prometheus writes them.
	Legend string
	// Unit formats values: "percent" (a ratio 0..1 shown as %), "bytes",
	// "bytes/s", "seconds", "ops" (per second), "days" or "" (plain).
	Unit string
	// Thresholds are the alert lines: the comparisons of the rules that
	// watch this chart.
	Thresholds []chartThreshold
	// Alerts are the alert names whose firing spans shade the chart.
	Alerts []string
	// Step is the query_range step in seconds; 0 lets the script size it
	// to the plot's width (the explorer's step field sets it).
	Step float64
	// Note is a muted line under the title: when the chart can be empty
	// and why (dashboard.Panel.Note).
	Note string
	// NoteWhenEmpty hides Note once the chart has data: a note that only
	// explains why the chart is empty.
	NoteWhenEmpty bool
	// InExplorer is the explorer's own chart: no "Open in explorer".
	InExplorer bool
}

// linesLabel starts the alert-line text: "Alert line:" or "Alert lines:".
func (c chartSpec) linesLabel() string {
	if len(c.Thresholds) > 1 {
		return "Alert lines: "
	}
	return "Alert line: "
}

// stepText is the data-step attribute; "" when the step is automatic.
func (c chartSpec) stepText() string {
	if c.Step <= 0 {
		return ""
	}
	return strconv.FormatFloat(c.Step, 'f', -1, 64)
}

// chartThreshold is one alert line.
type chartThreshold struct {
	Value float64 `json:"value"`
	Op    string  `json:"op"`   // the rule's comparison: ">", "<", ...
	Rule  string  `json:"rule"` // the alert's name
	Group string  `json:"-"`    // the rule's group, for its anchor on /rules
}

// thresholdsJSON is the data-thresholds attribute. A value that is not
// finite has no line and no JSON form (dashboard.ThresholdOf drops it
// already); it is left out here too, so one bad rule cannot cost the
// panel its other lines. Should encoding fail anyway, the chart draws
// no lines rather than a broken attribute.
func (c chartSpec) thresholdsJSON() string {
	lines := make([]chartThreshold, 0, len(c.Thresholds))
	for _, t := range c.Thresholds {
		if !math.IsInf(t.Value, 0) && !math.IsNaN(t.Value) {
			lines = append(lines, t)
		}
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// alertsJSON is the data-alerts attribute.
func (c chartSpec) alertsJSON() string {
	if len(c.Alerts) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(c.Alerts)
	return string(b)
}

// chartRanges are the preset time ranges, shortest first.
var chartRanges = []struct {
	Name string
	D    time.Duration
}{
	{"15m", 15 * time.Minute},
	{"1h", time.Hour},
	{"6h", 6 * time.Hour},
	{"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour},
}

// Bounds of a chart range.
const (
	defaultChartRange = "1h"
	// maxChartSpan bounds a custom range; the TSDB keeps less anyway.
	maxChartSpan = 400 * 24 * time.Hour
	// minChartSpan is the narrowest zoom.
	minChartSpan = 10 * time.Second
	// defaultChartRefresh is how often charts re-query while visible.
	defaultChartRefresh = 30 * time.Second
)

// chartRange is the time range of a page's charts, from its URL:
// range=1h (a preset ending now, the default) or from=...&to=... (a
// custom range or a zoom; Unix seconds or RFC 3339). A link reproduces
// the view.
type chartRange struct {
	Preset   string // "" when custom
	From, To time.Time
	// Refresh is the live refresh period; 0 when the range is custom
	// (a fixed window does not move).
	Refresh time.Duration
}

// parseChartRange reads the range from q at now; a bad value is an error
// naming its field.
func parseChartRange(q url.Values, now time.Time, refresh time.Duration) (chartRange, error) {
	if refresh <= 0 {
		refresh = defaultChartRefresh
	}
	from, to := q.Get("from"), q.Get("to")
	if from == "" && to == "" {
		name := q.Get("range")
		if name == "" {
			name = defaultChartRange
		}
		for _, p := range chartRanges {
			if p.Name == name {
				return chartRange{Preset: name, From: now.Add(-p.D), To: now, Refresh: refresh}, nil
			}
		}
		return chartRange{}, badRequest(fmt.Sprintf("range: %q is not one of 15m, 1h, 6h, 24h, 7d, 30d", clip(name, 32)))
	}
	f, err := parseChartTime("from", from)
	if err != nil {
		return chartRange{}, err
	}
	t, err := parseChartTime("to", to)
	if err != nil {
		return chartRange{}, err
	}
	switch span := t.Sub(f); {
	case span < minChartSpan:
		return chartRange{}, badRequest(fmt.Sprintf("to: must be at least %s after from", minChartSpan))
	case span > maxChartSpan:
		return chartRange{}, badRequest("to: the range is longer than 400 days")
	}
	return chartRange{From: f, To: t}, nil
}

// parseChartTime reads Unix seconds (with a fraction) or RFC 3339, or the
// datetime-local form's "2006-01-02T15:04" (UTC).
func parseChartTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, badRequest(field + ": missing (give both from and to)")
	}
	if len(v) > 64 {
		return time.Time{}, badRequest(field + ": too long")
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest(field + ": not a time (Unix seconds or RFC 3339, e.g. 2026-12-04T10:00:00Z)")
}

// chartRangeFrom is parseChartRange for a page; it answers 400 itself
// and returns false on a bad range.
func (s *Server) chartRangeFrom(w http.ResponseWriter, r *http.Request) (chartRange, bool) {
	cr, err := parseChartRange(r.URL.Query(), time.Now(), s.chartRefresh())
	if err != nil {
		s.fail(w, r, err)
		return chartRange{}, false
	}
	return cr, true
}

// chartRangeInline is parseChartRange for a page that shows a bad range
// next to its range form rather than on an error page: it returns the
// default range, the form with the problem and the given values, and
// 400; or the range, the form and 200.
func (s *Server) chartRangeInline(w http.ResponseWriter, r *http.Request) (chartRange, customRange, int) {
	custom := customRangeOf(r)
	cr, err := parseChartRange(r.URL.Query(), time.Now(), s.chartRefresh())
	if err == nil {
		return cr, custom, http.StatusOK
	}
	status, msg := s.formError(w, r, err)
	custom.Error = msg
	custom.From, custom.To = clip(r.URL.Query().Get("from"), 64), clip(r.URL.Query().Get("to"), 64)
	cr, _ = parseChartRange(url.Values{}, time.Now(), s.chartRefresh())
	return cr, custom, status
}

// chartRefresh is the configured live refresh period of charts (0: the
// default).
func (s *Server) chartRefresh() time.Duration {
	if s.deps.ChartRefresh == nil {
		return 0
	}
	return s.deps.ChartRefresh()
}

// chartPage marks p as a page with charts: the layout loads uPlot and
// the chart scripts, in this order (graphs.js uses graphs-format.js).
func (s *Server) chartPage(p page) page {
	p.Styles = append(p.Styles, s.assets.path("uplot/uPlot.min.css"))
	p.Scripts = append(p.Scripts, s.assets.path("uplot/uPlot.iife.min.js"),
		s.assets.path("graphs-format.js"), s.assets.path("graphs.js"))
	return p
}

// unixText is t as Unix seconds for data attributes.
func unixText(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// rangeHref is the current path with the range replaced by preset name,
// keeping the page's other parameters (the explorer's expression).
func rangeHref(r *http.Request, name string) string {
	q := r.URL.Query()
	q.Del("from")
	q.Del("to")
	q.Set("range", name)
	return r.URL.Path + "?" + q.Encode()
}

// explorerHref opens expr in the explorer's chart with the same range.
// A panel's $__rate_interval becomes its finest window (5m): the explorer
// takes plain PromQL.
func explorerHref(expr string, cr chartRange) string {
	expr = dashboard.ExpandRateInterval(expr, dashboard.DefaultRateInterval)
	q := url.Values{"g0.expr": {expr}, "tab": {"chart"}}
	if cr.Preset != "" {
		q.Set("range", cr.Preset)
	} else {
		q.Set("from", unixText(cr.From))
		q.Set("to", unixText(cr.To))
	}
	return "/graph?" + q.Encode()
}

// chartHref opens expr in the explorer's chart over the default range:
// the link the rules and alerts pages give each expression.
func chartHref(expr string) string {
	return explorerHref(expr, chartRange{Preset: defaultChartRange})
}

// rangeLink is one preset of the range bar.
type rangeLink struct {
	Name, Href string
	Current    bool
}

// rangeLinks are the range bar's presets for r.
func rangeLinks(r *http.Request, cr chartRange) []rangeLink {
	links := make([]rangeLink, 0, len(chartRanges))
	for _, p := range chartRanges {
		links = append(links, rangeLink{Name: p.Name, Href: rangeHref(r, p.Name), Current: p.Name == cr.Preset})
	}
	return links
}

// customRange is the custom-range form: where it submits and the page's
// other parameters it keeps.
type customRange struct {
	Action string
	Hidden [][2]string
	// Error is what is wrong with the range the URL gave, shown beside
	// the form; From and To are then the values given, to correct.
	Error    string
	From, To string
}

// fromValue and toValue fill the form's fields: the range shown, or the
// values given when they were refused.
func (c customRange) fromValue(cr chartRange) string {
	if c.Error != "" {
		return c.From
	}
	return cr.From.UTC().Format(c.layout(cr))
}

func (c customRange) toValue(cr chartRange) string {
	if c.Error != "" {
		return c.To
	}
	return cr.To.UTC().Format(c.layout(cr))
}

// layout and step write a fixed range (a zoom) to the second, so that
// submitting the form reproduces it; a preset to the minute.
func (c customRange) layout(cr chartRange) string {
	if cr.Preset == "" {
		return "2006-01-02T15:04:05"
	}
	return "2006-01-02T15:04"
}

func (c customRange) step(cr chartRange) string {
	if cr.Preset == "" {
		return "1"
	}
	return "60"
}

// customRangeOf keeps r's parameters other than the range.
func customRangeOf(r *http.Request) customRange {
	c := customRange{Action: r.URL.Path}
	q := r.URL.Query()
	for k, vs := range q {
		if k == "range" || k == "from" || k == "to" {
			continue
		}
		for _, v := range vs {
			c.Hidden = append(c.Hidden, [2]string{k, v})
		}
	}
	sort.Slice(c.Hidden, func(i, j int) bool { return c.Hidden[i][0] < c.Hidden[j][0] })
	return c
}

// formatChartValue writes v in unit for the server-rendered text (the
// script formats the same way on the chart's axis).
func formatChartValue(v float64, unit string) string {
	switch unit {
	case "percent":
		return strconv.FormatFloat(v*100, 'g', 4, 64) + "%"
	case "seconds":
		if v < 1 {
			return strconv.FormatFloat(v*1000, 'g', 4, 64) + " ms"
		}
		return strconv.FormatFloat(v, 'g', 4, 64) + " s"
	case "days":
		return strconv.FormatFloat(v/86400, 'g', 4, 64) + " days"
	case "bytes":
		return strconv.FormatFloat(v, 'g', 4, 64) + " B"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
