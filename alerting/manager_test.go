package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// hook is a webhook receiver's endpoint: it answers status and counts the
// notifications it accepted.
type hook struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []string // alertname of each accepted notification's first alert
}

func newHook(tb testing.TB, status int) *hook {
	tb.Helper()
	h := &hook{}
	h.status.Store(int32(status))
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
			} `json:"alerts"`
		}
		body, _ := io.ReadAll(r.Body)
		code := int(h.status.Load())
		if err := json.Unmarshal(body, &msg); err == nil && code == http.StatusOK && len(msg.Alerts) > 0 {
			h.mu.Lock()
			h.got = append(h.got, msg.Alerts[0].Labels["alertname"])
			h.mu.Unlock()
		}
		w.WriteHeader(code)
	}))
	tb.Cleanup(h.srv.Close)
	return h
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// pipeline is a Manager as app builds it: a config parsed by package
// config, a bbolt state for the delivery history, Run until stopped.
type pipeline struct {
	m    *Manager
	reg  *prometheus.Registry
	stop func()
}

// startPipeline builds a Manager over dataDir and state, applies the
// alerting section alertingYAML and runs it until stop or the test's end.
func startPipeline(tb testing.TB, dataDir string, state *storage.State, alertingYAML string) *pipeline {
	tb.Helper()
	cfg, err := config.Load([]byte("alerting:\n"+alertingYAML), "ward.yml")
	if err != nil {
		tb.Fatal(err)
	}
	ext, _ := url.Parse("http://ward.example:9090/")
	reg := prometheus.NewRegistry()
	m, err := New(Options{
		Logger:      slog.New(slog.DiscardHandler),
		Registerer:  reg,
		DataDir:     dataDir,
		ExternalURL: ext,
		Deliveries:  state,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.ApplyConfig(cfg.Alerting); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	p := &pipeline{m: m, reg: reg}
	p.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("manager: %v", err)
			}
		})
	}
	tb.Cleanup(p.stop)
	return p
}

