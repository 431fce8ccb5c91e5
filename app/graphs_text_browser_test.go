package app

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/servicetest"
)

// The checks of this file run inside TestBrowserGraphs (one ward, one
// browser): what the charts write (axes, names, alert lines), the shared
// hover and the custom-range form after a zoom.

// testCursorSync: hovering one chart (at ts) moves the cursor of the
// page's other charts to the same instant, and their legends show it.
func testCursorSync(t *testing.T, p browserPage, hovered string, ts float64) {
	t.Helper()
	raw := p.eval(`JSON.stringify(Array.from(document.querySelectorAll("figure.chart")).filter(f => f.id !== ` + strconv.Quote(hovered) + ` && f.wardPlot && f.wardPlot.data[0].length)
  .map(f => { const u = f.wardPlot, i = u.cursor.idx; return {id: f.id, ts: i == null ? null : u.data[0][i], step: +f.dataset.queryStep,
    text: f.querySelector(".u-legend .u-series:nth-child(2) .u-value").textContent}; }))`)
	var others []struct {
		ID   string   `json:"id"`
		TS   *float64 `json:"ts"`
		Step float64  `json:"step"`
		Text string   `json:"text"`
	}
	if err := json.Unmarshal([]byte(raw), &others); err != nil {
		t.Fatalf("reading the other charts' cursors: %v: %s", err, raw)
	}
	if len(others) == 0 {
		t.Fatal("one chart on the page: nothing to sync with")
	}
	for _, o := range others {
		if o.TS == nil || math.Abs(*o.TS-ts) > o.Step {
			t.Errorf("hovering %s at %v: chart %s's cursor is at %v", hovered, ts, o.ID, o.TS)
		}
		if o.Text == "" {
			t.Errorf("chart %s's legend is empty while %s is hovered", o.ID, hovered)
		}
	}
}

// testYAxes: every value axis is at least as wide as its widest label
// (its tick and gap included), so no label is cut on the left.
func testYAxes(t *testing.T, p browserPage) {
	t.Helper()
	raw := p.eval(`JSON.stringify(Array.from(document.querySelectorAll("figure.chart")).filter(f => f.wardPlot && f.wardPlot.axes[1]._values).map(f => {
  const u = f.wardPlot, a = u.axes[1], x = u.ctx; x.save(); x.font = a.font[0];
  const w = Math.max(...a._values.map(v => x.measureText(v).width)) / uPlot.pxRatio; x.restore();
  return {id: f.id, need: w + a.gap + a.ticks.size, size: a._size, values: a._values}; }))`)
	var axes []struct {
		ID     string   `json:"id"`
		Need   float64  `json:"need"`
		Size   float64  `json:"size"`
		Values []string `json:"values"`
	}
	if err := json.Unmarshal([]byte(raw), &axes); err != nil || len(axes) == 0 {
		t.Fatalf("reading the y axes: %v: %s", err, raw)
	}
	for _, a := range axes {
		if a.Need > a.Size {
			t.Errorf("chart %s: y axis %.1f px wide, its labels %v need %.1f px", a.ID, a.Size, a.Values, a.Need)
		}
	}
}

// testZoomForm: after a zoom the custom-range form shows the range to
// the second (step 1), so that submitting it shows the same range.
func testZoomForm(t *testing.T, p browserPage, from, to float64, what string) {
	t.Helper()
	want := time.Unix(int64(from), 0).UTC().Format("2006-01-02T15:04:05") + " " + time.Unix(int64(to), 0).UTC().Format("2006-01-02T15:04:05") + " 1 1"
	got := p.eval(`(() => { const f = document.querySelector('.range-custom input[name="from"]'), t = document.querySelector('.range-custom input[name="to"]');
  return f.value + " " + t.value + " " + f.step + " " + t.step; })()`)
	if got != want {
		t.Errorf("%s: the range form says %q, want %q", what, got, want)
	}
}

// submitZoomForm submits the custom-range form as it stands and checks
// the charts show [from, to] again.
func submitZoomForm(t *testing.T, p browserPage, id string, from, to float64) {
	t.Helper()
	p.do("submitting the range form", chromedp.Click(chromedp.CSS(`.range-custom button[type="submit"]`)))
	p.waitFor("the form's range", `location.search.includes("from=`+time.Unix(int64(from), 0).UTC().Format("2006-01-02T15")+`")`)
	p.waitCharts("the form's range drawn")
	if got := p.evalFloats(`(() => { const u = document.getElementById("` + id + `").wardPlot; return [u.scales.x.min, u.scales.x.max]; })()`); got[0] != from || got[1] != to {
		t.Errorf("submitting the form after a zoom shows %v, want [%v %v]", got, from, to)
	}
}

