package app

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// Goals of issue 16's benchmark: at least 50 events/s of 50 KB
// envelopes sustained for 2 minutes, with at most 256 MB of extra RSS.
const (
	benchErrorsGoal = 50
	// benchErrorsRate is the rate offered: a paced sender's events over
	// the time until the last is processed come out just under the rate
	// offered, so it is offered with 10% to spare.
	benchErrorsRate   = 55
	benchErrorsSize   = 50 << 10
	benchErrorsRSSMB  = 256
	benchErrorsIssues = 20 // the hot issues the events fall into
	// Every sentinelEvery-th event has a fingerprint of its own: a new
	// issue whose sample is always kept, so the client can read it back.
	sentinelEvery = 10
)

// BenchmarkErrorsSustained50KB runs ward as its own process and sends it
// Django-like 50 KB error events, gzipped envelopes as the Python SDK
// sends them, at 55 a second for 2 minutes (WARD_BENCH_ERRORS_DURATION,
// WARD_BENCH_ERRORS_RATE) from 4 connections, then waits until ward has
// processed every one (ward_app_errors_total). It reports:
//   - sustained events/s: events sent over the time from the first send
//     until the last one was processed, every answer 200;
//   - extra RSS: ward's peak VmRSS while it works (sampled every 250 ms)
//     over its idle RSS before the first event;
//   - accept-to-visible p95, from the client: one event in 10 opens a
//     new issue, and the time from its POST's answer until its issue
//     page, signed in, shows that event (the answer received); and from
//     ward's ward_app_errors_visible_seconds histogram (bucket bound).
//
// The figures go to $WARD_BENCH_RESULTS (bench/README.md, "One table").
func BenchmarkErrorsSustained50KB(b *testing.B) {
	duration := envDuration(b, "WARD_BENCH_ERRORS_DURATION", 2*time.Minute)
	rate := benchErrorsRate
	if v := os.Getenv("WARD_BENCH_ERRORS_RATE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("WARD_BENCH_ERRORS_RATE=%q: want a positive integer", v)
		}
		rate = n
	}
	total := int(duration.Seconds()) * rate
	for range b.N {
		benchErrorsOnce(b, rate, total)
	}
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		b.Fatalf("%s=%q: want a duration of at least 1s", name, v)
	}
	return d
}

