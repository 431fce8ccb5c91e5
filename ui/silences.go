package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
)

// Audit actions of silences. (They belong with the others in the audit
// package; kept here until that list is next edited.)
const (
	actionSilenceCreate = "silence.create"
	actionSilenceUpdate = "silence.update"
	actionSilenceExpire = "silence.expire"
)

// maxSilenceBody bounds a silence posted to the v2 API.
const maxSilenceBody = 1 << 20

// capture records the status and the start of the body a handler writes.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len() < 4096 {
		c.body.Write(p[:min(len(p), 4096-c.body.Len())])
	}
	return c.ResponseWriter.Write(p)
}

func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// createSilence wraps Alertmanager's POST /api/v2/silences: the silence's
// createdBy becomes the signed-in user or token, whatever the client
// wrote (amtool's --author included), and the outcome is audited.
func (s *Server) createSilence(am http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSilenceBody))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, nil, "bad_data", errors.New("silence too large"))
			return
		}
		var sil map[string]json.RawMessage
		if err := json.Unmarshal(raw, &sil); err != nil || sil == nil {
			// Alertmanager answers malformed bodies itself.
			r.Body = io.NopCloser(bytes.NewReader(raw))
			am.ServeHTTP(w, r)
			return
		}
		author, _ := json.Marshal(p.User.Name)
		sil["createdBy"] = author
		body, err := json.Marshal(sil)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, nil, "bad_data", err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		rec := &capture{ResponseWriter: w}
		am.ServeHTTP(rec, r)

		action, id := actionSilenceCreate, jsonString(sil["id"])
		if id != "" {
			action = actionSilenceUpdate
		}
		var resp struct {
			SilenceID string `json:"silenceID"`
		}
		if json.Unmarshal(rec.body.Bytes(), &resp) == nil && resp.SilenceID != "" {
			id = resp.SilenceID
		}
		details := map[string]string{
			"status":   strconv.Itoa(rec.status),
			"matchers": clip(string(sil["matchers"]), 512),
			"comment":  clip(jsonString(sil["comment"]), 256),
			"ends_at":  jsonString(sil["endsAt"]),
		}
		s.audit(r, action, id, rec.status, details)
	}
}

// expireSilence wraps DELETE /api/v2/silence/{id} to audit it.
func (s *Server) expireSilence(am http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rec := &capture{ResponseWriter: w}
		am.ServeHTTP(rec, r)
		s.audit(r, actionSilenceExpire, id, rec.status, map[string]string{"status": strconv.Itoa(rec.status)})
	}
}

// audit appends a record of a request's outcome by its principal.
func (s *Server) audit(r *http.Request, action, target string, status int, details map[string]string) {
	p := PrincipalFrom(r.Context())
	outcome := audit.Success
	if status >= 300 || status == 0 {
		outcome = audit.Failure
	}
	err := s.deps.Audit.AppendAudit(audit.Record{
		Time: s.now(), Actor: p.User.Name, ActorIP: p.IP, Action: action,
		Target: target, Outcome: outcome, Details: details,
	})
	if err != nil {
		s.logger.Error("audit append failed", "err", err, "action", action)
	}
}

func jsonString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
