package alerting

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// fallbackTracker remembers, per receiver, since when its deliveries have
// been failing. It outlives config reloads so a reload does not reset the
// clock of an outage.
type fallbackTracker struct {
	mu      sync.Mutex
	failing map[string]time.Time
	now     func() time.Time
	used    *prometheus.CounterVec
	// observer, if set, hears of each hand-over to a fallback.
	observer Observer
}

func newFallbackTracker(reg prometheus.Registerer) *fallbackTracker {
	t := &fallbackTracker{
		failing: map[string]time.Time{},
		now:     time.Now,
		used: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_notification_fallbacks_total",
			Help: "Notifications handed to a fallback receiver because the primary kept failing.",
		}, []string{"receiver", "fallback"}),
	}
	if reg != nil {
		reg.MustRegister(t.used)
	}
	return t
}

// observe records the outcome of one flush of receiver that started at
// start, and returns how long the receiver has been failing.
func (t *fallbackTracker) observe(receiver string, start time.Time, failed bool) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !failed {
		delete(t.failing, receiver)
		return 0
	}
	since, ok := t.failing[receiver]
	if !ok {
		since = start
		t.failing[receiver] = since
	}
	return t.now().Sub(since)
}

// stage wraps a receiver's pipeline stage: when the primary fails and has
// been failing for at least fb.After, the notification also goes through
// the fallback receiver's stage.
func (t *fallbackTracker) stage(receiver string, fb config.Fallback, primary, fallback notify.Stage, logger *slog.Logger) notify.Stage {
	return notify.StageFunc(func(ctx context.Context, l *slog.Logger, alerts ...*alert.Alert) (context.Context, []*alert.Alert, error) {
		start := t.now()
		ctx, out, err := primary.Exec(ctx, l, alerts...)
		failingFor := t.observe(receiver, start, err != nil)
		if err == nil || fallback == nil || failingFor < fb.After {
			return ctx, out, err
		}
		logger.Warn("receiver keeps failing; notifying its fallback", "receiver", receiver, "fallback", fb.Receiver, "failing_for", failingFor, "err", err)
		t.used.WithLabelValues(receiver, fb.Receiver).Inc()
		if t.observer != nil {
			t.observer.FellBack(receiver, fb.Receiver, failingFor, err)
		}
		// The primary used up this flush's deadline; give the fallback a
		// budget of its own, as long as the primary's was.
		budget := notify.MinTimeout
		if dl, ok := ctx.Deadline(); ok && dl.Sub(start) > budget {
			budget = dl.Sub(start)
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
		defer cancel()
		fctx = notify.WithReceiverName(fctx, fb.Receiver)
		_, fout, ferr := fallback.Exec(fctx, l, alerts...)
		if ferr != nil {
			return ctx, out, ferr
		}
		return ctx, fout, nil
	})
}

// failingLongest returns the receiver that has been failing longest, and
// for how long.
func (t *fallbackTracker) failingLongest() (string, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var name string
	var longest time.Duration
	for r, since := range t.failing {
		if d := t.now().Sub(since); d > longest {
			name, longest = r, d
		}
	}
	return name, longest
}
