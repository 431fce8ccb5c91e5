package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestSelfScrapeNotInConfig: ward scrapes itself with its internal token,
// but the job is added when the configuration is applied, not written
// into it: the configuration ward serves and prints holds neither the
// job nor the token, before and after a reload.
func TestSelfScrapeNotInConfig(t *testing.T) {
	in := startWard(t, fastGlobal+"scrape_configs: [{job_name: node, static_configs: [{targets: ['127.0.0.1:1']}]}]\n")
	token := in.app.scrapeToken
	if token == "" {
		t.Fatal("no internal scrape token")
	}
	check := func(when string) {
		t.Helper()
		servicetest.Eventually(t, 30*time.Second, "ward's own up series", func() bool {
			r := in.query(t, `up{job="ward"} == 1`)
			return len(r) == 1
		})
		code, resp := in.get(t, "/api/v1/status/config")
		var data struct {
			YAML string `json:"yaml"`
		}
		if err := json.Unmarshal(resp.Data, &data); code != http.StatusOK || err != nil {
			t.Fatalf("%s: status/config: %d %v", when, code, err)
		}
		if !strings.Contains(data.YAML, "job_name: node") {
			t.Fatalf("%s: status/config shows no jobs:\n%s", when, data.YAML)
		}
		cfg := in.app.cfg.Load()
		for where, out := range map[string]string{"status/config": data.YAML, "config.String": cfg.String()} {
			if strings.Contains(out, "job_name: "+config.SelfJob) || strings.Contains(out, token) {
				t.Errorf("%s: %s shows the self-scrape job:\n%s", when, where, out)
			}
		}
		for _, sc := range cfg.Prometheus.ScrapeConfigs {
			if sc.JobName == config.SelfJob {
				t.Errorf("%s: the self job was written into the loaded config", when)
			}
		}
	}
	check("at start")
	if err := in.app.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	check("after a reload")
	if got := in.query(t, `count(up{job="ward"})`); len(got) != 1 || value(got[0]) != "1" {
		t.Errorf("ward's own job after a reload: %v", got)
	}
}
