package ui

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// BenchmarkErrorsPage serves /errors with 500 issues in the in-memory
// tracker (each with a day of hourly counts for its sparkline), through
// the whole server, and reports the p95 answer time: the default page
// (100 issues) and the longest (?limit=500). Goal: p95 ≤ 50 ms. The
// service's own cost (bbolt reads) is apperrors' benchmark.
//
//	go test ./ui -run '^$' -bench ErrorsPage -benchtime 200x
func BenchmarkErrorsPage(b *testing.B) {
	mem := newMemErrors(time.Now(), 500)
	s, base := startErrorsServer(b, mem)
	cookie := signIn(b, s, "vic", auth.RoleOperator)
	for _, path := range []string{"/errors", "/errors?limit=500", "/errors/issues/iss0000"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			var times []time.Duration
			size := 0
			for b.Loop() {
				start := time.Now()
				resp, body := doAs(b, "GET", base+path, "", cookie)
				times = append(times, time.Since(start))
				size = len(body)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", path, resp.StatusCode)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(size)/1024, "page-KiB")
		})
	}
}
