package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ward-monitoring/ward/bench/benchcli"
)

// goal is one pass/fail check of the report.
type goal struct {
	Metric string  `json:"metric"`
	Limit  float64 `json:"limit"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
	Text   string  `json:"text"`
}

// line is one row of the comparison table.
type line struct {
	label  string
	key    string // key in the ratios map; empty: no ratio
	value  func(*result) float64
	format string
	split  bool // a part of the latency, known only with activeAt
}

func lines() []line {
	pick := func(f func(*result) summary, p func(summary) float64, scale float64) func(*result) float64 {
		return func(r *result) float64 { return p(f(r)) * scale }
	}
	lat := func(r *result) summary { return r.Latency }
	sw := func(r *result) summary { return r.ScrapeWait }
	ew := func(r *result) summary { return r.EvalWait }
	nt := func(r *result) summary { return r.Notify }
	fe := func(r *result) summary { return r.FlipToEval }
	p50 := func(s summary) float64 { return s.P50 }
	p95 := func(s summary) float64 { return s.P95 }
	return []line{
		{"latency p50 s", "latency_p50", pick(lat, p50, 1), "%.3f", false},
		{"latency p95 s", "latency_p95", pick(lat, p95, 1), "%.3f", false},
		{"latency min s", "latency_min", pick(lat, func(s summary) float64 { return s.Min }, 1), "%.2f", false},
		{"latency max s", "latency_max", pick(lat, func(s summary) float64 { return s.Max }, 1), "%.2f", false},
		{"latency mean s", "latency_mean", pick(lat, func(s summary) float64 { return s.Mean }, 1), "%.2f", false},
		{"  flip -> scrape p50 s", "", pick(sw, p50, 1), "%.2f", true},
		{"  flip -> scrape p95 s", "", pick(sw, p95, 1), "%.2f", true},
		{"  scrape -> evaluation p50 s", "", pick(ew, p50, 1), "%.2f", true},
		{"  scrape -> evaluation p95 s", "", pick(ew, p95, 1), "%.2f", true},
		{"  flip -> evaluation p50 s", "", pick(fe, p50, 1), "%.3f", true},
		{"  flip -> evaluation p95 s", "", pick(fe, p95, 1), "%.3f", true},
		{"  evaluation -> Slack p50 ms", "notify_p50", pick(nt, p50, 1000), "%.1f", true},
		{"  evaluation -> Slack p95 ms", "notify_p95", pick(nt, p95, 1000), "%.1f", true},
		{"alerts delivered", "", func(r *result) float64 { return float64(r.Latency.N) }, "%.0f", false},
		{"RSS at end MiB", "rss_bytes", func(r *result) float64 { return float64(r.RSSBytes) / (1 << 20) }, "%.1f", false},
	}
}

// report reads the subject's and the baseline's results, prints the
// comparison and the goals, and writes everything as one JSON document.
func report(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	out := fs.String("out", "", "write the machine-readable report here")
	strict := fs.Bool("strict", false, "exit non-zero when a goal is not met")
	note := fs.String("note", "", "free text stored in the report (settings)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("report: want SUBJECT.json BASELINE.json")
	}
	subj, err := readResult(fs.Arg(0))
	if err != nil {
		return err
	}
	base, err := readResult(fs.Arg(1))
	if err != nil {
		return err
	}

	ratioKey := subj.Name + "/" + base.Name
	ratios := map[string]float64{}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	width := 0
	for _, l := range lines() {
		width = max(width, len(l.label))
	}
	pad := func(s string) string { return fmt.Sprintf("%-*s", width, s) }
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", pad("metric"), base.Name, subj.Name, ratioKey)
	for _, l := range lines() {
		b, s := l.value(base), l.value(subj)
		bs, ss := fmt.Sprintf(l.format, b), fmt.Sprintf(l.format, s)
		known := true
		if l.split && base.Notify.N == 0 {
			bs, known = "n/a", false
		}
		if l.split && subj.Notify.N == 0 {
			ss, known = "n/a", false
		}
		ratio := "-"
		if l.key != "" && b != 0 && known {
			ratios[l.key] = s / b
			ratio = fmt.Sprintf("%.2fx", s/b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", pad(l.label), bs, ss, ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range []*result{base, subj} {
		var parts []string
		for _, p := range r.Processes {
			parts = append(parts, fmt.Sprintf("%s %.1f MiB", p.Name, float64(p.RSSBytes)/(1<<20)))
		}
		fmt.Fprintf(stdout, "RSS %s: %s\n", r.Name, strings.Join(parts, " + "))
	}

	pair := pairUp(subj, base)
	if pair != nil {
		fmt.Fprintf(stdout, "paired by design point (same planned waits): %s - %s latency median %+.1f ms, mean %+.1f ms; %s faster on %d of %d\n",
			subj.Name, base.Name, pair.MedianMs, pair.MeanMs, subj.Name, pair.Faster, pair.N)
	}

	goals := checkGoals(subj, base, pair)
	fmt.Fprintln(stdout)
	for _, g := range goals {
		verdict := "MET"
		if !g.Met {
			verdict = "NOT MET"
		}
		fmt.Fprintf(stdout, "goal: %s: %s\n", g.Text, verdict)
	}
	warnings := sanity(subj, base)
	for _, w := range warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}

	if *out != "" {
		doc := map[string]any{
			"generated_at": time.Now().UTC().Format(time.RFC3339),
			"host":         map[string]any{"cpus": runtime.NumCPU(), "goos": runtime.GOOS, "goarch": runtime.GOARCH},
			"note":         *note,
			"subject":      subj.Name,
			"baseline":     base.Name,
			"results":      map[string]*result{subj.Name: subj, base.Name: base},
			"ratios":       map[string]map[string]float64{ratioKey: ratios},
			"paired":       pair,
			"goals":        goals,
			"warnings":     warnings,
		}
		if err := benchcli.WriteJSON(*out, doc); err != nil {
			return err
		}
	}
	met := make([]bool, len(goals))
	for i, g := range goals {
		met[i] = g.Met
	}
	return benchcli.Strict(*strict, met...)
}

// paired compares two runs alert by alert: the same plan index is the
// same design point (plan.go), so the difference of two latencies is the
// difference of the two stacks' work plus jitter, without the waits for
// the scrape and the evaluation that dominate each latency.
type paired struct {
	N        int     `json:"n"`
	MedianMs float64 `json:"median_ms"` // subject minus baseline
	MeanMs   float64 `json:"mean_ms"`
	Faster   int     `json:"subject_faster"`
}

// pairUp pairs the alerts of two runs of the same plan; nil when the runs
// followed different plans.
func pairUp(subj, base *result) *paired {
	if len(subj.Alerts) != len(base.Alerts) || subj.PlanError != "" || base.PlanError != "" {
		return nil
	}
	var diffs []float64
	p := &paired{}
	for i, a := range subj.Alerts {
		b := base.Alerts[i]
		if a.PlannedWaitS != b.PlannedWaitS || a.PlannedScrapeWaitS != b.PlannedScrapeWaitS {
			return nil
		}
		if a.Arrival == nil || b.Arrival == nil {
			continue
		}
		d := (a.LatencyS - b.LatencyS) * 1000
		diffs = append(diffs, d)
		if d < 0 {
			p.Faster++
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	s := summarize(diffs)
	p.N, p.MedianMs, p.MeanMs = s.N, s.P50, s.Mean
	return p
}

// checkGoals applies the targets of issue 3: the subject's p95 within one
// scrape interval plus one evaluation interval plus 0.5 s, its p50 no
// worse than the baseline's, and no alert lost on the way.
//
// Both runs followed one plan, so their p50s sit on the same design point
// and differ only by the stacks' work there plus jitter, typically well
// under a millisecond either way. "No worse" is therefore judged on the
// paired differences over every design point (their median at most 0),
// which asks the same question of 24 pairs instead of one; the two p50s
// are shown beside it. Without a pairing, the p50s are compared directly.
func checkGoals(subj, base *result, pair *paired) []goal {
	limit := subj.ScrapeIntervalS + subj.EvalIntervalS + 0.5
	p50 := goal{
		Metric: "latency_p50_s", Limit: base.Latency.P50, Value: subj.Latency.P50,
		Met:  subj.Latency.N > 0 && subj.Latency.P50 <= base.Latency.P50,
		Text: fmt.Sprintf("%s p50 %.3fs <= %s p50 %.3fs", subj.Name, subj.Latency.P50, base.Name, base.Latency.P50),
	}
	if pair != nil {
		p50 = goal{
			Metric: "latency_paired_median_ms", Limit: 0, Value: pair.MedianMs,
			Met: subj.Latency.N > 0 && pair.MedianMs <= 0,
			Text: fmt.Sprintf("%s p50 %.3fs no worse than %s p50 %.3fs (paired median %+.1f ms <= 0)",
				subj.Name, subj.Latency.P50, base.Name, base.Latency.P50, pair.MedianMs),
		}
	}
	return []goal{
		{
			Metric: "latency_p95_s", Limit: limit, Value: subj.Latency.P95,
			Met:  subj.Latency.N > 0 && subj.Latency.P95 <= limit,
			Text: fmt.Sprintf("%s p95 %.2fs <= scrape + eval interval + 0.5s = %.2fs", subj.Name, subj.Latency.P95, limit),
		},
		p50,
		{
			Metric: "alerts_missing", Limit: 0, Value: float64(len(subj.Missing)),
			Met:  len(subj.Missing) == 0,
			Text: fmt.Sprintf("%s delivered every alert (%d of %d)", subj.Name, subj.Latency.N, len(subj.Alerts)),
		},
	}
}

// sanity lists what would make the comparison unfair or the numbers
// suspect.
func sanity(rs ...*result) []string {
	w := []string{}
	for _, r := range rs {
		if len(r.Missing) > 0 {
			w = append(w, fmt.Sprintf("%s: %d alerts never reached Slack: %s", r.Name, len(r.Missing), strings.Join(r.Missing, " ")))
		}
		if r.PlanError != "" {
			w = append(w, fmt.Sprintf("%s: evaluation waits not planned (%s): the p50 comparison rests on chance", r.Name, r.PlanError))
		}
		if r.APIError != "" {
			w = append(w, fmt.Sprintf("%s: latency not split into scrape/evaluation/notification: %s", r.Name, r.APIError))
		}
		if d := r.ScrapeGap.P50 - r.ScrapeIntervalS; d > 0.1 || d < -0.1 {
			w = append(w, fmt.Sprintf("%s scraped every %.2fs, not every %.2fs", r.Name, r.ScrapeGap.P50, r.ScrapeIntervalS))
		}
		var offScrape, offPlan int
		for _, a := range r.Alerts {
			if a.Scrape != nil && math.Abs(a.Scrape.Sub(a.Flip).Seconds()-a.AimedScrapeWaitS) > 0.05 {
				offScrape++
			}
			if a.ActiveAt != nil && r.PlanError == "" && math.Abs(a.ActiveAt.Sub(a.Flip).Seconds()-a.PlannedWaitS) > 0.05 {
				offPlan++
			}
		}
		if offScrape > 0 {
			w = append(w, fmt.Sprintf("%s: %d flips missed the scrape they were aimed at by more than 50 ms", r.Name, offScrape))
		}
		if offPlan > 0 {
			w = append(w, fmt.Sprintf("%s: %d alerts were evaluated more than 50 ms off the plan (a late scrape, no rule group near the plan, or an evaluation that missed a fresh sample)", r.Name, offPlan))
		}
		if r.SlackRepeats > 0 {
			w = append(w, fmt.Sprintf("%s: %d Slack messages repeated an alert already delivered", r.Name, r.SlackRepeats))
		}
	}
	return w
}

func readResult(path string) (*result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := new(result)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
