package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ward-monitoring/ward/bench/benchcli"
)

// goal is a ratio (subject / baseline) the subject must stay within.
type goal struct {
	Metric string  `json:"metric"`
	Limit  float64 `json:"limit"`
	Ratio  float64 `json:"ratio"`
	Met    bool    `json:"met"`
}

// row is one line of the comparison table.
type row struct {
	label  string
	json   string // key in the ratios map
	format string
	value  func(*result) float64
	limit  float64 // > 0: a goal on subject/baseline
}

func rows() []row {
	mib := func(b float64) float64 { return b / (1 << 20) }
	rs := []row{
		{"CPU s / 1M samples", "cpu_seconds_per_million_samples", "%.3f", func(r *result) float64 { return r.CPUPerMillionSamples }, 1.1},
		{"RSS bytes / head series", "rss_bytes_per_head_series", "%.0f", func(r *result) float64 { return r.RSSPerSeries }, 1.1},
		{"heap in-use bytes / head series", "heap_inuse_bytes_per_head_series", "%.0f", func(r *result) float64 { return r.HeapPerSeries }, 0},
		{"RSS MiB at end", "rss_bytes_end", "%.1f", func(r *result) float64 { return mib(float64(r.RSSBytes)) }, 0},
		{"RSS MiB mean over window", "rss_bytes_mean", "%.1f", func(r *result) float64 { return mib(float64(r.RSSMeanBytes)) }, 0},
		{"RSS MiB peak (VmHWM)", "rss_bytes_peak", "%.1f", func(r *result) float64 { return mib(float64(r.RSSPeakBytes)) }, 0},
		{"head series", "head_series", "%.0f", func(r *result) float64 { return r.HeadSeries }, 0},
		{"samples appended / s", "samples_per_second", "%.0f", func(r *result) float64 { return r.SamplesPerSecond }, 0},
		{"CPU cores used", "cpu_cores", "%.3f", func(r *result) float64 { return r.CPUCores }, 0},
		{"GC cycles in window", "gc_cycles", "%.0f", func(r *result) float64 { return r.GCCycles }, 0},
		{"WAL MiB at end", "wal_bytes", "%.1f", func(r *result) float64 { return mib(float64(r.WALBytes)) }, 0},
		{"scrape duration avg ms", "scrape_duration_avg_seconds", "%.1f", func(r *result) float64 { return r.ScrapeDurationAvgS * 1000 }, 0},
		{"scrape duration max ms", "scrape_duration_max_seconds", "%.1f", func(r *result) float64 { return r.ScrapeDurationMaxS * 1000 }, 0},
		{"target server CPU cores", "targets_server_cpu_cores", "%.3f", func(r *result) float64 { return r.TargetsCPUSeconds / r.WindowSeconds }, 0},
	}
	for _, q := range dashboardQueries {
		for _, p := range []struct {
			name string
			get  func(*queryStats) float64
		}{{"p50", func(s *queryStats) float64 { return s.P50Ms }}, {"p95", func(s *queryStats) float64 { return s.P95Ms }}} {
			rs = append(rs, row{
				label: fmt.Sprintf("query %s %s ms", q.Name, p.name), json: "query_" + q.Name + "_" + p.name + "_ms", format: "%.1f",
				value: func(r *result) float64 {
					if s := r.Queries[q.Name]; s != nil {
						return p.get(s)
					}
					return 0
				},
			})
		}
	}
	return rs
}

