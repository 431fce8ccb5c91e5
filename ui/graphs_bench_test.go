package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// BenchmarkGraphsPages serves /graphs/host and the overview (with its key
// graphs) through the whole server and reports the p95 answer time. The
// charts' data requests are the script's and are not in it.
//
//	go test ./ui -run '^$' -bench GraphsPages -benchtime 200x
func BenchmarkGraphsPages(b *testing.B) {
	s, base := startServer(b, discardLogger())
	cookie := signIn(b, s, "vic", auth.RoleViewer)
	for _, path := range []string{"/graphs/host", "/"} {
		b.Run(path, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				resp, body := doAs(b, "GET", base+path, "", cookie)
				times = append(times, time.Since(start))
				if resp.StatusCode != 200 || len(body) == 0 {
					b.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
