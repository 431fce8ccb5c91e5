package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// The console's performance budget (issue 10).
const (
	benchSeries   = 100_000
	benchTargets  = 50
	benchAlerts   = 500
	benchSilences = 200
	// benchRenders is how many times each page is fetched.
	benchRenders = 200
)

// BenchmarkConsole measures the console at the size of a busy
// production: 100k series in the head, 50 scrape targets, 500 firing
// alerts and 200 silences, all built in-process in a real ward. It
// prints the server's render time (p50/p95 of a GET over loopback, one
// request at a time) for the overview, targets and rules pages, the
// gzipped size of the embedded JS and CSS, and the overview's first
// contentful paint in headless Chromium. Budgets: p95 <= 50 ms,
// <= 60 KB gzipped, FCP <= 300 ms. Run it once: make bench, or
//
//	go test ./app -run '^$' -bench BenchmarkConsole -benchtime 1x
func BenchmarkConsole(b *testing.B) {
	targets := make([]string, benchTargets)
	for i := range targets {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			for j := range 20 {
				fmt.Fprintf(w, "bench_target_metric{n=\"%d\"} %d\n", j, j)
			}
		}))
		b.Cleanup(srv.Close)
		targets[i] = strings.TrimPrefix(srv.URL, "http://")
	}
	in := startWard(b, noTwoFactor+fmt.Sprintf(`
global:
  scrape_interval: 10s
  evaluation_interval: 10s
scrape_configs:
  - job_name: bench
    static_configs: [{targets: [%s]}]
`, `"`+strings.Join(targets, `", "`)+`"`))
	appendSeries(b, in, benchSeries)
	postAlerts(b, in, benchAlerts)
	postSilences(b, in, benchSilences)
	servicetest.Eventually(b, time.Minute, "every bench target scraped", func() bool {
		up := 0
		for _, t := range in.app.collector.Targets().TargetsActive()["bench"] {
			if t.Health() == "up" {
				up++
			}
		}
		return up == benchTargets
	})
	if s := in.app.alerting.Summary(context.Background()); s.Silences != benchSilences || s.Silenced == 0 {
		b.Fatalf("alerting summary: %+v", s)
	}

	client := signInClient(b, in, "bench")
	fmt.Printf("console bench: %d series in the head, %d targets, %d alerts, %d silences\n",
		in.app.db.Head().NumSeries(), benchTargets, benchAlerts, benchSilences)
	b.ResetTimer()
	for _, page := range []struct {
		name, path string
		// want is in the page, so that the figure is of the real page.
		want  string
		count int
	}{
		{"overview", "/", `Production: <span class="verdict-level">Down</span>`, 1},
		{"overview-problems", "/?problems=1", `Production: <span class="verdict-level">Down</span>`, 1},
		{"targets", "/targets", `class="target target-up"`, benchTargets + 1},
		{"rules", "/rules", `<tr id="rule-`, 10},
		{"checks", "/checks", `ward's own components`, 1},
		{"status", "/status", `id="head-series"`, 1},
	} {
		body := fetch(b, client, in.base+page.path)
		if n := strings.Count(body, page.want); n < page.count {
			b.Fatalf("%s: %d of %q, want %d or more", page.path, n, page.want, page.count)
		}
		p50, p95 := renderTimes(b, client, in.base+page.path, benchRenders)
		fmt.Printf("  render %-13s p50 %6.2f ms  p95 %6.2f ms  (budget p95 <= 50 ms)\n", page.path, p50, p95)
		b.ReportMetric(p95, "p95-ms-"+page.name)
	}
	gz := staticGzipBytes(b)
	fmt.Printf("  JS+CSS gzipped: %d bytes (%.1f KB; budget <= 60 KB)\n", gz, float64(gz)/1024)
	b.ReportMetric(float64(gz), "gz-bytes")
	fcps := firstContentfulPaint(b, in, 5)
	fmt.Printf("  overview first contentful paint: median %.0f ms, max %.0f ms over %d loads (budget <= 300 ms)\n",
		fcps[len(fcps)/2], fcps[len(fcps)-1], len(fcps))
	b.ReportMetric(fcps[len(fcps)/2], "fcp-ms")
}

