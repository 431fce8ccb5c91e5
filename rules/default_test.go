package rules

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ward-monitoring/ward/config"
)

// TestDefaultConfigWatchesOnlyWhatItScrapes: every job a rule loaded for
// the embedded default selects by name (job="x") is one the default
// scrapes, so `make run` on a machine with only node_exporter cannot page
// about a postgres_exporter or an app it never had.
func TestDefaultConfigWatchesOnlyWhatItScrapes(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]bool{"ward": true} // ward's own job is implicit
	for _, sc := range cfg.Prometheus.ScrapeConfigs {
		jobs[sc.JobName] = true
	}
	gs, err := groups(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := NewParser()
	alerts := 0
	for _, g := range gs {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts++
			}
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				t.Fatalf("%s: %v", r.Alert+r.Record, err)
			}
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				vs, ok := n.(*parser.VectorSelector)
				if !ok {
					return nil
				}
				for _, m := range vs.LabelMatchers {
					if m.Name == "job" && m.Type == labels.MatchEqual && !jobs[m.Value] {
						t.Errorf("rule %s (group %s) selects job %q, which the default config does not scrape", r.Alert+r.Record, g.Name, m.Value)
					}
				}
				return nil
			})
		}
	}
	// The pack is still there: TargetDown, the host alerts, Watchdog ...
	if alerts < 10 {
		t.Errorf("default config loads %d alerting rules; the built-in pack is missing", alerts)
	}
}
