package ui

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/storage"
)

// TestGraphsRequirementNotice: a board whose requirement has no series
// says what to set up at the top, and /graphs says "no data yet" for it;
// a board whose requirement is met shows neither. Panel notes render
// under their chart.
func TestGraphsRequirementNotice(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	// Only the postgres board's series exist.
	query := func(_ context.Context, expr string, _ time.Time) (promql.Vector, error) {
		mu.Lock()
		asked = append(asked, expr)
		mu.Unlock()
		if strings.Contains(expr, "pg_up") {
			return promql.Vector{{F: 1}}, nil
		}
		return nil, nil
	}
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) { d.Query = query })
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	checks, _ := dashboard.Find(testBoards(t), "checks")

	resp, body := doAs(t, "GET", base+"/graphs/checks", "", viewer)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /graphs/checks: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<strong>No data yet.</strong> ` + checks.Requires.Help,
		`<a href="/checks">/checks</a>`,
		"Health checks",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/graphs/checks lacks %q", want)
		}
	}
	mu.Lock()
	if len(asked) == 0 || asked[len(asked)-1] != checks.Requires.CheckExpr() {
		t.Errorf("queries %q, want the requirement's check last", asked)
	}
	mu.Unlock()

	_, body = doAs(t, "GET", base+"/graphs/postgres", "", viewer)
	if strings.Contains(body, "No data yet") {
		t.Error("/graphs/postgres says no data although pg_up exists")
	}
	for _, want := range []string{
		`<p class="chart-note muted">Only replicas have replication lag`,
		`(ward&#39;s check, alerted on)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/graphs/postgres lacks %q", want)
		}
	}

	_, body = doAs(t, "GET", base+"/graphs", "", viewer)
	if !strings.Contains(body, "(no data yet: add an http, tcp or s3 check under checks)") {
		t.Errorf("/graphs does not say the checks board needs checks:\n%s", body)
	}
	if strings.Contains(body, "no data yet: scrape postgres") {
		t.Error("/graphs marks the postgres board although it has data")
	}
}

// tagRE matches an HTML tag; whitespace runs collapse with spaceRE.
var tagRE = regexp.MustCompile(`<[^>]*>`)

// TestChartText: the alert-line text reads "Alert line: X > 80%" or
// "Alert lines: A == 0, B == 0", and the explorer link opens the chart
// with the rate window written out.
func TestChartText(t *testing.T) {
	render := func(c chartSpec) string {
		var b strings.Builder
		if err := chart(c, chartRange{Preset: "7d"}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	one := render(chartSpec{ID: "a", Title: "CPU", Expr: "rate(x[$__rate_interval])", Unit: "percent",
		Thresholds: []chartThreshold{{Value: 0.8, Op: ">", Rule: "HostHighCPU", Group: "g"}}})
	text := strings.Join(strings.Fields(tagRE.ReplaceAllString(one, "")), " ")
	if !strings.Contains(text, "Alert line: HostHighCPU &gt; 80%") {
		t.Errorf("one line: %q", text)
	}
	if !strings.Contains(one, `data-expr="rate(x[$__rate_interval])"`) {
		t.Errorf("data-expr lost the placeholder: %s", one)
	}
	if !strings.Contains(one, `href="/graph?g0.expr=rate%28x%5B5m%5D%29&amp;range=7d&amp;tab=chart"`) {
		t.Errorf("explorer link: %s", one)
	}
	two := strings.Join(strings.Fields(tagRE.ReplaceAllString(render(chartSpec{ID: "b", Title: "Up", Expr: "up", Thresholds: []chartThreshold{
		{Value: 0, Op: "==", Rule: "A"}, {Value: 0, Op: "==", Rule: "B"}}}), "")), " ")
	if !strings.Contains(two, "Alert lines: A == 0, B == 0") {
		t.Errorf("two lines: %q", two)
	}
	if in := render(chartSpec{ID: "explorer-chart", Title: "up", Expr: "up", InExplorer: true}); strings.Contains(in, "Open in explorer") {
		t.Error("the explorer's own chart links to the explorer")
	}
}

// TestExplorerTabsAndRangeVector: Prometheus' g0.tab picks the view
// (0 its graph, 1 its table); the explorer's chart does not link to the
// explorer; a range vector's samples show their time.
func TestExplorerTabsAndRangeVector(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	_, body := doAs(t, "GET", graphURL(base, "g0.expr", "up", "g0.tab", "0"), "", vic)
	if !strings.Contains(body, `id="explorer-chart"`) || strings.Contains(body, "Open in explorer") {
		t.Errorf("g0.tab=0: want the chart without an explorer link")
	}
	_, body = doAs(t, "GET", graphURL(base, "g0.expr", "up", "g0.tab", "1"), "", vic)
	if strings.Contains(body, `id="explorer-chart"`) || !strings.Contains(body, "vector, 1 series") {
		t.Errorf("g0.tab=1: want the table")
	}
	// A reversed range: the explorer with the problem beside the range
	// form, no result evaluated over some other range.
	resp, body := doAs(t, "GET", graphURL(base, "g0.expr", "up", "from", "2026-12-04T10:00", "to", "2026-12-04T09:00"), "", vic)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="range-error"`) || strings.Contains(body, "<h2>Result") || !strings.Contains(body, `id="graph-expr"`) {
		t.Errorf("reversed range: %d", resp.StatusCode)
	}
	resp, body = doAs(t, "GET", graphURL(base, "g0.expr", "up[3m]", "tab", "table"), "", vic)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "matrix, 1 series") {
		t.Fatalf("range vector: %d", resp.StatusCode)
	}
	cell := regexp.MustCompile(`<td data-label="Value">([^<]*)</td>`).FindStringSubmatch(body)
	sample := regexp.MustCompile(`^\d+ @ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})?Z$`)
	if cell == nil {
		t.Fatal("no value cell")
	}
	parts := strings.Split(cell[1], ", ")
	for _, p := range parts {
		if !sample.MatchString(p) {
			t.Errorf("sample %q is not value @ time", p)
		}
	}
	if len(parts) < 3 {
		t.Errorf("up[3m] has %d samples (one a minute): %q", len(parts), cell[1])
	}
}
