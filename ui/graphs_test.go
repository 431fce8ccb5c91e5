package ui

import (
	"encoding/json"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/rules/builtin"
)

// testBoards are the built-in boards with the lines of the built-in
// rules, as app builds them.
func testBoards(tb testing.TB) []dashboard.Board {
	tb.Helper()
	boards, err := dashboard.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	names, err := fs.Glob(builtin.FS, "*.yml")
	if err != nil {
		tb.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	var alerts []dashboard.AlertRule
	for _, name := range names {
		data, err := builtin.FS.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		groups, errs := rulefmt.Parse(data, false, model.UTF8Validation, p, slog.New(slog.DiscardHandler))
		if len(errs) > 0 {
			tb.Fatalf("%s: %v", name, errs)
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				expr, err := p.ParseExpr(r.Expr)
				if err != nil {
					tb.Fatal(err)
				}
				alerts = append(alerts, dashboard.AlertRule{Name: r.Alert, Group: g.Name, Expr: expr})
			}
		}
	}
	boards, _ = dashboard.WithThresholds(boards, alerts)
	return boards
}

var figureRE = regexp.MustCompile(`<figure class="chart" id="([^"]+)" data-expr="([^"]*)"`)

func TestGraphsBoardPage(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	host, _ := dashboard.Find(testBoards(t), "host")

	resp, body := doAs(t, "GET", base+"/graphs/host?range=6h", "", viewer)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /graphs/host: %d\n%s", resp.StatusCode, body)
	}
	figs := figureRE.FindAllStringSubmatch(body, -1)
	if len(figs) != len(host.Panels) {
		t.Fatalf("%d charts, want one per panel (%d):\n%s", len(figs), len(host.Panels), body)
	}
	for i, p := range host.Panels {
		if figs[i][1] != "panel-host-"+p.ID {
			t.Errorf("chart %d id %q, want panel-host-%s", i, figs[i][1], p.ID)
		}
		if want := htmlAttr(p.Expr); figs[i][2] != want {
			t.Errorf("chart %s data-expr %q, want %q", p.ID, figs[i][2], want)
		}
		if !strings.Contains(body, ">"+p.Title+"</span>") {
			t.Errorf("no title %q", p.Title)
		}
	}
	for _, want := range []string{
		// The alert line, as text for readers without JavaScript.
		`<a href="/rules#` + RuleAnchor("ward-node", "HostHighCPU") + `">HostHighCPU</a> &gt; 80%`,
		`<a href="/rules#` + RuleAnchor("ward-node", "HostDiskFull") + `">HostDiskFull</a> &gt; 90%`,
		`data-alerts="[&#34;HostHighCPU&#34;]"`,
		`data-range="6h"`,
		`href="/graph?g0.expr=` + url.QueryEscape("max by (job, instance) (node_load1)") + `&amp;range=6h&amp;tab=chart"`,
		`uPlot.iife.min`, `graphs.`,
		`<a href="/graphs" aria-current="page">Graphs</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/graphs/host lacks %s", want)
		}
	}

	// The script reads the lines from data-thresholds.
	m := regexp.MustCompile(`id="panel-host-cpu"[^>]*data-thresholds="([^"]*)"`).FindStringSubmatch(body)
	var lines []chartThreshold
	if m == nil {
		t.Error("no data-thresholds on the CPU chart")
	} else if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &lines); err != nil {
		t.Error(err)
	}
	if len(lines) != 1 || lines[0] != (chartThreshold{Value: 0.8, Op: ">", Rule: "HostHighCPU"}) {
		t.Errorf("CPU chart's lines %+v, want HostHighCPU > 0.8", lines)
	}

	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/graphs/nope", http.StatusNotFound, "no board named"},
		{"/graphs/host?range=2y", http.StatusBadRequest, "range:"},
		{"/graphs/host?from=1&to=2", http.StatusBadRequest, "to:"},
		// The board itself, with the problem beside the range form.
		{"/graphs/host?from=2026-12-04T10:00&to=2026-12-04T09:00", http.StatusBadRequest, `<p id="range-error" class="error range-error" role="alert">to: must be at least 10s after from`},
		{"/graphs/host?from=2026-12-04T10:00&to=2026-12-04T09:00", http.StatusBadRequest, `value="2026-12-04t09:00" step="60" aria-invalid="true" aria-describedby="range-error"`},
		{"/graphs/host?from=2026-12-04T10:00&to=2026-12-04T10:00:05", http.StatusBadRequest, `id="panel-host-cpu"`},
		{"/graph?g0.expr=up&from=2026-12-04T10:00&to=2026-12-04T09:00", http.StatusBadRequest, `<p id="range-error" class="error range-error" role="alert">to: must be at least 10s after from`},
		{"/?range=2y", http.StatusBadRequest, "range:"},
		// A fixed range (a zoom) fills the form to the second, a preset to the minute.
		{"/graphs/host?from=2026-12-04T10:00:07&to=2026-12-04T11:30:09", http.StatusOK, `name="to" value="2026-12-04t11:30:09" step="1"`},
		{"/graphs/host?range=6h", http.StatusOK, `" step="60"></label>`},
	} {
		resp, body := doAs(t, "GET", base+tc.path, "", viewer)
		if resp.StatusCode != tc.status || !strings.Contains(strings.ToLower(body), tc.want) {
			t.Errorf("GET %s: %d, want %d naming %q:\n%s", tc.path, resp.StatusCode, tc.status, tc.want, body)
		}
	}
}

func TestGraphsIndexAndOverview(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	resp, body := doAs(t, "GET", base+"/graphs", "", viewer)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /graphs: %d", resp.StatusCode)
	}
	for _, b := range testBoards(t) {
		if !strings.Contains(body, `<a href="/graphs/`+b.Name+`">`+b.Title+`</a>`) {
			t.Errorf("/graphs lacks board %s", b.Name)
		}
	}
	_, body = doAs(t, "GET", base+"/", "", viewer)
	var ids []string
	for _, m := range figureRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	if got := strings.Join(ids, " "); got != "panel-host-cpu panel-host-memory panel-app-errors panel-app-latency" {
		t.Errorf("overview charts: %s", got)
	}
	if !strings.Contains(body, `AppLatencyHigh</a> &gt; 1 s`) || !strings.Contains(body, `AppErrorRateHigh</a> &gt; 1%`) {
		t.Error("overview lacks the app alert lines")
	}
	// The "not OK only" view has no graphs (and loads no chart script).
	_, body = doAs(t, "GET", base+"/?problems=1", "", viewer)
	if strings.Contains(body, `class="chart"`) || strings.Contains(body, "uPlot") {
		t.Error("?problems=1 shows charts")
	}
}

// htmlAttr escapes s as templ writes an attribute value.
func htmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}
