package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// gauge is a scrape target exposing one settable metric.
type gauge struct {
	v   atomic.Int64
	srv *httptest.Server
}

func newGauge(tb testing.TB) *gauge {
	g := &gauge{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "test_value %d\n", g.v.Load())
	}))
	tb.Cleanup(g.srv.Close)
	return g
}

func (g *gauge) addr() string { return strings.TrimPrefix(g.srv.URL, "http://") }

// webhook records the notifications Alertmanager's webhook integration
// posts; status is what it answers.
type webhook struct {
	mu     sync.Mutex
	got    []webhookMsg
	status atomic.Int32
	srv    *httptest.Server
}

type webhookMsg struct {
	Status string `json:"status"`
	Alerts []struct {
		Status string            `json:"status"`
		Labels map[string]string `json:"labels"`
	} `json:"alerts"`
}

func newWebhook(tb testing.TB) *webhook {
	wh := &webhook{}
	wh.status.Store(http.StatusOK)
	wh.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		code := int(wh.status.Load())
		if code == http.StatusOK {
			var m webhookMsg
			if err := json.Unmarshal(body, &m); err == nil {
				wh.mu.Lock()
				wh.got = append(wh.got, m)
				wh.mu.Unlock()
			}
		}
		w.WriteHeader(code)
	}))
	tb.Cleanup(wh.srv.Close)
	return wh
}

// count returns how many notifications with status were received.
func (wh *webhook) count(status string) int {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	n := 0
	for _, m := range wh.got {
		if m.Status == status {
			n++
		}
	}
	return n
}

const testRule = `groups:
  - name: test
    rules:
      - alert: ValueHigh
        expr: test_value > 0
        labels: {severity: critical}
        annotations: {summary: "value is {{ $value }}"}
`

func alertingConfig(target, primary, fallback string, extra string) string {
	return fastGlobal + fmt.Sprintf(`
rule_files: [rules.yml]
rules: {builtin: false}
scrape_configs:
  - job_name: gauge
    static_configs: [{targets: [%q]}]
alerting:
  route:
    receiver: primary
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
%s
  receivers:
    - name: primary
      webhook_configs: [{url: %q}]
    - name: fallback
      webhook_configs: [{url: %q}]
`, target, extra, primary, fallback)
}

// TestAlertDelivery follows an alert from a scraped value through the rule
// manager and the embedded Alertmanager to a webhook, firing and resolved.
func TestAlertDelivery(t *testing.T) {
	g := newGauge(t)
	primary, fallback := newWebhook(t), newWebhook(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	in := startWardIn(t, dir, alertingConfig(g.addr(), primary.srv.URL, fallback.srv.URL, ""))

	g.v.Store(1)
	servicetest.Eventually(t, 20*time.Second, "firing notification", func() bool { return primary.count("firing") == 1 })
	resp, err := in.client.Get(in.base + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	var v2 []struct {
		Labels map[string]string `json:"labels"`
	}
	err = json.NewDecoder(resp.Body).Decode(&v2)
	resp.Body.Close()
	if err != nil || len(v2) != 1 || v2[0].Labels["alertname"] != "ValueHigh" {
		t.Fatalf("/api/v2/alerts: %v %+v", err, v2)
	}
	g.v.Store(0)
	servicetest.Eventually(t, 20*time.Second, "resolved notification", func() bool { return primary.count("resolved") == 1 })
	if n := primary.count("firing"); n != 1 {
		t.Errorf("%d firing notifications, want exactly 1", n)
	}
	if n := len(fallback.got); n != 0 {
		t.Errorf("fallback got %d notifications while the primary worked", n)
	}
	_, d := in.get(t, "/api/ward/deliveries?receiver=primary")
	if !strings.Contains(string(d.Data), `"status":"success"`) || !strings.Contains(string(d.Data), `"integration":"webhook[0]"`) {
		t.Errorf("delivery history lacks the attempts: %s", d.Data)
	}

	t.Run("test notification through the API", func(t *testing.T) {
		before := len(primary.got)
		resp, err := in.client.Post(in.base+"/api/ward/receivers/primary/test", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) {
			t.Fatalf("test notification: %d %s", resp.StatusCode, body)
		}
		primary.mu.Lock()
		got := primary.got[before:]
		primary.mu.Unlock()
		if len(got) != 1 || got[0].Alerts[0].Labels["alertname"] != "WardTestNotification" {
			t.Fatalf("webhook got %+v", got)
		}
		resp, err = in.client.Post(in.base+"/api/ward/receivers/nobody/test", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown receiver: %d, want 404", resp.StatusCode)
		}
	})
}

// TestFallbackReceiver: the primary keeps failing, so after fallback_after
// the fallback receiver gets the notification.
func TestFallbackReceiver(t *testing.T) {
	g := newGauge(t)
	primary, fallback := newWebhook(t), newWebhook(t)
	primary.status.Store(http.StatusInternalServerError)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	in := startWardIn(t, dir, alertingConfig(g.addr(), primary.srv.URL, fallback.srv.URL, "    fallback: fallback\n    fallback_after: 2s\n"))
	start := time.Now()
	g.v.Store(1)
	servicetest.Eventually(t, 60*time.Second, "fallback notified", func() bool { return fallback.count("firing") >= 1 })
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("fallback used after %s, before fallback_after", took)
	}
	if v := in.metricValue(t, `ward_notification_fallbacks_total{fallback="fallback",receiver="primary"}`); v == "" || v == "0" {
		t.Errorf("fallback metric = %q", v)
	}
	if v := in.metricValue(t, `ward_notification_attempt_failures_total{integration="webhook",reason="serverError",receiver="primary"}`); v == "" || v == "0" {
		t.Errorf("failed attempts not counted: %q", v)
	}
}

// TestFallbackFromDeadSMTP: the primary receiver's SMTP server is down;
// after fallback_after the fallback receiver takes over.
func TestFallbackFromDeadSMTP(t *testing.T) {
	t.Parallel()
	g, fallback := newGauge(t), newWebhook(t)
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
    receiver: mail
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    fallback: hook
    fallback_after: 3s
  receivers:
    - name: mail
      email_configs:
        - to: oncall@example.com
          from: ward@example.com
          smarthost: %s
          require_tls: false
    - name: hook
      webhook_configs: [{url: %q}]
`, g.addr(), servicetest.FreeAddr(t), fallback.srv.URL))
	g.v.Store(1)
	servicetest.Eventually(t, 60*time.Second, "fallback notified", func() bool { return fallback.count("firing") >= 1 })
	if v := in.metricValue(t, `ward_notification_fallbacks_total{fallback="hook",receiver="mail"}`); v == "" || v == "0" {
		t.Errorf("fallback metric = %q", v)
	}
	_, d := in.get(t, "/api/ward/deliveries?receiver=mail")
	if !strings.Contains(string(d.Data), `"status":"retry"`) || !strings.Contains(string(d.Data), "email[0]") {
		t.Errorf("failed email attempts missing from the delivery history: %s", d.Data)
	}
}
