package main

import (
	"testing"
	"time"
)

// fakeRun builds a result whose alerts have the given latencies, all on the
// plan of seed 1.
func fakeRun(tb testing.TB, name string, latencies ...float64) *result {
	tb.Helper()
	r := &result{Name: name, ScrapeIntervalS: 2, EvalIntervalS: 2}
	plan := design(len(latencies), 2*time.Second, 1)
	var lat []float64
	for i, l := range latencies {
		at := time.Unix(0, 0)
		r.Alerts = append(r.Alerts, sample{
			PlannedWaitS:       (plan[i].scrapeWait + plan[i].evalWait).Seconds(),
			PlannedScrapeWaitS: plan[i].scrapeWait.Seconds(),
			Arrival:            &at,
			LatencyS:           l,
		})
		lat = append(lat, l)
	}
	r.Latency = summarize(lat)
	return r
}

func TestPairUpAndGoals(t *testing.T) {
	base := fakeRun(t, "stack", 1.0, 2.0, 3.0)
	tests := []struct {
		name       string
		subj       *result
		wantMedian float64
		wantFaster int
		wantP50Met bool
	}{
		{"faster everywhere", fakeRun(t, "ward", 0.999, 1.999, 2.999), -1, 3, true},
		{"slower on most", fakeRun(t, "ward", 1.002, 2.002, 2.990), 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pairUp(tt.subj, base)
			if p == nil {
				t.Fatal("runs of one plan not paired")
			}
			if p.N != 3 || p.Faster != tt.wantFaster || p.MedianMs < tt.wantMedian-1e-6 || p.MedianMs > tt.wantMedian+1e-6 {
				t.Errorf("pairUp = %+v, want median %v ms, faster %d", p, tt.wantMedian, tt.wantFaster)
			}
			goals := checkGoals(tt.subj, base, p)
			if len(goals) != 3 || !goals[0].Met || goals[1].Met != tt.wantP50Met || !goals[2].Met {
				t.Errorf("goals = %+v, want p95 met, p50 met %v, none missing", goals, tt.wantP50Met)
			}
		})
	}
	if p := pairUp(fakeRun(t, "ward", 1, 2), base); p != nil {
		t.Errorf("runs of different plans paired: %+v", p)
	}
}
