package alerting

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	promrules "github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/slack-go/slack/slacktest"

	"github.com/ward-monitoring/ward/servicetest"
)

// slackLog is a slacktest Slack that records the text of every message
// posted or edited.
type slackLog struct {
	srv   *slacktest.Server
	mu    sync.Mutex
	texts []string
	n     atomic.Int32
}

func newSlackLog(tb testing.TB) *slackLog {
	tb.Helper()
	s := &slackLog{}
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

// count returns how many recorded texts contain s.
func (s *slackLog) count(sub string) int {
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

// stallingQuery answers a rule's query with one sample while firing is
// set, and blocks while stalled is set: an evaluation delayed by an
// overloaded host or a slow query.
type stallingQuery struct {
	firing, stalled atomic.Bool
}

func (q *stallingQuery) query(ctx context.Context, _ string, ts time.Time) (promql.Vector, error) {
	for q.stalled.Load() {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	if q.firing.Load() {
		return promql.Vector{{Metric: labels.EmptyLabels(), F: 1, T: ts.UnixMilli()}}, nil
	}
	return nil, nil
}

const (
	stallEval   = 200 * time.Millisecond
	stallResend = 200 * time.Millisecond
	// Prometheus' rule manager gives alerts an EndsAt of 4 x max(eval
	// interval, resend delay); the stall is five times longer than that.
	stallFor = 5 * 4 * stallResend
)

// startRules runs Prometheus' rule manager over the rule file rules,
// sending to p, and ward's ResolveInactive on every evaluation interval,
// as app does.
func startRules(tb testing.TB, p *pipeline, q *stallingQuery, rulesYAML string) (*promrules.Manager, string) {
	tb.Helper()
	dir := tb.TempDir()
	db, err := tsdb.Open(filepath.Join(dir, "tsdb"), slog.New(slog.DiscardHandler), nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ext := labels.FromStrings("cluster", "test")
	u, _ := url.Parse("http://ward.example:9090/")
	mgr := promrules.NewManager(&promrules.ManagerOptions{
		ExternalURL: u, QueryFunc: q.query, NotifyFunc: p.m.NotifyFunc(func() labels.Labels { return ext }),
		Context: context.Background(), AppendableV2: db, Queryable: db, Logger: slog.New(slog.DiscardHandler),
		OutageTolerance: time.Hour, ForGracePeriod: 10 * time.Minute, ResendDelay: stallResend,
	})
	file := filepath.Join(dir, "rules.yml")
	writeRules(tb, mgr, file, rulesYAML)
	go mgr.Run()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(stallEval / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.m.ResolveInactive(RuleState(mgr.AlertingRules(), ext))
			}
		}
	}()
	tb.Cleanup(func() { cancel(); <-done; q.stalled.Store(false); mgr.Stop() })
	return mgr, file
}

func writeRules(tb testing.TB, mgr *promrules.Manager, file, rulesYAML string) {
	tb.Helper()
	if err := os.WriteFile(file, []byte(rulesYAML), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := mgr.Update(stallEval, []string{file}, labels.EmptyLabels(), "http://ward.example:9090", nil); err != nil {
		tb.Fatal(err)
	}
}

const targetDownRules = `groups:
  - name: g
    rules:
      - alert: TargetDown
        expr: up == 0
        labels: {severity: critical}
`

// TestStalledEvaluationSendsNoResolved: a firing alert whose rule's
// evaluation stalls for far longer than the EndsAt Prometheus gives it is
// not sent as RESOLVED; when evaluation resumes and finds it inactive,
// RESOLVED is sent once. Then a reload that removes the rule resolves its
// alert.
func TestStalledEvaluationSendsNoResolved(t *testing.T) {
	sl := newSlackLog(t)
	p := startPipeline(t, t.TempDir(), openState(t, t.TempDir()), fmt.Sprintf(`  route:
    receiver: team
    group_by: [alertname]
    group_wait: 0s
    group_interval: 100ms
    repeat_interval: 1h
  receivers:
    - name: team
      slack_configs:
        - app_token: xoxb-test-token
          app_url: %q
          channel: "#alerts"
`, sl.srv.GetAPIURL()))
	q := &stallingQuery{}
	mgr, file := startRules(t, p, q, targetDownRules)

	q.firing.Store(true)
	servicetest.Eventually(t, 20*time.Second, "FIRING in Slack", func() bool { return sl.count("FIRING") >= 1 })
	q.stalled.Store(true)
	// No event marks the absence of a notification: the window is the
	// stall, five times the EndsAt Prometheus would have given the alert.
	time.Sleep(stallFor)
	if n := sl.count("RESOLVED"); n != 0 {
		t.Fatalf("%d RESOLVED messages during a %s evaluation stall, want none", n, stallFor)
	}
	q.stalled.Store(false)
	time.Sleep(4 * stallEval)
	if n := sl.count("RESOLVED"); n != 0 {
		t.Fatalf("%d RESOLVED messages after the stall while the alert still fires", n)
	}

	q.firing.Store(false)
	servicetest.Eventually(t, 20*time.Second, "RESOLVED after a real resolution", func() bool { return sl.count("RESOLVED") == 1 })

	t.Run("removing the rule resolves its alert", func(t *testing.T) {
		q.firing.Store(true)
		before := sl.count("FIRING")
		servicetest.Eventually(t, 20*time.Second, "FIRING again", func() bool { return sl.count("FIRING") > before })
		writeRules(t, mgr, file, "groups: []\n")
		servicetest.Eventually(t, 20*time.Second, "RESOLVED after the rule was removed", func() bool { return sl.count("RESOLVED") == 2 })
	})
}
