package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// seriesName is the gauge every synthetic alert watches; its bench_id
// label tells the alerts apart and is what the fake Slack looks for.
const seriesName = "bench_value"

// target is the synthetic scrape target: one gauge per alert, all 0 until
// flipped to 1. It records when each gauge flipped and when each scrape
// took its snapshot, under one lock, so "the first scrape that saw the
// flip" is exact.
type target struct {
	mu      sync.Mutex
	ids     []string
	values  map[string]float64
	flips   map[string]time.Time
	scrapes []time.Time
}

func newTarget(ids []string) *target {
	t := &target{ids: slices.Clone(ids), values: map[string]float64{}, flips: map[string]time.Time{}}
	for _, id := range ids {
		t.values[id] = 0
	}
	return t
}

// ServeHTTP renders the exposition. Prometheus 3 (inside ward) refuses a
// scrape without a Content-Type it knows, so the header is explicit.
func (t *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	t.mu.Lock()
	t.scrapes = append(t.scrapes, time.Now())
	fmt.Fprintf(&b, "# HELP %s Synthetic value; an alert fires when it is above 0.5.\n# TYPE %s gauge\n", seriesName, seriesName)
	for _, id := range t.ids {
		fmt.Fprintf(&b, "%s{bench_id=%q} %g\n", seriesName, id, t.values[id])
	}
	t.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// flip sets id's gauge above the threshold and returns the moment it did.
func (t *target) flip(id string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.values[id] = 1
	t.flips[id] = now
	return now
}

// scrapeCount is how many scrapes have been served.
func (t *target) scrapeCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.scrapes)
}

// scrapeReference is a moment in the scrape schedule near the latest
// scrape: the latest scrape moved to the median phase of the last few,
// so that one late scrape does not shift the aim of the next flip.
func (t *target) scrapeReference(interval time.Duration) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.scrapes) == 0 {
		return time.Time{}
	}
	last := t.scrapes[len(t.scrapes)-1]
	var offsets []time.Duration
	for _, s := range t.scrapes[max(0, len(t.scrapes)-9):] {
		// Offset of s's phase from last's, folded into half an interval
		// either way.
		d := cyclic(phase(last, interval), phase(s, interval), interval)
		if d > interval/2 {
			d -= interval
		}
		offsets = append(offsets, d)
	}
	slices.Sort(offsets)
	return last.Add(offsets[len(offsets)/2])
}

// firstScrapeAfter is the first scrape whose snapshot was taken after at.
func (t *target) firstScrapeAfter(at time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, _ := slices.BinarySearchFunc(t.scrapes, at, func(s, at time.Time) int {
		if s.After(at) {
			return 1
		}
		return -1
	})
	if i == len(t.scrapes) {
		return time.Time{}, false
	}
	return t.scrapes[i], true
}

// scrapeGaps are the intervals between consecutive scrapes, to check the
// server really scraped at the configured interval.
func (t *target) scrapeGaps() []float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var gaps []float64
	for i := 1; i < len(t.scrapes); i++ {
		gaps = append(gaps, t.scrapes[i].Sub(t.scrapes[i-1]).Seconds())
	}
	return gaps
}
