package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
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
}

var _ Alerting = (*alerting.Manager)(nil)

// writeJSON answers in Prometheus' API envelope.
func writeJSON(w http.ResponseWriter, code int, data any, errType string, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	body := map[string]any{"status": "success", "data": data}
	if err != nil {
		body = map[string]any{"status": "error", "errorType": errType, "error": err.Error()}
	}
	_ = json.NewEncoder(w).Encode(body)
}

// deliveries lists the last notification delivery attempts:
// GET /api/ward/deliveries?receiver=NAME&limit=N
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeJSON(w, http.StatusBadRequest, nil, "bad_data", errors.New("limit: want an integer from 1 to 1000"))
			return
		}
		limit = n
	}
	d, err := s.deps.Alerting.Deliveries(r.URL.Query().Get("receiver"), limit)
	if err != nil {
		s.logger.Error("listing deliveries", "err", err)
		writeJSON(w, http.StatusInternalServerError, nil, "internal", errors.New("internal error"))
		return
	}
	if d == nil {
		d = []alerting.Delivery{}
	}
	writeJSON(w, http.StatusOK, d, "", nil)
}

// testReceiver sends a test notification through a receiver:
// POST /api/ward/receivers/{name}/test. Each test is audited with the
// receiver and its outcome.
func (s *Server) testReceiver(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := s.deps.Alerting.SendTest(r.Context(), name)
	if err != nil {
		code, errType, msg := s.testError(name, err)
		s.audit(r, audit.ActionReceiverTest, clip(name, 128), code, map[string]string{"status": strconv.Itoa(code), "reason": msg})
		writeJSON(w, code, nil, errType, errors.New(msg))
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
	writeJSON(w, code, res, "", nil)
}

// testError maps an error of SendTest to a status and a message for the
// client. Errors building a receiver stay in the log: they may quote its
// settings.
func (s *Server) testError(receiver string, err error) (code int, errType, msg string) {
	switch {
	case errors.Is(err, alerting.ErrUnknownReceiver):
		return http.StatusNotFound, "not_found", "unknown receiver"
	case errors.Is(err, alerting.ErrNotConfigured):
		return http.StatusServiceUnavailable, "unavailable", "alerting is not configured yet"
	}
	s.logger.Error("sending a test notification", "receiver", receiver, "err", err)
	return http.StatusInternalServerError, "internal", "the receiver could not be built; see ward's log"
}
