package app

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

func ruleGroup(alert, expr string) string {
	return `groups:
  - name: test
    rules:
      - alert: ` + alert + `
        expr: ` + expr + `
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.job }} test"}
`
}

func (in *instance) alertNames(tb testing.TB) map[string]bool {
	tb.Helper()
	_, r := in.get(tb, "/api/v1/rules")
	names := map[string]bool{}
	for _, part := range strings.Split(string(r.Data), `"name":"`)[1:] {
		names[part[:strings.IndexByte(part, '"')]] = true
	}
	return names
}

func (in *instance) postReload(tb testing.TB) (int, string) {
	tb.Helper()
	resp, err := in.client.Post(in.base+"/-/reload", "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestReload edits rule and config files under a running ward: invalid
// edits are rejected with their position and the previous rules keep
// running; valid edits are picked up from disk without any signal.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "rules.yml")
	writeFile(t, rulesFile, ruleGroup("FirstAlert", "up == 0"))
	base := fastGlobal + "rule_files: [rules.yml]\nrules: {builtin: false}\n"
	in := startWardIn(t, dir, base)
	if !in.alertNames(t)["FirstAlert"] {
		t.Fatalf("FirstAlert not loaded: %v", in.alertNames(t))
	}
	reloaded := func(want string) func() bool {
		return func() bool { return in.metricValue(t, "ward_config_last_reload_successful") == want }
	}

	t.Run("invalid rule file is rejected by the watcher", func(t *testing.T) {
		writeFile(t, rulesFile, ruleGroup("BrokenAlert", "sum(up"))
		servicetest.Eventually(t, 10*time.Second, "failed reload recorded", reloaded("0"))
		names := in.alertNames(t)
		if !names["FirstAlert"] || names["BrokenAlert"] {
			t.Fatalf("previous rules must keep running, got %v", names)
		}
	})
	t.Run("POST /-/reload reports file, line and column", func(t *testing.T) {
		code, body := in.postReload(t)
		if code != http.StatusInternalServerError || !strings.Contains(body, "rules.yml:5:15") {
			t.Fatalf("got %d %q, want 500 naming rules.yml:5:15", code, body)
		}
	})
	t.Run("valid rule file is picked up", func(t *testing.T) {
		writeFile(t, rulesFile, ruleGroup("SecondAlert", "up == 0"))
		servicetest.Eventually(t, 10*time.Second, "SecondAlert loaded", func() bool { return in.alertNames(t)["SecondAlert"] })
		servicetest.Eventually(t, 5*time.Second, "successful reload recorded", reloaded("1"))
		if in.alertNames(t)["FirstAlert"] {
			t.Fatal("FirstAlert should be gone")
		}
	})
	t.Run("invalid config file is rejected", func(t *testing.T) {
		cfg := in.cfgFile
		good := readFile(t, cfg)
		writeFile(t, cfg, strings.Replace(good, "evaluation_interval: 1s", "evaluation_interval: 1s\n  evaluation_intervall: 2s", 1))
		servicetest.Eventually(t, 10*time.Second, "failed reload recorded", reloaded("0"))
		code, body := in.postReload(t)
		if code != 500 || !strings.Contains(body, "ward.yaml:6:3: global.evaluation_intervall: unknown key") {
			t.Fatalf("got %d %q", code, body)
		}
		if !in.alertNames(t)["SecondAlert"] {
			t.Fatal("rules must keep running after a rejected config")
		}
		writeFile(t, cfg, good)
		servicetest.Eventually(t, 10*time.Second, "successful reload recorded", reloaded("1"))
	})
	t.Run("SIGHUP channel reloads", func(t *testing.T) {
		before := in.metricValue(t, `ward_config_reloads_total{result="success"}`)
		in.hup <- struct{}{}
		servicetest.Eventually(t, 5*time.Second, "reload counted", func() bool {
			return in.metricValue(t, `ward_config_reloads_total{result="success"}`) != before
		})
	})
}
