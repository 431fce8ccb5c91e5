package app

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/ward-monitoring/ward/servicetest"
)

// slackTexts is a slacktest Slack that keeps the text of every message
// posted or edited.
type slackTexts struct {
	srv   *slacktest.Server
	mu    sync.Mutex
	texts []string
	n     atomic.Int32
}

func newSlackTexts(tb testing.TB) *slackTexts {
	tb.Helper()
	s := &slackTexts{}
	record := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.texts = append(s.texts, v.Get("text"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"channel":"C0ALERTS","ts":"1790000000.%06d"}`, s.n.Add(1))
	}
	s.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", record)
		c.Handle("/chat.update", record)
	})
	s.srv.Start()
	tb.Cleanup(s.srv.Stop)
	return s
}

func (s *slackTexts) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.texts {
		if strings.Contains(t, sub) {
			n++
		}
	}
	return n
}

func slackRestartConfig(target, apiURL string) string {
	// External labels: the store's alerts carry them, the rule manager's
	// do not; ResolveInactive must match the two.
	return fmt.Sprintf(`
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
  external_labels: {site: test}
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
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: team
      slack_configs:
        - app_token: xoxb-test-token
          app_url: %q
          channel: "#alerts"
`, target, apiURL)
}

// TestAlertsAcrossRestart: an alert firing when ward stops and still
// firing when it is back sends no RESOLVED across the restart, and
// resolves once when its condition ends; an alert whose condition ended
// while ward was down resolves after the first evaluation that finds it
// inactive (no evaluation will ever send its resolution otherwise, and
// ward's own alerts do not expire by time).
func TestAlertsAcrossRestart(t *testing.T) {
	g := newGauge(t)
	sl := newSlackTexts(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	cfg := slackRestartConfig(g.addr(), sl.srv.GetAPIURL())
	in := startWardIn(t, dir, cfg)

	g.v.Store(1)
	servicetest.Eventually(t, 30*time.Second, "FIRING in Slack", func() bool { return sl.count("FIRING") == 1 })
	in.stop()
	back := time.Now()
	in = restartWardIn(t, in, cfg)
	// The restarted ward has evaluated the rule for 3 s (three evaluation
	// intervals, ResolveInactive has run): its ALERTS sample is that recent.
	q := fmt.Sprintf(`timestamp(ALERTS{alertname="ValueHigh",alertstate="firing"}) > %d`, back.Add(3*time.Second).Unix())
	servicetest.Eventually(t, 30*time.Second, "3 s of evaluations after the restart", func() bool { return len(in.query(t, q)) > 0 })
	time.Sleep(ownAlertsTick) // and ResolveInactive has looked at least once
	if n := sl.count("RESOLVED"); n != 0 {
		t.Fatalf("%d RESOLVED messages across a restart for an alert still firing", n)
	}
	g.v.Store(0)
	servicetest.Eventually(t, 30*time.Second, "RESOLVED when the condition ends", func() bool { return sl.count("RESOLVED") == 1 })

	t.Run("condition ended while ward was down", func(t *testing.T) {
		g.v.Store(1)
		firing := sl.count("FIRING")
		servicetest.Eventually(t, 30*time.Second, "FIRING again", func() bool { return sl.count("FIRING") > firing })
		in.stop()
		g.v.Store(0)
		in = restartWardIn(t, in, cfg)
		servicetest.Eventually(t, 30*time.Second, "RESOLVED after the restart", func() bool { return sl.count("RESOLVED") == 2 })
	})
}
