package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
)

// Bounds of one post to POST /api/v2/alerts. An unbounded post of 300,000
// alerts (82 MB) once took ward down.
const (
	// maxAlertsPerPost is about four times the batch Prometheus' notifier
	// sends (notifier.DefaultMaxBatchSize, 256 alerts); amtool posts one.
	maxAlertsPerPost = 1000
	// maxAlertsBody allows 5 KiB for each of maxAlertsPerPost alerts:
	// labels, annotations and generator URL of real alerts take 0.5 to
	// 2 KiB.
	maxAlertsBody = 5 << 20
	// maxAuditedNames bounds the alertnames an audit record lists.
	maxAuditedNames = 512
)

// postAlerts wraps Alertmanager's POST /api/v2/alerts: the body is
// bounded in bytes and alerts, the alerts must fit the store's limits, and
// each post is audited with its alert count and alertnames. Alertmanager
// receives the alerts as ward decoded them, so the record describes what
// it stores.
func (s *Server) postAlerts(am http.Handler) http.HandlerFunc {
	// mu makes admission and storing one step, so that concurrent posts
	// cannot each pass the limit check and together exceed it.
	var mu sync.Mutex
	return func(w http.ResponseWriter, r *http.Request) {
		details := map[string]string{}
		finish := func(code int, reason string) {
			details["status"] = strconv.Itoa(code)
			if reason != "" {
				details["reason"] = clip(reason, 256)
			}
			s.audit(r, audit.ActionAlertPost, "", code, details)
		}
		refuse := func(code int, err error) {
			writeAMError(w, code, err.Error())
			finish(code, err.Error())
		}
		raw, code, err := readJSONBody(w, r, maxAlertsBody)
		if err != nil {
			refuse(code, err)
			return
		}
		alerts, err := decodeAlerts(raw, maxAlertsPerPost)
		if errors.Is(err, errTooManyAlerts) {
			details["count"] = ">" + strconv.Itoa(maxAlertsPerPost)
			refuse(http.StatusBadRequest, err)
			return
		}
		if err != nil {
			refuse(http.StatusBadRequest, err)
			return
		}
		sets := make([]model.LabelSet, len(alerts))
		names := map[string]bool{}
		for i, a := range alerts {
			// Alertmanager drops empty labels before it identifies an
			// alert; so must the limit check.
			ls := make(model.LabelSet, len(a.Labels))
			for k, v := range a.Labels {
				if v != "" {
					ls[model.LabelName(k)] = model.LabelValue(v)
				}
			}
			sets[i] = ls
			if n := ls[model.AlertNameLabel]; n != "" {
				names[string(n)] = true
			}
		}
		details["count"] = strconv.Itoa(len(alerts))
		details["alertnames"], details["clipped"] = joinClipped(names, maxAuditedNames)
		body, err := json.Marshal(alerts)
		if err != nil {
			s.logger.Error("encoding alerts", "err", err)
			refuse(http.StatusInternalServerError, errors.New("internal error"))
			return
		}

		mu.Lock()
		defer mu.Unlock()
		if err := s.deps.Alerting.AdmitAlerts(sets); err != nil {
			if !errors.Is(err, alerting.ErrAlertLimit) {
				s.logger.Error("checking alert limits", "err", err)
				refuse(http.StatusInternalServerError, errors.New("internal error"))
				return
			}
			refuse(http.StatusTooManyRequests, err)
			return
		}
		rec := &capture{ResponseWriter: w}
		am.ServeHTTP(rec, withJSONBody(r, body))
		reason := ""
		if rec.status != http.StatusOK {
			reason = amErrorText(rec.body.Bytes())
		}
		finish(rec.status, reason)
	}
}

var errTooManyAlerts = fmt.Errorf("more than %d alerts in one post: send them in several", maxAlertsPerPost)

// decodeAlerts decodes a JSON array of at most limit alerts, and nothing
// after it. It stops reading at alert limit+1, so a body of many small
// alerts costs no more than limit of them.
func decodeAlerts(raw []byte, limit int) (models.PostableAlerts, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, errors.New("alerts: want a JSON array of alerts")
	}
	var out models.PostableAlerts
	for dec.More() {
		if len(out) == limit {
			return nil, errTooManyAlerts
		}
		a := new(models.PostableAlert)
		if err := dec.Decode(a); err != nil {
			return nil, fmt.Errorf("alerts[%d]: %w", len(out), err)
		}
		out = append(out, a)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("alerts: unexpected data after the array")
	}
	return out, nil
}

// joinClipped lists the set's members sorted and comma-separated in at
// most n bytes, and says whether some were left out.
func joinClipped(set map[string]bool, n int) (string, string) {
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, name := range names {
		if b.Len()+len(name)+1 > n {
			return b.String(), "true"
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	return b.String(), "false"
}
