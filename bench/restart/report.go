package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// goalSeconds is the bound on ready after a clean restart.
const goalSeconds = 10

func report(ward, prom *scenarios) {
	fmt.Println("ready after restart (30 d x 100k series + 2 h WAL), seconds from exec to /-/ready 200:")
	fmt.Printf("  %-22s %8s %12s\n", "", "ward", "prometheus")
	row := func(name string, w, p func(*scenarios) float64) {
		ps := "-"
		if prom != nil {
			ps = fmt.Sprintf("%.2f", p(prom))
		}
		fmt.Printf("  %-22s %8.2f %12s\n", name, w(ward), ps)
	}
	row("first start (killed)", func(s *scenarios) float64 { return s.First.Seconds() }, func(s *scenarios) float64 { return s.First.Seconds() })
	row("clean restart", func(s *scenarios) float64 { return s.Clean.Seconds() }, func(s *scenarios) float64 { return s.Clean.Seconds() })
	row("crash restart", func(s *scenarios) float64 { return s.Crash.Seconds() }, func(s *scenarios) float64 { return s.Crash.Seconds() })
	row("clean stop", func(s *scenarios) float64 { return s.Stop.Seconds() }, func(s *scenarios) float64 { return s.Stop.Seconds() })
	met := "met"
	if ward.Clean.Seconds() > goalSeconds {
		met = "MISSED"
	}
	fmt.Printf("goal: clean restart <= %d s: %s\n", goalSeconds, met)
}

// appendFigures appends the figures to the one table's file:
// issue, figure, ward, anchor, unit, goal (bench/README.md).
func appendFigures(path string, ward, prom *scenarios) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	anchor := func(get func(*scenarios) float64) string {
		if prom == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f", get(prom))
	}
	clean := func(s *scenarios) float64 { return s.Clean.Seconds() }
	// The worst crash: killed with the whole 2 h WAL to replay and no
	// chunk snapshot, which is the first start. (The crash restart after
	// the clean one replays only the WAL written since its snapshot.)
	crash := func(s *scenarios) float64 { return s.First.Seconds() }
	fmt.Fprintf(f, "15\tready after restart (30 d × 100k series + 2 h WAL)\t%.2f\t%s\ts\t<=%d\n", clean(ward), anchor(clean), goalSeconds)
	fmt.Fprintf(f, "15\tready after kill -9 (30 d × 100k series + 2 h WAL, no snapshot)\t%.2f\t%s\ts\t-\n", crash(ward), anchor(crash))
	return f.Close()
}
