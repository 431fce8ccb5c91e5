package app

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// graphsPath is the chart page the tests draw.
const graphsPath = "/graphs/host"

// chartRules fires ChartTestAlert at once, for the shaded spans, and
// ChartShortAlert for moments, for the spans of alerts shorter than a step.
const chartRules = `groups:
  - name: charts
    rules:
      - alert: ChartTestAlert
        expr: vector(1)
        annotations:
          summary: the chart test fires this
      # Fires for 2 s of every 30 s: a chart's step at 6h (about 46 s)
      # would miss it sampling ALERTS at the step.
      - alert: ChartShortAlert
        expr: vector(1) and on() (vector(time()) % 30 < 2)
`

// startChartWard runs ward scraping a real node_exporter every second
// and waits for some history.
func startChartWard(t *testing.T) *instance {
	t.Helper()
	_, nodeAddr := startNodeExporter(t)
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "charts.rules.yml")
	writeFile(t, rulesFile, chartRules)
	in := startWardIn(t, dir, fastGlobal+noTwoFactor+fmt.Sprintf(`
rules: {builtin: false}
rule_files: [%q]
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
`, rulesFile, nodeAddr))
	servicetest.Eventually(t, 30*time.Second, "node_exporter scraped for 8 s and the alert firing", func() bool {
		return len(in.query(t, `count_over_time(up{job="node"}[1m]) >= 8`)) == 1 &&
			len(in.query(t, `ALERTS{alertname="ChartTestAlert",alertstate="firing"}`)) == 1
	})
	return in
}

