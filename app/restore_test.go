package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// restoreConfig is a config whose rules come from rules/*.yml and whose
// every alert goes to receiver (a webhook at url).
func restoreConfig(receiver, url string) string {
	return fastGlobal + fmt.Sprintf(`
rule_files: ["rules/*.yml"]
rules: {builtin: false}
alerting:
  route:
    receiver: %[1]s
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: %[1]s
      webhook_configs: [{url: %[2]q}]
`, receiver, url)
}

func alwaysRule(name string) string {
	return fmt.Sprintf("groups:\n  - name: %[1]s\n    rules:\n      - alert: %[1]s\n        expr: vector(1)\n        labels: {severity: critical}\n", name)
}

// statuses lists the status of every notification about alertname.
func (wh *webhook) statuses(alertname string) []string {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	var out []string
	for _, m := range wh.got {
		for _, a := range m.Alerts {
			if a.Labels["alertname"] == alertname {
				out = append(out, m.Status)
				break
			}
		}
	}
	return out
}

// TestRestoredAlertOfRemovedRuleResolvedOnce: ward restarts on a different
// config (another receiver, rule Old gone) while Old's alert, restored from
// alerts.json, still looks firing. It must not be posted as firing at
// start (it was, to the new receiver), nor again at the next reload.
func TestRestoredAlertOfRemovedRuleResolvedOnce(t *testing.T) {
	wh := newWebhook(t)
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	if err := os.Mkdir(rulesDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(rulesDir, "old.yml"), alwaysRule("Old"))
	first := startWardIn(t, dir, restoreConfig("team", wh.srv.URL))
	servicetest.Eventually(t, 20*time.Second, "Old notified as firing", func() bool { return len(wh.statuses("Old")) == 1 })
	first.stop()

	// The new config: another receiver, Old's rule removed, Canary added.
	// Canary fires at the first evaluation, after the dispatcher has
	// flushed whatever it restored: once Canary is delivered, a firing
	// re-send of Old would have been too.
	if err := os.Remove(filepath.Join(rulesDir, "old.yml")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(rulesDir, "canary.yml"), alwaysRule("Canary"))
	second := restartWardIn(t, first, restoreConfig("oncall", wh.srv.URL))
	servicetest.Eventually(t, 20*time.Second, "Canary notified", func() bool { return len(wh.statuses("Canary")) == 1 })

	// A reload rebuilds the dispatcher over every alert in the store;
	// Canary2, added with it, is the same kind of barrier.
	writeFile(t, filepath.Join(rulesDir, "canary2.yml"), alwaysRule("Canary2"))
	second.hup <- struct{}{}
	servicetest.Eventually(t, 20*time.Second, "Canary2 notified after the reload", func() bool { return len(wh.statuses("Canary2")) == 1 })

	got := wh.statuses("Old")
	resolved := 0
	for _, s := range got[1:] {
		if s != "resolved" {
			t.Errorf("Old was sent as %s after the restart", s)
		}
		resolved++
	}
	if got[0] != "firing" || resolved > 1 {
		t.Errorf("notifications about Old: %v; want [firing] and at most one resolved", got)
	}
}

// restartWardIn starts ward again on the data directory of a stopped
// instance, with cfg; the admin token stored there still works.
func restartWardIn(tb testing.TB, old *instance, cfg string) *instance {
	tb.Helper()
	cfg += fmt.Sprintf("\nstorage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(old.dir, "data"))
	writeFile(tb, old.cfgFile, cfg)
	hup := make(chan struct{}, 1)
	a, err := New(Options{ConfigFile: old.cfgFile, Logger: testLogger(tb), Reload: hup, Terminal: &lockedBuffer{}})
	if err != nil {
		tb.Fatalf("restarting ward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{app: a, base: "http://" + a.Addr(), cfgFile: old.cfgFile, dir: old.dir, done: make(chan error, 1), cancel: cancel, hup: hup, stderr: &lockedBuffer{}, token: old.token, client: old.client}
	go func() { in.done <- a.Run(ctx) }()
	tb.Cleanup(in.stop)
	return in
}
