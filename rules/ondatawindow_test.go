package rules

import (
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	promrules "github.com/prometheus/prometheus/rules"
)

// TestOnDataChangeSkipsWindow: inside a group's window of one interval
// after a triggered evaluation, a commit that changed nothing waits for
// the window's end, while a change of state (a target's up flipped)
// evaluates at once, alone or by cutting short a deferred trigger. The
// window is an hour, so an evaluation seen here cannot be the deferred
// one: the random-phase bench showed the dying target's evaluation 1 ms
// after its failed scrape, this pins the path that makes it so.
func TestOnDataChangeSkipsWindow(t *testing.T) {
	od := newOnData(slog.New(slog.DiscardHandler), nil)
	od.start()
	defer od.stop()
	g := promrules.NewGroup(promrules.GroupOptions{Name: "g", File: "f", Interval: time.Minute})
	od.rebuild([]*promrules.Group{g}, map[string]EvalMode{promrules.GroupKey("f", "g"): EvalOnData})
	st := od.groups[promrules.GroupKey("f", "g")]
	evals := func() float64 { return testutil.ToFloat64(od.triggered.WithLabelValues(st.key)) }
	deferred := func() float64 { return testutil.ToFloat64(od.deferred.WithLabelValues(st.key)) }
	const window = time.Hour

	// A first trigger evaluates at once and opens the window.
	od.trigger(st, window, false)
	waitFor(t, "the first triggered evaluation", func() bool { return evals() == 1 })

	// A change of state inside the window: at once, nothing deferred.
	od.trigger(st, window, true)
	waitFor(t, "the change of state's evaluation", func() bool { return evals() == 2 })
	if d := deferred(); d != 0 {
		t.Errorf("a change of state was deferred (%v)", d)
	}

	// No change inside the window: deferred to the window's end.
	waitFor(t, "the evaluation to end", func() bool { st.mu.Lock(); defer st.mu.Unlock(); return !st.pending })
	od.trigger(st, window, false)
	st.mu.Lock()
	timer := st.timer
	st.mu.Unlock()
	if timer == nil || deferred() != 1 {
		t.Fatalf("a commit without change inside the window: timer %v, deferred %v; want a timer and 1", timer != nil, deferred())
	}
	if e := evals(); e != 2 {
		t.Errorf("a deferred trigger evaluated (%v evaluations, want 2)", e)
	}

	// A change of state while that trigger waits: the wait is cut short.
	od.trigger(st, window, true)
	waitFor(t, "the deferred trigger cut short", func() bool { return evals() == 3 })
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.timer != nil {
		t.Error("the deferred trigger's timer is still set")
	}
}
