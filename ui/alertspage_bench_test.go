package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// BenchmarkConsoleAlertPages serves /alerts and /silences with the
// issue's load, 500 firing alerts and 200 silences (100 of which mute
// an alert each), through the whole server, and reports the p95 of
// each page's answer time.
//
//	go test ./ui -run '^$' -bench ConsoleAlertPages -benchtime 200x
func BenchmarkConsoleAlertPages(b *testing.B) {
	s, base := startServer(b, discardLogger())
	op := apiToken(b, s, "loader", auth.RoleOperator)
	cookie := signIn(b, s, "vic", auth.RoleViewer)

	now := time.Now().UTC()
	var alerts []string
	for i := range 500 {
		alerts = append(alerts, fmt.Sprintf(`{"labels":{"alertname":"Load%d","instance":"host%d:9100","job":"node","severity":"%s"},`+
			`"annotations":{"summary":"host%d is busy","description":"a longer description of what is wrong with host%d"},`+
			`"startsAt":%q,"endsAt":%q,"generatorURL":"http://ward.example/graph?g0.expr=up"}`,
			i%40, i, []string{"critical", "warning"}[i%2], i, i, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	}
	if resp, body := post(b, base+"/api/v2/alerts", op, "application/json", "["+strings.Join(alerts, ",")+"]"); resp.StatusCode != http.StatusOK {
		b.Fatalf("posting alerts: %d %s", resp.StatusCode, body)
	}
	for i := range 200 {
		sil := fmt.Sprintf(`{"matchers":[{"name":"instance","value":"host%d:9100","isRegex":false,"isEqual":true}],"startsAt":%q,"endsAt":%q,"createdBy":"x","comment":"load"}`,
			i*5, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
		if resp, body := post(b, base+"/api/v2/silences", op, "application/json", sil); resp.StatusCode != http.StatusOK {
			b.Fatalf("posting a silence: %d %s", resp.StatusCode, body)
		}
	}
	// The dispatcher takes the alerts in asynchronously.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := doAs(b, "GET", base+"/alerts?state=silenced", "", cookie)
		if strings.Count(body, `<li class="alert state-silenced">`) == 100 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the dispatcher did not group the alerts in time")
		}
		time.Sleep(100 * time.Millisecond)
	}

	for _, path := range []string{"/alerts", "/silences"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			var times []time.Duration
			size := 0
			for b.Loop() {
				start := time.Now()
				resp, body := doAs(b, "GET", base+path, "", cookie)
				size = len(body)
				times = append(times, time.Since(start))
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
