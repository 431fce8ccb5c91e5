package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/servicetest"
)

// Charts against a hostile scrape target (issue 11 review): a target
// can expose any metric name with any labels, so what a chart draws must
// be bounded by ward, not by what a target publishes.

// hostileTarget serves every metric name in names n times, told apart by
// a label "evil" that no panel's legend uses, with the labels each
// name's selectors filter on set to a value they keep.
func hostileTarget(t *testing.T, names map[string][]map[string]string, n int) string {
	t.Helper()
	var body strings.Builder
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		fmt.Fprintf(&body, "# TYPE %s gauge\n", name)
		for j, set := range names[name] {
			fixed := fmt.Sprintf(",set=\"%d\"", j)
			for l, v := range set {
				fixed += fmt.Sprintf(",%s=%q", l, v)
			}
			for i := range n {
				fmt.Fprintf(&body, "%s{evil=\"%d\"%s} 1\n", name, i, fixed)
			}
		}
	}
	metrics := body.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte(metrics))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// panelSelectors lists the metric names an expression reads, each with
// label values its matchers keep (one set per selector).
func panelSelectors(t *testing.T, expr string, into map[string][]map[string]string) {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		var names []string
		set := map[string]string{}
		for _, m := range vs.LabelMatchers {
			switch {
			case m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual:
				names = append(names, m.Value)
			case m.Name == model.MetricNameLabel: // {__name__=~"a:p(50|95)"}
				base, alts, _ := strings.Cut(strings.TrimSuffix(m.Value, ")"), "(")
				for _, a := range strings.Split(alts, "|") {
					names = append(names, base+a)
				}
			case m.Type == labels.MatchEqual:
				set[m.Name] = m.Value
			case m.Type == labels.MatchRegexp: // kind=~"http|tcp": the first
				set[m.Name], _, _ = strings.Cut(m.Value, "|")
			default: // != and !~: a value no panel excludes
				set[m.Name] = "ext4"
			}
		}
		for _, name := range names {
			into[name] = append(into[name], set)
		}
		return nil
	})
}

// TestGraphsBuiltinPanelsBoundedByTargets: one target exposing every
// metric name the built-in panels read, 40 times over with an extra
// label, adds at most a few lines to any built-in panel (network: two
// directions, latency: three percentiles), not 40.
func TestGraphsBuiltinPanelsBoundedByTargets(t *testing.T) {
	const n = 40
	boards, err := dashboard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]map[string]string{}
	for _, b := range boards {
		for _, p := range b.Panels {
			panelSelectors(t, rateWindow(p.Expr), names)
		}
	}
	addr := hostileTarget(t, names, n)
	in := startWard(t, fastGlobal+noTwoFactor+fmt.Sprintf(`
rules: {builtin: false}
scrape_configs:
  - job_name: hostile
    static_configs: [{targets: [%q]}]
`, addr))
	servicetest.Eventually(t, 30*time.Second, "the hostile target scraped 3 times", func() bool {
		return len(in.query(t, `count_over_time(up{job="hostile"}[1m]) >= 3`)) == 1
	})
	checked := 0
	for _, b := range boards {
		for _, p := range b.Panels {
			got := in.query(t, rateWindow(p.Expr))
			if len(got) == 0 {
				t.Errorf("%s/%s: no series; the test exposes the wrong names (%v)", b.Name, p.ID, names)
				continue
			}
			checked++
			if len(got) > 3 {
				t.Errorf("%s/%s: %d series from one target (want ≤ 3: aggregate to the legend's labels)", b.Name, p.ID, len(got))
			}
		}
	}
	t.Logf("%d panels checked against %d metric names × %d label sets", checked, len(names), n)
}

// rateWindow reads $__rate_interval (branch graphs-trial) as 5m, as
// validation and the explorer link do.
func rateWindow(expr string) string { return strings.ReplaceAll(expr, "$__rate_interval", "5m") }