// appendSeries writes n series with one recent sample each into the head.
func appendSeries(tb testing.TB, in *instance, n int) {
	tb.Helper()
	now := time.Now().UnixMilli()
	for start := 0; start < n; start += 10_000 {
		app := in.app.db.Appender(context.Background())
		for i := start; i < min(start+10_000, n); i++ {
			ls := labels.FromStrings("__name__", "bench_series", "job", "bench-load", "instance", fmt.Sprintf("host-%d", i%500), "n", fmt.Sprint(i))
			if _, err := app.Append(0, ls, now, float64(i)); err != nil {
				tb.Fatal(err)
			}
		}
		if err := app.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
}

// postAlerts posts n firing alerts through Alertmanager's API, a fifth of
// them critical.
func postAlerts(tb testing.TB, in *instance, n int) {
	tb.Helper()
	for start := 0; start < n; start += 100 {
		var alerts []map[string]any
		for i := start; i < min(start+100, n); i++ {
			sev := "warning"
			if i%5 == 0 {
				sev = "critical"
			}
			alerts = append(alerts, map[string]any{
				"labels":      map[string]string{"alertname": fmt.Sprintf("BenchAlert%d", i%20), "instance": fmt.Sprintf("host-%d", i), "severity": sev},
				"annotations": map[string]string{"summary": "bench alert " + fmt.Sprint(i)},
				"startsAt":    time.Now().Add(-time.Minute).Format(time.RFC3339),
				"endsAt":      time.Now().Add(time.Hour).Format(time.RFC3339),
			})
		}
		postJSON(tb, in, "/api/v2/alerts", alerts)
	}
}

// postSilences creates n silences, each for one alert's instance.
func postSilences(tb testing.TB, in *instance, n int) {
	tb.Helper()
	for i := range n {
		postJSON(tb, in, "/api/v2/silences", map[string]any{
			"matchers":  []map[string]any{{"name": "instance", "value": fmt.Sprintf("host-%d", i*2), "isRegex": false, "isEqual": true}},
			"startsAt":  time.Now().Format(time.RFC3339),
			"endsAt":    time.Now().Add(2 * time.Hour).Format(time.RFC3339),
			"comment":   "bench",
			"createdBy": "bench",
		})
	}
}

func postJSON(tb testing.TB, in *instance, path string, v any) {
	tb.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := in.client.Post(in.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		tb.Fatalf("POST %s: %d %s", path, resp.StatusCode, msg)
	}
}

// signInClient creates an admin and signs in through the sign-in form;
// the client keeps the session cookie.
func signInClient(tb testing.TB, in *instance, name string) *http.Client {
	tb.Helper()
	if _, err := in.app.auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{
		Name: name, Email: name + "@example.com", Role: auth.RoleAdmin, Password: browserPassword,
	}); err != nil {
		tb.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(in.base+"/login", url.Values{"username": {name}, "password": {browserPassword}})
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Overview") {
		tb.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	return c
}

// fetch returns the body of GET u, which must answer 200.
func fetch(tb testing.TB, c *http.Client, u string) string {
	tb.Helper()
	resp, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(body)
}

// renderTimes fetches u n times, one at a time, and returns the p50 and
// p95 of the time to the last byte, in milliseconds.
func renderTimes(tb testing.TB, c *http.Client, u string, n int) (p50, p95 float64) {
	tb.Helper()
	ms := make([]float64, 0, n)
	for range n {
		start := time.Now()
		resp, err := c.Get(u)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			tb.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	slices.Sort(ms)
	return ms[n*50/100], ms[n*95/100]
}

// staticGzipBytes is the gzipped size of every JS and CSS file the
// console embeds (ui/static), each compressed on its own as a server
// would.
func staticGzipBytes(tb testing.TB) int {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "ui", "static", "*"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("ui/static: %v", err)
	}
	total := 0
	for _, f := range files {
		if ext := filepath.Ext(f); ext != ".js" && ext != ".css" {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(raw)
		_ = zw.Close()
		total += buf.Len()
	}
	return total
}

// firstContentfulPaint loads the overview n times in headless Chromium,
// signed in, and returns each load's first contentful paint in
// milliseconds, sorted.
func firstContentfulPaint(tb testing.TB, in *instance, n int) []float64 {
	tb.Helper()
	ctx := signInBrowser(tb, in, "bench-browser", auth.RoleViewer, 1100)
	var out []float64
	for range n {
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/"), chromedp.WaitVisible(chromedp.CSS("#verdict"))); err != nil {
			tb.Fatal(err)
		}
		var fcp float64
		servicetest.Eventually(tb, 10*time.Second, "a first-contentful-paint entry", func() bool {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(performance.getEntriesByName("first-contentful-paint")[0] || {startTime: 0}).startTime`))
			fcp = v
			return err == nil && v > 0
		})
		out = append(out, fcp)
	}
	slices.Sort(out)
	return out
}
