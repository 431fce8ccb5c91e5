package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBrowserGraphsOverviewLive: the overview's key graphs survive a
// live update. A second node_exporter dies, the overview's <main> is
// swapped by ward.js (no reload), and graphs.js draws the new charts and
// destroys the old uPlots.
func TestBrowserGraphsOverviewLive(t *testing.T) {
	_, nodeAddr := startNodeExporter(t)
	other, otherAddr := startNodeExporter(t)
	in := startWard(t, fastGlobal+noTwoFactor+fmt.Sprintf(`
rules: {builtin: false}
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
  - job_name: other
    static_configs: [{targets: [%q]}]
`, nodeAddr, otherAddr))
	servicetest.Eventually(t, 30*time.Second, "node_exporter scraped for 8 s", func() bool {
		return len(in.query(t, `count_over_time(up{job="node"}[1m]) >= 8`)) == 1
	})
	ctx := signInBrowser(t, in, "ada", auth.RoleViewer, 1100)
	watchPage(t, ctx)
	p := browserPage{t: t, ctx: ctx}
	now := time.Now().Unix()
	p.open(in.base + fmt.Sprintf("/?from=%d&to=%d", now-40, now))
	if p.count(`main[data-live] figure.chart`) == 0 {
		t.Fatal("the overview shows no key graphs")
	}
	p.waitCharts("overview draw")
	p.waitFor("live stream open", `document.querySelector(".live-status").textContent === "Live"`)
	p.eval(`(() => { window.oldFigs = Array.from(document.querySelectorAll("figure.chart")); window.wardNoReload = "still here"; return ""; })()`)

	other.Stop()
	p.waitFor("main swapped", `window.oldFigs.every(f => !f.isConnected)`)
	states := p.waitCharts("overview after the swap")
	host := 0
	for id, st := range states {
		if strings.HasPrefix(id, "panel-host-") && st == "drawn" {
			host++
		}
		// The app panels have no data here; the host panels do.
		if st == "error" || strings.HasPrefix(id, "panel-host-") && st != "drawn" {
			t.Errorf("after the swap chart %s: %s", id, st)
		}
	}
	if host == 0 {
		t.Errorf("no host chart drew after the swap: %v", states)
	}
	if got := p.eval(`window.wardNoReload || "reloaded"`); got != "still here" {
		t.Fatalf("the overview reloaded instead of swapping: %q", got)
	}
	if got := p.evalInt(`window.oldFigs.filter(f => f.wardPlot || f.wardChart).length`); got != 0 {
		t.Errorf("%d old charts not destroyed", got)
	}
	if u, f := p.count(`.uplot`), p.count(`figure.chart`); u != f {
		t.Errorf("%d uPlots for %d charts after the swap", u, f)
	}
	// The swapped page keeps the URL's range.
	if got := p.eval(`document.querySelector("section.charts").dataset.from`); got != fmt.Sprint(now-40) {
		t.Errorf("after the swap the range starts at %s, want %d", got, now-40)
	}
	p.noCSPViolations("overview live swap")
}
