package backups

import (
	"context"
	"io/fs"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/util/teststorage"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// ruleHarness evaluates the built-in backup alerts on real series: what a
// prometheus.Registry exposes is appended to a TSDB as a scrape would,
// and each alert's expression is run by Prometheus' engine.
type ruleHarness struct {
	tb    testing.TB
	reg   *prometheus.Registry
	db    *teststorage.TestStorage
	eng   *promql.Engine
	rules map[string]rulefmt.Rule
	last  int64 // newest scrape's timestamp (ms)
}

func newRuleHarness(tb testing.TB, reg *prometheus.Registry) *ruleHarness {
	tb.Helper()
	content, err := fs.ReadFile(builtin.FS, "backups.yml")
	if err != nil {
		tb.Fatal(err)
	}
	groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	h := &ruleHarness{tb: tb, reg: reg, db: teststorage.New(tb), rules: map[string]rulefmt.Rule{},
		eng: promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: 10 * time.Second, LookbackDelta: 5 * time.Minute})}
	tb.Cleanup(func() { h.db.Close() })
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			h.rules[r.Alert] = r
		}
	}
	return h
}

// scrape appends everything reg exposes at ts (or 1ms after the previous
// scrape, if that is later), with the labels ward's self-scrape adds
// (instance and job="ward", which win: honor_labels is false), and
// returns the time it scraped at.
func (h *ruleHarness) scrape(ts time.Time) time.Time {
	h.tb.Helper()
	if ts.UnixMilli() <= h.last {
		ts = time.UnixMilli(h.last + 1)
	}
	h.last = ts.UnixMilli()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.tb.Fatal(err)
	}
	app := h.db.Appender(context.Background())
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			// As ward's self-scrape (honor_labels false): the scrape's
			// job and instance win over any the series carries.
			b := labels.NewBuilder(labels.FromStrings("__name__", mf.GetName()))
			for _, lp := range m.GetLabel() {
				b.Set(lp.GetName(), lp.GetValue())
			}
			b.Set("instance", "ward:9740").Set("job", "ward")
			v := m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.GetCounter().GetValue()
			}
			if _, err := app.Append(0, b.Labels(), ts.UnixMilli(), v); err != nil {
				h.tb.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		h.tb.Fatal(err)
	}
	return ts
}

// firing returns the label sets alert fires for at ts (sorted), for an
// alert without `for` (any result fires); with `for` it fails the test.
func (h *ruleHarness) firing(alert string, ts time.Time) []string {
	h.tb.Helper()
	r, ok := h.rules[alert]
	if !ok {
		h.tb.Fatalf("no alert %s in backups.yml", alert)
	}
	if r.For != 0 {
		h.tb.Fatalf("%s has for: %s; firing() evaluates instant expressions", alert, r.For)
	}
	q, err := h.eng.NewInstantQuery(context.Background(), h.db, nil, r.Expr, ts)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		h.tb.Fatal(res.Err)
	}
	vec, err := res.Vector()
	if err != nil {
		h.tb.Fatal(err)
	}
	var out []string
	for _, s := range vec {
		out = append(out, s.Metric.String())
	}
	sort.Strings(out)
	return out
}
