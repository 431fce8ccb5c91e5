package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBrowserExplorer: on a 390 px phone a viewer sees a broken
// expression's error at its position, an instant vector as a table, the
// label browser's metrics, labels and values, and their history; every
// state passes axe and fits the screen.
func TestBrowserExplorer(t *testing.T) {
	in := startWard(t, fastGlobal+noTwoFactor)
	ctx := signInBrowser(t, in, "vic", auth.RoleViewer, 390)
	graph := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return in.base + "/graph?" + q.Encode()
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}

	// A broken expression: the mark, the message, the textarea tied to it.
	if err := chromedp.Do(ctx, chromedp.Navigate(graph("g0.expr", "sum(up) by (")), chromedp.WaitVisible(chromedp.CSS("#graph-expr-error"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#graph-expr-error p"); !strings.Contains(got, "line 1, column 13: unclosed left parenthesis") {
		t.Errorf("error text %q", got)
	}
	described, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("graph-expr").getAttribute("aria-describedby") + " " + document.getElementById("graph-expr").getAttribute("aria-invalid") + " " + document.querySelectorAll("#graph-expr-error mark").length`))
	if err != nil || described != "graph-expr-error true 1" {
		t.Errorf("textarea and error: %q %v", described, err)
	}
	servicetest.Axe(t, ctx, "explorer, syntax error")
	servicetest.NoSidewaysScroll(t, ctx, "explorer, syntax error")

	// The table of an instant vector, once ward has scraped itself.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := chromedp.Do(ctx, chromedp.Navigate(graph("g0.expr", "up")), chromedp.WaitVisible(chromedp.CSS("main h2"))); err != nil {
			t.Fatal(err)
		}
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.list tbody tr").length`))
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no series of up after 30 s")
		}
		time.Sleep(time.Second)
	}
	if got := text("table.list tbody"); !strings.Contains(got, `up{`) || !strings.Contains(got, "1") {
		t.Errorf("table %q", got)
	}
	servicetest.Axe(t, ctx, "explorer, table")
	servicetest.NoSidewaysScroll(t, ctx, "explorer, table")

	// The label browser: up's labels and a value that opens its selector;
	// the chart view with a step; the history with "up" in it.
	if err := chromedp.Do(ctx, chromedp.Navigate(graph("g0.expr", "up", "tab", "chart", "step", "15s", "browse.filter", "up", "browse.metric", "up", "browse.label", "job")),
		chromedp.WaitVisible(chromedp.CSS("details#browse"))); err != nil {
		t.Fatal(err)
	}
	if got := text("details#browse"); !strings.Contains(got, "instance") || !strings.Contains(got, "job") {
		t.Errorf("browser %q", got)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("details#browse li a[href*='g0.expr=up%7Bjob%3D']") || {}).href || ""`))
	if err != nil || href == "" {
		t.Errorf("no value link: %v", err)
	}
	step, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("figure.chart").dataset.step + " " + document.querySelector("figure.chart").dataset.expr`))
	if err != nil || step != "15 up" {
		t.Errorf("chart figure: %q %v", step, err)
	}
	if got := text("section.graph-history"); !strings.Contains(got, "up") || strings.Contains(got, "sum(up) by (") {
		t.Errorf("history %q", got)
	}
	servicetest.Axe(t, ctx, "explorer, chart and browser")
	servicetest.NoSidewaysScroll(t, ctx, "explorer, chart and browser")
	screenshot(t, ctx, "explorer")

	// A long expression in the chart: its title (the raw PromQL) and the
	// legend of a long label value wrap instead of widening the page
	// (graphs-trial: a new user's 390 px phone scrolled sideways).
	long := `label_replace(up, "a_label_name_long_enough_to_need_wrapping_on_a_phone_screen", "a_value_without_any_space_that_is_longer_than_a_phone_is_wide_0123456789", "", "")`
	if err := chromedp.Do(ctx, chromedp.Navigate(graph("g0.expr", long, "tab", "chart")),
		chromedp.WaitVisible(chromedp.CSS("figure.chart canvas"))); err != nil {
		t.Fatal(err)
	}
	if got := text("figure.chart .chart-title"); !strings.Contains(got, "a_label_name_long_enough") {
		t.Errorf("chart title %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart a.chart-open").length`)); n != 0 {
		t.Errorf("the explorer's chart links to the explorer (%d)", n)
	}
	servicetest.NoSidewaysScroll(t, ctx, "explorer, chart of a long expression")
	screenshot(t, ctx, "explorer-long")
}
