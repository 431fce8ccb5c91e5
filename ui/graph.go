package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/errkind"
)

// Bounds of the expression page.
const (
	// maxGraphExpr bounds the expression: alert expressions are short;
	// longer queries go to the API, which takes POST bodies.
	maxGraphExpr = 4096
	// maxGraphRows bounds the series the table shows.
	maxGraphRows = 200
)

// graphRow is one series of an instant query's result.
type graphRow struct {
	Metric string
	Value  string
}

type graphView struct {
	Expr       string
	ResultType string
	Rows       []graphRow
	Total      int
	Error      string
	Warnings   []string

	// Explorer (issue 11).
	//
	// Syntax is the expression's syntax error, shown at its position.
	Syntax *exprError
	// Tab is "table" (an instant query at the range's end) or "chart".
	Tab  string
	Tabs []graphTab
	// Step is the step field as given; StepSeconds its value (0: auto,
	// from the plot's width); StepError names what is wrong with it.
	Step        string
	StepSeconds float64
	StepError   string
	Range       chartRange
	RangeLinks  []rangeLink
	Custom      customRange
	Browse      labelBrowser
	// History is the user's recent expressions, newest first.
	History []historyLink
}

// graphTab is one view link of the explorer.
type graphTab struct {
	Name, Label, Href string
	Current           bool
}

// chartSpec is the chart view's chart.
func (v graphView) chartSpec() chartSpec {
	return chartSpec{ID: "explorer-chart", Title: clip(v.Expr, 120), Expr: v.Expr, Step: v.StepSeconds, InExplorer: true}
}

// graphPage serves GET /graph?g0.expr=...: the explorer. The expression
// (g0.expr: Prometheus' form of the link, which alert generator URLs
// use) is parsed here so that a syntax error is shown at its position;
// the table view then evaluates it at the range's end through ward's own
// /api/v1/query handler, so it is under exactly the API's limits
// (querylimit: samples, series, time, concurrency), and the chart view
// is drawn by static/graphs.js from /api/v1/query_range.
func (s *Server) graphPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	expr := strings.TrimSpace(q.Get("g0.expr"))
	if expr == "" {
		expr = strings.TrimSpace(q.Get("expr"))
	}
	if len(expr) > maxGraphExpr {
		s.fail(w, r, badRequest(fmt.Sprintf("g0.expr: longer than %d bytes", maxGraphExpr)))
		return
	}
	cr, custom, status := s.chartRangeInline(w, r)
	v := graphView{Expr: expr, Tab: q.Get("tab"), Range: cr, RangeLinks: rangeLinks(r, cr), Custom: custom}
	if v.Tab == "" {
		// Prometheus' links (alert generator URLs): g0.tab=0 is its
		// graph, 1 its table.
		switch q.Get("g0.tab") {
		case "0":
			v.Tab = "chart"
		case "1":
			v.Tab = "table"
		}
	}
	switch v.Tab {
	case "", "table":
		v.Tab = "table"
	case "chart":
	default:
		s.fail(w, r, badRequest(`tab: must be "table" or "chart"`))
		return
	}
	v.Tabs = graphTabs(r, v.Tab)
	v.Step = strings.TrimSpace(q.Get("step"))
	if sec, err := parseGraphStep(v.Step, cr.To.Sub(cr.From)); err != nil {
		v.StepError = err.Error()
		status = http.StatusBadRequest
	} else {
		v.StepSeconds = sec
	}
	v.Browse = s.browseLabels(r)
	if expr != "" && status == http.StatusOK {
		if v.Syntax = parseExprError(expr); v.Syntax != nil {
			status = http.StatusBadRequest
		} else if v.Tab == "table" {
			status = s.instantQuery(r, &v)
			if status == http.StatusOK {
				s.rememberQuery(r, expr)
			}
		} else {
			// The chart is drawn in the browser; a well-formed
			// expression counts as evaluated.
			s.rememberQuery(r, expr)
		}
	}
	v.History = s.historyLinks(r)
	s.render(w, r, status, graphPageView(s.chartPage(s.page(r, "Explorer")), v))
}

// graphTabs are the view links, keeping r's other parameters.
func graphTabs(r *http.Request, current string) []graphTab {
	tabs := []graphTab{{Name: "table", Label: "Table"}, {Name: "chart", Label: "Chart"}}
	for i := range tabs {
		q := r.URL.Query()
		q.Set("tab", tabs[i].Name)
		tabs[i].Href = "/graph?" + q.Encode()
		tabs[i].Current = tabs[i].Name == current
	}
	return tabs
}

// maxGraphPoints bounds span/step, as Prometheus' query_range does.
const maxGraphPoints = 11000

// parseGraphStep reads the step field: empty (auto), seconds ("15",
// "0.5") or a Prometheus duration ("30s", "1m"). span/step may not
// exceed maxGraphPoints.
func parseGraphStep(v string, span time.Duration) (float64, error) {
	if v == "" {
		return 0, nil
	}
	if len(v) > 32 {
		return 0, errors.New("step: too long")
	}
	var sec float64
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		sec = f
	} else if d, err := model.ParseDuration(v); err == nil {
		sec = time.Duration(d).Seconds()
	} else {
		return 0, errors.New(`step: not a duration (seconds, or e.g. "30s", "5m")`)
	}
	if math.IsNaN(sec) || sec <= 0 {
		return 0, errors.New("step: must be more than 0")
	}
	if pts := span.Seconds() / sec; pts > maxGraphPoints {
		minStep := math.Ceil(span.Seconds() / maxGraphPoints)
		return 0, fmt.Errorf("step: %s gives %.0f points over the range; at most %d (a step of at least %.0fs)", v, pts, maxGraphPoints, minStep)
	}
	if sec > span.Seconds() {
		return 0, fmt.Errorf("step: longer than the range (%s)", span)
	}
	return sec, nil
}

