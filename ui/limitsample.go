package ui

import (
	"sync"
	"time"
)

// Bounds of what refusals write (attack review of issue 13): a client
// rotating addresses must grow neither the audit trail nor the events
// timeline without bound.
const (
	// maxRefusalAuditsPerClass bounds the sampled audit records of one
	// class per refusalWindow, over all keys; past it, refusals are
	// summed into one record when the window ends.
	maxRefusalAuditsPerClass = 100
	// refusalWindow is the window of both bounds and of the per-key
	// sampling.
	refusalWindow = time.Minute
)

// classWindow is one class's count in the current window.
type classWindow struct {
	start time.Time
	n     int
	// over counts the refusals past the bound.
	over int
}

// classCap bounds per class and window how many refusals are written.
// Its zero value is ready.
type classCap struct {
	mu  sync.Mutex
	max int
	cur map[string]*classWindow
}

// take reports whether one more record of class may be written at now.
// When the class's previous window ended with refusals over the bound,
// overflow is their number (to be written once, as a summary).
func (c *classCap) take(class string, now time.Time) (ok bool, overflow int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.window(class, now, &overflow)
	if w.n < c.max {
		w.n++
		return true, overflow
	}
	w.over++
	return false, overflow
}

// skip counts a refusal of class that was not sampled for a reason of
// its own (the per-key sampling) without using the bound.
func (c *classCap) skip(class string, now time.Time) (overflow int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.window(class, now, &overflow)
	return overflow
}

// window is class's current window, started anew (with the ended one's
// overflow in *overflow) when refusalWindow has passed.
func (c *classCap) window(class string, now time.Time, overflow *int) *classWindow {
	if c.cur == nil {
		c.cur = map[string]*classWindow{}
	}
	w := c.cur[class]
	if w == nil {
		w = &classWindow{start: now}
		c.cur[class] = w
	}
	if d := now.Sub(w.start); d < 0 || d >= refusalWindow {
		*overflow = w.over
		*w = classWindow{start: now}
	}
	return w
}

// ended returns, per class, the overflow of windows that have ended by
// now and clears it: the periodic flush writes their summaries when no
// further refusal came to do it.
func (c *classCap) ended(now time.Time) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for class, w := range c.cur {
		if now.Sub(w.start) >= refusalWindow {
			if w.over > 0 {
				out[class] = w.over
			}
			delete(c.cur, class)
		}
	}
	return out
}
