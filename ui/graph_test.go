package ui

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/collector"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/promapi"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/storage"
)

// startExplorer starts the server over ward's real API and a TSDB
// holding node_cpu_seconds_total{cpu="0",mode=idle|user} and up.
func startExplorer(t *testing.T) (*Server, string) {
	t.Helper()
	return startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.API = realAPI(t)
	})
}

func realAPI(t *testing.T) http.Handler {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	db, stats, err := storage.OpenTSDB(filepath.Join(dir, "tsdb"), storage.TSDBOptions{Retention: 24 * time.Hour}, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	app := db.Appender(context.Background())
	now := time.Now()
	for _, ls := range []labels.Labels{
		labels.FromStrings("__name__", "node_cpu_seconds_total", "cpu", "0", "mode", "idle"),
		labels.FromStrings("__name__", "node_cpu_seconds_total", "cpu", "0", "mode", "user"),
		labels.FromStrings("__name__", "up", "job", "node"),
	} {
		for i := 10; i >= 0; i-- {
			if _, err := app.Append(0, ls, now.Add(-time.Duration(i)*time.Minute).UnixMilli(), float64(100-i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	coll, err := collector.New(logger, reg, db)
	if err != nil {
		t.Fatal(err)
	}
	engines := promapi.Engines{Query: cfg.Query, Logger: logger, Registerer: reg, EvalInterval: func() time.Duration { return time.Minute }}
	extURL := &url.URL{Scheme: "http", Host: "127.0.0.1:9090", Path: "/"}
	rm := rules.NewManager(rules.Options{Logger: logger, Registerer: reg, Engine: engines.NewRuleEngine(), DB: db, ExternalURL: extURL})
	api, err := promapi.New(promapi.Options{
		Engines: engines, DataDir: dir, Gatherer: reg, DB: db, Stats: stats, TSDBDir: filepath.Join(dir, "tsdb"),
		Targets: coll.Targets(), Rules: rm.Prometheus(),
		Config:     func() *promconfig.Config { return cfg.Prometheus },
		Start:      now,
		LastReload: func() (bool, time.Time) { return true, now },
		Listen:     "127.0.0.1:9090", ExternalURL: extURL,
		Ready: func() bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	return api
}

func graphURL(base string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return base + "/graph?" + q.Encode()
}

// TestExplorerSyntaxError: a broken expression is answered 400 with the
// offending position marked, the message's line and column, and the
// error tied to the textarea.
func TestExplorerSyntaxError(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	for _, c := range []struct {
		expr, before, marked, msg string
	}{
		// The end of the input: the mark is a space after the expression.
		{"rate(node_cpu_seconds_total[5m]", "rate(node_cpu_seconds_total[5m]", " ", "line 1, column 32: unclosed left parenthesis"},
		{"sum(up) by (", "sum(up) by (", " ", "line 1, column 13: unclosed left parenthesis"},
		{`up{a=}`, `up{a=`, "}", `line 1, column 6: unexpected &#34;}&#34; in label matching`},
	} {
		resp, body := doAs(t, "GET", graphURL(base, "g0.expr", c.expr), "", vic)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", c.expr, resp.StatusCode)
		}
		if !strings.Contains(body, c.msg) {
			t.Errorf("%q: no %q in the page", c.expr, c.msg)
		}
		want := "<code>" + html.EscapeString(c.before) + "<mark>" + c.marked + "</mark>"
		if !strings.Contains(strings.ReplaceAll(body, "&#34;", "&quot;"), want) && !strings.Contains(body, want) {
			t.Errorf("%q: no %q in the page", c.expr, want)
		}
		for _, attr := range []string{`aria-invalid="true"`, `aria-describedby="graph-expr-error"`, `id="graph-expr-error"`} {
			if !strings.Contains(body, attr) {
				t.Errorf("%q: no %s", c.expr, attr)
			}
		}
		if strings.Contains(body, "<table") {
			t.Errorf("%q: a broken expression was evaluated", c.expr)
		}
	}
	// Prometheus' link form still evaluates a good expression.
	resp, body := doAs(t, "GET", base+"/graph?g0.expr=up", "", vic)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "aria-invalid") {
		t.Errorf("good expression: %d", resp.StatusCode)
	}
}

// TestExplorerTable: an instant vector's series and values, from the
// TSDB through the API.
func TestExplorerTable(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	resp, body := doAs(t, "GET", graphURL(base, "g0.expr", "node_cpu_seconds_total", "tab", "table"), "", vic)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"vector, 2 series", `node_cpu_seconds_total{cpu=&#34;0&#34;,mode=&#34;idle&#34;}`, `node_cpu_seconds_total{cpu=&#34;0&#34;,mode=&#34;user&#34;}`, `<td data-label="Value">100</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in the table", want)
		}
	}
	// An evaluation error shows as an error, not as a syntax mark.
	resp, body = doAs(t, "GET", graphURL(base, "g0.expr", `label_replace(up, "x", "$1", "job", "(")`), "", vic)
	if resp.StatusCode < 400 || !strings.Contains(body, `class="error"`) || strings.Contains(body, "<mark>") {
		t.Errorf("evaluation error: %d", resp.StatusCode)
	}
}

// TestExplorerStepAndChart: the chart view renders the chart with the
// expression and the step; a bad or too small step is refused naming the
// field.
func TestExplorerStepAndChart(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	resp, body := doAs(t, "GET", graphURL(base, "g0.expr", "rate(node_cpu_seconds_total[5m])", "tab", "chart", "step", "1m", "range", "6h"), "", vic)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chart: %d", resp.StatusCode)
	}
	fig := regexp.MustCompile(`<figure[^>]*class="chart"[^>]*>`).FindString(body)
	if !strings.Contains(fig, `data-expr="rate(node_cpu_seconds_total[5m])"`) || !strings.Contains(fig, `data-step="60"`) {
		t.Errorf("chart figure: %q", fig)
	}
	if !strings.Contains(body, "graphs.") || !strings.Contains(body, "uPlot") {
		t.Error("the chart view does not load the chart script")
	}
	_, body = doAs(t, "GET", graphURL(base, "g0.expr", "up", "tab", "chart"), "", vic)
	if fig := regexp.MustCompile(`<figure[^>]*class="chart"[^>]*>`).FindString(body); fig == "" || strings.Contains(fig, "data-step") {
		t.Errorf("automatic step: %q", fig)
	}
	// 30 days at 1 s is 2,592,000 points; the bound is 11,000.
	for _, c := range []struct{ step, rng, want string }{
		{"1", "30d", "step: 1 gives 2592000 points over the range; at most 11000 (a step of at least 236s)"},
		{"abc", "1h", "step: not a duration"},
		{"-5", "1h", "step: must be more than 0"},
		{"2h", "1h", "step: longer than the range"},
	} {
		resp, body := doAs(t, "GET", graphURL(base, "g0.expr", "up", "tab", "chart", "step", c.step, "range", c.rng), "", vic)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) || !strings.Contains(body, `aria-describedby="graph-step-error"`) {
			t.Errorf("step %s over %s: %d, want 400 with %q", c.step, c.rng, resp.StatusCode, c.want)
		}
		if strings.Contains(body, `class="chart"`) {
			t.Errorf("step %s: the chart was rendered", c.step)
		}
	}
	if resp, _ := doAs(t, "GET", graphURL(base, "g0.expr", "up", "tab", "pie"), "", vic); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tab=pie: %d, want 400", resp.StatusCode)
	}
	// The tab links keep the expression and the range.
	if !strings.Contains(body, "tab=table") {
		t.Error("no table tab link")
	}
}

// TestExplorerLabelBrowser: metric names from the TSDB, filtered; a
// metric's labels; a label's values as links that put the selector into
// the expression.
func TestExplorerLabelBrowser(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	_, body := doAs(t, "GET", graphURL(base, "browse.filter", "node_cpu"), "", vic)
	if !strings.Contains(body, "<code>node_cpu_seconds_total</code>") || strings.Contains(body, "<code>up</code>") {
		t.Errorf("filtered metric list wrong")
	}
	if !strings.Contains(body, "<details id=\"browse\" class=\"graph-browse\" open") {
		t.Error("the browser is not open")
	}
	_, body = doAs(t, "GET", graphURL(base, "browse.filter", "", "browse.metric", "node_cpu_seconds_total"), "", vic)
	for _, l := range []string{"<code>cpu</code>", "<code>mode</code>"} {
		if !strings.Contains(body, l) {
			t.Errorf("label %s not listed", l)
		}
	}
	_, body = doAs(t, "GET", graphURL(base, "g0.expr", "up", "browse.metric", "node_cpu_seconds_total", "browse.label", "mode"), "", vic)
	for _, v := range []string{"idle", "user"} {
		sel := url.Values{"g0.expr": {`node_cpu_seconds_total{mode="` + v + `"}`}}.Encode()
		if !strings.Contains(body, html.EscapeString("/graph?"+sel)) {
			t.Errorf("no link for value %s (%s)", v, sel)
		}
	}
	resp, body := doAs(t, "GET", graphURL(base, "browse.metric", "bad metric{"), "", vic)
	if !strings.Contains(body, "browse.metric: not a metric name") {
		t.Errorf("bad metric: %d", resp.StatusCode)
	}
	_, body = doAs(t, "GET", graphURL(base, "browse.metric", "up", "browse.label", strings.Repeat("a", 300)), "", vic)
	if !strings.Contains(body, "longer than 256 bytes") {
		t.Error("an overlong label name was not refused")
	}
	// Closed by default: the API is not asked.
	_, body = doAs(t, "GET", base+"/graph", "", vic)
	if strings.Contains(body, "node_cpu_seconds_total") {
		t.Error("the closed browser listed metrics")
	}
}

// TestExplorerHistory: evaluated expressions are remembered per user,
// distinct, newest first, at most storage.MaxQueryHistory; another user
// sees none of them; clearing is audited.
func TestExplorerHistory(t *testing.T) {
	s, base := startExplorer(t)
	vic := signIn(t, s, "vic", auth.RoleViewer)
	ann := signIn(t, s, "ann", auth.RoleViewer)
	n := storage.MaxQueryHistory + 5
	for i := range n {
		doAs(t, "GET", graphURL(base, "g0.expr", "up + "+strconv.Itoa(i)), "", vic)
	}
	doAs(t, "GET", graphURL(base, "g0.expr", "up + 7"), "", vic)           // again: moves first
	doAs(t, "GET", graphURL(base, "g0.expr", "up +"), "", vic)             // broken: not remembered
	doAs(t, "GET", graphURL(base, "g0.expr", "vic_secret_query"), "", vic) // remembered (empty result)
	h, err := s.deps.History.QueryHistory("vic")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != storage.MaxQueryHistory || h[0] != "vic_secret_query" || h[1] != "up + 7" {
		t.Fatalf("history %q", h)
	}
	for _, e := range h {
		if e == "up + 0" || e == "up +" {
			t.Errorf("history keeps %q", e)
		}
	}
	_, body := doAs(t, "GET", base+"/graph", "", vic)
	if !strings.Contains(body, "<code>vic_secret_query</code>") || !strings.Contains(body, "Clear history") {
		t.Error("vic's page does not show their history")
	}
	_, body = doAs(t, "GET", base+"/graph", "", ann)
	if strings.Contains(body, "vic_secret_query") || strings.Contains(body, "Clear history") {
		t.Error("ann sees vic's history")
	}
	// The explorer's button only asks; nothing is cleared yet.
	resp, body := doAs(t, "POST", base+"/graph/history/clear", "", vic)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Clear your query history?") ||
		!strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, strconv.Itoa(storage.MaxQueryHistory)+" recent") {
		t.Errorf("clear without confirm: %d\n%s", resp.StatusCode, body)
	}
	if h, _ := s.deps.History.QueryHistory("vic"); len(h) != storage.MaxQueryHistory {
		t.Errorf("asking cleared the history: %d left", len(h))
	}
	confirm := url.Values{"confirm": {"yes"}}
	// ann clearing hers leaves vic's alone.
	if resp, _ := postFormAs(t, base+"/graph/history/clear", ann, confirm); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("ann's clear: %d", resp.StatusCode)
	}
	if h, _ := s.deps.History.QueryHistory("vic"); len(h) != storage.MaxQueryHistory {
		t.Errorf("ann's clear removed vic's history: %d left", len(h))
	}
	if resp, _ := postFormAs(t, base+"/graph/history/clear", vic, confirm); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("vic's clear: %d", resp.StatusCode)
	}
	if h, _ := s.deps.History.QueryHistory("vic"); len(h) != 0 {
		t.Errorf("after clearing: %q", h)
	}
	recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Action: audit.ActionHistoryClear})
	if err != nil {
		t.Fatal(err)
	}
	var vicRec bool
	for _, r := range recs {
		if r.Actor == "vic" && r.Target == "vic" && r.Details["entries"] == strconv.Itoa(storage.MaxQueryHistory) {
			vicRec = true
		}
	}
	if len(recs) != 2 || !vicRec {
		t.Errorf("audit records %+v", recs)
	}
	// An overlong expression is refused, and not remembered.
	if resp, _ := doAs(t, "GET", graphURL(base, "g0.expr", "up+"+strings.Repeat("1", 5000)), "", vic); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("overlong: %d", resp.StatusCode)
	}
	if h, _ := s.deps.History.QueryHistory("vic"); len(h) != 0 {
		t.Errorf("overlong remembered: %d", len(h))
	}
}
