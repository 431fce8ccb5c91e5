package main

import (
	"math"
	"slices"
)

// summary describes a set of durations, in seconds.
type summary struct {
	N    int     `json:"n"`
	Min  float64 `json:"min_s"`
	P50  float64 `json:"p50_s"`
	P95  float64 `json:"p95_s"`
	Max  float64 `json:"max_s"`
	Mean float64 `json:"mean_s"`
}

// summarize computes a summary; percentiles are nearest-rank (the
// smallest value with at least p of the samples at or below it), so
// each is a latency that was really measured. With 24 samples p95 is
// the second largest.
func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	return summary{
		N:    len(s),
		Min:  s[0],
		P50:  percentile(s, 0.50),
		P95:  percentile(s, 0.95),
		Max:  s[len(s)-1],
		Mean: sum / float64(len(s)),
	}
}

// percentile is the nearest-rank p-quantile of sorted, which is not empty.
func percentile(sorted []float64, p float64) float64 {
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}
