package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// figure is one line of the bench figures file (bench/README.md "One
// table"): issue, figure, ward, anchor, unit, goal, tab-separated.
type figure struct {
	issue, name  string
	ward, anchor float64
	format, unit string
	goal         string
}

// ingestFigures are issue 15's goals on the ingest bench: ward's CPU per
// sample and RSS per series at most Prometheus'.
func ingestFigures(subj, base *result) []figure {
	return []figure{
		{"15", fmt.Sprintf("ingest: CPU per 1M samples (vs %s)", base.Name), subj.CPUPerMillionSamples, base.CPUPerMillionSamples, "%.4f", "s", "ratio<=1.0"},
		{"15", fmt.Sprintf("ingest: RSS per head series (vs %s)", base.Name), subj.RSSPerSeries, base.RSSPerSeries, "%.0f", "bytes", "ratio<=1.0"},
	}
}

// appendFigures adds figs to the figures file at path, creating it.
func appendFigures(path string, figs []figure) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, f := range figs {
		fmt.Fprintf(&b, "%s\t%s\t"+f.format+"\t"+f.format+"\t%s\t%s\n", f.issue, f.name, f.ward, f.anchor, f.unit, f.goal)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(b.String()); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
