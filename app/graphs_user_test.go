package app

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBrowserUserPanelAndExplorerChart: a panel from the config draws on
// its own board, and "Open in explorer" leads to the explorer's chart
// view, which draws the same expression over the same range.
func TestBrowserUserPanelAndExplorerChart(t *testing.T) {
	_, nodeAddr := startNodeExporter(t)
	dir := t.TempDir()
	in := startWardIn(t, dir, fastGlobal+noTwoFactor+fmt.Sprintf(`
dashboard:
  panels:
    - board: team
      id: load
      title: Load of our hosts
      expr: node_load1
      legend: "{{instance}}"
      thresholds: [HostHighCPU]
      note: Every host we scrape, one line each.
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
`, nodeAddr))
	servicetest.Eventually(t, 30*time.Second, "node_exporter scraped for 8 s", func() bool {
		return len(in.query(t, `count_over_time(node_load1[1m]) >= 8`)) == 1
	})
	ctx := signInBrowser(t, in, "uma", auth.RoleViewer, 1100)
	watchPage(t, ctx)
	p := browserPage{t: t, ctx: ctx}
	now := time.Now().Unix()
	p.open(in.base + fmt.Sprintf("/graphs/team?from=%d&to=%d", now-40, now))
	if st := p.waitCharts("the user panel"); st["panel-team-load"] != "drawn" {
		t.Fatalf("user panel: %v, want panel-team-load drawn", st)
	}
	if n := p.seriesPixels("panel-team-load"); n < 10 {
		t.Errorf("user panel: %d series pixels", n)
	}

	if got := p.text("#panel-team-load .chart-note"); got != "Every host we scrape, one line each." {
		t.Errorf("user panel note %q", got)
	}

	href := p.eval(`document.querySelector("#panel-team-load a.chart-open").getAttribute("href")`)
	u, err := url.Parse(href)
	if err != nil || u.Path != "/graph" || u.Query().Get("g0.expr") != "node_load1" || u.Query().Get("tab") != "chart" {
		t.Fatalf("Open in explorer: %q, want the chart of node_load1", href)
	}
	p.open(in.base + href)
	states := p.waitCharts("the explorer's chart")
	if len(states) != 1 {
		t.Fatalf("explorer charts: %v", states)
	}
	for id, st := range states {
		if st != "drawn" {
			t.Fatalf("explorer chart %s: %s", id, st)
		}
		if n := p.seriesPixels(id); n < 10 {
			t.Errorf("explorer chart: %d series pixels", n)
		}
		if got := p.eval(`document.getElementById("` + id + `").dataset.expr`); got != "node_load1" {
			t.Errorf("explorer chart expr %q", got)
		}
	}
	servicetest.Axe(t, ctx, "explorer chart")
	p.noCSPViolations("explorer chart")

	// No HTTP, TCP or S3 check is configured: the checks board says so
	// at the top, and the boards list says it has no data yet.
	p.open(in.base + "/graphs/checks")
	if got := p.text(".board-requirement"); !strings.Contains(got, "No data yet. Add an http, tcp or s3 check") || !strings.Contains(got, "Health checks") {
		t.Errorf("checks board notice %q", got)
	}
	servicetest.Axe(t, ctx, "board with an unmet requirement")
	p.open(in.base + "/graphs")
	list := p.text("ul.graph-boards")
	if !strings.Contains(list, "Checks (no data yet: add an http, tcp or s3 check under checks)") {
		t.Errorf("boards list %q", list)
	}
	// node_exporter is scraped: the host board has what it needs.
	if strings.Contains(list, "Host (no data yet") {
		t.Errorf("host marked without data: %q", list)
	}
}
