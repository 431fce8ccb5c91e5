package main

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"time"
)

// A flip's latency is, before any notification work, the wait for the
// next scrape, w (where in the scrape cycle the value changed), plus the
// wait from that scrape to the next evaluation of the alert's rule group,
// e (where the group's evaluation falls relative to the scrape). Both
// offsets are hashes, fixed for a run; over targets and groups w and e
// are independent and uniform over the interval T, so w+e has the
// triangular distribution on [0, 2T): median T, p95 about 1.68 T.
//
// Left to chance, 24 alerts sample that so coarsely that the p95 moves by
// half a second from run to run and which stack "wins" at p50 depends on
// where the dice fell. So each stack gets the same planned sample: the
// sums w+e are the N quantiles (k+0.5)/N of the triangular distribution,
// and each sum is split into w and e at a stratified point of the range
// the split can take (given the sum, w is uniform on that range), in an
// order fixed by the seed. The evaluation wait is hit by choosing, out of
// a larger pool of one-alert rule groups, the group whose measured phase
// is closest to the plan; the scrape wait by timing the flip, corrected by
// what the chosen group misses the plan by, so that the sum of the two
// waits is the planned one to within the schedules' jitter.

// planned is the design point of one measured alert.
type planned struct {
	scrapeWait time.Duration
	evalWait   time.Duration
}

// design returns n design points for scrape and evaluation interval T.
func design(n int, interval time.Duration, seed uint64) []planned {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	order, splits := rng.Perm(n), rng.Perm(n)
	T := float64(interval)
	out := make([]planned, n)
	for i := range out {
		q := (float64(order[i]) + 0.5) / float64(n)
		sum := T * triangularQuantile(q)
		lo, hi := max(0, sum-T), min(sum, T)
		w := lo + (float64(splits[i])+0.5)/float64(n)*(hi-lo)
		out[i] = planned{scrapeWait: time.Duration(w), evalWait: time.Duration(sum - w)}
	}
	return out
}

// triangularQuantile is the q-quantile of the sum of two independent
// uniforms on [0, 1).
func triangularQuantile(q float64) float64 {
	if q <= 0.5 {
		return math.Sqrt(2 * q)
	}
	return 2 - math.Sqrt(2*(1-q))
}

// phase is t's offset within the interval, on the Unix clock that both
// Prometheus' scrape and rule schedules are pinned to.
func phase(t time.Time, interval time.Duration) time.Duration {
	return time.Duration(t.UnixNano() % int64(interval))
}

// cyclic is the distance from a forward to b within one interval.
func cyclic(a, b, interval time.Duration) time.Duration {
	return ((b-a)%interval + interval) % interval
}

// flipMargin keeps an aimed flip this far from a scrape, well clear of
// the few milliseconds the scrape and the flip themselves jitter.
const flipMargin = 25 * time.Millisecond

// choose picks, among unused ids, the one whose rule group's evaluation
// wait after a scrape (evalWaits[id]) is closest to p's, marks it used,
// and returns it with the scrape wait to aim at: p's, less what the group
// misses by, as long as that stays inside the scrape interval. ok is false
// when no id is left.
func choose(p planned, ids []string, evalWaits map[string]time.Duration, used map[string]bool, interval time.Duration) (id string, scrapeWait time.Duration, ok bool) {
	best := time.Duration(-1)
	for _, cand := range ids {
		w, known := evalWaits[cand]
		if used[cand] || !known {
			continue
		}
		miss := w - p.evalWait
		aim := p.scrapeWait - miss
		if aim < flipMargin || aim > interval-flipMargin {
			// No correction possible: rank it behind every group that
			// can be corrected for.
			aim, miss = p.scrapeWait, interval+max(miss, -miss)
		}
		if d := max(miss, -miss); best < 0 || d < best {
			id, scrapeWait, best = cand, aim, d
		}
	}
	if best < 0 {
		return "", 0, false
	}
	used[id] = true
	return id, scrapeWait, true
}

// flipTime is the first moment, not before earliest, that lies wait
// before a scrape, given one scrape's time and the scrape interval
// (scrapes keep a fixed phase: Prometheus pins them to absolute time).
func flipTime(last time.Time, interval, wait time.Duration, earliest time.Time) time.Time {
	at := last.Add(interval - wait)
	if at.Before(earliest) {
		at = at.Add(earliest.Sub(at).Truncate(interval))
		if at.Before(earliest) {
			at = at.Add(interval)
		}
	}
	return at
}

// sleepUntil returns at t: a timer to just short of it, then a spin, since
// a flip meant for a few milliseconds before a scrape must not oversleep.
func sleepUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t) - 2*time.Millisecond; d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
	return nil
}
