package app

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Helpers of the chart tests (issue 11, static/graphs.js).

// watchPage makes every document the browser opens from now on record
// its Content-Security-Policy violations in window.wardCSP and keep
// every resource timing entry (the chart requests), before the page's
// own scripts run. The DevTools protocol injects it, so the page's CSP
// stays as ward serves it.
func watchPage(tb testing.TB, ctx context.Context) {
	tb.Helper()
	const src = `window.wardCSP = [];
document.addEventListener("securitypolicyviolation", e => window.wardCSP.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber));
performance.setResourceTimingBufferSize(100000);`
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
	if err != nil {
		tb.Fatalf("watching the page: %v", err)
	}
}

// noCSPViolations fails when the page broke its CSP (an inline style or
// script, a foreign source).
func (p browserPage) noCSPViolations(what string) {
	p.t.Helper()
	if v := p.eval(`(window.wardCSP || ["the CSP watcher is missing"]).join("\n")`); v != "" {
		p.t.Errorf("%s: CSP violations:\n%s", what, v)
	}
}

// waitCharts waits until every chart on the page has an answer (drawn,
// empty or error) and returns their states by id.
func (p browserPage) waitCharts(what string) map[string]string {
	p.t.Helper()
	js := `(() => { const fs = Array.from(document.querySelectorAll("figure.chart"));
  if (!fs.length || fs.some(f => !f.dataset.state || f.dataset.state === "loading")) { return ""; }
  return JSON.stringify(Object.fromEntries(fs.map(f => [f.id, f.dataset.state]))); })()`
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js)); err == nil && s != "" {
			var states map[string]string
			if err := json.Unmarshal([]byte(s), &states); err != nil {
				p.fail(what, err)
			}
			return states
		}
		if time.Now().After(deadline) {
			p.fail(what, fmt.Errorf("charts not drawn in 30 s"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls the JavaScript condition js until it is true.
func (p browserPage) waitFor(what, js string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.fail(what, fmt.Errorf("%s still false after 20 s (%v)", js, err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seriesPixels counts the pixels of the chart's canvas in its series'
// colours (graphs.js' palette): the lines uPlot drew, not the axes,
// grid or text.
func (p browserPage) seriesPixels(id string) int {
	p.t.Helper()
	js := `(() => { const c = document.querySelector("#` + id + ` canvas"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const pal = Array.from(document.querySelectorAll("#` + id + ` .u-legend .u-series .u-marker")).slice(1).map(m => getComputedStyle(m).borderColor.match(/\d+/g).map(Number));
  let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 100 && pal.some(q => Math.abs(d[i]-q[0]) < 30 && Math.abs(d[i+1]-q[1]) < 30 && Math.abs(d[i+2]-q[2]) < 30)) { n++; } } return n; })()`
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js))
	if err != nil {
		p.fail("reading the canvas of "+id, err)
	}
	return n
}

// chartRequests counts the query_range requests the page made.
func (p browserPage) chartRequests() int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter(e => e.name.includes("/api/v1/query_range")).length`))
	if err != nil {
		p.fail("counting chart requests", err)
	}
	return n
}

// addChart appends a figure to the page's charts following the markup
// contract of ui/chart.templ and lets graphs.js set it up (ward:swap,
// as after a live update).
func (p browserPage) addChart(id, expr, unit string, alerts []string) {
	p.t.Helper()
	p.addChartWith(id, expr, unit, alerts, nil)
}

// chartLine is one alert line of a chart (data-thresholds).
type chartLine struct {
	Rule  string  `json:"rule"`
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

// addChartWith is addChart with alert lines.
func (p browserPage) addChartWith(id, expr, unit string, alerts []string, lines []chartLine) {
	p.t.Helper()
	if lines == nil {
		lines = []chartLine{}
	}
	a, _ := json.Marshal(alerts)
	l, _ := json.Marshal(lines)
	js := fmt.Sprintf(`(() => { const f = document.createElement("figure"); f.className = "chart"; f.id = %q;
  f.dataset.expr = %q; f.dataset.unit = %q; f.dataset.legend = ""; f.dataset.thresholds = %q; f.dataset.alerts = %q;
  const cap = document.createElement("figcaption"); cap.textContent = %q; const d = document.createElement("div"); d.className = "chart-plot";
  d.setAttribute("role", "img"); d.setAttribute("aria-label", "Chart: " + %q); const fb = document.createElement("p"); fb.className = "chart-fallback"; fb.textContent = "needs JavaScript";
  f.append(cap, d, fb); const s = document.querySelector("section.charts"); s.append(f);
  document.dispatchEvent(new CustomEvent("ward:swap", {detail: {root: s}})); return true; })()`, id, expr, unit, string(l), string(a), id, id)
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js)); err != nil {
		p.fail("adding chart "+id, err)
	}
}

// hoverLast moves the mouse over the last-but-one point of the chart's
// first series and returns what the chart shows then: the instant, the
// series' labels, its value and the legend's text for it.
func (p browserPage) hoverLast(id string) (ts float64, metric map[string]string, v float64, text string) {
	p.t.Helper()
	pos, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](`(() => { const u = document.getElementById(`+strconv.Quote(id)+`).wardPlot;
  let i = u.data[1].length - 1; while (i > 0 && u.data[1][i] == null) { i--; } if (i > 0) { i--; }
  const r = u.over.getBoundingClientRect(); return [r.left + u.valToPos(u.data[0][i], "x"), r.top + r.height / 2]; })()`))
	if err != nil {
		p.fail("locating the last point of "+id, err)
	}
	p.do("hovering "+id, chromedp.MouseEvent(chromedp.MouseMoved, pos[0], pos[1]))
	var got struct {
		TS     float64           `json:"ts"`
		Metric map[string]string `json:"metric"`
		V      *float64          `json:"v"`
		Text   string            `json:"text"`
	}
	raw := p.eval(`(() => { const f = document.getElementById(` + strconv.Quote(id) + `), u = f.wardPlot, i = u.cursor.idx;
  return JSON.stringify({ts: u.data[0][i], metric: f.wardChart.metrics[0], v: u.data[1][i], text: f.querySelector(".u-legend .u-series:nth-child(2) .u-value").textContent}); })()`)
	if err := json.Unmarshal([]byte(raw), &got); err != nil || got.V == nil {
		p.fail("reading the legend of "+id, fmt.Errorf("%s: %v", raw, err))
	}
	return got.TS, got.Metric, *got.V, got.Text
}

// instantAt is the value at ts of expr's series with exactly the labels
// want, through the API.
// A panel's $__rate_interval is max(5m, 2 × step) as graphs.js sends it:
// rateStep is the chart's step (0 for an expression without it).
func (in *instance) instantAt(tb testing.TB, expr string, rateStep int, ts float64, want map[string]string) (float64, bool) {
	tb.Helper()
	expr = strings.ReplaceAll(expr, "$__rate_interval", strconv.Itoa(max(300, 2*rateStep))+"s")
	code, r := in.get(tb, "/api/v1/query?query="+url.QueryEscape(expr)+"&time="+strconv.FormatFloat(ts, 'f', -1, 64))
	if code != 200 || r.Status != "success" {
		tb.Fatalf("instant query at %v: %d %s", ts, code, r.Error)
	}
	var d struct {
		Result []sample `json:"result"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		tb.Fatal(err)
	}
	for _, s := range d.Result {
		if maps.Equal(s.Metric, want) {
			f, err := strconv.ParseFloat(value(s), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// close reports whether a and b agree to the precision shown (4
// significant digits).
func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 5e-4*math.Max(math.Abs(a), math.Abs(b))+1e-9
}

// urlRange reads from and to of the page's address.
func (p browserPage) urlRange() (q url.Values) {
	p.t.Helper()
	u, err := url.Parse(p.eval(`location.href`))
	if err != nil {
		p.fail("reading the address", err)
	}
	return u.Query()
}

func trimPercent(s string) (float64, error) {
	return strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
}

func (p browserPage) evalInt(js string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js))
	if err != nil {
		p.fail("evaluating "+js, err)
	}
	return n
}

func (p browserPage) evalFloats(js string) []float64 {
	p.t.Helper()
	f, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](js))
	if err != nil {
		p.fail("evaluating "+js, err)
	}
	return f
}
