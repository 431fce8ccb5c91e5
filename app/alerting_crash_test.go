package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// crashConfig is a ward process config alerting a webhook.
func crashConfig(dir, addr, target, hook, groupWait string) string {
	return fastGlobal + fmt.Sprintf(`
rule_files: [rules.yml]
rules: {builtin: false}
scrape_configs:
  - job_name: gauge
    static_configs: [{targets: [%q]}]
storage: {path: %q}
server: {listen: %q}
alerting:
  route:
    receiver: hook
    group_by: [alertname]
    group_wait: %s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: hook
      webhook_configs: [{url: %q}]
`, target, filepath.Join(dir, "data"), addr, groupWait, hook)
}

func kill9(tb testing.TB, p *process) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		tb.Fatal(err)
	}
	<-p.done
}

// TestAlertingSurvivesKill9 kills a real ward process with SIGKILL at two
// points of a notification's life and checks that nothing is sent twice
// and nothing is lost.
func TestAlertingSurvivesKill9(t *testing.T) {
	t.Run("after notifying: no duplicate, resolve still sent", func(t *testing.T) {
		t.Parallel()
		g, hook := newGauge(t), newWebhook(t)
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
		cfg := filepath.Join(dir, "ward.yaml")
		addr := servicetest.FreeAddr(t)
		writeFile(t, cfg, crashConfig(dir, addr, g.addr(), hook.srv.URL, "0s"))
		log := filepath.Join(dir, "ward.log")
		dumpOnFailure(t, log)
		client := tokenClient(createTokenOffline(t, cfg))

		p := startProcess(t, cfg, log)
		g.v.Store(1)
		servicetest.Eventually(t, 30*time.Second, "firing notification", func() bool { return hook.count("firing") == 1 })
		// "After notifying" is after ward recorded the notification:
		// between the receiver's answer and the notification log's
		// snapshot lies a window of milliseconds that no receiver
		// without idempotency keys can close (see README, Alerting).
		nflog := filepath.Join(dir, "data", "alerting", "nflog")
		servicetest.Eventually(t, 30*time.Second, "notification log written", func() bool {
			fi, err := os.Stat(nflog)
			return err == nil && fi.Size() > 0
		})
		kill9(t, p)

		startProcess(t, cfg, log)
		// The restarted rule manager sends the still-firing alert again;
		// the persisted notification log must suppress a second message.
		// A duplicate would go out at the group's first flush; every
		// flush queries the notification log once and flushes run one
		// after another, so a second query means the first flush is over.
		servicetest.Eventually(t, 30*time.Second, "two rule evaluations and two flushes after restart", func() bool {
			return processMetricSum(t, client, addr, "prometheus_rule_group_iterations_total") >= 2 &&
				processMetricSum(t, client, addr, "alertmanager_nflog_queries_total") >= 2
		})
		if n := hook.count("firing"); n != 1 {
			t.Fatalf("%d firing notifications after restart, want 1", n)
		}
		g.v.Store(0)
		servicetest.Eventually(t, 30*time.Second, "resolved notification", func() bool { return hook.count("resolved") == 1 })
	})
	t.Run("killed during group_wait: the due notification is sent after restart", func(t *testing.T) {
		t.Parallel()
		g, hook := newGauge(t), newWebhook(t)
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
		cfg := filepath.Join(dir, "ward.yaml")
		addr := servicetest.FreeAddr(t)
		writeFile(t, cfg, crashConfig(dir, addr, g.addr(), hook.srv.URL, "4s"))
		log := filepath.Join(dir, "ward.log")
		dumpOnFailure(t, log)
		client := tokenClient(createTokenOffline(t, cfg))

		p := startProcess(t, cfg, log)
		g.v.Store(1)
		alertsFile := filepath.Join(dir, "data", "alerting", "alerts.json")
		servicetest.Eventually(t, 30*time.Second, "alert stored", func() bool {
			b, err := os.ReadFile(alertsFile)
			return err == nil && len(b) > 10
		})
		kill9(t, p)
		if n := hook.count("firing"); n != 0 {
			t.Fatalf("notified before group_wait ended: %d", n)
		}
		// Restart with a rule of the same name that never fires: only
		// the persisted alert can still produce the notification that
		// was due. (With no rule of that name, ward resolves the
		// restored alert unsent: TestRestoredAlertOfRemovedRuleResolvedOnce.)
		writeFile(t, filepath.Join(dir, "rules.yml"), strings.Replace(testRule, "test_value > 0", "test_value > 1e9", 1))
		startProcess(t, cfg, log)
		servicetest.Eventually(t, 30*time.Second, "the due notification", func() bool { return hook.count("firing") == 1 })
		// Two more notification log queries: the flush that sent it is
		// over and a later one found it logged, so it is not sent again.
		sent := processMetricSum(t, client, addr, "alertmanager_nflog_queries_total")
		servicetest.Eventually(t, 30*time.Second, "two more flushes", func() bool {
			return processMetricSum(t, client, addr, "alertmanager_nflog_queries_total") >= sent+2
		})
		if n := hook.count("firing"); n != 1 {
			t.Fatalf("%d firing notifications, want 1", n)
		}
	})
}

// processMetricSum adds up every sample of the metric name that the
// ward process at addr exposes on /metrics; -1 means it did not answer.
func processMetricSum(tb testing.TB, client *http.Client, addr, name string) float64 {
	tb.Helper()
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return -1
	}
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		v, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

func dumpOnFailure(t *testing.T, log string) {
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(log)
			t.Logf("ward log:\n%s", b)
		}
	})
}
