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
	req      *waiter
}

// waiter is one Accept call waiting for its events: the worker
// finishes each event once its batch is committed (or refused), and
// the last one releases the caller.
type waiter struct {
	mu      sync.Mutex
	pending int
	err     error
	done    chan struct{}
}

func newWaiter(n int) *waiter { return &waiter{pending: n, done: make(chan struct{})} }

// finish marks one of the request's events handled; err is why it was
// not stored (nil when it was, or was dropped as malformed).
func (r *waiter) finish(err error) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if err != nil && r.err == nil {
		r.err = err
	}
	r.pending--
	last := r.pending == 0
	r.mu.Unlock()
	if last {
		close(r.done)
	}
}

type queue struct {
	mu    sync.Mutex
	items []item
	bytes int
	// closed: the worker has stopped; nothing more is taken.
	closed bool
	// wake has room for one signal: the worker drains everything each
	// time it wakes.
	wake chan struct{}
}

func newQueue() *queue { return &queue{wake: make(chan struct{}, 1)} }

// push adds all of items or none (none once closed).
func (q *queue) push(items []item) bool {
	n := 0
	for _, it := range items {
		n += len(it.raw)
	}
	q.mu.Lock()
	if q.closed || len(q.items)+len(items) > MaxQueueEvents || q.bytes+n > MaxQueueBytes {
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

// close refuses further pushes; what is queued stays to be taken.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
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
