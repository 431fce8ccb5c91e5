//go:build unix

package checks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// BenchmarkRunner50Checks runs 50 checks at a 10s interval for three
// intervals: 49 cheap tcp and http checks against local listeners and one
// http check against a server that accepts and never answers, which hangs
// for its 9s timeout every run. It reports the CPU ward spends per check
// run (process CPU, which includes the in-process test servers and the
// TSDB) and the scheduling jitter of the other checks while the hung one
// waits: how far each run's start strays from first run + k*interval.
// Each iteration takes about 31s.
//
//	go test ./checks -run '^$' -bench Runner50Checks
func BenchmarkRunner50Checks(b *testing.B) {
	const (
		interval = 10 * time.Second
		runs     = 4 // at 0, 10, 20 and 30s
	)
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	open := closingListener(b)
	hang := servicetest.Blackhole(b)
	var doc strings.Builder
	for i := range 49 {
		if i%2 == 0 {
			fmt.Fprintf(&doc, "  - {name: tcp-%02d, kind: tcp, address: %q, interval: 10s, timeout: 2s}\n", i, open)
		} else {
			fmt.Fprintf(&doc, "  - {name: http-%02d, kind: http, url: %q, interval: 10s, timeout: 2s}\n", i, web.URL)
		}
	}
	fmt.Fprintf(&doc, "  - {name: hung, kind: http, url: \"http://%s/\", interval: 10s, timeout: 9s}\n", hang)
	cfgs := loadChecks(b, doc.String())

	for b.Loop() {
		db := openTSDB(b)
		r := NewRunner(newLogger(&logBuffer{}), db, nil)
		if err := r.ApplyConfig(cfgs); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), (runs-1)*interval+time.Second)
		cpu0 := cpuTime(b)
		_ = r.Run(ctx)
		cpu := cpuTime(b) - cpu0
		cancel()

		b.StopTimer()
		var total int
		var worst time.Duration
		var worstCheck string
		var one time.Duration
		for k, s := range series(b, db, nameIs("ward_check_up")) {
			total += len(s)
			if strings.Contains(k, `check="hung"`) {
				// Its last run is still hanging when the benchmark stops.
				if len(s) != runs-1 || slices.ContainsFunc(s, func(x sample) bool { return x.v != 0 }) {
					b.Errorf("hung check: %v, want %d failed runs", s, runs-1)
				}
				if j := jitter(s, interval); j >= 100*time.Millisecond {
					b.Errorf("hung check's own schedule strays by %s", j)
				}
				continue
			}
			if len(s) != runs {
				b.Errorf("%s ran %d times, want %d", k, len(s), runs)
			}
			j := jitter(s, interval)
			if j > worst {
				worst, worstCheck = j, k
			}
			if strings.Contains(k, `check="tcp-00"`) {
				one = j
			}
		}
		if worst >= 100*time.Millisecond {
			b.Errorf("jitter %s of %s is over 100ms", worst, worstCheck)
		}
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/run")
		b.ReportMetric(float64(total), "runs")
		b.ReportMetric(float64(one.Microseconds())/1000, "jitter-ms(tcp-00)")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-jitter-ms(49-checks)")
		b.StartTimer()
	}
}

// BenchmarkCheckRun measures one run of a cheap check, including writing
// its samples to a real TSDB (and the in-process server's side).
func BenchmarkCheckRun(b *testing.B) {
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	open := closingListener(b)
	for _, tt := range []struct{ name, yaml string }{
		{"tcp", fmt.Sprintf("  - {name: c, kind: tcp, address: %q}\n", open)},
		{"http", fmt.Sprintf("  - {name: c, kind: http, url: %q}\n", web.URL)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			r := NewRunner(newLogger(&logBuffer{}), openTSDB(b), nil)
			if err := r.ApplyConfig(loadChecks(b, tt.yaml)); err != nil {
				b.Fatal(err)
			}
			j := r.jobs["c"]
			ctx := context.Background()
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				j.runOnce(ctx)
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/run")
			if res := j.latest(); !res.OK() {
				b.Fatalf("check failed: %s", res.Error)
			}
		})
	}
}

// jitter is the largest deviation of a series' sample times from its
// first plus whole intervals.
func jitter(s []sample, interval time.Duration) time.Duration {
	var worst time.Duration
	for k, x := range s {
		want := s[0].t + int64(k)*interval.Milliseconds()
		d := time.Duration(x.t-want) * time.Millisecond
		worst = max(worst, d.Abs())
	}
	return worst
}

// cpuTime is the CPU (user and system) the process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// closingListener accepts connections and closes them at once, so that
// many runs of a tcp check do not pile up open connections.
func closingListener(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}
