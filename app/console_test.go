package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// consoleRules fires one critical alert at once, so that the overview
// says Down.
const consoleRules = `groups:
  - name: console
    rules:
      - alert: ConsoleTestAlert
        expr: vector(1)
        labels:
          severity: critical
        annotations:
          summary: the console test fires this
      - record: console:answer
        expr: vector(42)
`

// startNodeExporter runs Debian's node_exporter until Stop (or the end of
// the test) and returns it with its address.
func startNodeExporter(tb testing.TB) (*servicetest.Process, string) {
	tb.Helper()
	bin := servicetest.LookPath(tb, "prometheus-node-exporter", "prometheus-node-exporter")
	addr := servicetest.FreeAddr(tb)
	p := servicetest.StartProcess(tb, func() error {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}, nil, bin, "--web.listen-address="+addr)
	return p, addr
}

// TestBrowserConsole drives the console's overview, rules, targets,
// checks and status pages against a real ward scraping a real
// node_exporter, checking a real PostgreSQL and firing a rule: each page
// shows the live state, the "not OK only" view hides what is fine, a
// killed target shows as gone down, a failed reload shows admins a
// banner on every page (viewers none), and every page passes axe-core and
// fits a 390 px phone.
func TestBrowserConsole(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	node, nodeAddr := startNodeExporter(t)
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "console.rules.yml")
	writeFile(t, rulesFile, consoleRules)
	// Nothing listens here: the target is never up.
	gone := servicetest.FreeAddr(t)
	pwFile := filepath.Join(dir, "pg.password")
	writeFile(t, pwFile, pg.Password)
	cfg := fastGlobal + noTwoFactor + fmt.Sprintf(`
rules: {builtin: false}
rule_files: [%q]
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
  - job_name: gone
    static_configs: [{targets: [%q]}]
checks:
  - name: db
    kind: postgres
    dsn: %s
    password_file: %s
    interval: 1s
    timeout: 1s
    critical: true
`, rulesFile, nodeAddr, gone, pg.DSN(), pwFile)
	in := startWardIn(t, dir, cfg)

	servicetest.Eventually(t, 30*time.Second, "node target up, gone down, the check run and the alert firing", func() bool {
		up, down := false, false
		for _, ts := range in.app.collector.Targets().TargetsActive() {
			for _, tg := range ts {
				up = up || tg.Health() == "up" && tg.URL().Host == nodeAddr
				down = down || tg.Health() == "down" && tg.URL().Host == gone
			}
		}
		h := in.app.health(context.Background())
		return up && down && len(h.Checks) == 1 && h.Checks[0].OK() &&
			in.app.alerting.Summary(context.Background()).Firing["critical"] == 1 &&
			len(in.query(t, "scrape_samples_scraped")) >= 2
	})

	ctx := signInBrowser(t, in, "ada", auth.RoleAdmin, 390)
	fail := func(what string, err error) {
		t.Helper()
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
	open := func(path, waitFor string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor))); err != nil {
			fail("opening "+path, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail("reading "+sel, err)
		}
		return s
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
		if err != nil {
			fail("counting "+sel, err)
		}
		return n
	}
	want := func(what, got string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Errorf("%s: %q lacks %q", what, got, s)
			}
		}
	}
	checkPage := func(what string) {
		t.Helper()
		if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.tagName + "." + e.className + " " + e.getBoundingClientRect().right)`)); len(wide) > 0 {
			t.Logf("%s: elements past the viewport: %q", what, wide)
		}
		servicetest.Axe(t, ctx, what)
		servicetest.NoSidewaysScroll(t, ctx, what)
	}

	// Overview: Down, because of the critical alert; the check and the
	// target count; the PostgreSQL tile from the check; no app data.
	open("/", "#verdict")
	// The ingestion rate needs two of ward's own scrapes: on a slow
	// machine the first overview can come before the second.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(text("#tile-ward"), "Ingestion") && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		open("/", "#verdict")
	}
	want("banner", text("#verdict"), "Production: Down", "1 critical alert is firing")
	want("counters", text("#counters-title + ul"), "1 critical firing", "1 targets down", "2 targets up", "0 of 1 checks failing")
	want("reasons", text("#verdict"), "1 target is down: gone "+gone)
	want("PostgreSQL tile", text("#tile-postgres"), "db", "up: PostgreSQL")
	want("app tile", text("#tile-app"), "No data")
	want("ward tile", text("#tile-ward"), "Series in head", "Ingestion")
	if n := count("main[data-live]"); n != 1 {
		t.Errorf("overview main[data-live]: %d", n)
	}
	checkPage("overview")

	// Not OK only: the banner and the firing counter stay, the healthy
	// PostgreSQL tile and the zero counters go.
	open("/?problems=1", "#verdict")
	want("problems banner", text("#verdict"), "Down")
	if n := count("#tile-postgres"); n != 0 {
		t.Errorf("not OK only shows the OK PostgreSQL tile")
	}
	want("problems counters", text("#counters-title + ul"), "1 critical firing")
	if got := text("#counters-title + ul"); strings.Contains(got, "targets up") || strings.Contains(got, "checks failing") {
		t.Errorf("not OK only counters show what is fine: %q", got)
	}
	checkPage("overview, not OK only")

	// Rules: the group, the alert firing, its anchor.
	open("/rules", "#rule-console-consoletestalert")
	want("alert rule", text("#rule-console-consoletestalert"), "ConsoleTestAlert", "vector(1)", "ok", "1 firing", "UTC")
	want("recording rule", text("#rule-console-console-answer"), "console:answer", "record")
	checkPage("rules")
	screenshot(t, ctx, "rules")

	// Checks: the PostgreSQL check up, ward's components listed.
	open("/checks", "#check-db")
	want("check", text("#check-db"), "db", "postgres", "critical", "up", "ms", "UTC")
	want("components", text("table.components"), "tsdb", "rule_evaluation", "notifier")
	checkPage("checks")
	screenshot(t, ctx, "checks")

	// Status: version, head series, the config file, the last reload.
	open("/status", "#head-series")
	if n, err := strconv.Atoi(strings.TrimSpace(text("#head-series"))); err != nil || n == 0 {
		t.Errorf("head series: %q", text("#head-series"))
	}
	want("status", text("main"), in.cfgFile, "Version", "UTC")
	want("last reload", text("#last-reload"), "ok")
	checkPage("status")
	screenshot(t, ctx, "status")

	// Targets: node up with its series count; then node_exporter dies
	// and the page says it went down, while the target nothing ever
	// answered on was never up; ?state=down lists just the two.
	open("/targets", "#job-node")
	want("node target", text("#job-node tr.target-up"), nodeAddr, "up", "UTC")
	if got := text("#job-node tr.target-up td[data-label=Series]"); strings.TrimSpace(got) == "unknown" {
		t.Errorf("node series count unknown")
	}
	checkPage("targets")
	screenshot(t, ctx, "targets")
	node.Stop()
	servicetest.Eventually(t, 30*time.Second, "the node target down", func() bool {
		for _, tg := range in.app.collector.Targets().TargetsActive()["node"] {
			if tg.Health() == "down" {
				return true
			}
		}
		return false
	})
	open("/targets?state=down", "#job-node tr.target-down")
	want("killed target", text("#job-node tr.target-down"), nodeAddr, "down", "went down")
	want("never up target", text("#job-gone tr.target-down"), gone, "down", "never up since ward started", "connection refused")
	if n := count("tr.target"); n != 2 {
		t.Errorf("?state=down lists %d targets, want 2", n)
	}
	checkPage("targets, down")
	open("/", "#verdict")
	want("overview after the target died", text("#counters-title + ul"), "2 targets down")
	want("banner after the target died", text("#verdict"), "2 targets are down: gone "+gone+", node "+nodeAddr)
	screenshot(t, ctx, "overview-down")

	// A rejected reload: admins see its error on every page.
	writeFile(t, in.cfgFile, readFile(t, in.cfgFile)+"\nno_such_section: true\n")
	in.hup <- struct{}{}
	servicetest.Eventually(t, 10*time.Second, "the reload rejected", func() bool {
		st := in.app.metrics.state()
		return !st.OK && st.Err != ""
	})
	open("/rules", ".reload-failed")
	want("reload banner", text(".reload-failed"), "The last configuration reload failed", "no_such_section")
	checkPage("rules with the reload banner")
	open("/status", "#last-reload")
	want("status after the failed reload", text("#last-reload"), "failed", "no_such_section")

	viewer := signInBrowser(t, in, "vic", auth.RoleViewer, 1100)
	if err := chromedp.Do(viewer, chromedp.Navigate(in.base+"/rules"), chromedp.WaitVisible(chromedp.CSS("#rule-console-consoletestalert"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(viewer, chromedp.Evaluate[int](`document.querySelectorAll(".reload-failed").length`)); err != nil || n != 0 {
		t.Errorf("a viewer sees the reload banner: %d %v", n, err)
	}
}

// TestBrowserConsoleGettingStarted: a ward that watches only itself
// shows the getting-started panel, naming the documentation's sections,
// and tiles with no data say so. Nothing links to github.com: a ward on a
// closed network could not open it (graphs-trial).
func TestBrowserConsoleGettingStarted(t *testing.T) {
	in := startWard(t, "scrape_configs: []\n"+noTwoFactor)
	ctx := signInBrowser(t, in, "vera", auth.RoleViewer, 390)
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/"), chromedp.WaitVisible(chromedp.CSS(".getting-started"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".getting-started")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Scrape your app", "postgres_exporter", "health checks", "Slack", "“Health checks” in ward's README", "config.example.yaml"} {
		if !strings.Contains(got, s) {
			t.Errorf("getting started: %q lacks %q", got, s)
		}
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main a[href*='github.com']")).map(a => a.href)`))
	if err != nil || len(links) != 0 {
		t.Errorf("the overview links outside ward: %q %v", links, err)
	}
	if tile, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tile-redis"))); !strings.Contains(tile, "No data. How to set it up: “Health checks” in ward's README") {
		t.Errorf("redis tile without checks: %q", tile)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("main a")).filter(a => a.textContent.trim() === "All events").length`)); n > 1 {
		t.Errorf("%d \"All events\" links on the overview, want at most 1", n)
	}
	servicetest.Axe(t, ctx, "overview, getting started")
	servicetest.NoSidewaysScroll(t, ctx, "overview, getting started")
	screenshot(t, ctx, "overview-getting-started")
}

// screenshot saves the page as name.png in $WARD_SCREENSHOT_DIR, when
// set, for people to look at.
func screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	dir := os.Getenv("WARD_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Errorf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o600)
}
