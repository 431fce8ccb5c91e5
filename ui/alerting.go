package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/errkind"
)

// Alerting is what the HTTP server needs from the alert pipeline.
type Alerting interface {
	// Handler serves Alertmanager's /api/v2.
	Handler() http.Handler
	Deliveries(receiver string, limit int) ([]alerting.Delivery, error)
	SendTest(ctx context.Context, receiver string) ([]alerting.TestResult, error)
	// AdmitAlerts refuses, with alerting.ErrAlertLimit, alerts that would
	// pass the alert store's limits.
	AdmitAlerts(labels []model.LabelSet) error
	// Alerts lists the unresolved alerts matching matchers, silenced
	// and inhibited ones marked, at most limit; total counts matches.
	Alerts(ctx context.Context, matchers []*labels.Matcher, limit int) (views []alerting.AlertView, total int)
	// Summary counts alerts by state and severity and active silences.
	Summary(ctx context.Context) alerting.Summary

	// The alerts and silences pages (issue 10).
	//
	// Groups lists the dispatcher's groups with their unresolved alerts
	// matching matchers, at most limit alerts in all; total counts them.
	Groups(ctx context.Context, matchers []*labels.Matcher, limit int) (groups []alerting.GroupView, total int, err error)
	// Silences lists the silences, at most limit of each state.
	Silences(ctx context.Context, limit int) (views []alerting.SilenceView, total map[string]int, err error)
	// Silence returns one silence by ID.
	Silence(ctx context.Context, id string) (alerting.SilenceView, bool)
}

var _ Alerting = (*alerting.Manager)(nil)

// deliveries lists the last notification delivery attempts:
// GET /api/ward/deliveries?receiver=NAME&limit=N
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, errDeliveriesLimit)
			return
		}
		limit = n
	}
	d, err := s.deps.Alerting.Deliveries(r.URL.Query().Get("receiver"), limit)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing deliveries: %w", err))
		return
	}
	if d == nil {
		d = []alerting.Delivery{}
	}
	writeData(w, http.StatusOK, d)
}

var errDeliveriesLimit = errkind.New(errkind.Malformed, "ui: deliveries limit out of range", "limit: want an integer from 1 to 1000")

// testReceiver sends a test notification through a receiver:
// POST /api/ward/receivers/{name}/test. Each test is audited with the
// receiver and its outcome.
func (s *Server) testReceiver(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := s.deps.Alerting.SendTest(r.Context(), name)
	if err != nil {
		if kind, _ := errkind.Of(err); kind == errkind.Internal {
			// Errors building a receiver may quote its settings: they
			// stay in the log.
			err = errkind.Wrap(err, errkind.Internal, "the receiver could not be built; see ward's log")
		}
		p := s.explain(r, err)
		s.audit(r, audit.ActionReceiverTest, clip(name, 128), p.status, map[string]string{"status": strconv.Itoa(p.status), "reason": p.msg})
		s.answer(w, r, p)
		return
	}
	code := http.StatusOK
	var failed []string
	for _, r := range res {
		if !r.OK {
			code = http.StatusBadGateway
			failed = append(failed, r.Integration)
		}
	}
	details := map[string]string{"status": strconv.Itoa(code), "integrations": strconv.Itoa(len(res))}
	if len(failed) > 0 {
		details["reason"] = clip("failed: "+strings.Join(failed, ","), 256)
	}
	s.audit(r, audit.ActionReceiverTest, clip(name, 128), code, details)
	writeData(w, code, res)
}
