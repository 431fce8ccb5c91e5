package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/events"
)

// limitsConfig: viewers read at the default 100 a minute; operators at
// 50 an hour, so that the burst test sees no refill; the harness's admin
// token is not limited in practice.
const limitsConfig = fastGlobal + `
limits:
  roles:
    operator: {api_read: {rate: 50, per: 1h}}
    admin: {api_read: {rate: 1000000}, api_query: {rate: 1000000}, api_write: {rate: 1000000}, page: {rate: 1000000}}
`

var limitItem = regexp.MustCompile(`^"api_read";r=(\d+);t=(\d+)$`)

// TestRateLimit101st: a viewer token's API reads carry the RateLimit
// fields of draft-ietf-httpapi-ratelimit-headers-10 with r counting
// down; once 100 are spent within the minute the next is a 429 in
// Prometheus' envelope with Retry-After no earlier than t. The refusal
// is counted, audited and on the events timeline.
func TestRateLimit101st(t *testing.T) {
	in := startWard(t, limitsConfig)
	c := tokenClient(createToken(t, in.app.auth, "reader", auth.RoleViewer))
	get := func() (*http.Response, []byte) {
		resp, err := c.Get(in.base + "/api/v1/status/buildinfo")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	start := time.Now()
	allowed := 0
	var resp *http.Response
	var body []byte
	for {
		resp, body = get()
		if resp.StatusCode != http.StatusOK {
			break
		}
		allowed++
		if got := resp.Header.Get("RateLimit-Policy"); got != `"api_read";q=100;w=60` {
			t.Fatalf("request %d: RateLimit-Policy %q", allowed, got)
		}
		m := limitItem.FindStringSubmatch(resp.Header.Get("RateLimit"))
		if m == nil {
			t.Fatalf("request %d: RateLimit %q", allowed, resp.Header.Get("RateLimit"))
		}
		if r, _ := strconv.Atoi(m[1]); allowed <= 50 && r != 100-allowed {
			t.Fatalf("request %d: r=%d, want %d", allowed, r, 100-allowed)
		}
		if allowed > 200 {
			t.Fatal("200 reads allowed: no limit")
		}
	}
	// The bucket refills at 100/min (one read per 0.6 s) while the loop
	// runs: on a quick machine the 101st is refused.
	refill := int(time.Since(start) / (600 * time.Millisecond))
	if allowed < 100 || allowed > 100+refill+1 {
		t.Errorf("%d reads allowed in %s, want 100 (+%d refilled)", allowed, time.Since(start), refill)
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("refused with %d %s, want 429", resp.StatusCode, body)
	}
	var env apiResponse
	if err := json.Unmarshal(body, &env); err != nil || env.Status != "error" || env.ErrorType != "rate_limited" {
		t.Errorf("429 body %s, want Prometheus' envelope with errorType rate_limited", body)
	}
	if got := resp.Header.Get("RateLimit-Policy"); got != `"api_read";q=100;w=60` {
		t.Errorf("429 RateLimit-Policy %q", got)
	}
	m := limitItem.FindStringSubmatch(resp.Header.Get("RateLimit"))
	if m == nil || m[1] != "0" {
		t.Fatalf("429 RateLimit %q, want r=0", resp.Header.Get("RateLimit"))
	}
	tsec, _ := strconv.Atoi(m[2])
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || tsec < 1 || ra < tsec {
		t.Errorf("Retry-After %q with t=%d: want whole seconds, never earlier than t (>= 1)", resp.Header.Get("Retry-After"), tsec)
	}

	if v := in.metricValue(t, `ward_http_requests_limited_total{class="api_read",principal_kind="token"}`); v != "1" {
		t.Errorf("ward_http_requests_limited_total = %q, want 1", v)
	}
	// A second refusal within the minute is counted, not audited again.
	if resp, _ := get(); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second refusal: %d", resp.StatusCode)
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Action: audit.ActionRateLimited}, nil)
	if err != nil || len(recs) != 1 || recs[0].Actor != "token:reader" || recs[0].Details["class"] != "api_read" {
		t.Errorf("audit records %+v, %v: want one for token:reader", recs, err)
	}
	evs, err := in.app.events.Query(context.Background(), events.Query{Kinds: []events.Kind{events.RateLimited}})
	if err != nil || len(evs) != 1 || evs[0].Subject != "token:reader" {
		t.Errorf("events %+v, %v: want one rate_limited event for token:reader", evs, err)
	}
}

