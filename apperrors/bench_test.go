package apperrors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// djangoEvent is a Django-like event of about size bytes: a 30-frame
// stack with variables and source context, 100 breadcrumbs, a request.
// issue picks its in-app frames; seq makes its message and ids unique.
func djangoEvent(issue, seq, size int) []byte {
	var frames []any
	for i := range 30 {
		frames = append(frames, map[string]any{
			"module": fmt.Sprintf("shop.module%d", i%7), "function": fmt.Sprintf("handler_%d_%d", issue, i),
			"filename": "shop/views.py", "lineno": 100 + i, "in_app": i >= 20,
			"context_line": "    total = compute(order, items)", "pre_context": []any{"def f(order):", "    items = order.items"},
			"post_context": []any{"    return total"},
			"vars":         map[string]any{"order": fmt.Sprintf("<Order %d>", seq), "items": "[<Item 1>, <Item 2>]", "request": "<WSGIRequest: POST '/checkout'>"},
		})
	}
	var crumbs []any
	for i := range 100 {
		crumbs = append(crumbs, map[string]any{"timestamp": 1777888798.5 + float64(i), "category": "query",
			"message": fmt.Sprintf("SELECT * FROM shop_order WHERE id = %d", seq+i)})
	}
	ev := map[string]any{
		"event_id": fmt.Sprintf("%032x", seq+1), "timestamp": 1777888798.25, "platform": "python", "level": "error",
		"environment": "production", "release": "shop@1." + strconv.Itoa(seq%3), "server_name": "web-1",
		"exception": map[string]any{"values": []any{map[string]any{"type": "ValueError", "value": fmt.Sprintf("bad order %d", seq),
			"stacktrace": map[string]any{"frames": frames}}}},
		"breadcrumbs": map[string]any{"values": crumbs},
		"user":        map[string]any{"id": strconv.Itoa(seq % 500), "email": fmt.Sprintf("user%d@example.com", seq%500)},
		"request": map[string]any{"method": "POST", "url": "https://shop.example/checkout",
			"headers": map[string]any{"User-Agent": "Mozilla/5.0", "Cookie": "sessionid=abc"}, "data": map[string]any{"card": "visa"}},
		"extra": map[string]any{},
	}
	b, _ := json.Marshal(ev)
	if pad := size - len(b); pad > 0 {
		ev["extra"] = map[string]any{"sys.argv": strings.Repeat("manage.py runserver ", pad/20)}
		b, _ = json.Marshal(ev)
	}
	return b
}

// BenchmarkAccept50KB measures the pipeline end to end: events of 50 KB
// accepted one per request (as SDKs send them), processed, committed and
// visible. "max" sends as fast as Accept takes them (throughput);
// "paced50" sends 50 events/s, the issue's target, for accept-to-visible
// latency without a standing queue. Issues: "hot" spreads events over
// 20 issues (sampling keeps few after the first 100 each), "distinct"
// makes every event a new issue (every payload is written).
func BenchmarkAccept50KB(b *testing.B) {
	for _, mode := range []struct {
		name   string
		issues int
		rate   float64
	}{{"max/hot", 20, 0}, {"max/distinct", 0, 0}, {"paced50/hot", 20, 50}, {"paced50/distinct", 0, 50}} {
		b.Run(mode.name, func(b *testing.B) { benchAccept(b, mode.issues, mode.rate) })
	}
}

// benchSenders is how many requests BenchmarkAccept50KB has in flight.
const benchSenders = 32

func benchAccept(b *testing.B, issues int, rate float64) {
	dir := b.TempDir()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := New(Options{State: st, Registerer: prometheus.NewRegistry(), Dir: filepath.Join(dir, "errors")})
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.DefaultErrors()
	cfg.Projects = []config.ErrorProject{{ID: "1", Name: "shop", Keys: []string{"k"}}}
	_ = svc.Apply(cfg)
	events := make([][]byte, 200)
	for i := range events {
		issue := i
		if issues > 0 {
			issue = i % issues
		}
		events[i] = djangoEvent(issue, i, 50<<10)
	}
	var mu sync.Mutex
	var lat []time.Duration
	done := make(chan struct{})
	svc.visible = func(accepted time.Time) {
		mu.Lock()
		lat = append(lat, time.Since(accepted))
		if len(lat) == b.N {
			close(done)
		}
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = svc.Run(ctx); close(stopped) }()
	runtime.GC()
	rssBefore := procStatusKB("VmRSS")
	// Reset the peak (VmHWM) so that it is this run's.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var peakHeap uint64
	var overloads atomic.Int64
	// Requests come from up to benchSenders clients at once, as from a
	// site's web workers; each Accept returns when its event is stored.
	sem := make(chan struct{}, benchSenders)
	var senders sync.WaitGroup
	var acceptLat []time.Duration
	b.SetBytes(50 << 10)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		ev := events[i%len(events)]
		if issues == 0 && i >= len(events) {
			ev = djangoEvent(i, i, 50<<10) // a new issue every time
		}
		sem <- struct{}{}
		senders.Add(1)
		go func() {
			defer func() { <-sem; senders.Done() }()
			for {
				t := time.Now()
				err := svc.Accept(ctx, "1", []json.RawMessage{ev}, t)
				if err == nil {
					mu.Lock()
					acceptLat = append(acceptLat, time.Since(t))
					mu.Unlock()
					return
				}
				if !errors.Is(err, ErrOverloaded) {
					b.Error(err)
					return
				}
				overloads.Add(1)
				time.Sleep(time.Millisecond)
			}
		}()
		if i%50 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
		}
	}
	senders.Wait()
	<-done
	elapsed := time.Since(start)
	b.StopTimer()
	rssPeak := procStatusKB("VmHWM")
	cancel()
	<-stopped
	slices.Sort(lat)
	slices.Sort(acceptLat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(rssPeak-rssBefore)/1024, "peak-extra-RSS-MB")
	b.ReportMetric(float64(acceptLat[len(acceptLat)*95/100].Microseconds())/1000, "accept-p95-ms")
	b.ReportMetric(float64(overloads.Load()), "overloads")
}

// procStatusKB reads a kB field of /proc/self/status (0 elsewhere).
func procStatusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
