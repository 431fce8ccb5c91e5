package ingest

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a request: the bounded values of the outcome label.
const (
	outcomeAccepted     = "accepted"
	outcomeRateLimited  = "rate_limited"
	outcomeUnauthorized = "unauthorized" // 401 and 403
	outcomeBadRequest   = "bad_request"  // 400 and 415
	outcomeTooLarge     = "too_large"
	outcomeOverloaded   = "overloaded"
	outcomeError        = "error" // 500: Accept failed otherwise
)

// droppedTypes are the item types counted by name; any other counts as
// "other", so a client cannot grow the label set.
var droppedTypes = map[string]string{
	"transaction": "transaction", "session": "session", "sessions": "sessions",
	"profile": "profile", "client_report": "client_report", "attachment": "attachment",
	"check_in": "check_in", "statsd": "statsd", "user_report": "user_report",
}

// droppedLabel is item type t as a label value.
func droppedLabel(t string) string {
	if l, ok := droppedTypes[t]; ok {
		return l
	}
	if strings.HasPrefix(t, "replay_") {
		return "replay"
	}
	return "other"
}

type metrics struct {
	requests *prometheus.CounterVec
	dropped  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_error_ingest_requests_total",
			Help: "Sentry ingest requests by project (\"\" when unknown) and outcome: accepted, rate_limited, unauthorized, bad_request, too_large, overloaded, error.",
		}, []string{"project", "outcome"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_error_ingest_dropped_items_total",
			Help: "Envelope items accepted and dropped (not events: transactions, sessions, replays, ...) by type.",
		}, []string{"type"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
