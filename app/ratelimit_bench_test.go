package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// BenchmarkRateLimitOverhead measures ward's whole request path (guard:
// token, role and scope; the rate limiter and its RateLimit headers;
// the security headers, request log and per-user query slots) against
// Prometheus' bare query handler, both over loopback HTTP, on
// /api/v1/query?query=up. Rounds alternate so that a noisy machine
// slows both alike. overhead-% is ward's throughput cost; the
// limiter's own share is ratelimit's BenchmarkTakeAndHeaders.
//
//	go test ./app -run '^$' -bench RateLimitOverhead -benchtime 20x
func BenchmarkRateLimitOverhead(b *testing.B) {
	in := startWard(b, limitsConfig) // the admin token is charged, never refused
	bare := httptest.NewServer(in.app.api)
	defer bare.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	plain := &http.Client{Transport: tr}
	ward := &http.Client{Transport: bearer{token: in.token, next: tr}}
	const path, workers, perRound = "/api/v1/query?query=up", 4, 400
	round := func(c *http.Client, base string) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for range perRound / workers {
					resp, err := c.Get(base + path)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("%s: %d", base, resp.StatusCode)
						return
					}
					if base == in.base && resp.Header.Get("RateLimit") == "" {
						b.Error("ward's answer has no RateLimit field")
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	round(plain, bare.URL) // warm both
	round(ward, in.base)
	var tBare, tWard time.Duration
	n := 0
	for b.Loop() {
		tBare += round(plain, bare.URL)
		tWard += round(ward, in.base)
		n += perRound
	}
	b.ReportMetric(float64(n)/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(float64(n)/tWard.Seconds(), "ward-req/s")
	b.ReportMetric(100*(1-tBare.Seconds()/tWard.Seconds()), "overhead-%")
}
