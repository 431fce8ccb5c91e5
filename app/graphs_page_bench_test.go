package app

import (
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/bench/graphdata"
	"github.com/ward-monitoring/ward/dashboard"
)

const (
	hostPageBudgetMs = 300.0
	hostPageReps     = 20
	// assetsBudget is the figure for the JS and CSS of the
	// console and the graphs together, gzipped.
	assetsBudget = 60 * 1024
	// maxInflight is graphs.js' MAX_INFLIGHT: the browser sends at most
	// this many query_range requests at a time.
	maxInflight = 4
)

var (
	figureRe = regexp.MustCompile(`<figure\s[^>]*class="chart"[^>]*>`)
	attrRe   = regexp.MustCompile(`\s(data-[a-z-]+)="([^"]*)"`)
	assetRe  = regexp.MustCompile(`<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="(/[^"]+)"`)
)

// BenchmarkGraphHostPage times the whole /graphs/host page over the last
// 24 h of the BenchmarkGraphPanel dataset (10 node_exporter hosts at
// 15 s among 100k series, 7 days) as a browser would load it: the page's
// server render, then every chart's query_range at the step graphs.js
// sends for a 1,000 px plot, at most 4 at a time as graphs.js does, plus
// its one alert-spans query. Timed from the page request to the last
// byte of the last answer, hostPageReps times after one warm-up.
// Budget: p95 <= 300 ms.
//
//	go test ./app -run '^$' -bench BenchmarkGraphHostPage -benchtime 1x
func BenchmarkGraphHostPage(b *testing.B) {
	p := graphdata.Default()
	blocks := graphBlocks(b, p)
	dir := b.TempDir()
	linkBlocks(b, blocks, dir+"/data/tsdb")
	in := startWardIn(b, dir, noTwoFactor)
	checkSpan(b, in, p)
	client := signInClient(b, in, "bench")
	from, to := p.End.Add(-24*time.Hour).Unix(), p.End.Unix()
	page := fmt.Sprintf("%s/graphs/host?from=%d&to=%d", in.base, from, to)

	reqs := chartRequests(b, fetch(b, client, page), graphWidth)
	if len(reqs) < 5 {
		b.Fatalf("/graphs/host: %d chart queries, want the host board's 5 or more", len(reqs))
	}
	for _, q := range reqs[:len(reqs)-1] {
		if n, _ := queryRange(b, client, in.base+"/api/v1/query_range?"+q); n == 0 {
			b.Fatalf("no series for %s: the dataset does not feed the host board", q)
		}
	}
	b.ResetTimer()
	var total, render []float64
	for range hostPageReps + 1 {
		start := time.Now()
		body := fetch(b, client, page)
		render = append(render, ms(time.Since(start)))
		runLimited(b, client, in.base, chartRequests(b, body, graphWidth))
		total = append(total, ms(time.Since(start)))
	}
	b.StopTimer()
	total, render = total[1:], render[1:] // the first was the warm-up
	p50, p95 := percentiles(total)
	r50, r95 := percentiles(render)
	verdict := "met"
	if p95 > hostPageBudgetMs {
		verdict = "MISSED"
	}
	fmt.Printf("graph host page bench: /graphs/host over 24 h, %d queries at %d px (%d node_exporter hosts at %s among %d series); load average %s\n",
		len(reqs), graphWidth, p.Hosts, p.PanelInterval, p.Series+p.Panel+len(graphdata.Hosts(p.Hosts)), loadAvg())
	fmt.Printf("  render alone  p50 %6.2f ms  p95 %6.2f ms\n", r50, r95)
	fmt.Printf("  whole page    p50 %6.2f ms  p95 %6.2f ms  (budget p95 <= %.0f ms %s)\n", p50, p95, hostPageBudgetMs, verdict)
	// Where the time goes: each query alone, median of 5.
	for _, q := range reqs {
		var one []float64
		for range 5 {
			start := time.Now()
			queryRange(b, client, in.base+"/api/v1/query_range?"+q)
			one = append(one, ms(time.Since(start)))
		}
		m, _ := percentiles(one)
		v, _ := url.ParseQuery(q)
		fmt.Printf("    %6.1f ms alone  %.90s\n", m, strings.Join(strings.Fields(v.Get("query")), " "))
	}
	b.ReportMetric(p95, "p95-ms-host-page")
	b.ReportMetric(r95, "p95-ms-host-render")
}

