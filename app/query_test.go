package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// answer is one API response: status, Retry-After and Prometheus'
// envelope.
type answer struct {
	code       int
	retryAfter string
	apiResponse
}

// viewerClient returns a client with a new viewer API token that gives up
// on any answer after timeout.
func viewerClient(tb testing.TB, in *instance, timeout time.Duration) *http.Client {
	tb.Helper()
	c := tokenClient(createToken(tb, in.app.auth, fmt.Sprintf("viewer-%d", time.Now().UnixNano()), auth.RoleViewer))
	c.Timeout = timeout
	return c
}

// ask sends a query to path (GET with the form in the URL, or POST with
// it in the body) and decodes the answer.
func ask(ctx context.Context, c *http.Client, base, method, path string, form url.Values) (answer, error) {
	u, body := base+path+"?"+form.Encode(), io.Reader(nil)
	if method == http.MethodPost {
		u, body = base+path, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return answer{}, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(data, &a.apiResponse); err != nil {
		return a, fmt.Errorf("%d %s: not JSON: %w", resp.StatusCode, data, err)
	}
	return a, nil
}

// resetPeakRSS starts a new measurement of the process's peak resident
// memory (VmHWM), so that earlier tests in this binary do not count.
func resetPeakRSS(tb testing.TB) {
	tb.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Fatalf("resetting the peak RSS (needs Linux): %v", err)
	}
}

// peakRSS is the process's peak resident memory since resetPeakRSS, in
// bytes: ward and the test that drives it, so an upper bound of ward's.
func peakRSS(tb testing.TB) int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// keepQuerying runs `up` queries until stop is closed and returns how
// many succeeded and how many did not.
func keepQuerying(c *http.Client, base string, stop <-chan struct{}) func() (ok, failed int) {
	var good, bad atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			a, err := ask(context.Background(), c, base, http.MethodGet, "/api/v1/query", url.Values{"query": {"up"}})
			if err == nil && a.code == http.StatusOK && a.Status == "success" {
				good.Add(1)
			} else {
				bad.Add(1)
			}
		}
	}()
	return func() (int, int) { <-done; return int(good.Load()), int(bad.Load()) }
}

