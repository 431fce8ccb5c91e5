package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// randomReport prints the random-phase results, one per interval, and
// appends their figures to $WARD_BENCH_RESULTS (bench/README.md, "One
// table"): p50 with the goal ward/stack <= 0.5, p95 with the goal
// interval + 0.5 s.
func randomReport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("random-report", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("random-report: want one or more RESULT.json files")
	}
	var figures []string
	for _, path := range fs.Args() {
		var r randomResult
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		w, s := r.Latency["ward"], r.Latency["stack"]
		fmt.Fprintf(stdout, "random phases, %gs scrape and evaluation, %d trials (one fresh file_sd target each, killed at a random phase)\n", r.IntervalS, len(r.Trials))
		fmt.Fprintf(stdout, "  %-34s %9s %9s %9s\n", "metric", "stack", "ward", "ward/stack")
		row := func(label string, sv, wv float64) {
			ratio := "-"
			if sv > 0 {
				ratio = fmt.Sprintf("%.2fx", wv/sv)
			}
			fmt.Fprintf(stdout, "  %-34s %9.3f %9.3f %9s\n", label, sv, wv, ratio)
		}
		row("kill -> Slack p50 s", s.P50, w.P50)
		row("kill -> Slack p95 s", s.P95, w.P95)
		row("kill -> Slack mean s", s.Mean, w.Mean)
		row("  kill -> failed scrape p50 s", r.ToScrape["stack"].P50, r.ToScrape["ward"].P50)
		row("  kill -> failed scrape mean s", r.ToScrape["stack"].Mean, r.ToScrape["ward"].Mean)
		row("  failed scrape -> evaluation p50 s", r.ToEvalFromScrape["stack"].P50, r.ToEvalFromScrape["ward"].P50)
		row("  failed scrape -> evaluation p95 s", r.ToEvalFromScrape["stack"].P95, r.ToEvalFromScrape["ward"].P95)
		row("  kill -> evaluation (activeAt) p50 s", r.ToEval["stack"].P50, r.ToEval["ward"].P50)
		row("  evaluation -> Slack p50 s", r.Notify["stack"].P50, r.Notify["ward"].P50)
		row("  evaluation -> Slack p95 s", r.Notify["stack"].P95, r.Notify["ward"].P95)
		printTrials(stdout, r)
		for name, miss := range r.Missing {
			fmt.Fprintf(stdout, "  warning: %s never delivered %s\n", name, strings.Join(miss, " "))
		}
		goalP95 := r.IntervalS + 0.5
		fmt.Fprintf(stdout, "  goal: ward p50 <= 0.5 x stack p50: %s\n", verdict(w.N > 0 && s.P50 > 0 && w.P50 <= 0.5*s.P50))
		fmt.Fprintf(stdout, "  goal: ward p95 <= interval + 0.5 s = %.1f s: %s\n\n", goalP95, verdict(w.N > 0 && w.P95 <= goalP95))
		iv := fmt.Sprintf("%gs", r.IntervalS)
		figures = append(figures,
			fmt.Sprintf("15\talert latency p50, random phases, %s (%d trials)\t%.3f\t%.3f\ts\tratio<=0.5", iv, len(r.Trials), w.P50, s.P50),
			fmt.Sprintf("15\talert latency p95, random phases, %s (%d trials)\t%.3f\t%.3f\ts\t<=%g", iv, len(r.Trials), w.P95, s.P95, goalP95))
	}
	path := os.Getenv("WARD_BENCH_RESULTS")
	if path == "" {
		path = filepath.Join("bench", "results", "figures.tsv")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.WriteString(f, strings.Join(figures, "\n")+"\n")
	return err
}

func verdict(met bool) string {
	if met {
		return "MET"
	}
	return "NOT MET"
}
