package alerting

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/client_golang/prometheus"
)

// historyKeep is how many delivery attempts the history keeps.
const historyKeep = 500

// history records every delivery attempt: outcome metrics per receiver and
// integration, and the last attempts in the state database.
type history struct {
	// failing tracks since when each receiver's attempts have failed.
	failing *fallbackTracker

	store    DeliveryStore // nil keeps no attempts
	observer Observer      // nil: nobody hears of attempts
	logger   *slog.Logger
	attempts *prometheus.CounterVec
	failures *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHistory(store DeliveryStore, reg prometheus.Registerer, logger *slog.Logger) *history {
	h := &history{
		failing: newFallbackTracker(nil),
		store:   store,
		logger:  logger,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_notification_attempts_total",
			Help: "Notification delivery attempts, retries included, by receiver and integration.",
		}, []string{"receiver", "integration"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_notification_attempt_failures_total",
			Help: "Failed notification delivery attempts by receiver, integration and reason.",
		}, []string{"receiver", "integration", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ward_notification_attempt_duration_seconds",
			Help:    "Duration of notification delivery attempts.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"receiver", "integration"}),
	}
	if reg != nil {
		reg.MustRegister(h.attempts, h.failures, h.latency)
	}
	return h
}

// wrap returns a notifier that records each attempt of inner.
func (h *history) wrap(receiver string, inner *notify.Integration) notify.Notifier {
	return &recorded{h: h, receiver: receiver, inner: inner}
}

// failingLongest returns the receiver failing longest, and for how long.
func (h *history) failingLongest() (string, time.Duration) { return h.failing.failingLongest() }

// Deliveries returns the last attempts, newest first.
func (h *history) deliveries(receiver string, limit int) ([]Delivery, error) {
	if h.store == nil {
		return nil, nil
	}
	kept, err := h.store.Deliveries(receiver, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(kept))
	for i, d := range kept {
		out[i] = deliveryOf(d)
	}
	return out, nil
}

type recorded struct {
	h        *history
	receiver string
	inner    *notify.Integration
}

func (r *recorded) Notify(ctx context.Context, alerts ...*alert.Alert) notify.NotifyVerdict {
	start := time.Now()
	v := r.inner.Notify(ctx, alerts...)
	elapsed := time.Since(start)
	name := r.inner.Name()
	r.h.attempts.WithLabelValues(r.receiver, name).Inc()
	r.h.latency.WithLabelValues(r.receiver, name).Observe(elapsed.Seconds())
	d := Delivery{
		Time: start, Receiver: r.receiver, Integration: r.inner.String(), Alerts: len(alerts),
		Resolved: alert.Alerts(alerts...).Status() == "resolved", Status: "success", Duration: elapsed,
	}
	d.GroupKey, _ = notify.GroupKey(ctx)
	r.h.failing.observe(r.receiver, start, v.Err() != nil)
	if err := v.Err(); err != nil {
		r.h.failures.WithLabelValues(r.receiver, name, v.Reason().String()).Inc()
		d.Status, d.Error = "failed", err.Error()
		if v.ShouldRetry() {
			d.Status = "retry"
		}
	}
	if r.h.store != nil {
		if err := r.h.store.AddDelivery(d.stored(), historyKeep); err != nil {
			r.h.logger.Error("recording delivery attempt failed", "err", err)
		}
	}
	if r.h.observer != nil {
		r.h.observer.Attempted(d)
	}
	return v
}