// instantQuery evaluates v.Expr now through the API handler and fills
// v with its result or its error; it returns the page's status.
func (s *Server) instantQuery(r *http.Request, v *graphView) int {
	params := url.Values{"query": {v.Expr}}
	if v.Range.Preset == "" && !v.Range.To.IsZero() {
		params.Set("time", unixText(v.Range.To)) // a custom range: at its end
	}
	rec := s.apiGet(r, "/api/v1/query", params)

	var resp struct {
		Status    string   `json:"status"`
		Error     string   `json:"error"`
		ErrorType string   `json:"errorType"`
		Warnings  []string `json:"warnings"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if rec.overflow {
		v.Error = fmt.Sprintf("The result is larger than %d MiB; narrow the expression, or query the API.", maxGraphAnswer>>20)
		return http.StatusUnprocessableEntity
	}
	if err := json.Unmarshal(rec.body.Bytes(), &resp); err != nil {
		p := s.explain(r, errkind.Wrap(fmt.Errorf("ui: decoding a query answer: %w", err), errkind.Internal, ""))
		v.Error = p.sentence()
		return p.status
	}
	v.Warnings = resp.Warnings
	if resp.Status != "success" {
		v.Error = resp.Error
		if rec.status >= 400 {
			return rec.status
		}
		return http.StatusUnprocessableEntity
	}
	v.ResultType = resp.Data.ResultType
	switch v.ResultType {
	case "vector":
		var samples []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		_ = json.Unmarshal(resp.Data.Result, &samples)
		v.Total = len(samples)
		for _, smp := range samples {
			v.Rows = append(v.Rows, graphRow{Metric: metricText(smp.Metric), Value: fmt.Sprint(smp.Value[1])})
		}
	case "matrix":
		var series []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		}
		_ = json.Unmarshal(resp.Data.Result, &series)
		v.Total = len(series)
		for _, ser := range series {
			vals := make([]string, 0, len(ser.Values))
			for _, p := range ser.Values {
				vals = append(vals, sampleText(p))
			}
			v.Rows = append(v.Rows, graphRow{Metric: metricText(ser.Metric), Value: clip(strings.Join(vals, ", "), 1024)})
		}
	case "scalar", "string":
		var p [2]any
		_ = json.Unmarshal(resp.Data.Result, &p)
		v.Total = 1
		v.Rows = []graphRow{{Metric: "(" + v.ResultType + ")", Value: fmt.Sprint(p[1])}}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Metric < v.Rows[j].Metric })
	if len(v.Rows) > maxGraphRows {
		v.Rows = v.Rows[:maxGraphRows]
	}
	return http.StatusOK
}

// sampleText writes one sample of a range vector as "value @ time", the
// time in UTC to the millisecond when it has one ("100 @ 13:04:05Z" with
// its date: a range may span days).
func sampleText(p [2]any) string {
	ts, ok := p[0].(float64)
	if !ok {
		return fmt.Sprint(p[1])
	}
	sec := math.Floor(ts)
	t := time.Unix(int64(sec), int64(math.Round((ts-sec)*1000))*int64(time.Millisecond)).UTC()
	layout := "2006-01-02 15:04:05Z"
	if t.Nanosecond() != 0 {
		layout = "2006-01-02 15:04:05.000Z"
	}
	return fmt.Sprint(p[1]) + " @ " + t.Format(layout)
}

// metricText writes a series' labels as Prometheus does:
// name{a="1",b="2"}.
func metricText(m map[string]string) string {
	name := m["__name__"]
	names := make([]string, 0, len(m))
	for n := range m {
		if n != "__name__" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s=%q", n, m[n]))
	}
	if len(parts) == 0 && name != "" {
		return name
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// apiGet sends GET path?params to the API handler as r's principal (so
// under the API's guards) and returns its answer.
func (s *Server) apiGet(r *http.Request, path string, params url.Values) *bufferWriter {
	fwd := r.Clone(r.Context())
	fwd.Method = http.MethodGet
	fwd.URL = &url.URL{Path: path, RawQuery: params.Encode()}
	fwd.RequestURI = fwd.URL.RequestURI()
	fwd.Body, fwd.ContentLength = http.NoBody, 0
	fwd.Header.Del("Accept-Encoding") // the API would gzip its answer
	rec := &bufferWriter{}
	s.deps.API.ServeHTTP(rec, fwd)
	return rec
}

// maxGraphAnswer bounds the API answer the expression page reads.
const maxGraphAnswer = 8 << 20

// bufferWriter keeps an answer of the API handler, up to
// maxGraphAnswer bytes.
type bufferWriter struct {
	h        http.Header
	status   int
	body     bytes.Buffer
	overflow bool
}

func (b *bufferWriter) Header() http.Header {
	if b.h == nil {
		b.h = http.Header{}
	}
	return b.h
}

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	if b.body.Len()+len(p) > maxGraphAnswer {
		b.overflow = true
		return len(p), nil
	}
	return b.body.Write(p)
}
