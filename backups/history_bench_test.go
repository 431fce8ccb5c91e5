package backups

import (
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkRefreshRates counts 30-day success rates over a full history
// (keepRuns runs, each with a 4 KiB log), as after every finished run.
func BenchmarkRefreshRates(b *testing.B) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")}
	b.StopTimer()
	bm, _ := testManager(b, clock)
	log := strings.Repeat("x", 4096)
	for i := 0; i < keepRuns; i++ {
		start := clock.Now().Add(-time.Duration(i) * 4 * time.Minute) // 10,000 runs in ~28 days
		r := Run{ID: newRunID(start), Kind: KindBackup, State: StateSuccess, Job: "db", Started: start, Finished: start.Add(time.Minute), Log: log}
		if i%50 == 0 {
			r.State = StateFailed
		}
		if err := bm.store.put(r); err != nil {
			b.Fatal(err)
		}
	}
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		bm.refreshRates(clock.Now())
	}
	b.StopTimer()
	if r := bm.rates["db"]; r.finished != keepRuns || r.success != keepRuns-keepRuns/50 {
		b.Fatalf("counted %+v", r)
	}
}

// BenchmarkParseInfo parses real pgbackrest info output.
func BenchmarkParseInfo(b *testing.B) {
	out, err := os.ReadFile("testdata/info-posix.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	for i := 0; i < b.N; i++ {
		if _, err := parseInfo(out, "main"); err != nil {
			b.Fatal(err)
		}
	}
}