// TestQueryBombs sends, with a viewer token, the queries that grew ward
// to 22.6 GB or killed it: each is refused before evaluation with
// Prometheus' bad_data envelope within 5 s, ward's memory stays small and
// ordinary queries keep working meanwhile.
func TestQueryBombs(t *testing.T) {
	in := startWard(t, fastGlobal)
	servicetest.Eventually(t, 30*time.Second, "ward's own up series", func() bool { return len(in.query(t, `up{job="ward"}`)) == 1 })
	c := viewerClient(t, in, 5*time.Second)
	now := time.Now()
	rangeForm := func(q string) url.Values {
		return url.Values{"query": {q}, "start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}, "step": {"60"}}
	}

	resetPeakRSS(t)
	stop := make(chan struct{})
	normal := keepQuerying(c, in.base, stop)

	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		subquery           string
	}{
		{"100 years at 1s", "GET", "/api/v1/query", url.Values{"query": {`count_over_time(vector(1)[100y:1s])`}}, `vector(1)[100y:1s]`},
		{"100 years, POST", "POST", "/api/v1/query", url.Values{"query": {`count_over_time(vector(1)[100y:1s])`}}, `vector(1)[100y:1s]`},
		{"nested", "GET", "/api/v1/query", url.Values{"query": {`max_over_time(rate(up[5m:1s])[30d:1s])`}}, `rate(up[5m:1s])[30d:1s]`},
		{"nested, spans add up", "GET", "/api/v1/query", url.Values{"query": {`max_over_time(rate(up[5m:1s])[3h:1m])`}}, `up[5m:1s]`},
		{"query_range with a subquery", "GET", "/api/v1/query_range", rangeForm(`max_over_time(vector(1)[1d:1s])`), `vector(1)[1d:1s]`},
		{"query_range with a subquery, POST", "POST", "/api/v1/query_range", rangeForm(`max_over_time(vector(1)[1d:1s])`), `vector(1)[1d:1s]`},
		// Within its own range, but evaluated across the range query's hour too.
		{"query_range, span of the range query", "GET", "/api/v1/query_range", rangeForm(`max_over_time(vector(1)[10000s:1s])`), `vector(1)[2h46m40s:1s]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ask(t.Context(), c, in.base, tc.method, tc.path, tc.form)
			if err != nil {
				t.Fatalf("no answer within 5s: %v", err)
			}
			if a.code != http.StatusBadRequest || a.Status != "error" || a.ErrorType != "bad_data" {
				t.Fatalf("%d %s %s: %s, want 400 bad_data", a.code, a.Status, a.ErrorType, a.Error)
			}
			for _, want := range []string{"subquery " + tc.subquery, "11000", "query.max_points_per_subquery"} {
				if !strings.Contains(a.Error, want) {
					t.Errorf("error %q lacks %q", a.Error, want)
				}
			}
		})
	}

	t.Run("three 180d subqueries at once", func(t *testing.T) {
		var wg sync.WaitGroup
		answers := make([]answer, 3)
		errs := make([]error, 3)
		for i := range answers {
			wg.Go(func() {
				q := fmt.Sprintf(`count_over_time((vector(%d))[180d:1s])`, i)
				answers[i], errs[i] = ask(t.Context(), c, in.base, "GET", "/api/v1/query", url.Values{"query": {q}})
			})
		}
		wg.Wait()
		for i, a := range answers {
			if errs[i] != nil {
				t.Fatalf("query %d: no answer within 5s: %v", i, errs[i])
			}
			if a.code != http.StatusBadRequest || a.ErrorType != "bad_data" || !strings.Contains(a.Error, "[180d:1s]") {
				t.Errorf("query %d: %d %s %s, want 400 bad_data naming [180d:1s]", i, a.code, a.ErrorType, a.Error)
			}
		}
	})

	close(stop)
	ok, failed := normal()
	if ok == 0 || failed > 0 {
		t.Errorf("`up` meanwhile: %d answered, %d failed", ok, failed)
	}
	const maxRSS = 500 << 20
	if peak := peakRSS(t); peak > maxRSS {
		t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, maxRSS>>20)
	} else {
		t.Logf("peak RSS of the test process (ward included) during the bombs: %d MiB", peak>>20)
	}
	// Still answering afterwards.
	if got := in.query(t, `up{job="ward"}`); len(got) != 1 {
		t.Errorf("up after the bombs: %v", got)
	}
}

// metricSum adds up every series of a metric in ward's /metrics.
func metricSum(tb testing.TB, in *instance, name string) float64 {
	tb.Helper()
	resp, err := in.client.Get(in.base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			tb.Fatalf("%s: %v", line, err)
		}
		sum += v
	}
	return sum
}

// TestQueryConcurrencyLimit fills the only query slot with a slow query:
// further queries wait query.max_queue_wait, then get 503 with a
// Retry-After header, while rule evaluation, which has its own engine,
// goes on.
func TestQueryConcurrencyLimit(t *testing.T) {
	in := startWard(t, fastGlobal+`
query:
  max_concurrency: 1
  max_per_user: 16 # one viewer fills the engine's queue here
  max_queue_wait: 200ms
  max_points_per_subquery: 100000
`)
	c := viewerClient(t, in, 30*time.Second)
	// Slow but small: 40,000 steps of vector(1), then the maximum of a
	// 20,000-point window at each of 20,000 steps (seconds of CPU; a few
	// MB).
	const slow = `max_over_time(max_over_time(vector(1)[20s:1ms])[20s:1ms])`

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	slowDone := make(chan error, 1)
	go func() {
		_, err := ask(ctx, c, in.base, "GET", "/api/v1/query", url.Values{"query": {slow}})
		slowDone <- err
	}()
	// The tracker writes each running query into <data>/queries.active.
	active := filepath.Join(in.dir, "data", "queries.active")
	servicetest.Eventually(t, 10*time.Second, "the slow query to hold the slot", func() bool {
		data, err := os.ReadFile(active)
		return err == nil && strings.Contains(string(data), slow)
	})
	evals := metricSum(t, in, "prometheus_rule_evaluations_total")

	var wg sync.WaitGroup
	extra := make([]answer, 3)
	errs := make([]error, 3)
	for i := range extra {
		wg.Go(func() {
			extra[i], errs[i] = ask(t.Context(), c, in.base, "GET", "/api/v1/query", url.Values{"query": {slow}})
		})
	}
	wg.Wait()
	for i, a := range extra {
		if errs[i] != nil {
			t.Fatalf("extra query %d: %v", i, errs[i])
		}
		if a.code != http.StatusServiceUnavailable || a.ErrorType != "timeout" || !strings.Contains(a.Error, "query.max_concurrency") {
			t.Errorf("extra query %d: %d %s %q, want 503 timeout naming query.max_concurrency", i, a.code, a.ErrorType, a.Error)
		}
		if a.retryAfter != "1" {
			t.Errorf("extra query %d: Retry-After %q, want 1", i, a.retryAfter)
		}
	}
	servicetest.Eventually(t, 10*time.Second, "rule evaluations while the query slot is busy", func() bool {
		return metricSum(t, in, "prometheus_rule_evaluations_total") > evals
	})
	select {
	case err := <-slowDone:
		t.Fatalf("the slow query ended before rules were seen evaluating (%v); make it slower", err)
	default:
	}

	cancel()
	<-slowDone
	servicetest.Eventually(t, 30*time.Second, "a query after the slot is free", func() bool {
		a, err := ask(t.Context(), c, in.base, "GET", "/api/v1/query", url.Values{"query": {"up"}})
		return err == nil && a.code == http.StatusOK
	})
}