// report reads result files (the first is the baseline), prints the
// comparison table and writes everything as one JSON document.
func report(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	subject := fs.String("subject", "ward", "name of the result compared against the others")
	out := fs.String("out", "", "write the machine-readable report here")
	strict := fs.Bool("strict", false, "exit non-zero when a goal is not met")
	note := fs.String("note", "", "free text stored in the report (settings, machine)")
	figures := fs.String("figures", os.Getenv("WARD_BENCH_RESULTS"), "append issue 15's ingest figures to this file (bench/README.md \"One table\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var results []*result
	var subj *result
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		r := new(result)
		if err := json.Unmarshal(b, r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		results = append(results, r)
		if r.Name == *subject {
			subj = r
		}
	}
	if subj == nil || len(results) < 2 {
		return fmt.Errorf("report: need the %q result and at least one other", *subject)
	}
	var others []*result
	for _, r := range results {
		if r != subj {
			others = append(others, r)
		}
	}

	// Numbers align right; labels are padded to one width so that they
	// read left-aligned.
	width := 0
	for _, rw := range rows() {
		width = max(width, len(rw.label))
	}
	pad := func(s string) string { return fmt.Sprintf("%-*s", width, s) }
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	head := []string{pad("metric")}
	for _, r := range others {
		head = append(head, r.Name)
	}
	head = append(head, subj.Name)
	for _, r := range others {
		head = append(head, subj.Name+"/"+r.Name)
	}
	head = append(head, "goal")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")

	ratios := map[string]map[string]float64{}
	var goals []goal
	for _, rw := range rows() {
		line := []string{pad(rw.label)}
		for _, r := range others {
			line = append(line, fmt.Sprintf(rw.format, rw.value(r)))
		}
		line = append(line, fmt.Sprintf(rw.format, rw.value(subj)))
		for i, r := range others {
			key := subj.Name + "/" + r.Name
			if ratios[key] == nil {
				ratios[key] = map[string]float64{}
			}
			ratio := 0.0
			if base := rw.value(r); base != 0 {
				ratio = rw.value(subj) / base
			}
			ratios[key][rw.json] = ratio
			if ratio == 0 {
				line = append(line, "-")
			} else {
				line = append(line, fmt.Sprintf("%.2fx", ratio))
			}
			if rw.limit > 0 && i == 0 {
				goals = append(goals, goal{Metric: rw.json, Limit: rw.limit, Ratio: ratio, Met: ratio <= rw.limit})
			}
		}
		g := ""
		if rw.limit > 0 {
			verdict := "MET"
			if ratios[subj.Name+"/"+others[0].Name][rw.json] > rw.limit {
				verdict = "NOT MET"
			}
			g = fmt.Sprintf("<= %.2fx %s", rw.limit, verdict)
		}
		fmt.Fprintln(tw, strings.Join(append(line, g), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, w := range sanity(results) {
		fmt.Fprintln(stdout, "warning:", w)
	}
	if err := appendFigures(*figures, ingestFigures(subj, others[0])); err != nil {
		return fmt.Errorf("report: figures: %w", err)
	}

	if *out != "" {
		byName := map[string]*result{}
		for _, r := range results {
			byName[r.Name] = r
		}
		doc := map[string]any{
			"generated_at": time.Now().UTC().Format(time.RFC3339),
			"host":         map[string]any{"cpus": runtime.NumCPU(), "goos": runtime.GOOS, "goarch": runtime.GOARCH},
			"note":         *note,
			"baseline":     others[0].Name,
			"subject":      subj.Name,
			"results":      byName,
			"ratios":       ratios,
			"goals":        goals,
			"warnings":     sanity(results),
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

// sanity lists differences that would make the comparison unfair: the
// servers did not scrape the same targets or answered queries differently.
func sanity(results []*result) []string {
	var w []string
	base := results[0]
	for _, r := range results {
		if int(r.TargetsUp) != r.Targets {
			w = append(w, fmt.Sprintf("%s: only %.0f of %d targets up at the end", r.Name, r.TargetsUp, r.Targets))
		}
		if r == base {
			continue
		}
		if d := r.SamplesPerSecond/base.SamplesPerSecond - 1; d > 0.05 || d < -0.05 {
			w = append(w, fmt.Sprintf("%s ingested %.0f samples/s, %s %.0f: the workloads differ by more than 5%%",
				r.Name, r.SamplesPerSecond, base.Name, base.SamplesPerSecond))
		}
		for _, dq := range dashboardQueries {
			q, bq := r.Queries[dq.Name], base.Queries[dq.Name]
			if dq.Stable && q != nil && bq != nil && bq.Series != q.Series {
				w = append(w, fmt.Sprintf("query %s: %s returned %d series, %s %d", dq.Name, r.Name, q.Series, base.Name, bq.Series))
			}
		}
	}
	return w
}
