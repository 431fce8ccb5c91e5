package app

import (
	"fmt"
	"os"
	"path/filepath"
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
		writeFile(t, cfg, crashConfig(dir, servicetest.FreeAddr(t), g.addr(), hook.srv.URL, "0s"))
		log := filepath.Join(dir, "ward.log")
		dumpOnFailure(t, log)

		p := startProcess(t, cfg, log)
		g.v.Store(1)
		eventually(t, 30*time.Second, "firing notification", func() bool { return hook.count("firing") == 1 })
		kill9(t, p)

		startProcess(t, cfg, log)
		// The restarted rule manager sends the still-firing alert again;
		// the persisted notification log must suppress a second message.
		time.Sleep(6 * time.Second)
		if n := hook.count("firing"); n != 1 {
			t.Fatalf("%d firing notifications after restart, want 1", n)
		}
		g.v.Store(0)
		eventually(t, 30*time.Second, "resolved notification", func() bool { return hook.count("resolved") == 1 })
	})
	t.Run("killed during group_wait: the due notification is sent after restart", func(t *testing.T) {
		t.Parallel()
		g, hook := newGauge(t), newWebhook(t)
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
		cfg := filepath.Join(dir, "ward.yaml")
		writeFile(t, cfg, crashConfig(dir, servicetest.FreeAddr(t), g.addr(), hook.srv.URL, "4s"))
		log := filepath.Join(dir, "ward.log")
		dumpOnFailure(t, log)

		p := startProcess(t, cfg, log)
		g.v.Store(1)
		alertsFile := filepath.Join(dir, "data", "alerting", "alerts.json")
		eventually(t, 30*time.Second, "alert stored", func() bool {
			b, err := os.ReadFile(alertsFile)
			return err == nil && len(b) > 10
		})
		kill9(t, p)
		if n := hook.count("firing"); n != 0 {
			t.Fatalf("notified before group_wait ended: %d", n)
		}
		// Restart without any rules: only the persisted alert can still
		// produce the notification that was due.
		writeFile(t, cfg, strings.Replace(readFile(t, cfg), "rule_files: [rules.yml]", "rule_files: []", 1))
		startProcess(t, cfg, log)
		eventually(t, 30*time.Second, "the due notification", func() bool { return hook.count("firing") == 1 })
		time.Sleep(3 * time.Second)
		if n := hook.count("firing"); n != 1 {
			t.Fatalf("%d firing notifications, want 1", n)
		}
	})
}

func dumpOnFailure(t *testing.T, log string) {
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(log)
			t.Logf("ward log:\n%s", b)
		}
	})
}
