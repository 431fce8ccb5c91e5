package ratelimit

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestBucketsQuotaAndRefill(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := NewBuckets(Policy{Name: "api_read", Quota: 100, Window: time.Minute}, 0)
	for i := 1; i <= 100; i++ {
		d := b.Take("user:ann", 1, now)
		if !d.Allowed || d.Remaining != 100-i {
			t.Fatalf("request %d: %+v, want allowed with %d left", i, d, 100-i)
		}
	}
	d := b.Take("user:ann", 1, now)
	if d.Allowed || d.Remaining != 0 || d.Reset != 600*time.Millisecond {
		t.Fatalf("101st: %+v, want refused, 0 left, reset 600ms (one unit at 100/min)", d)
	}
	// Another key has its own bucket.
	if d := b.Take("user:bob", 1, now); !d.Allowed || d.Remaining != 99 {
		t.Fatalf("bob: %+v", d)
	}
	// 6 s later ten units are back (100/min).
	now = now.Add(6 * time.Second)
	for i := 0; i < 10; i++ {
		if d := b.Take("user:ann", 1, now); !d.Allowed {
			t.Fatalf("refill: request %d refused: %+v", i, d)
		}
	}
	if d := b.Take("user:ann", 1, now); d.Allowed {
		t.Fatalf("after 6s ten were allowed and an eleventh too: %+v", d)
	}
}

func TestBucketsCost(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBuckets(Policy{Name: "q", Quota: 600, Window: time.Minute}, 0)
	if d := b.Take("k", 31, now); !d.Allowed || d.Remaining != 569 {
		t.Fatalf("cost 31: %+v", d)
	}
	// A query dearer than the quota costs the whole quota once full.
	c := NewBuckets(Policy{Name: "q", Quota: 10, Window: time.Minute}, 0)
	if d := c.Take("k", 1000, now); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("capped cost: %+v", d)
	}
	if d := c.Take("k", 5, now); d.Allowed || d.Reset != 30*time.Second {
		t.Fatalf("cost 5 on an empty bucket of 10/min: %+v, want refused for 30s", d)
	}
}

// TestBucketsBounded: the buckets never hold more than max keys, a new
// key evicts the least recently used one, and a recently used key stays.
func TestBucketsBounded(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBuckets(Policy{Name: "a", Quota: 1, Window: time.Minute}, 100)
	for i := 0; i < 100; i++ {
		b.Take("k"+strconv.Itoa(i), 1, now)
	}
	b.Take("k0", 1, now) // k0 is now the most recently used (and refused)
	for i := 0; i < 1000; i++ {
		b.Take("new"+strconv.Itoa(i), 1, now)
		if b.Len() > 100 || len(b.keys) != b.Len() {
			t.Fatalf("%d keys (map %d), max 100", b.Len(), len(b.keys))
		}
	}
	if d := b.Take("k1", 1, now); !d.Allowed {
		t.Fatalf("evicted key k1 should start over: %+v", d)
	}
}

func TestBucketsConcurrent(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBuckets(Policy{Name: "a", Quota: 100, Window: time.Hour}, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := map[string]int{}
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := "t" + strconv.Itoa(i%5)
			if b.Take(k, 1, now).Allowed {
				mu.Lock()
				allowed[k]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 5; i++ {
		if n := allowed["t"+strconv.Itoa(i)]; n != 100 {
			t.Errorf("t%d: %d allowed, want 100", i, n)
		}
	}
}

func TestWindow(t *testing.T) {
	now := time.Unix(0, 0)
	w := NewWindow(Policy{Name: "sign_in", Quota: 3, Window: time.Minute}, 2)
	for i := 1; i <= 3; i++ {
		if d := w.Take("1.2.3.4", 1, now); !d.Allowed || d.Remaining != 3-i || d.Reset != time.Minute {
			t.Fatalf("%d: %+v", i, d)
		}
	}
	now = now.Add(20 * time.Second)
	if d := w.Take("1.2.3.4", 1, now); d.Allowed || d.Reset != 40*time.Second {
		t.Fatalf("4th: %+v, want refused until the window ends in 40s", d)
	}
	w.Take("a", 1, now)
	w.Take("b", 1, now) // evicts 1.2.3.4's window, the oldest
	if w.Len() != 2 || len(w.seen) != 2 {
		t.Fatalf("len %d (map %d), max 2", w.Len(), len(w.seen))
	}
	now = now.Add(time.Minute)
	if d := w.Take("1.2.3.4", 1, now); !d.Allowed || w.Len() != 1 {
		t.Fatalf("new window: %+v, len %d (expired windows leave)", d, w.Len())
	}
}

// BenchmarkTakeAndHeaders is the limiter's share of a request: one
// charge to a bucket among 10,000 live keys and the two header fields.
func BenchmarkTakeAndHeaders(b *testing.B) {
	now := time.Unix(0, 0)
	l := NewBuckets(Policy{Name: "api_read", Quota: 1 << 30, Window: time.Minute}, 0)
	keys := make([]string, DefaultMaxKeys)
	for i := range keys {
		keys[i] = "token:t" + strconv.Itoa(i)
		l.Take(keys[i], 1, now)
	}
	h := http.Header{}
	i := 0
	for b.Loop() {
		d := l.Take(keys[i%len(keys)], 1, now)
		clear(h)
		SetHeaders(h, l.Policy(), d)
		i++
	}
}
