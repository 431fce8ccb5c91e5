package main

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestDesign(t *testing.T) {
	const n, interval = 24, 2 * time.Second
	pts := design(n, interval, 1)
	var sums []float64
	for _, p := range pts {
		if p.scrapeWait <= 0 || p.scrapeWait >= interval || p.evalWait <= 0 || p.evalWait >= interval {
			t.Errorf("design point %+v outside the interval", p)
		}
		sums = append(sums, (p.scrapeWait + p.evalWait).Seconds())
	}
	slices.Sort(sums)
	for k, got := range sums {
		want := 2 * triangularQuantile((float64(k)+0.5)/n)
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("sum %d = %.4fs, want %.4fs", k, got, want)
		}
	}
	// Nearest-rank p50 and p95 of 24: the 12th and 23rd sums.
	if math.Abs(sums[11]-1.958) > 0.001 || math.Abs(sums[22]-3.293) > 0.001 {
		t.Errorf("p50 %.3fs p95 %.3fs, want 1.958s and 3.293s", sums[11], sums[22])
	}
	if !slices.Equal(pts, design(n, interval, 1)) {
		t.Error("same seed, different plan")
	}
}

func TestTriangularQuantile(t *testing.T) {
	for _, tt := range []struct{ q, want float64 }{{0, 0}, {0.125, 0.5}, {0.5, 1}, {0.875, 1.5}, {1, 2}} {
		if got := triangularQuantile(tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("triangularQuantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestChoose(t *testing.T) {
	const interval = 2 * time.Second
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	waits := map[string]time.Duration{"a": ms(100), "b": ms(530), "c": ms(1990), "d": ms(10)}
	tests := []struct {
		name     string
		p        planned
		used     []string
		wantID   string
		wantAim  time.Duration
		wantNone bool
	}{
		{"nearest group, aim corrected", planned{scrapeWait: ms(1000), evalWait: ms(500)}, nil, "b", ms(970), false},
		// d is 25ms away around the cycle, but an evaluation 10ms after
		// the scrape is not one 1985ms after it.
		{"distance is linear, not around the cycle", planned{scrapeWait: ms(100), evalWait: ms(1985)}, []string{"c"}, "b", ms(1555), false},
		{"used groups are skipped", planned{scrapeWait: ms(1000), evalWait: ms(500)}, []string{"b"}, "a", ms(1400), false},
		// a is nearer, but aiming 10ms before the scrape is too close.
		{"a correction too close to the scrape ranks last", planned{scrapeWait: ms(30), evalWait: ms(80)}, nil, "d", ms(100), false},
		{"uncorrectable is still better than nothing", planned{scrapeWait: ms(30), evalWait: ms(80)}, []string{"d"}, "a", ms(30), false},
		{"none left", planned{scrapeWait: ms(1000), evalWait: ms(500)}, []string{"a", "b", "c", "d"}, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := map[string]bool{}
			for _, u := range tt.used {
				used[u] = true
			}
			id, aim, ok := choose(tt.p, []string{"a", "b", "c", "d"}, waits, used, interval)
			if ok == tt.wantNone || id != tt.wantID || aim != tt.wantAim {
				t.Fatalf("choose = %q, %v, %v; want %q, %v", id, aim, ok, tt.wantID, tt.wantAim)
			}
			if ok && !used[id] {
				t.Errorf("%s not marked used", id)
			}
		})
	}
}

func TestFlipTime(t *testing.T) {
	last := time.Unix(1000, 0)
	const interval = 2 * time.Second
	tests := []struct {
		name     string
		wait     time.Duration
		earliest time.Time
		want     time.Time
	}{
		{"next scrape", 500 * time.Millisecond, last.Add(time.Second), last.Add(1500 * time.Millisecond)},
		{"next one too soon", 1500 * time.Millisecond, last.Add(time.Second), last.Add(2500 * time.Millisecond)},
		{"several cycles on", 500 * time.Millisecond, last.Add(7 * time.Second), last.Add(7500 * time.Millisecond)},
		{"exactly at earliest", 500 * time.Millisecond, last.Add(1500 * time.Millisecond), last.Add(1500 * time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flipTime(last, interval, tt.wait, tt.earliest); !got.Equal(tt.want) {
				t.Errorf("flipTime = %v, want %v", got.Sub(last), tt.want.Sub(last))
			}
		})
	}
}
