package ingest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// BenchmarkIngest: one gzipped envelope of one ~50 KB event through the
// handler (auth, decompression, parse, rate limit, a recording Accept),
// as the benchmark sends them.
func BenchmarkIngest(b *testing.B) {
	f := newFixture(b)
	cfg := testConfig()
	cfg.Projects[0].RateLimit = config.ErrorRateLimit{PerSecond: 10_000, Burst: 100_000}
	f.h.Apply(cfg)
	var ev strings.Builder
	ev.WriteString(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","exception":{"values":[{"type":"ValueError","value":"boom","stacktrace":{"frames":[`)
	for i := 0; ev.Len() < 50<<10; i++ {
		if i > 0 {
			ev.WriteString(",")
		}
		fmt.Fprintf(&ev, `{"module":"shop.views","function":"checkout_%d","lineno":%d,"in_app":true,"context_line":"    total = sum(item.price for item in cart)","vars":{"n":%d}}`, i, i, i)
	}
	ev.WriteString(`]}}]}}`)
	body := gzipped(b, envelopeOf("", fmt.Sprintf(`{"type":"event","length":%d}`, ev.Len()), ev.String()))
	b.SetBytes(int64(ev.Len()))
	b.ReportAllocs()
	for b.Loop() {
		f.now = f.now.Add(time.Millisecond)
		req := httptest.NewRequest(http.MethodPost, "/api/1/envelope/", strings.NewReader(body))
		req.Header.Set("X-Sentry-Auth", auth(key1))
		req.Header.Set("Content-Encoding", "gzip")
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		f.acc.mu.Lock()
		f.acc.batches = f.acc.batches[:0]
		f.acc.mu.Unlock()
	}
}