func openState(tb testing.TB, dir string) *storage.State {
	tb.Helper()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// fire sends one firing alert named name the way the rule manager does,
// through NotifyFunc.
func (p *pipeline) fire(name string, firedAt time.Time) {
	notify := p.m.NotifyFunc(func() labels.Labels { return labels.FromStrings("cluster", "test") })
	notify(context.Background(), "up == 0", &promrules.Alert{
		Labels:      labels.FromStrings("alertname", name, "severity", "critical"),
		Annotations: labels.FromStrings("summary", "test alert"),
		FiredAt:     firedAt,
		ValidUntil:  time.Now().Add(time.Hour),
	})
}

// api calls Alertmanager's v2 API as served by Handler.
func (p *pipeline) api(tb testing.TB, method, path, body string) []byte {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	p.m.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func (p *pipeline) metric(tb testing.TB, name string) float64 {
	tb.Helper()
	mfs, err := p.reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

const routeTimings = `    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
`

// TestFallbackAfterPrimaryKeepsFailing: the primary's webhook answers 500
// on every try; once it has been failing for fallback_after the
// notification goes to the fallback receiver, and the metric counts it.
func TestFallbackAfterPrimaryKeepsFailing(t *testing.T) {
	t.Parallel()
	primary, other := newHook(t, http.StatusInternalServerError), newHook(t, http.StatusOK)
	dir := t.TempDir()
	p := startPipeline(t, filepath.Join(dir, "alerting"), openState(t, dir), fmt.Sprintf(`  route:
    receiver: primary
    fallback: other
    fallback_after: 1s
%s  receivers:
    - name: primary
      webhook_configs: [{url: %q}]
    - name: other
      webhook_configs: [{url: %q}]
`, routeTimings, primary.srv.URL, other.srv.URL))

	p.fire("DiskFull", time.Now())
	servicetest.Eventually(t, 60*time.Second, "the fallback receiver notified", func() bool { return other.count() >= 1 })
	if got := other.got[0]; got != "DiskFull" {
		t.Errorf("fallback got alert %q, want DiskFull", got)
	}
	if primary.count() != 0 {
		t.Errorf("primary accepted %d notifications while answering 500", primary.count())
	}
	if v := testutil.ToFloat64(p.m.fallbacks.used.WithLabelValues("primary", "other")); v < 1 {
		t.Errorf(`ward_notification_fallbacks_total{receiver="primary",fallback="other"} = %v, want >= 1`, v)
	}
	if v := p.metric(t, "ward_notification_fallbacks_total"); v < 1 {
		t.Errorf("ward_notification_fallbacks_total not exported by the registry: %v", v)
	}
	if err := p.m.Healthy(time.Hour); err != nil {
		t.Errorf("Healthy(1h) = %v while failing for seconds", err)
	}
	if err := p.m.Healthy(0); err == nil || !strings.Contains(err.Error(), "primary") {
		t.Errorf("Healthy(0) = %v, want the failing primary named", err)
	}
}

// TestFallbackNotBeforeFallbackAfter: a receiver failing for less than
// fallback_after keeps its notifications; the fallback hears nothing.
func TestFallbackNotBeforeFallbackAfter(t *testing.T) {
	t.Parallel()
	primary, other := newHook(t, http.StatusBadRequest), newHook(t, http.StatusOK)
	dir := t.TempDir()
	p := startPipeline(t, filepath.Join(dir, "alerting"), openState(t, dir), fmt.Sprintf(`  route:
    receiver: primary
    fallback: other
    fallback_after: 1h
%s  receivers:
    - name: primary
      webhook_configs: [{url: %q}]
    - name: other
      webhook_configs: [{url: %q}]
`, routeTimings, primary.srv.URL, other.srv.URL))

	p.fire("DiskFull", time.Now())
	// A 400 is not retried: every group_interval brings one more failed
	// attempt. Three of them is three chances to fall back too early.
	servicetest.Eventually(t, 30*time.Second, "three failed attempts", func() bool {
		return p.metric(t, "ward_notification_attempt_failures_total") >= 3
	})
	if n := other.count(); n != 0 {
		t.Errorf("fallback notified %d times before fallback_after", n)
	}
	if v := p.metric(t, "ward_notification_fallbacks_total"); v != 0 {
		t.Errorf("ward_notification_fallbacks_total = %v, want 0", v)
	}
}

// TestHistoryRecordsEachAttempt: every delivery attempt, successful or
// not, lands in Deliveries with its receiver, integration and outcome.
func TestHistoryRecordsEachAttempt(t *testing.T) {
	t.Parallel()
	ok, bad := newHook(t, http.StatusOK), newHook(t, http.StatusBadRequest)
	dir := t.TempDir()
	p := startPipeline(t, filepath.Join(dir, "alerting"), openState(t, dir), fmt.Sprintf(`  route:
    receiver: ok
%s    routes:
      - receiver: ok
        continue: true
      - receiver: bad
  receivers:
    - name: ok
      webhook_configs: [{url: %q}]
    - name: bad
      webhook_configs: [{url: %q}]
`, routeTimings, ok.srv.URL, bad.srv.URL))

	if got, err := p.m.Deliveries("", 10); err != nil || len(got) != 0 {
		t.Fatalf("Deliveries before any alert = %v, %v; want none", got, err)
	}
	p.fire("DiskFull", time.Now())
	servicetest.Eventually(t, 30*time.Second, "a success and two failures recorded", func() bool {
		okd, err1 := p.m.Deliveries("ok", 10)
		badd, err2 := p.m.Deliveries("bad", 10)
		return err1 == nil && err2 == nil && len(okd) >= 1 && len(badd) >= 2
	})
	all, err := p.m.Deliveries("", 100)
	if err != nil {
		t.Fatal(err)
	}
	var okSeen, badSeen int
	previous := map[string]time.Time{} // attempts of one receiver are sequential
	for _, d := range all {
		if prev, ok := previous[d.Receiver]; ok && d.Time.After(prev) {
			t.Errorf("Deliveries not newest first: %s attempt at %v after one at %v", d.Receiver, d.Time, prev)
		}
		previous[d.Receiver] = d.Time
		if d.Integration != "webhook[0]" || d.Alerts != 1 || d.Resolved || !strings.Contains(d.GroupKey, "DiskFull") {
			t.Errorf("attempt %+v: want integration webhook[0], one firing alert, a group key naming DiskFull", d)
		}
		switch d.Receiver {
		case "ok":
			okSeen++
			if d.Status != "success" || d.Error != "" {
				t.Errorf("attempt to ok: status %q error %q, want success", d.Status, d.Error)
			}
		case "bad":
			badSeen++
			if d.Status != "failed" || !strings.Contains(d.Error, "400") {
				t.Errorf("attempt to bad: status %q error %q, want failed with the 400", d.Status, d.Error)
			}
		default:
			t.Errorf("attempt to unknown receiver %q", d.Receiver)
		}
	}
	// ok succeeded once and the notification log holds it; bad is tried
	// again at each group_interval.
	if okSeen != 1 || badSeen < 2 || ok.count() != 1 {
		t.Errorf("%d attempts to ok (webhook got %d), %d to bad; want 1, 1, >= 2", okSeen, ok.count(), badSeen)
	}
	only, err := p.m.Deliveries("bad", 1)
	if err != nil || len(only) != 1 || only[0].Receiver != "bad" {
		t.Errorf(`Deliveries("bad", 1) = %+v, %v`, only, err)
	}

	res, err := p.m.SendTest(context.Background(), "ok")
	if err != nil || len(res) != 1 || !res[0].OK || res[0].Integration != "webhook[0]" {
		t.Fatalf("SendTest(ok) = %+v, %v", res, err)
	}
	last, err := p.m.Deliveries("ok", 1)
	if err != nil || len(last) != 1 || last[0].GroupKey != "ward-test:ok" || last[0].Status != "success" {
		t.Errorf("test notification not recorded: %+v, %v", last, err)
	}
	// A notice (issue 12: the backups digest) goes the same way.
	res, err = p.m.SendNotice(context.Background(), "ok", Notice{Alertname: "WardBackupDigest", Summary: "3 backups succeeded", Description: "db: 2"})
	if err != nil || len(res) != 1 || !res[0].OK {
		t.Fatalf("SendNotice(ok) = %+v, %v", res, err)
	}
	ok.mu.Lock()
	got := append([]string(nil), ok.got...)
	ok.mu.Unlock()
	if got[len(got)-1] != "WardBackupDigest" {
		t.Errorf("webhook got %q", got)
	}
	if last, _ = p.m.Deliveries("ok", 1); len(last) != 1 || last[0].GroupKey != "ward-notice:WardBackupDigest:ok" {
		t.Errorf("notice not recorded: %+v", last)
	}
	if _, err := p.m.SendNotice(context.Background(), "nobody", Notice{Alertname: "WardBackupDigest"}); !errors.Is(err, ErrUnknownReceiver) {
		t.Errorf("unknown receiver: %v", err)
	}
}

// TestPersistAcrossRestart: silences and the notification log are written
// to DataDir and come back in the next Manager, so a restart neither
// forgets a silence nor notifies an alert a second time.
func TestPersistAcrossRestart(t *testing.T) {
	t.Parallel()
	hk := newHook(t, http.StatusOK)
	dir := t.TempDir()
	dataDir, state := filepath.Join(dir, "alerting"), openState(t, dir)
	cfg := fmt.Sprintf(`  route:
    receiver: hook
%s  receivers:
    - name: hook
      webhook_configs: [{url: %q}]
`, routeTimings, hk.srv.URL)

	first := startPipeline(t, dataDir, state, cfg)
	firedAt := time.Now().Add(-time.Minute).Truncate(time.Second)
	first.fire("DiskFull", firedAt)
	servicetest.Eventually(t, 30*time.Second, "DiskFull notified", func() bool { return hk.count() == 1 })
	now := time.Now().UTC()
	body := fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Maintenance","isRegex":false,"isEqual":true}],`+
		`"startsAt":%q,"endsAt":%q,"createdBy":"ops","comment":"planned work"}`,
		now.Format(time.RFC3339), now.Add(2*time.Hour).Format(time.RFC3339))
	var created struct {
		SilenceID string `json:"silenceID"`
	}
	if err := json.Unmarshal(first.api(t, "POST", "/api/v2/silences", body), &created); err != nil || created.SilenceID == "" {
		t.Fatalf("creating a silence: %v %+v", err, created)
	}
	first.stop()

	second := startPipeline(t, dataDir, state, cfg)
	var silences []struct {
		ID     string `json:"id"`
		Status struct {
			State string `json:"state"`
		} `json:"status"`
		Comment string `json:"comment"`
	}
	if err := json.Unmarshal(second.api(t, "GET", "/api/v2/silences", ""), &silences); err != nil {
		t.Fatal(err)
	}
	if len(silences) != 1 || silences[0].ID != created.SilenceID || silences[0].Status.State != "active" || silences[0].Comment != "planned work" {
		t.Errorf("silences after restart = %+v, want the active one %s", silences, created.SilenceID)
	}

	// The rule manager re-sends the same alert after a restart; the
	// restored notification log knows it went out. Each flush queries the
	// log once, so two queries mean a whole flush has passed.
	second.fire("DiskFull", firedAt)
	servicetest.Eventually(t, 30*time.Second, "two flushes of the restored group", func() bool {
		return second.metric(t, "alertmanager_nflog_queries_total") >= 2
	})
	if n := hk.count(); n != 1 {
		t.Errorf("DiskFull notified %d times across the restart, want 1", n)
	}

	// The restored silence mutes in the new Manager.
	second.fire("Maintenance", time.Now())
	var alerts []struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State      string   `json:"state"`
			SilencedBy []string `json:"silencedBy"`
		} `json:"status"`
	}
	if err := json.Unmarshal(second.api(t, "GET", "/api/v2/alerts?filter=alertname%3D%22Maintenance%22", ""), &alerts); err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Status.State != "suppressed" || len(alerts[0].Status.SilencedBy) != 1 || alerts[0].Status.SilencedBy[0] != created.SilenceID {
		t.Errorf("Maintenance after restart = %+v, want suppressed by %s", alerts, created.SilenceID)
	}
}