// testChartText adds charts for what graphs-format.js writes: binary
// byte ticks, day and hour ticks, a series without labels, one with
// isolated points, and alert lines that share a value or lie close.
func testChartText(t *testing.T, p browserPage, in *instance) {
	t.Helper()
	p.addChart("t-bytes", `node_memory_MemAvailable_bytes{job="node"}`, "bytes", nil)
	p.addChart("t-days", `vector(9.5 * 86400)`, "days", nil)
	p.addChart("t-hours", `vector(5 * 3600)`, "days", nil)
	p.addChart("t-nolabels", `sum(up{job="node"})`, "", nil)
	p.addChart("t-sparse", `up{job="node"} and on() (vector(time()) % 20 < 1)`, "", nil)
	p.addChartWith("t-lines", `up{job="node"}`, "percent", nil, []chartLine{
		{"HealthCheckFailing", "==", 0}, {"S3Unavailable", "==", 0}, {"nCPU", ">", 0.8}, {"nMem", ">", 0.78}})
	states := p.waitCharts("text charts")
	for _, id := range []string{"t-bytes", "t-days", "t-hours", "t-nolabels", "t-sparse", "t-lines"} {
		if states[id] != "drawn" {
			t.Errorf("chart %s: %s, want drawn", id, states[id])
		}
	}
	testYAxes(t, p)

	tickStep := func(id string) (float64, []string) {
		var a struct {
			Splits []float64 `json:"splits"`
			Values []string  `json:"values"`
		}
		raw := p.eval(`(a => JSON.stringify({splits: a._splits, values: a._values}))(document.getElementById("` + id + `").wardPlot.axes[1])`)
		if err := json.Unmarshal([]byte(raw), &a); err != nil || len(a.Splits) < 2 {
			t.Fatalf("chart %s's y ticks: %v: %s", id, err, raw)
		}
		return a.Splits[1] - a.Splits[0], a.Values
	}
	if d, v := tickStep("t-bytes"); d < 1 || math.Log2(d) != math.Trunc(math.Log2(d)) {
		t.Errorf("byte ticks %v (step %v B): want a power of two", v, d)
	}
	if d, v := tickStep("t-days"); d < 86400 || math.Mod(d, 86400) != 0 || !strings.HasSuffix(v[1], " d") {
		t.Errorf("day ticks %v (step %v s): want whole days", v, d)
	}
	if d, v := tickStep("t-hours"); d >= 86400 || math.Mod(d, 3600) != 0 || !strings.HasSuffix(v[1], " h") {
		t.Errorf("ticks under a day %v (step %v s): want whole hours", v, d)
	}

	if got := p.text(`#t-nolabels .u-legend .u-series:nth-child(2) .u-label`); got != "{}" {
		t.Errorf("a series without labels is named %q, want {}", got)
	}
	if n := p.evalInt(`+document.getElementById("t-sparse").dataset.points`); n < 1 {
		t.Fatalf("the sparse chart has %d points", n)
	}
	if n := p.seriesPixels("t-sparse"); n < 10 {
		t.Errorf("the sparse chart's isolated points: %d pixels drawn", n)
	}
	// A long series marks only its points without a neighbour.
	if got := p.eval(`JSON.stringify(document.getElementById("t-sparse").wardPlot.series[1].points.filter({data: [[1, 2, 3, 4, 5, 6, 7], [1, null, 1, 1, null, 1, null]]}, 1, false))`); got != "[0,5]" {
		t.Errorf("isolated points of 1 _ 1 1 _ 1 _: %s, want [0,5]", got)
	}

	var labels []struct {
		Text                     string
		Left, Right, Top, Bottom float64
	}
	raw := p.eval(`document.getElementById("t-lines").dataset.lineLabels`)
	if err := json.Unmarshal([]byte(raw), &labels); err != nil {
		t.Fatalf("line labels: %v: %q", err, raw)
	}
	box := p.evalFloats(`(u => [u.bbox.left / uPlot.pxRatio, (u.bbox.left + u.bbox.width) / uPlot.pxRatio, u.bbox.top / uPlot.pxRatio, (u.bbox.top + u.bbox.height) / uPlot.pxRatio])(document.getElementById("t-lines").wardPlot)`)
	var texts []string
	for i, l := range labels {
		texts = append(texts, l.Text)
		if l.Left < box[0] || l.Right > box[1] || l.Top < box[2]-1 || l.Bottom > box[3]+1 {
			t.Errorf("line label %q at [%v..%v]x[%v..%v], outside the plot %v", l.Text, l.Left, l.Right, l.Top, l.Bottom, box)
		}
		for _, m := range labels[:i] {
			if l.Top < m.Bottom-0.5 && m.Top < l.Bottom-0.5 {
				t.Errorf("line labels %q and %q overlap", m.Text, l.Text)
			}
		}
	}
	want := []string{"nCPU > 80%", "nMem > 78%", "HealthCheckFailing, S3Unavailable == 0%"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("line labels %q, want %q", texts, want)
	}
	p.screenshot("graphs-text")

	// An alert shorter than the step still shows at a wide range.
	// Fired at least 30 s ago: the range's last point may be a step
	// (23 s at 6h here) before now.
	servicetest.Eventually(t, 70*time.Second, "ChartShortAlert fired 30 s ago", func() bool {
		return len(in.query(t, `count_over_time(ALERTS{alertname="ChartShortAlert",alertstate="firing"}[5m] offset 30s)`)) == 1
	})
	p.addChart("t-short", `up{job="node"}`, "", []string{"ChartShortAlert"})
	p.waitCharts("short alert chart")
	p.eval(`(() => { document.getElementById("t-short").dataset.alertSpans = "x"; return ""; })()`)
	p.do("clicking 6h", chromedp.Click(chromedp.CSS(`.range-presets a[href*="range=6h"]`)))
	p.waitFor("6h alert spans", `document.querySelector("section.charts").dataset.range === "6h" && document.getElementById("t-short").dataset.alertSpans !== "x"`)
	step := p.eval(`document.getElementById("t-short").dataset.queryStep`)
	if n := p.evalInt(`+document.getElementById("t-short").dataset.alertSpans`); n < 1 || !strings.Contains(p.text(`#t-short .chart-alerts`), "ChartShortAlert f") {
		t.Errorf("a 2 s alert at a %s s step: %d spans, %q", step, n, p.text(`#t-short .chart-alerts`))
	}
}
