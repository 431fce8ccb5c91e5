package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/storage"
)

// Alerting is what the HTTP server needs from the alert pipeline.
type Alerting interface {
	// Handler serves Alertmanager's /api/v2.
	Handler() http.Handler
	Deliveries(receiver string, limit int) ([]storage.Delivery, error)
	SendTest(ctx context.Context, receiver string) ([]alerting.TestResult, error)
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
		d = []storage.Delivery{}
	}
	writeJSON(w, http.StatusOK, d, "", nil)
}

// testReceiver sends a test notification through a receiver:
// POST /api/ward/receivers/{name}/test
func (s *Server) testReceiver(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := s.deps.Alerting.SendTest(r.Context(), name)
	switch {
	case errors.Is(err, alerting.ErrUnknownReceiver):
		writeJSON(w, http.StatusNotFound, nil, "not_found", err)
		return
	case err != nil:
		writeJSON(w, http.StatusUnprocessableEntity, nil, "bad_data", err)
		return
	}
	code := http.StatusOK
	for _, r := range res {
		if !r.OK {
			code = http.StatusBadGateway
		}
	}
	writeJSON(w, code, res, "", nil)
}
