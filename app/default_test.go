package app

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestDefaultConfigPagesAboutNothingMissing runs ward on the embedded
// default config (with its own data directory and port, and 1 s
// intervals so the first evaluations come quickly): it scrapes ward and
// node_exporter only, and no alert, pending or firing, is about a job the
// user never set up. The old default scraped postgres_exporter and the app
// on their default ports and put PostgresDown pending at the first
// evaluation on a machine without them.
func TestDefaultConfigPagesAboutNothingMissing(t *testing.T) {
	doc := string(config.DefaultYAML())
	for _, cut := range []struct{ old, new string }{
		// startWard supplies its own storage and server sections.
		{"storage:\n  path: ./data\n  retention:\n    time: 30d\n", ""},
		{"server:\n  listen: 127.0.0.1:9740\n", ""},
		{"scrape_interval: 15s", "scrape_interval: 1s"},
		{"scrape_timeout: 10s", "scrape_timeout: 1s"},
		{"evaluation_interval: 15s", "evaluation_interval: 1s"},
	} {
		if !strings.Contains(doc, cut.old) {
			t.Fatalf("default config no longer contains %q; update the test", cut.old)
		}
		doc = strings.Replace(doc, cut.old, cut.new, 1)
	}
	in := startWard(t, doc)
	servicetest.Eventually(t, 30*time.Second, "Watchdog firing and both jobs scraped", func() bool {
		return len(in.query(t, `ALERTS{alertname="Watchdog",alertstate="firing"}`)) == 1 &&
			len(in.query(t, `count by (job) (up)`)) >= 2
	})
	// Three more evaluation rounds of every group (as ward's self-scrape
	// counts them): any alert the scrape results trigger is pending by
	// now, since no built-in rule waits less than `for: 1m` to fire.
	iterations := func() float64 {
		v := in.query(t, `min(prometheus_rule_group_iterations_total)`)
		if len(v) != 1 {
			return 0
		}
		f, _ := strconv.ParseFloat(value(v[0]), 64)
		return f
	}
	first := iterations()
	servicetest.Eventually(t, 30*time.Second, "three more rule evaluation rounds", func() bool {
		return iterations() >= first+3
	})
	for _, s := range in.query(t, `count by (job) (up)`) {
		if j := s.Metric["job"]; j != "ward" && j != "node" {
			t.Errorf("default config scrapes job %q", j)
		}
	}
	for _, s := range in.query(t, `ALERTS`) {
		if s.Metric["alertname"] == "PostgresDown" || (s.Metric["job"] != "" && s.Metric["job"] != "ward" && s.Metric["job"] != "node") {
			t.Errorf("alert %v on the default config", s.Metric)
		}
	}
}