// chartRequests returns the query strings graphs.js sends for the
// charts of a rendered page whose plots are width pixels wide: one
// query_range per figure, then one for the alert spans (last).
func chartRequests(tb testing.TB, body string, width int) []string {
	tb.Helper()
	section := attrs(regexp.MustCompile(`<section\s[^>]*class="charts"[^>]*>`).FindString(body))
	from, err1 := strconv.ParseInt(section["data-from"], 10, 64)
	to, err2 := strconv.ParseInt(section["data-to"], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("charts section: %v", section)
	}
	// graphs.js: step = max(1, ceil((to - from) / max(100, width))),
	// start = floor(from / step) * step.
	step := max(1, int64(math.Ceil(float64(to-from)/float64(max(100, width)))))
	start := from / step * step
	// graphs.js: $__rate_interval is max(5m, 2 × step).
	window := max(dashboard.DefaultRateInterval, 2*time.Duration(step)*time.Second)
	form := func(q string) string {
		q = dashboard.ExpandRateInterval(q, window)
		return url.Values{"query": {q}, "start": {fmt.Sprint(start)}, "end": {fmt.Sprint(to)}, "step": {fmt.Sprint(step)}}.Encode()
	}
	var out []string
	alerts := map[string]bool{}
	for _, f := range figureRe.FindAllString(body, -1) {
		a := attrs(f)
		out = append(out, form(a["data-expr"]))
		for _, n := range strings.Split(strings.Trim(a["data-alerts"], `[]`), ",") {
			if n = strings.Trim(n, `"`); n != "" {
				alerts[n] = true
			}
		}
	}
	var names []string
	for _, n := range slices.Sorted(maps.Keys(alerts)) {
		names = append(names, regexp.QuoteMeta(n))
	}
	return append(out, form(`max by (alertname) (ALERTS{alertstate="firing",alertname=~"`+strings.Join(names, "|")+`"})`))
}

// attrs returns the data-* attributes of one start tag, unescaped.
func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// runLimited runs every query_range, at most maxInflight at a time, and
// returns when the last answer is read.
func runLimited(tb testing.TB, c *http.Client, base string, qs []string) {
	tb.Helper()
	sem := make(chan struct{}, maxInflight)
	var wg sync.WaitGroup
	errs := make(chan string, len(qs))
	for _, q := range qs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			resp, err := c.Get(base + "/api/v1/query_range?" + q)
			if err != nil {
				errs <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"success"`) {
				errs <- fmt.Sprintf("%d %.200s", resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		tb.Fatalf("query_range: %s", e)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkGraphsAssets sums the gzipped JS and CSS that the console's
// overview and the graphs pages (/graphs/host, /graph) load, each asset
// once, fetched from a running ward with Accept-Encoding: gzip as a
// browser fetches them. Budget: <= 60 KB.
//
//	go test ./app -run '^$' -bench BenchmarkGraphsAssets -benchtime 1x
func BenchmarkGraphsAssets(b *testing.B) {
	in := startWard(b, noTwoFactor)
	client := signInClient(b, in, "bench")
	raw := &http.Client{Jar: client.Jar, Transport: &http.Transport{DisableCompression: true}}
	seen := map[string]int{}
	for _, page := range []string{"/", "/graphs/host", "/graph"} {
		resp, err := client.Get(in.base + page)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Printf("  %s: %d, not counted (the page is not on this branch)\n", page, resp.StatusCode)
			continue
		}
		for _, m := range assetRe.FindAllStringSubmatch(string(body), -1) {
			if _, ok := seen[m[1]]; ok {
				continue
			}
			req, _ := http.NewRequest(http.MethodGet, in.base+m[1], nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := raw.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
				b.Fatalf("GET %s: %d, Content-Encoding %q: want 200 gzip", m[1], resp.StatusCode, resp.Header.Get("Content-Encoding"))
			}
			seen[m[1]] = int(n)
		}
	}
	if len(seen) < 3 {
		b.Fatalf("assets %v: want ward's CSS and JS, uPlot and graphs.js", seen)
	}
	total := 0
	for _, p := range slices.Sorted(maps.Keys(seen)) {
		fmt.Printf("  %-48s %6d bytes gzipped\n", p, seen[p])
		total += seen[p]
	}
	verdict := "met"
	if total > assetsBudget {
		verdict = "MISSED"
	}
	fmt.Printf("graphs+console JS+CSS gzipped: %d bytes (%.1f KB; budget <= 60 KB %s)\n", total, float64(total)/1024, verdict)
	b.ReportMetric(float64(total), "gz-bytes-graphs+console")
}
