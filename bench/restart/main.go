// Command restart measures how long ward takes from exec to /-/ready 200
// on a month of data (issue 15, section 3): 30 days of blocks at 100k
// series plus a 2-hour WAL, after a clean stop (SIGTERM) and after a
// crash (SIGKILL), and Debian's prometheus on a copy of the same data as
// the anchor. It appends its figures to $WARD_BENCH_RESULTS (bench/README.md,
// "One table").
//
//	go run ./bench/restart -ward bin/ward [-prometheus /usr/bin/prometheus]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ward-monitoring/ward/bench/benchcli"
)

func main() { benchcli.Main("restart", run) }

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("restart", flag.ContinueOnError)
	wardBin := fs.String("ward", "bin/ward", "ward binary")
	promBin := fs.String("prometheus", "", "Debian prometheus binary for the anchor (default: prometheus on PATH or /usr/bin; \"none\" skips it)")
	cache := fs.String("cache", "", "dataset cache (default $WARD_BENCH_CACHE or ~/.cache/ward-bench)")
	results := fs.String("results", os.Getenv("WARD_BENCH_RESULTS"), "figures file to append to (default bench/results/figures.tsv)")
	genOnly := fs.Bool("generate-only", false, "only make sure the dataset exists")
	settle := fs.Duration("settle", 15*time.Second, "how long each server runs after ready before it is stopped")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *cache == "" {
		*cache = os.Getenv("WARD_BENCH_CACHE")
	}
	if *cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		*cache = filepath.Join(home, ".cache", "ward-bench")
	}
	if *results == "" {
		*results = filepath.Join("bench", "results", "figures.tsv")
	}
	d := defaultDataset()
	src, took, err := d.cached(*cache, logger)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	size, _ := duSize(src)
	if took > 0 {
		fmt.Printf("dataset: generated in %s\n", took.Round(time.Second))
	}
	fmt.Printf("dataset: %s, %d series, %d days of blocks + %s WAL, %.2f GB on disk\n", src, d.Series, d.Days, d.WAL, float64(size)/1e9)
	if *genOnly {
		return nil
	}

	tmp, err := os.MkdirTemp("", "ward-restart.")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// One WAL, ending now, copied to both servers.
	walDir := filepath.Join(tmp, "wal-src")
	if err := copyTSDB(src, walDir); err != nil {
		return err
	}
	begin := time.Now()
	if err := d.writeWAL(walDir, time.Now().Truncate(time.Minute), logger); err != nil {
		return err
	}
	walSize, _ := duSize(filepath.Join(walDir, "wal"))
	fmt.Printf("WAL: %s of %d series every %s written in %s, %.2f GB\n", d.WAL, d.Series, d.Scrape,
		time.Since(begin).Round(time.Second), float64(walSize)/1e9)
	src = walDir

	ward, err := runWard(ctx, *wardBin, src, tmp, *settle, logger)
	if err != nil {
		return fmt.Errorf("ward: %w", err)
	}
	var prom *scenarios
	if bin := findPrometheus(*promBin); bin != "" {
		prom, err = runPrometheus(ctx, bin, src, tmp, *settle, logger)
		if err != nil {
			// The anchor is informative: report why it is missing.
			fmt.Printf("prometheus anchor failed: %v\n", err)
			prom = nil
		}
	}
	report(ward, prom)
	return appendFigures(*results, ward, prom)
}

// findPrometheus returns the anchor's binary, or "" when there is none.
func findPrometheus(flagValue string) string {
	if flagValue == "none" {
		return ""
	}
	if flagValue != "" {
		return flagValue
	}
	for _, p := range []string{"prometheus", "/usr/bin/prometheus"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

var errNotReady = errors.New("not ready")
