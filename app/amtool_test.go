package app

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestAmtool drives ward with Debian's amtool, Alertmanager's own CLI:
// it must list alerts, show the routing tree, and add, list and expire
// silences that record their real author (the API token) and comment.
func TestAmtool(t *testing.T) {
	amtool := servicetest.LookPath(t, "amtool", "prometheus-alertmanager")
	g, hook := newGauge(t), newWebhook(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	in := startWardIn(t, dir, alertingConfig(g.addr(), hook.srv.URL, hook.srv.URL, ""))
	// amtool authenticates with an API token through Prometheus'
	// common HTTP client configuration.
	httpConfig := filepath.Join(dir, "amtool-http.yml")
	writeFile(t, httpConfig, "authorization:\n  credentials: "+in.token+"\n")
	run := func(args ...string) string {
		t.Helper()
		var stderr strings.Builder
		cmd := exec.Command(amtool, append([]string{"--alertmanager.url=" + in.base, "--http.config.file=" + httpConfig}, args...)...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("amtool %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}

	g.v.Store(1)
	servicetest.Eventually(t, 20*time.Second, "alert in the store", func() bool { return strings.Contains(run("alert", "query"), "ValueHigh") })
	// `amtool config routes` is left out: Debian's amtool 0.25 cannot parse
	// the redacted `url: <secret>` that Alertmanager 0.35's status API (and
	// so ward's) returns for webhook URLs.
	if out := run("config", "show"); !strings.Contains(out, "receiver: primary") {
		t.Errorf("config show: %s", out)
	}
	// The author is whoever the token belongs to, whatever amtool says.
	id := strings.TrimSpace(run("silence", "add", "alertname=ValueHigh", "--comment=planned maintenance", "--author=alice", "--duration=1h"))
	if id == "" {
		t.Fatal("silence add printed no ID")
	}
	out := run("silence", "query", "-o", "extended")
	for _, want := range []string{id, "token:test-admin", "planned maintenance", "alertname=\"ValueHigh\""} {
		if !strings.Contains(out, want) {
			t.Errorf("silence query lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "alice") {
		t.Errorf("silence author taken from the client:\n%s", out)
	}
	servicetest.Eventually(t, 10*time.Second, "alert silenced", func() bool {
		return strings.Contains(run("alert", "query", "--silenced"), "ValueHigh")
	})
	run("silence", "expire", id)
	if out := run("silence", "query"); strings.Contains(out, id) {
		t.Errorf("expired silence still active:\n%s", out)
	}
}
