package main

import (
	"fmt"
	"math"
	"strconv"
)

// kind says how a series' value moves from one scrape to the next.
type kind uint8

const (
	counter kind = iota // grows by a small integer
	gauge               // random walk around a base value
	histo               // histogram bucket, _sum or _count: moved by its histogram
)

// histogram is one label set of http_request_duration_seconds: its buckets,
// _sum and _count are consecutive series of the target, starting at first.
type histogram struct {
	first int // index of the le="0.005" bucket series
}

// bucketBounds are client_golang's default buckets; +Inf is added.
var bucketBounds = []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}

// bucketUpper are bucketBounds as numbers, for drawing observations.
var bucketUpper = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20}

// seriesPerHistogram is buckets + _sum + _count.
var seriesPerHistogram = len(bucketBounds) + 2

var (
	resources = []string{"orders", "users", "carts", "products", "invoices", "sessions", "search", "payments", "reports", "tokens", "shipments", "reviews"}
	actions   = []string{"list", "get", "create", "update", "delete", "export"}
	methods   = []string{"GET", "POST"}
	codes     = []string{"200", "201", "400", "404", "500"}
	caches    = []string{"users", "products", "sessions", "pages", "tokens", "search", "carts", "prices"}
)

// Target is one synthetic application instance: a fixed set of series whose
// text exposition lines are rendered once, and values that move on every
// scrape. Render is the only per-scrape work: one append of each prefix and
// one number.
type Target struct {
	prefix [][]byte // "name{labels} " per series
	kinds  []kind
	values []float64
	steps  []float64 // gauge step size, about 0.5% of the base value
	hists  []histogram
	rng    uint64
	body   []byte

	pendingHeader []byte // # HELP / # TYPE lines for the next series
}

// NewTarget builds a target exposing exactly n series (n >= 64) with a mix
// that resembles an instrumented web service: a request counter and a
// latency histogram by handler, cache counters, queue gauges and a few
// process metrics. seed makes targets differ in their values.
func NewTarget(n int, seed uint64) (*Target, error) {
	if n < 64 {
		return nil, fmt.Errorf("series per target must be at least 64, got %d", n)
	}
	t := &Target{rng: seed*0x9E3779B97F4A7C15 + 1}

	// 70% of the series belong to the two HTTP families: per handler,
	// 2 methods x 5 codes of counters and 2 methods x 14 histogram series.
	perHandler := len(methods)*len(codes) + len(methods)*seriesPerHistogram
	handlers := max(1, n*7/10/perHandler)

	t.header("http_requests_total", "Requests served, by handler, method and status code.", "counter")
	for h := range handlers {
		for _, m := range methods {
			for _, c := range codes {
				t.add(counter, 0, "http_requests_total", "handler", handler(h), "method", m, "code", c)
			}
		}
	}
	t.header("http_request_duration_seconds", "Request latency, by handler and method.", "histogram")
	for h := range handlers {
		for _, m := range methods {
			t.hists = append(t.hists, histogram{first: len(t.prefix)})
			for _, le := range bucketBounds {
				t.add(histo, 0, "http_request_duration_seconds_bucket", "handler", handler(h), "method", m, "le", le)
			}
			t.add(histo, 0, "http_request_duration_seconds_sum", "handler", handler(h), "method", m)
			t.add(histo, 0, "http_request_duration_seconds_count", "handler", handler(h), "method", m)
		}
	}
	t.header("cache_requests_total", "Cache lookups, by cache and result.", "counter")
	for _, c := range caches {
		t.add(counter, 0, "cache_requests_total", "cache", c, "result", "hit")
		t.add(counter, 0, "cache_requests_total", "cache", c, "result", "miss")
	}
	t.header("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge")
	t.add(gauge, 180e6, "process_resident_memory_bytes")
	t.header("process_open_fds", "Number of open file descriptors.", "gauge")
	t.add(gauge, 40, "process_open_fds")
	t.header("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter")
	t.add(counter, 0, "process_cpu_seconds_total")

	// The rest are queue depth gauges, enough to reach exactly n.
	t.header("app_queue_depth", "Jobs waiting, by queue and shard.", "gauge")
	for i := 0; len(t.prefix) < n; i++ {
		t.add(gauge, 50, "app_queue_depth", "queue", fmt.Sprintf("q%03d", i/4), "shard", strconv.Itoa(i%4))
	}
	if len(t.prefix) != n {
		return nil, fmt.Errorf("built %d series, want %d", len(t.prefix), n)
	}
	return t, nil
}

func handler(i int) string {
	r := resources[i%len(resources)]
	a := actions[(i/len(resources))%len(actions)]
	if v := i / (len(resources) * len(actions)); v > 0 {
		return fmt.Sprintf("/api/v%d/%s/%s", v+1, r, a)
	}
	return "/api/v1/" + r + "/" + a
}

// header adds the # HELP and # TYPE lines of a family as a series-less
// prefix, so Render writes them in place.
func (t *Target) header(name, help, typ string) {
	t.pendingHeader = append(t.pendingHeader, fmt.Sprintf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)...)
}

// add appends one series with its label pairs (name, value, name, value…).
func (t *Target) add(k kind, base float64, name string, labels ...string) {
	b := append(t.pendingHeader, name...)
	t.pendingHeader = nil
	if len(labels) > 0 {
		b = append(b, '{')
		for i := 0; i < len(labels); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, labels[i]...)
			b = append(b, '=')
			b = strconv.AppendQuote(b, labels[i+1])
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	t.prefix = append(t.prefix, b)
	t.kinds = append(t.kinds, k)
	t.values = append(t.values, base)
	t.steps = append(t.steps, math.Max(1, math.Round(base/200)))
}

// next returns a pseudo-random 64-bit number (xorshift64*).
func (t *Target) next() uint64 {
	t.rng ^= t.rng >> 12
	t.rng ^= t.rng << 25
	t.rng ^= t.rng >> 27
	return t.rng * 2685821657736338717
}

// advance moves every value as one scrape interval of traffic would.
func (t *Target) advance() {
	for i, k := range t.kinds {
		switch k {
		case counter:
			t.values[i] += float64(t.next() % 16)
		case gauge:
			v := t.values[i] + t.steps[i]*float64(int64(t.next()%21)-10)/10
			t.values[i] = math.Max(v, 0)
		}
	}
	for _, h := range t.hists {
		nb := len(bucketBounds)
		obs := int(t.next() % 24)
		for range obs {
			r := t.next()
			// Most requests are fast: pick a bucket with a skew to the low end.
			b := min(int(r%uint64(nb)), int((r>>8)%uint64(nb)))
			for j := b; j < nb; j++ {
				t.values[h.first+j]++
			}
			lo := 0.0
			if b > 0 {
				lo = bucketUpper[b-1]
			}
			frac := float64((r>>16)%1000) / 1000
			t.values[h.first+nb] += lo + frac*(bucketUpper[b]-lo)
		}
		t.values[h.first+nb+1] += float64(obs)
	}
}

// Render advances the values and returns the exposition body. The slice
// is reused by the next call.
func (t *Target) Render() []byte {
	t.advance()
	b := t.body[:0]
	for i, p := range t.prefix {
		b = append(b, p...)
		if v := t.values[i]; v == math.Trunc(v) && v < 1e15 {
			b = strconv.AppendInt(b, int64(v), 10)
		} else {
			b = strconv.AppendFloat(b, v, 'g', 12, 64)
		}
		b = append(b, '\n')
	}
	t.body = b
	return b
}

// Len is the number of series the target exposes.
func (t *Target) Len() int { return len(t.prefix) }