func benchErrorsOnce(b *testing.B, rate, total int) {
	b.StopTimer()
	dir := b.TempDir()
	addr := servicetest.FreeAddr(b)
	base := "http://" + addr
	cfgFile := filepath.Join(dir, "ward.yaml")
	// Production-like: the built-in rules (the error alerts among them)
	// and default intervals; page limits lifted for the client's reads.
	writeFile(b, cfgFile, noTwoFactor+fmt.Sprintf(`rules: {builtin: true}
errors:
  projects:
    - {id: "1", name: shop, keys: [%s]}
limits: {page: {rate: 1000000}}
storage: {path: %s}
server: {listen: %q}
`, errorsKey, filepath.Join(dir, "data"), addr))
	o, err := OpenOffline(cfgFile, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	token := createToken(b, o.Auth, "bench", auth.RoleViewer)
	if _, err := o.Auth.CreateUser(context.Background(), auth.Local("bench"), auth.NewUser{Name: "vic", Email: "vic@example.com", Role: auth.RoleViewer, Password: browserPassword}); err != nil {
		b.Fatal(err)
	}
	o.Close()
	logFile := filepath.Join(dir, "ward.log")
	p := startProcess(b, cfgFile, logFile)
	pid := p.cmd.Process.Pid
	api := tokenClient(token)
	servicetest.Eventually(b, 60*time.Second, "ward up", func() bool {
		resp, err := api.Get(base + "/metrics")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	page := benchSignIn(b, base, "vic")

	// The events, made before the clock starts: ward's CPU is what is
	// measured, not the client's gzip.
	dsn := "http://" + errorsKey + "@" + addr + "/1"
	bodies := make([][]byte, total)
	sentinels := map[int][2]string{} // seq -> issue id, event id
	var raw int64
	for i := range total {
		var fp []string
		if i%sentinelEvery == 0 {
			fp = []string{"bench-sentinel", strconv.Itoa(i)}
		}
		var id string
		bodies[i], id = djangoEnvelope(dsn, i%benchErrorsIssues, i, benchErrorsSize, fp)
		raw += int64(len(bodies[i]))
		if fp != nil {
			sentinels[i] = [2]string{apperrors.IssueIDOf("1", fp), id}
		}
	}
	b.Logf("%d events, %.1f KB gzipped on average", total, float64(raw)/float64(total)/1024)

	time.Sleep(5 * time.Second) // ward settles after start (rules, first scrapes)
	idle := procKB(b, pid, "VmRSS")
	var peak atomic.Int64
	peak.Store(idle)
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	go func() {
		defer close(rssDone)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopRSS:
				return
			case <-t.C:
				if v := procKB(b, pid, "VmRSS"); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()

	sender := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var failed atomic.Int64
	var lateMu sync.Mutex
	var lates, visible []time.Duration
	var readers sync.WaitGroup
	work := make(chan int)
	var senders sync.WaitGroup
	b.StartTimer()
	start := time.Now()
	for range 4 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for i := range work {
				code := benchPost(sender, base+"/api/1/envelope/", bodies[i])
				answered := time.Now()
				if code != http.StatusOK {
					failed.Add(1)
					continue
				}
				if s, ok := sentinels[i]; ok {
					readers.Add(1)
					go func() {
						defer readers.Done()
						if d, ok := benchReadBack(page, base+"/errors/issues/"+s[0]+"?event="+s[1], answered); ok {
							lateMu.Lock()
							visible = append(visible, d)
							lateMu.Unlock()
						}
					}()
				}
			}
		}()
	}
	for i := range total {
		at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		} else if -d > time.Second {
			lateMu.Lock()
			lates = append(lates, -d)
			lateMu.Unlock()
		}
		work <- i
	}
	close(work)
	senders.Wait()
	sentAll := time.Since(start)
	var processed float64
	servicetest.Eventually(b, 5*time.Minute, "every event processed", func() bool {
		processed = benchMetricSum(b, api, base, "ward_app_errors_total")
		return processed >= float64(total)-float64(failed.Load())
	})
	elapsed := time.Since(start)
	b.StopTimer()
	readers.Wait()
	close(stopRSS)
	<-rssDone
	hwm := procKB(b, pid, "VmHWM")
	serverP95 := benchHistogramQuantile(b, api, base, "ward_app_errors_visible_seconds", 0.95)

	if n := failed.Load(); n > 0 {
		b.Errorf("%d of %d envelopes were not answered 200", n, total)
	}
	if len(lates) > 0 {
		b.Errorf("the client fell more than 1 s behind its schedule %d times (max %v): the rate was not offered", len(lates), slices.Max(lates))
	}
	if len(visible) < len(sentinels)*9/10 {
		b.Errorf("only %d of %d sentinel events were read back", len(visible), len(sentinels))
	}
	slices.Sort(visible)
	q := func(f float64) float64 {
		if len(visible) == 0 {
			return math.NaN()
		}
		return float64(visible[min(len(visible)-1, int(f*float64(len(visible))))].Microseconds()) / 1000
	}
	sustained := processed / elapsed.Seconds()
	extraMB := float64(peak.Load()-idle) / 1024
	load, _ := os.ReadFile("/proc/loadavg")
	b.ReportMetric(sustained, "events/s")
	b.ReportMetric(extraMB, "extra-RSS-MB")
	b.ReportMetric(q(0.95), "client-p95-ms")
	b.ReportMetric(serverP95*1000, "server-p95-ms")
	fmt.Printf("errors ingest: %d events of %d KB (%.1f KB gzipped) at %d/s offered, all sent in %v, all processed after %v: %.1f events/s sustained (goal >= %d)\n",
		total, benchErrorsSize>>10, float64(raw)/float64(total)/1024, rate, sentAll.Round(time.Millisecond), elapsed.Round(time.Millisecond), sustained, benchErrorsGoal)
	fmt.Printf("errors ingest: ward RSS idle %.1f MB, peak %.1f MB (+%.1f MB, goal <= %d), VmHWM %.1f MB\n",
		float64(idle)/1024, float64(peak.Load())/1024, extraMB, benchErrorsRSSMB, float64(hwm)/1024)
	fmt.Printf("errors ingest: accept-to-visible, client (POST answered -> issue page shows the event, %d events): p50 %.0f ms, p95 %.0f ms, max %.0f ms; ward's histogram p95 <= %.0f ms; load %s",
		len(visible), q(0.5), q(0.95), q(1), serverP95*1000, load)
	appendBenchFigures(b,
		fmt.Sprintf("16\terror events sustained, 50 KB gzip envelopes, %v\t%.1f\t-\tevents/s\t>=%d", sentAll.Round(time.Second), sustained, benchErrorsGoal),
		fmt.Sprintf("16\terror ingest extra RSS at %d events/s\t%.1f\t-\tMB\t<=%d", rate, extraMB, benchErrorsRSSMB),
		fmt.Sprintf("16\terror accept-to-visible p95, client (POST answered to page)\t%.0f\t-\tms\t-", q(0.95)),
		fmt.Sprintf("16\terror accept-to-visible p95, ward histogram bucket bound\t%.0f\t-\tms\t-", serverP95*1000),
	)
	if extraMB > benchErrorsRSSMB {
		b.Errorf("extra RSS %.1f MB over the goal of %d MB", extraMB, benchErrorsRSSMB)
	}
	if sustained < benchErrorsGoal && rate > benchErrorsGoal {
		b.Errorf("sustained %.1f events/s under the goal of %d", sustained, benchErrorsGoal)
	}
}

// benchSignIn signs name in and returns a client that keeps the session.
func benchSignIn(b *testing.B, base, name string) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {name}, "password": {browserPassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/login" {
		b.Fatalf("sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	return c
}

// benchPost sends one gzipped envelope as the SDK does.
func benchPost(c *http.Client, u string, body []byte) int {
	req, err := http.NewRequest("POST", u, strings.NewReader(string(body)))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=sentry.python/2.19.0, sentry_key="+errorsKey)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// benchReadBack polls the issue page of a sentinel event every 10 ms
// until it answers 200 with the event, and returns the time from since
// to that answer's arrival (false after 60 s).
func benchReadBack(c *http.Client, u string, since time.Time) (time.Duration, bool) {
	deadline := since.Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(since), true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, false
}

// procKB reads a kB field of /proc/PID/status.
func procKB(b *testing.B, pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	b.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// benchMetrics calls fn with each sample line of ward's /metrics.
func benchMetrics(b *testing.B, c *http.Client, base string, fn func(name, labels string, v float64)) {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		name, labels, _ := strings.Cut(series, "{")
		v, err := strconv.ParseFloat(strings.Fields(val)[0], 64)
		if err == nil {
			fn(name, labels, v)
		}
	}
}

// benchMetricSum sums every series of name.
func benchMetricSum(b *testing.B, c *http.Client, base, name string) float64 {
	var sum float64
	benchMetrics(b, c, base, func(n, _ string, v float64) {
		if n == name {
			sum += v
		}
	})
	return sum
}

// benchHistogramQuantile is the upper bound of the bucket that holds
// the q quantile of histogram name.
func benchHistogramQuantile(b *testing.B, c *http.Client, base, name string, q float64) float64 {
	type bucket struct{ le, n float64 }
	var bs []bucket
	benchMetrics(b, c, base, func(n, labels string, v float64) {
		if n != name+"_bucket" {
			return
		}
		_, le, _ := strings.Cut(labels, `le="`)
		le, _, _ = strings.Cut(le, `"`)
		bound, err := strconv.ParseFloat(le, 64)
		if err == nil {
			bs = append(bs, bucket{bound, v})
		}
	})
	slices.SortFunc(bs, func(x, y bucket) int { return cmp.Compare(x.le, y.le) })
	if len(bs) == 0 || bs[len(bs)-1].n == 0 {
		b.Fatalf("%s: no observations", name)
	}
	want := q * bs[len(bs)-1].n
	for _, x := range bs {
		if x.n >= want {
			return x.le
		}
	}
	return math.Inf(1)
}

// appendBenchFigures appends lines to $WARD_BENCH_RESULTS (default
// bench/results/figures.tsv at the repository's root).
func appendBenchFigures(b *testing.B, lines ...string) {
	path := os.Getenv("WARD_BENCH_RESULTS")
	if path == "" {
		path = filepath.Join("..", "bench", "results", "figures.tsv")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, strings.Join(lines, "\n")+"\n"); err != nil {
		b.Fatal(err)
	}
}
