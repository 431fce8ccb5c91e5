package main

import (
	"os"
	"testing"
)

func TestSplitName(t *testing.T) {
	for _, tc := range []struct{ line, name, rest string }{
		{`up 1`, "up", " 1"},
		{`prometheus_tsdb_head_samples_appended_total{type="float"} 12345`, "prometheus_tsdb_head_samples_appended_total", " 12345"},
		{`m{a="x}y",b="q\"}"} 2 1700000000`, "m", " 2 1700000000"},
		{`bare`, "bare", ""},
	} {
		t.Run(tc.line, func(t *testing.T) {
			name, rest := splitName(tc.line)
			if name != tc.name || rest != tc.rest {
				t.Fatalf("splitName(%q) = %q, %q; want %q, %q", tc.line, name, rest, tc.name, tc.rest)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct{ p, want float64 }{{0.5, 5}, {0.95, 10}, {0.1, 1}, {0, 1}, {1, 10}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestReadProcSelf(t *testing.T) {
	s, err := readProc(os.Getpid(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSBytes <= 0 || s.HWMBytes < s.RSSBytes || s.CPUSeconds < 0 {
		t.Fatalf("implausible sample %+v", s)
	}
}
