package app

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/ward-monitoring/ward/servicetest"
)

// slackOutage is how long Slack answers 500 in TestSlackOutage.
const slackOutage = 2 * time.Minute

// TestSlackOutage: Slack's API fails with 500 for two minutes, then
// recovers. The notification is retried with backoff within its flush and
// delivered exactly once; the retries show in the metrics.
func TestSlackOutage(t *testing.T) {
	t.Parallel()
	var posts, failures atomic.Int32
	var outageEnds atomic.Int64
	outageEnds.Store(time.Now().Add(time.Hour).UnixNano()) // armed when the alert is raised
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			if time.Now().UnixNano() < outageEnds.Load() {
				failures.Add(1)
				http.Error(w, "upstream trouble", http.StatusInternalServerError)
				return
			}
			n := posts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":true,"channel":"C0ALERTS","ts":"1790000000.%06d"}`, n)
		})
	})
	srv.Start()
	defer srv.Stop()

	g := newGauge(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	in := startWardIn(t, dir, fastGlobal+fmt.Sprintf(`
rule_files: [rules.yml]
rules: {builtin: false}
scrape_configs:
  - job_name: gauge
    static_configs: [{targets: [%q]}]
alerting:
  route:
    receiver: team
    group_by: [alertname]
    group_wait: 0s
    group_interval: 5m
    repeat_interval: 4h
  receivers:
    - name: team
      slack_configs:
        - app_token: xoxb-test-token
          app_url: %q
          channel: "#alerts"
`, g.addr(), srv.GetAPIURL()))

	outageEnds.Store(time.Now().Add(slackOutage).UnixNano())
	g.v.Store(1)
	servicetest.Eventually(t, slackOutage+90*time.Second, "delivery after the outage", func() bool { return posts.Load() >= 1 })
	if failures.Load() < 2 {
		t.Errorf("only %d failed attempts during a %s outage", failures.Load(), slackOutage)
	}
	// Nothing more may be posted. There is no event to wait for: the
	// next flush is group_interval (5m) away, so a second message could
	// only come from a retry or a notifier misbehaving right now, and a
	// few seconds is the window in which it would show.
	time.Sleep(5 * time.Second)
	if n := posts.Load(); n != 1 {
		t.Fatalf("%d messages posted, want exactly 1", n)
	}
	attempts, _ := strconv.Atoi(in.metricValue(t, `ward_notification_attempts_total{integration="slack",receiver="team"}`))
	failed, _ := strconv.Atoi(in.metricValue(t, `ward_notification_attempt_failures_total{integration="slack",reason="serverError",receiver="team"}`))
	if attempts < 2 || failed < 1 || attempts != failed+1 {
		t.Errorf("metrics: %d attempts, %d failed; want retries counted and one success", attempts, failed)
	}
}