// TestRateLimitBurst: 1,000 concurrent reads from 10 tokens (100 each,
// over a quota of 50 an hour) each get their quota, ±1.
func TestRateLimitBurst(t *testing.T) {
	in := startWard(t, limitsConfig)
	const tokens, each, quota = 10, 100, 50
	clients := make([]*http.Client, tokens)
	// 1,000 requests in flight at once over at most 48 connections: ward
	// closes a client address's connections past 64 (connlimit).
	tr := &http.Transport{MaxIdleConnsPerHost: 48, MaxConnsPerHost: 48}
	defer tr.CloseIdleConnections()
	for i := range clients {
		tok := createToken(t, in.app.auth, fmt.Sprint("burst-", i), auth.RoleOperator)
		clients[i] = &http.Client{Timeout: time.Minute, Transport: bearer{token: tok, next: tr}}
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok      [tokens]int
		refused [tokens]int
		other   []string
		startCh = make(chan struct{})
	)
	for i := range tokens * each {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startCh
			k := i % tokens
			resp, err := clients[k].Get(in.base + "/api/v1/status/buildinfo")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				other = append(other, err.Error())
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				ok[k]++
			case http.StatusTooManyRequests:
				refused[k]++
			default:
				other = append(other, resp.Status)
			}
		}()
	}
	start := time.Now()
	close(startCh)
	wg.Wait()
	t.Logf("1,000 requests in %s; allowed per token %v", time.Since(start), ok)
	if len(other) > 0 {
		t.Fatalf("%d requests neither 200 nor 429: %v", len(other), other[:min(len(other), 5)])
	}
	for k := range tokens {
		if ok[k] < quota-1 || ok[k] > quota+1 || ok[k]+refused[k] != each {
			t.Errorf("token %d: %d allowed, %d refused; want %d ±1 allowed", k, ok[k], refused[k], quota)
		}
	}
}

// TestRateLimitReload: a reload replaces the limits without a restart;
// a class whose limit did not change keeps its bucket.
func TestRateLimitReload(t *testing.T) {
	in := startWard(t, fastGlobal+`
limits:
  api_read: {rate: 5, per: 1h}
  api_write: {rate: 3, per: 1h}
  roles:
    admin: {api_read: {rate: 1000000}, api_query: {rate: 1000000}, api_write: {rate: 1000000}}
`)
	c := tokenClient(createToken(t, in.app.auth, "reader", auth.RoleViewer))
	get := func() (string, string) {
		resp, err := c.Get(in.base + "/api/v1/status/buildinfo")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("RateLimit-Policy"), resp.Header.Get("RateLimit")
	}
	if pol, lim := get(); pol != `"api_read";q=5;w=3600` || lim != `"api_read";r=4;t=720` {
		t.Fatalf("before the reload: %q %q", pol, lim)
	}
	writeFile(t, in.cfgFile, strings.Replace(readFile(t, in.cfgFile), "api_write: {rate: 3, per: 1h}", "api_write: {rate: 4, per: 1h}", 1))
	if err := in.app.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	// api_read did not change: its bucket (one read spent) stays.
	if pol, lim := get(); pol != `"api_read";q=5;w=3600` || !strings.HasPrefix(lim, `"api_read";r=3;`) {
		t.Errorf("after a reload that left api_read alone: %q %q, want r=3", pol, lim)
	}
	writeFile(t, in.cfgFile, strings.Replace(readFile(t, in.cfgFile), "api_read: {rate: 5, per: 1h}", "api_read: {rate: 7, per: 1m}", 1))
	if err := in.app.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pol, lim := get(); pol != `"api_read";q=7;w=60` || !strings.HasPrefix(lim, `"api_read";r=6;`) {
		t.Errorf("after raising api_read: %q %q, want q=7 and a fresh bucket", pol, lim)
	}
	// A bad limit is refused and the running ones stay.
	writeFile(t, in.cfgFile, strings.Replace(readFile(t, in.cfgFile), "api_read: {rate: 7, per: 1m}", "api_read: {rate: 0, per: 1m}", 1))
	if err := in.app.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "limits.api_read.rate: must be between 1 and 1000000, got 0") {
		t.Errorf("reload with rate 0: %v", err)
	}
	if pol, _ := get(); pol != `"api_read";q=7;w=60` {
		t.Errorf("after a refused reload: %q, want the running q=7", pol)
	}
}
