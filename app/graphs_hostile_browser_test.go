package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// chartFetchWatch wraps the page's fetch: it records every query_range
// request (its query and whether it carries X-Ward-Live) in
// window.chartFetches, and answers the query vector(7) once and vector(8)
// always as a busy API would (429 and 503, Retry-After: 1).
const chartFetchWatch = `(() => { window.chartFetches = []; const f = window.fetch;
  window.fetch = function (u, o) {
    const url = new URL(String(u), location.href);
    if (url.pathname === "/api/v1/query_range") {
      const q = url.searchParams.get("query"), h = (o && o.headers) || {};
      window.chartFetches.push({ q: q, live: h["X-Ward-Live"] === "1" });
      const n = window.chartFetches.filter(x => x.q === q).length;
      if (q === "vector(8)" || q === "vector(7)" && n === 1) {
        return Promise.resolve(new Response("{}", { status: q === "vector(8)" ? 503 : 429, headers: { "Retry-After": "1" } }));
      }
      if (q === "vector(6)") {
        return Promise.resolve(new Response("{}", { status: 429, headers: { "Retry-After": "2",
          "RateLimit-Policy": '"api_query";q=1200;w=120', "RateLimit": '"api_query";r=0;t=2' } }));
      }
    }
    return f.apply(this, arguments);
  }; return ""; })()`

