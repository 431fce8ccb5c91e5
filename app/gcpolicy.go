package app

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// ward's garbage collector policy (issue 15). The Go runtime lets the
// heap grow to live × (1 + GOGC/100) before collecting; at the default
// GOGC of 100 an idle ward on the typical job (live heap ~15 MB) keeps as
// much garbage as it has live data. Below smallHeapLive the policy
// collects at smallHeapGOGC instead: half the headroom, about 7 MB less
// RSS, for a collection every few seconds of a heap that marks in a few
// milliseconds. Above it, where ingest at scale lives and collections
// cost real CPU, it is Go's and Prometheus' default, so the ingest
// bench's CPU and RSS per series are unchanged (bench/run.sh). A GOGC in
// the environment wins, as GOMEMLIMIT does over server.memory_limit.
const (
	smallHeapGOGC  = 50
	defaultGOGC    = 100
	smallHeapLive  = 64 << 20
	gcPolicyPeriod = 10 * time.Second
)

// liveHeapMetric is the runtime's count of heap bytes that survived the
// last collection.
const liveHeapMetric = "/gc/heap/live:bytes"

// gcPolicy sets GOGC from the live heap.
type gcPolicy struct {
	logger *slog.Logger
	// live reads the live heap; set applies a GOGC (debug.SetGCPercent).
	live    func() uint64
	set     func(int) int
	current int
}

func newGCPolicy(logger *slog.Logger) *gcPolicy {
	return &gcPolicy{
		logger: logger,
		live: func() uint64 {
			s := []metrics.Sample{{Name: liveHeapMetric}}
			metrics.Read(s)
			if s[0].Value.Kind() != metrics.KindUint64 {
				return 0
			}
			return s[0].Value.Uint64()
		},
		set:     debug.SetGCPercent,
		current: defaultGOGC,
	}
}

// gogcFor is the GOGC for a live heap of live bytes, given the current
// one: a quarter of hysteresis below smallHeapLive, so that a heap near
// the line does not flip the setting at every look.
func gogcFor(live uint64, current int) int {
	switch {
	case live >= smallHeapLive:
		return defaultGOGC
	case live < smallHeapLive*3/4:
		return smallHeapGOGC
	}
	return current
}

// step looks at the live heap once and changes GOGC if the policy says so.
func (p *gcPolicy) step() {
	live := p.live()
	want := gogcFor(live, p.current)
	if want == p.current {
		return
	}
	p.set(want)
	p.logger.Debug("garbage collector target changed", "gogc", want, "live_heap_bytes", live)
	p.current = want
}

// Run applies the policy until ctx ends, unless GOGC (the value of the
// environment variable) is set; it leaves Go's default in place when it
// returns.
func (p *gcPolicy) Run(ctx context.Context, gogc string) error {
	if gogc != "" {
		p.logger.Info("garbage collector policy off: GOGC is set", "gogc", gogc)
		<-ctx.Done()
		return nil
	}
	p.logger.Info("garbage collector policy", "gogc_small_heap", smallHeapGOGC, "small_heap_below_bytes", smallHeapLive, "gogc", defaultGOGC)
	t := time.NewTicker(gcPolicyPeriod)
	defer t.Stop()
	for {
		p.step()
		select {
		case <-ctx.Done():
			if p.current != defaultGOGC {
				p.set(defaultGOGC)
			}
			return nil
		case <-t.C:
		}
	}
}

// runGCPolicy runs ward's garbage collector policy until ctx ends.
func (a *App) runGCPolicy(ctx context.Context) error {
	return newGCPolicy(a.logger).Run(ctx, os.Getenv("GOGC"))
}
