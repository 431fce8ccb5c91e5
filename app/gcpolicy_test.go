package app

import (
	"context"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestGOGCFor walks the policy's decisions, hysteresis included.
func TestGOGCFor(t *testing.T) {
	for _, tt := range []struct {
		name    string
		live    uint64
		current int
		want    int
	}{
		{"idle ward", 15 << 20, defaultGOGC, smallHeapGOGC},
		{"idle ward stays", 15 << 20, smallHeapGOGC, smallHeapGOGC},
		{"at the line", smallHeapLive, smallHeapGOGC, defaultGOGC},
		{"ingest at scale", 400 << 20, smallHeapGOGC, defaultGOGC},
		{"just under the line keeps small", smallHeapLive - 1, smallHeapGOGC, smallHeapGOGC},
		{"just under the line keeps default", smallHeapLive - 1, defaultGOGC, defaultGOGC},
		{"below the hysteresis band", smallHeapLive*3/4 - 1, defaultGOGC, smallHeapGOGC},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := gogcFor(tt.live, tt.current); got != tt.want {
				t.Errorf("gogcFor(%d MiB, %d) = %d, want %d", tt.live>>20, tt.current, got, tt.want)
			}
		})
	}
}

// TestGCPolicyRun runs the policy on this process's real runtime: its
// small test heap gets the small-heap GOGC, Go's default comes back when
// the policy stops, and a GOGC in the environment turns it off.
func TestGCPolicyRun(t *testing.T) {
	before := debug.SetGCPercent(defaultGOGC)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	p := newGCPolicy(slog.New(slog.DiscardHandler))
	if live := p.live(); live == 0 || live >= smallHeapLive*3/4 {
		t.Fatalf("live heap %d bytes: want a small, non-zero test heap", live)
	}
	p.step()
	if got := debug.SetGCPercent(smallHeapGOGC); got != smallHeapGOGC {
		t.Errorf("GOGC after a step on a small heap = %d, want %d", got, smallHeapGOGC)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Run(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(defaultGOGC); got != defaultGOGC {
		t.Errorf("GOGC after the policy stopped = %d, want %d", got, defaultGOGC)
	}

	// As if GOGC=77 were in the environment: the runtime applied it, and
	// the policy leaves it.
	debug.SetGCPercent(77)
	off := newGCPolicy(slog.New(slog.DiscardHandler))
	if err := off.Run(ctx, "77"); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(defaultGOGC); got != 77 {
		t.Errorf("GOGC with GOGC=77 in the environment changed to %d", got)
	}
}