// TestBrowserGraphsHostileSource: graphs.js against a target that
// exposes node_memory_* under 3000 label sets. The overview's memory
// chart draws one line (the panel aggregates); a user panel reading the
// raw series draws the first 50 and says so, linking to the explorer; a
// {{constructor}} legend reads no prototype property; timer-driven
// refreshes carry X-Ward-Live and user actions do not; a busy API is
// retried once; a swap while the tab is hidden waits until it is visible.
func TestBrowserGraphsHostileSource(t *testing.T) {
	const n = 3000
	addr := hostileTarget(t, map[string][]map[string]string{
		"node_memory_MemAvailable_bytes": {{}}, "node_memory_MemTotal_bytes": {{}},
	}, n)
	in := startWard(t, fastGlobal+noTwoFactor+fmt.Sprintf(`
scrape_configs:
  - job_name: app
    static_configs: [{targets: [%q]}]
dashboard:
  refresh: 5s
  panels:
    - {board: hostile, id: many, title: many, expr: node_memory_MemTotal_bytes, legend: "{{evil}}"}
    - {board: hostile, id: proto, title: proto, expr: up, legend: "{{constructor}}"}
`, addr))
	servicetest.Eventually(t, 30*time.Second, "the hostile target scraped", func() bool {
		return len(in.query(t, fmt.Sprintf(`count(node_memory_MemTotal_bytes{job="app"}) == %d`, n))) == 1
	})
	ctx := signInBrowser(t, in, "vic", auth.RoleViewer, 1100)
	watchPage(t, ctx)
	p := browserPage{t: t, ctx: ctx}

	// 15m: a 1 s step, so the scrape just made is in the range's points.
	p.open(in.base + "/?range=15m")
	p.waitCharts("overview")
	if rows := p.evalInt(`document.querySelectorAll("#panel-host-memory .u-legend .u-series").length - 1`); rows != 1 {
		t.Errorf("the overview's memory chart draws %d series from one target, want 1", rows)
	}

	p.open(in.base + "/graphs/hostile?range=15m")
	p.waitCharts("hostile board")
	if rows := p.evalInt(`document.querySelectorAll("#panel-hostile-many .u-legend .u-series").length - 1`); rows != 50 {
		t.Errorf("a %d-series chart draws %d series, want the first 50", n, rows)
	}
	if got, want := p.eval(`(document.querySelector("#panel-hostile-many .chart-more") || {}).textContent || ""`), fmt.Sprintf("Showing 50 of %d series — open in the explorer for all", n); got != want {
		t.Errorf("cap note %q, want %q", got, want)
	}
	if got := p.eval(`(() => { const f = document.getElementById("panel-hostile-many"); const a = f.querySelector(".chart-more a"); return String(!!a && a.href === f.querySelector("a.chart-open").href); })()`); got != "true" {
		t.Error("the cap note does not link to the chart's explorer link")
	}
	t.Logf("%d-series chart capped at 50: first draw %s ms", n, p.eval(`document.getElementById("panel-hostile-many").dataset.drawnMs || ""`))
	servicetest.Axe(t, ctx, "board with a capped chart")
	if l := p.text(`#panel-hostile-proto .u-legend .u-series:nth-child(2) .u-label`); strings.Contains(l, "function") || !strings.Contains(l, `job="`) {
		t.Errorf("legend {{constructor}} shows %q, want the series' labels", l)
	}

	// Live refresh (every 5 s) is passive; a range change is the user's.
	p.eval(chartFetchWatch)
	time.Sleep(6500 * time.Millisecond)
	if got := p.eval(`JSON.stringify(window.chartFetches)`); got == "[]" || strings.Contains(got, `"live":false`) {
		t.Errorf("refresh requests %s: want each with X-Ward-Live", got)
	}
	p.eval(`(() => { window.chartFetches = []; document.querySelector('.range-presets a[href*="range=6h"]').click(); return ""; })()`)
	p.waitCharts("range change")
	if got := p.eval(`JSON.stringify(window.chartFetches)`); got == "[]" || strings.Contains(got, `"live":true`) {
		t.Errorf("range change requests %s: want none with X-Ward-Live", got)
	}
	p.eval(`(() => { document.querySelector("[data-chart-pause]").click(); return ""; })()`)

	// A busy API: one retry after Retry-After, then an error, no loop.
	p.addChart("busy-once", "vector(7)", "", nil)
	p.waitFor("busy status", `document.querySelector("#busy-once .chart-status").textContent === "Busy: retrying"`)
	p.waitFor("drawn after the retry", `document.getElementById("busy-once").dataset.state === "drawn"`)
	p.addChart("busy-always", "vector(8)", "", nil)
	p.waitFor("busy error", `document.getElementById("busy-always").dataset.state === "error"`)
	time.Sleep(2500 * time.Millisecond)
	if got := p.eval(`JSON.stringify(window.chartFetches.filter(x => x.q.startsWith("vector(")).map(x => x.q))`); got != `["vector(7)","vector(7)","vector(8)","vector(8)"]` {
		t.Errorf("busy requests %s, want one retry each", got)
	}
	// The caller's own query limit (429) is said as such, with the rate
	// and the wait (trial of issue 13, #1).
	p.addChart("limited", "vector(6)", "", nil)
	p.waitFor("limit error", `document.getElementById("limited").dataset.state === "error"`)
	if got, want := p.eval(`document.getElementById("limited").textContent`), "You have reached your query limit (600 per minute); it refills in 2 s."; !strings.Contains(got, want) {
		t.Errorf("a 429 says %q, want %q", got, want)
	}

	// A swap while hidden queries nothing until the tab is visible.
	p.eval(`(() => { Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true }); return ""; })()`)
	p.addChart("while-hidden", "vector(9)", "", nil)
	time.Sleep(1500 * time.Millisecond)
	if got := p.evalInt(`window.chartFetches.filter(x => x.q === "vector(9)").length`); got != 0 {
		t.Errorf("%d queries for a chart swapped in while hidden", got)
	}
	p.eval(`(() => { Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true }); document.dispatchEvent(new Event("visibilitychange")); return ""; })()`)
	p.waitFor("drawn once visible", `document.getElementById("while-hidden").dataset.state === "drawn"`)
	if got := p.eval(`JSON.stringify(window.chartFetches.filter(x => x.q === "vector(9)"))`); got != `[{"q":"vector(9)","live":true}]` {
		t.Errorf("after the swap: %s, want one passive query", got)
	}
	p.noCSPViolations("hostile source")
}
