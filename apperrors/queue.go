package apperrors

import (
	"sync"
	"time"
)

// The ingest queue between Accept and the worker. Its bounds make
// Accept refuse (ErrOverloaded, a 429 for the SDK) rather than grow:
// 32 MiB is about 13 s of the 50 events/s of 50 KB the benchmark sends
// (and, with a batch being decoded, keeps the heap well under 256 MB).
const (
	MaxQueueEvents = 2000
	MaxQueueBytes  = 32 << 20
	// A batch, one bbolt transaction, holds at most this much: its
	// events are decoded at once, at several times their size.
	maxBatchEvents = 100
	maxBatchBytes  = 4 << 20
)

type item struct {
	project  string
	raw      []byte
	received time.Time
	accepted time.Time // the queue's clock, for the latency
}

type queue struct {
	mu    sync.Mutex
	items []item
	bytes int
	// wake has room for one signal: the worker drains everything each
	// time it wakes.
	wake chan struct{}
}

func newQueue() *queue { return &queue{wake: make(chan struct{}, 1)} }

// push adds all of items or none.
func (q *queue) push(items []item) bool {
	n := 0
	for _, it := range items {
		n += len(it.raw)
	}
	q.mu.Lock()
	if len(q.items)+len(items) > MaxQueueEvents || q.bytes+n > MaxQueueBytes {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, items...)
	q.bytes += n
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take removes a batch from the front.
func (q *queue) take() []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, size := 0, 0
	for n < len(q.items) && n < maxBatchEvents && (n == 0 || size+len(q.items[n].raw) <= maxBatchBytes) {
		size += len(q.items[n].raw)
		n++
	}
	batch := make([]item, n)
	copy(batch, q.items)
	clear(q.items[:n]) // let the payloads go
	q.items = q.items[n:]
	if len(q.items) == 0 {
		q.items = nil
	}
	q.bytes -= size
	return batch
}

func (q *queue) depth() (events, bytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items), q.bytes
}
