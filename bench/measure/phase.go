package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// selfMetrics are read from the server's own /metrics at both ends of the
// measured window. Both Prometheus 2.x and 3.x (so ward) expose them.
var selfMetrics = []string{
	"prometheus_tsdb_head_series",
	"prometheus_tsdb_head_samples_appended_total",
	"prometheus_tsdb_head_chunks",
	"go_memstats_heap_inuse_bytes",
	"go_memstats_sys_bytes",
	"go_gc_duration_seconds_count",
}

// result is one server's measurements; report compares two or more.
type result struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Env     string `json:"env"` // runtime environment the server ran with

	Targets         int     `json:"targets"`
	IntervalSeconds float64 `json:"scrape_interval_seconds"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	WindowSeconds   float64 `json:"window_seconds"` // measured, wall clock

	Start, End         procSample         `json:"-"`
	StartMetrics       map[string]float64 `json:"metrics_start"`
	EndMetrics         map[string]float64 `json:"metrics_end"`
	CPUSeconds         float64            `json:"cpu_seconds"`
	TargetsCPUSeconds  float64            `json:"targets_server_cpu_seconds"`
	SamplesAppended    float64            `json:"samples_appended"`
	HeadSeries         float64            `json:"head_series"`
	RSSBytes           int64              `json:"rss_bytes_end"`
	RSSMeanBytes       int64              `json:"rss_bytes_mean"`
	RSSPeakBytes       int64              `json:"rss_bytes_peak"` // VmHWM at the end
	HeapInuseBytes     float64            `json:"heap_inuse_bytes_end"`
	GCCycles           float64            `json:"gc_cycles"`
	WALBytes           int64              `json:"wal_bytes"`
	DataBytes          int64              `json:"data_dir_bytes"`
	TargetsUp          float64            `json:"targets_up"`
	ScrapeDurationAvgS float64            `json:"scrape_duration_avg_seconds"`
	ScrapeDurationMaxS float64            `json:"scrape_duration_max_seconds"`

	CPUPerMillionSamples float64 `json:"cpu_seconds_per_million_samples"`
	RSSPerSeries         float64 `json:"rss_bytes_per_head_series"`
	HeapPerSeries        float64 `json:"heap_inuse_bytes_per_head_series"`
	SamplesPerSecond     float64 `json:"samples_per_second"`
	CPUCores             float64 `json:"cpu_cores"` // CPU seconds per wall second

	Queries map[string]*queryStats `json:"queries"`
}

// runPhase measures one running server: wait until it scrapes every
// target, warm up, then measure CPU, memory and ingestion over a window,
// and finally time the dashboard queries (after the window, so their CPU
// is not charged to ingestion).
func runPhase(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	name := fs.String("name", "", "name of the server under test (prometheus, ward, …)")
	version := fs.String("version", "", "its version string, for the report")
	env := fs.String("env", "", "runtime environment it runs with, for the report")
	pid := fs.Int("pid", 0, "its process id")
	base := fs.String("url", "", "its base URL, http://127.0.0.1:PORT")
	tokenFile := fs.String("token-file", "", "file holding a bearer token for its /metrics and /api/v1")
	targets := fs.Int("targets", 50, "number of synthetic targets it scrapes")
	jobs := fs.String("jobs", "bench-.*", "regexp matching the synthetic targets' jobs")
	targetsPID := fs.Int("targets-pid", 0, "process id of the target server (its CPU is reported)")
	interval := fs.Duration("interval", 5*time.Second, "scrape interval")
	warmup := fs.Duration("warmup", 60*time.Second, "time scraping before measuring")
	window := fs.Duration("window", 120*time.Second, "measured window")
	reps := fs.Int("reps", 15, "repetitions of each query")
	span := fs.Duration("span", 15*time.Minute, "range of each query")
	step := fs.Duration("step", 15*time.Second, "step of each query")
	walDir := fs.String("wal", "", "its WAL directory (size is reported)")
	dataDir := fs.String("data", "", "its data directory (size is reported)")
	clkTck := fs.Float64("clk-tck", 100, "kernel USER_HZ (getconf CLK_TCK)")
	out := fs.String("out", "", "write the result as JSON here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || *pid == 0 || *base == "" || *out == "" {
		return errors.New("run: -name, -pid, -url and -out are required")
	}
	var token string
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return err
		}
		token = strings.TrimSpace(string(b))
	}
	s := newServer(*base, token)
	r := &result{
		Name: *name, Version: *version, Env: *env, Targets: *targets,
		IntervalSeconds: interval.Seconds(), WarmupSeconds: warmup.Seconds(),
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "  [%s] %s %s\n", *name, time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}

	upQuery := fmt.Sprintf(`count(up{job=~%q} == 1)`, *jobs)
	var last error // why the server is not there yet
	if err := waitFor(ctx, 90*time.Second, func() (bool, error) {
		if !s.ready(ctx) {
			last = errors.New("/-/ready is not 200")
			return false, nil
		}
		up, err := s.scalar(ctx, upQuery)
		last = err
		if err == nil && int(up) != *targets {
			last = fmt.Errorf("%v targets up", up)
		}
		return last == nil, nil
	}); err != nil {
		return fmt.Errorf("%s: waiting for all %d targets to be up: %w (last: %v)", *name, *targets, err, last)
	}
	logf("all %d targets up; warming up for %s", *targets, *warmup)
	if err := sleep(ctx, *warmup); err != nil {
		return err
	}

	snap := func() (procSample, float64, map[string]float64, error) {
		m, err := s.metrics(ctx, selfMetrics)
		if err != nil {
			return procSample{}, 0, nil, err
		}
		p, err := readProc(*pid, *clkTck)
		if err != nil {
			return procSample{}, 0, nil, err
		}
		var tcpu float64
		if *targetsPID != 0 {
			tp, err := readProc(*targetsPID, *clkTck)
			if err != nil {
				return procSample{}, 0, nil, fmt.Errorf("target server: %w", err)
			}
			tcpu = tp.CPUSeconds
		}
		return p, tcpu, m, nil
	}
	start, tStart, m0, err := snap()
	if err != nil {
		return fmt.Errorf("%s: start of window: %w", *name, err)
	}
	t0 := time.Now()
	logf("measuring for %s", *window)

	// Sample RSS through the window for its mean; bounded by the window.
	var rssSum, rssN int64
	tick := time.NewTicker(*interval)
	for deadline := t0.Add(*window); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			tick.Stop()
			return ctx.Err()
		case <-tick.C:
		case <-time.After(time.Until(deadline)):
		}
		if p, err := readProc(*pid, *clkTck); err == nil {
			rssSum += p.RSSBytes
			rssN++
		}
	}
	tick.Stop()

	end, tEnd, m1, err := snap()
	if err != nil {
		return fmt.Errorf("%s: end of window: %w", *name, err)
	}
	r.WindowSeconds = time.Since(t0).Seconds()
	r.Start, r.End, r.StartMetrics, r.EndMetrics = start, end, m0, m1
	r.CPUSeconds = end.CPUSeconds - start.CPUSeconds
	r.TargetsCPUSeconds = tEnd - tStart
	r.SamplesAppended = m1["prometheus_tsdb_head_samples_appended_total"] - m0["prometheus_tsdb_head_samples_appended_total"]
	r.HeadSeries = m1["prometheus_tsdb_head_series"]
	r.RSSBytes, r.RSSPeakBytes = end.RSSBytes, end.HWMBytes
	if rssN > 0 {
		r.RSSMeanBytes = rssSum / rssN
	}
	r.HeapInuseBytes = m1["go_memstats_heap_inuse_bytes"]
	r.GCCycles = m1["go_gc_duration_seconds_count"] - m0["go_gc_duration_seconds_count"]
	if r.SamplesAppended <= 0 || r.HeadSeries <= 0 {
		return fmt.Errorf("%s: nothing ingested in the window (samples %v, series %v)", *name, r.SamplesAppended, r.HeadSeries)
	}
	r.CPUPerMillionSamples = r.CPUSeconds / r.SamplesAppended * 1e6
	r.RSSPerSeries = float64(r.RSSBytes) / r.HeadSeries
	r.HeapPerSeries = r.HeapInuseBytes / r.HeadSeries
	r.SamplesPerSecond = r.SamplesAppended / r.WindowSeconds
	r.CPUCores = r.CPUSeconds / r.WindowSeconds
	logf("cpu %.2fs for %.0f samples (%.3f s/1M), rss %.0f MiB for %.0f series",
		r.CPUSeconds, r.SamplesAppended, r.CPUPerMillionSamples, float64(r.RSSBytes)/(1<<20), r.HeadSeries)

	// Health of the scrapes over the window, asked after it ended.
	rng := fmt.Sprintf("[%ds]", int(r.WindowSeconds))
	if r.TargetsUp, err = s.scalar(ctx, upQuery); err != nil {
		return err
	}
	if r.ScrapeDurationAvgS, err = s.scalar(ctx, fmt.Sprintf(`avg(avg_over_time(scrape_duration_seconds{job=~%q}%s))`, *jobs, rng)); err != nil {
		return err
	}
	if r.ScrapeDurationMaxS, err = s.scalar(ctx, fmt.Sprintf(`max(max_over_time(scrape_duration_seconds{job=~%q}%s))`, *jobs, rng)); err != nil {
		return err
	}

	logf("timing %d queries x %d repetitions", len(dashboardQueries), *reps)
	if r.Queries, err = runQueries(ctx, s, *span, *step, *reps); err != nil {
		return fmt.Errorf("%s: %w", *name, err)
	}
	if *walDir != "" {
		r.WALBytes = dirSize(*walDir)
	}
	if *dataDir != "" {
		r.DataBytes = dirSize(*dataDir)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// waitFor polls cond every 500ms until it holds, it fails, or limit passes.
func waitFor(ctx context.Context, limit time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("not within %s", limit)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