// TestBrowserGraphs draws a chart page against a real ward scraping a
// real node_exporter: the panels draw (the series' colour on the
// canvas), the legend's value at the hovered instant is the API's
// instant query there, a preset changes the range, a drag zooms and puts
// from/to in the URL, which reproduces the view when loaded, back
// returns to the preset, the pause button stops the live refresh, a live
// swap of <main> rebuilds the charts and destroys the old ones, firing
// alerts shade the chart and are listed, an empty result, a broken
// query and a lost session each say so, and nothing breaks the CSP.
func TestBrowserGraphs(t *testing.T) {
	in := startChartWard(t)
	ctx := signInBrowser(t, in, "ada", auth.RoleViewer, 1100)
	watchPage(t, ctx)
	p := browserPage{t: t, ctx: ctx}
	// The history is seconds long: draw the last 40 s.
	now := time.Now().Unix()
	p.open(in.base + graphsPath + fmt.Sprintf("?from=%d&to=%d", now-40, now))

	// 1. Every panel draws.
	states := p.waitCharts("first draw")
	drawn := ""
	for id, st := range states {
		if st != "drawn" {
			t.Errorf("chart %s: %s, want drawn", id, st)
			continue
		}
		if n := p.seriesPixels(id); n < 10 {
			t.Errorf("chart %s: %d pixels of its first series on the canvas", id, n)
		}
		if drawn == "" || p.eval(`document.getElementById("`+id+`").dataset.unit`) == "percent" {
			drawn = id
		}
	}
	if drawn == "" {
		t.Fatalf("no chart drew: %v", states)
	}
	if p.count(`figure.chart .chart-fallback:not([hidden])`) != 0 {
		t.Error("the no-JavaScript text still shows")
	}
	ms, _ := strconv.ParseFloat(p.eval(`document.getElementById("`+drawn+`").dataset.drawnMs`), 64)
	t.Logf("chart %s: %s points drawn in %.1f ms", drawn, p.eval(`document.getElementById("`+drawn+`").dataset.points`), ms)

	// 2. Hover: the legend shows the value the API gives at that instant.
	expr := p.eval(`document.getElementById("` + drawn + `").dataset.expr`)
	ts, metric, v, text := p.hoverLast(drawn)
	step, _ := strconv.Atoi(p.eval(`document.getElementById("` + drawn + `").dataset.queryStep`))
	api, ok := in.instantAt(t, expr, step, ts, metric)
	if !ok {
		t.Fatalf("no series %v in %s at %v", metric, expr, ts)
	}
	if !closeTo(v, api) {
		t.Errorf("chart %s at %v: %v, the API says %v", drawn, ts, v, api)
	}
	if p.eval(`document.getElementById("`+drawn+`").dataset.unit`) == "percent" {
		if shown, err := trimPercent(text); err != nil || !closeTo(shown, api*100) {
			t.Errorf("legend shows %q, want %.4g%%", text, api*100)
		}
	} else if text == "" || text == "–" {
		t.Errorf("legend shows %q at a point with a value", text)
	}

	testCursorSync(t, p, drawn, ts)
	testYAxes(t, p)

	// The legend toggles a series from the keyboard too.
	legend := `#` + drawn + ` .u-legend .u-series:nth-child(2) th`
	p.do("toggling a series with Enter", chromedp.Focus(chromedp.CSS(legend)), chromedp.KeyEvent("\r"))
	if got := p.eval(`String(document.getElementById("` + drawn + `").wardPlot.series[1].show)`); got != "false" {
		t.Errorf("Enter on the legend: series shown %s", got)
	}
	p.do("toggling it back", chromedp.KeyEvent("\r"))
	if got := p.eval(`String(document.getElementById("` + drawn + `").wardPlot.series[1].show)`); got != "true" {
		t.Errorf("Enter again on the legend: series shown %s", got)
	}

	// 3. A preset changes the range (in place, in the URL, in the step).
	before := p.chartRequests()
	p.do("clicking 1h", chromedp.Click(chromedp.CSS(`.range-presets a[href*="range=1h"]`)))
	p.waitFor("range 1h", `location.search.includes("range=1h") && document.querySelector('.range-presets a[aria-current]').textContent === "1h"`)
	p.waitCharts("1h draw")
	from, _ := strconv.Atoi(p.eval(`document.querySelector("section.charts").dataset.from`))
	to, _ := strconv.Atoi(p.eval(`document.querySelector("section.charts").dataset.to`))
	if to-from != 3600 || math.Abs(float64(to)-float64(time.Now().Unix())) > 60 {
		t.Errorf("after 1h the range is %d..%d", from, to)
	}
	wantStep := strconv.Itoa(int(math.Ceil(3600 / float64(p.evalInt(`document.querySelector("#`+drawn+` .chart-plot").clientWidth`)))))
	if got := p.eval(`document.getElementById("` + drawn + `").dataset.queryStep`); got != wantStep {
		t.Errorf("1h step %s s, want %s (one point per pixel)", got, wantStep)
	}
	if p.chartRequests() <= before {
		t.Error("1h made no new query")
	}

	// 4. Drag to zoom: the URL gets from/to; loading it shows the same range.
	box := p.evalFloats(`(() => { const r = document.querySelector("#` + drawn + ` .u-over").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	x1, x2, y := box[0]+box[2]*0.80, box[0]+box[2]*0.95, box[1]+box[3]/2
	p.do("dragging", chromedp.MouseEvent(chromedp.MouseMoved, x1, y), chromedp.MouseEvent(chromedp.MousePressed, x1, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, (x1+x2)/2, y, chromedp.ButtonLeft), chromedp.MouseEvent(chromedp.MouseMoved, x2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, x2, y, chromedp.ButtonLeft))
	p.waitFor("zoomed", `location.search.includes("from=") && !location.search.includes("range=")`)
	q := p.urlRange()
	zf, _ := strconv.ParseFloat(q.Get("from"), 64)
	zt, _ := strconv.ParseFloat(q.Get("to"), 64)
	if span := zt - zf; span < 0.10*3600 || span > 0.20*3600 {
		t.Errorf("dragging 15%% of 1h zoomed to %v s (%s)", span, q.Encode())
	}
	if p.count(`.range-presets a[aria-current]`) != 0 {
		t.Error("a preset is still marked current after zooming")
	}
	p.waitCharts("zoomed draw")
	testZoomForm(t, p, zf, zt, "after the drag")
	zoomed := p.eval(`location.href`)
	p.open(zoomed)
	p.waitCharts("zoomed reload")
	if got := p.evalFloats(`(() => { const u = document.getElementById("` + drawn + `").wardPlot; return [u.scales.x.min, u.scales.x.max]; })()`); got[0] != zf || got[1] != zt {
		t.Errorf("the zoomed URL shows %v, want [%v %v]", got, zf, zt)
	}
	if p.eval(`document.querySelector("section.charts").dataset.range`) != "" {
		t.Error("the zoomed URL renders a preset")
	}
	testZoomForm(t, p, zf, zt, "the zoomed URL")
	submitZoomForm(t, p, drawn, zf, zt)
	// Double-click resets to the preset; back returns to the zoom.
	// The page's layout follows its legends: find the plot again.
	box = p.evalFloats(`(() => { const r = document.querySelector("#` + drawn + ` .u-over").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	y = box[1] + box[3]/2
	p.do("double-click", chromedp.MouseClickXY(box[0]+box[2]/2, y, chromedp.ClickCount(2)))
	p.waitFor("reset", `location.search.includes("range=1h")`)
	p.do("back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	p.waitFor("back to the zoom", `location.search.includes("from=") && document.querySelector("section.charts").dataset.range === ""`)
	p.noCSPViolations("zooming")
	p.screenshot("graphs-zoomed")

	testLiveRefresh(t, p, in)
	testChartStates(t, p, in)
}

// testLiveRefresh: a preset page re-queries on its own, the pause
// button stops that, and a live swap rebuilds the charts without leaks.
func testLiveRefresh(t *testing.T, p browserPage, in *instance) {
	p.open(in.base + graphsPath + "?range=15m")
	p.waitCharts("15m draw")
	if p.eval(`document.querySelector("[data-chart-pause]").hidden ? "hidden" : ""`) != "" {
		t.Fatal("the pause button is hidden on a preset range")
	}
	// The server's refresh is 30 s; a live swap of the section with a
	// 2 s refresh makes the test quick and goes through ward:swap.
	p.eval(`(() => { const s = document.querySelector("section.charts"); s.dataset.refresh = "2"; document.dispatchEvent(new CustomEvent("ward:swap", {detail: {root: s}})); return ""; })()`)
	n0 := p.chartRequests()
	time.Sleep(5 * time.Second)
	n1 := p.chartRequests()
	if n1 <= n0 {
		t.Fatalf("no refresh in 5 s at a 2 s period (%d requests)", n1)
	}
	p.do("pause", chromedp.Click(chromedp.CSS(`[data-chart-pause]`)))
	if got := p.eval(`(b => b.getAttribute("aria-pressed") + " " + b.textContent)(document.querySelector("[data-chart-pause]"))`); got != "true Resume" {
		t.Errorf("paused button: %q", got)
	}
	time.Sleep(500 * time.Millisecond)
	n2 := p.chartRequests()
	time.Sleep(5 * time.Second)
	if n3 := p.chartRequests(); n3 != n2 {
		t.Errorf("paused, the page still made %d chart requests in 5 s", n3-n2)
	}
	p.do("resume", chromedp.Click(chromedp.CSS(`[data-chart-pause]`)))
	p.waitFor("resumed", `document.querySelector("[data-chart-pause]").getAttribute("aria-pressed") === "false"`)
	time.Sleep(3 * time.Second)
	if p.chartRequests() <= n2 {
		t.Error("resumed, the page made no request")
	}

	// A live update replaces <main>: the new charts draw, the old ones
	// are destroyed.
	p.eval(`(() => { window.oldFigs = Array.from(document.querySelectorAll("figure.chart")); return ""; })()`)
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(location.href).then(r => r.text()).then(html => { const m = document.querySelector("main");
  m.replaceChildren(...new DOMParser().parseFromString(html, "text/html").querySelector("main").childNodes);
  document.dispatchEvent(new CustomEvent("ward:swap", {detail: {root: m}})); return ""; })`, chromedp.EvalAwaitPromise)); err != nil {
		p.fail("swapping main", err)
	}
	p.waitFor("new charts", `window.oldFigs.every(f => !f.isConnected) && Array.from(document.querySelectorAll("figure.chart")).every(f => f.wardChart)`)
	p.waitCharts("after the swap")
	if got := p.eval(`String(window.oldFigs.filter(f => f.wardPlot || f.wardChart).length) + " " + document.querySelectorAll(".uplot").length + " " + document.querySelectorAll("figure.chart").length`); !strings.HasPrefix(got, "0 ") || strings.Fields(got)[1] != strings.Fields(got)[2] {
		t.Errorf("after a swap (old charts alive, uPlots, figures): %s", got)
	}
	p.noCSPViolations("live refresh")
}

// testChartStates: shaded alert spans, an empty result, a broken query
// and a lost session.
func testChartStates(t *testing.T, p browserPage, in *instance) {
	p.addChart("t-alerts", `up{job="node"}`, "", []string{"ChartTestAlert", `Odd.Name"|x`})
	p.addChart("t-empty", `no_such_metric_anywhere`, "", nil)
	p.addChart("t-broken", `rate(up[`, "", nil)
	states := p.waitCharts("added charts")
	if states["t-alerts"] != "drawn" || states["t-empty"] != "empty" || states["t-broken"] != "error" {
		t.Errorf("added charts: %v", states)
	}
	p.waitFor("alert spans", `document.getElementById("t-alerts").dataset.alertSpans >= 1`)
	if got := p.text(`#t-alerts .chart-alerts`); !strings.Contains(got, "ChartTestAlert firing since ") || !strings.HasSuffix(got, " UTC.") {
		t.Errorf("alert text: %q", got)
	}
	// The span is shaded: the alert colour under the plot.
	if n := p.evalInt(`(() => { const c = document.querySelector("#t-alerts canvas"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 20 && d[i+3] < 60 && d[i] > 150 && d[i+1] < 80) { n++; } } return n; })()`); n < 100 {
		t.Errorf("%d shaded pixels on the alert chart", n)
	}
	if got := p.text(`#t-empty .chart-status`); got != "No data in this range." {
		t.Errorf("empty chart says %q", got)
	}
	if got := p.eval(`(e => e.getAttribute("role") + " " + e.textContent)(document.querySelector("#t-broken .chart-status"))`); !strings.HasPrefix(got, "alert bad_data: ") {
		t.Errorf("broken chart says %q", got)
	}
	testChartText(t, p, in)
	servicetest.Axe(t, p.ctx, "chart page with states")
	p.noCSPViolations("chart states")

	// Signed out: the next query says so.
	p.do("clearing cookies", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	p.do("clicking 6h", chromedp.Click(chromedp.CSS(`.range-presets a[href*="range=6h"]`)))
	p.waitFor("signed out", `document.querySelector("#t-alerts .chart-status").textContent.startsWith("Signed out")`)
}

// TestBrowserGraphsDrawnOnPhone: charts on a 390 px phone fit without sideways
// scrolling and pass axe.
func TestBrowserGraphsDrawnOnPhone(t *testing.T) {
	in := startChartWard(t)
	ctx := signInBrowser(t, in, "ada", auth.RoleViewer, 390)
	watchPage(t, ctx)
	p := browserPage{t: t, ctx: ctx}
	now := time.Now().Unix()
	p.open(in.base + graphsPath + fmt.Sprintf("?from=%d&to=%d", now-40, now))
	for id, st := range p.waitCharts("phone draw") {
		if st != "drawn" {
			t.Errorf("chart %s on a phone: %s", id, st)
		}
	}
	if w := p.evalInt(`Math.max(...Array.from(document.querySelectorAll("figure.chart canvas")).map(c => c.getBoundingClientRect().right))`); w > 390 {
		t.Errorf("a chart reaches %d px on a 390 px phone", w)
	}
	servicetest.NoSidewaysScroll(t, ctx, "charts at 390 px")
	servicetest.Axe(t, ctx, "charts at 390 px")
	p.noCSPViolations("phone")
	p.screenshot("graphs-phone")
}
