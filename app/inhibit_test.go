package app

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// inhibitRules stand in for the built-in TargetDown and HealthCheckFailing
// (same names, so they replace them) with shorter `for`s than a test can
// wait, plus a user's own rule on the same target and a barrier.
const inhibitRules = `groups:
  - name: outage
    rules:
      - alert: TargetDown
        expr: up{job!="postgres"} == 0
        labels: {severity: warning}
      # The user's rule about the same target: a symptom.
      - alert: NodeUnreachable
        expr: up{job="node"} == 0
        labels: {severity: critical}
      - alert: HealthCheckFailing
        expr: ward_check_up{kind=~"http|tcp"} == 0
        for: 2s
        labels: {severity: warning}
      # No job or instance, so nothing inhibits it; it fires after the
      # others, so once it is delivered theirs would have been too.
      - alert: Canary
        expr: vector(1) and on() (up{job="node"} == 0)
        for: 4s
        labels: {severity: none}
`

// TestNodeExporterOutageNotifiesOnce: one node_exporter going down makes
// TargetDown, the user's rule on the same target and a health check
// labelled with the target's job and instance all fire; the built-in
// inhibit rules let only TargetDown notify. It used to send all three.
func TestNodeExporterOutageNotifiesOnce(t *testing.T) {
	addr := servicetest.FreeAddr(t)
	bin := servicetest.LookPath(t, "prometheus-node-exporter", "prometheus-node-exporter")
	exporter := exec.Command(bin, "--web.listen-address="+addr)
	if err := exporter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exporter.Process.Kill(); _ = exporter.Wait() })

	wh := newWebhook(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "outage.yml"), inhibitRules)
	in := startWardIn(t, dir, fastGlobal+fmt.Sprintf(`
rule_files: [outage.yml]
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%[1]q]}]
checks:
  - name: node-port
    kind: tcp
    address: %[1]s
    interval: 1s
    timeout: 1s
    labels: {job: node, instance: %[1]q}
alerting:
  route:
    receiver: team
    group_by: [alertname, job, instance]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: team
      webhook_configs: [{url: %[2]q}]
`, addr, wh.srv.URL))

	servicetest.Eventually(t, 30*time.Second, "node_exporter scraped and checked", func() bool {
		up := in.query(t, `up{job="node"} == 1`)
		check := in.query(t, `ward_check_up{check="node-port"} == 1`)
		return len(up) == 1 && len(check) == 1
	})
	if err := exporter.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = exporter.Wait()

	servicetest.Eventually(t, 60*time.Second, "Canary delivered", func() bool { return len(wh.statuses("Canary")) > 0 })
	// The symptoms did fire, and ward says what inhibits them.
	resp, err := in.client.Get(in.base + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var alerts []struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State       string   `json:"state"`
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		t.Fatal(err)
	}
	var inhibited []string
	for _, a := range alerts {
		if len(a.Status.InhibitedBy) > 0 {
			inhibited = append(inhibited, a.Labels["alertname"])
		}
	}
	slices.Sort(inhibited)
	if want := []string{"HealthCheckFailing", "NodeUnreachable"}; !slices.Equal(inhibited, want) {
		t.Errorf("inhibited alerts %v, want %v (all: %+v)", inhibited, want, alerts)
	}
	if got := wh.statuses("TargetDown"); len(got) != 1 || got[0] != "firing" {
		t.Errorf("TargetDown notifications %v, want one firing", got)
	}
	for _, name := range []string{"NodeUnreachable", "HealthCheckFailing"} {
		if got := wh.statuses(name); len(got) > 0 {
			t.Errorf("%s notified %v while TargetDown fired for the same target", name, got)
		}
	}
}
