package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// maxSilenceBody bounds a silence posted to the v2 API.
const maxSilenceBody = 1 << 20

// createSilence wraps Alertmanager's POST /api/v2/silences. The body is
// decoded strictly into Alertmanager's own model, refused unless it is
// exactly one valid silence, and rebuilt from the decoded value with
// createdBy set to the signed-in user or token, whatever the client wrote
// (amtool's --author included): Alertmanager sees the silence ward
// audited and nothing else. Every outcome, refusals included, is audited.
func (s *Server) createSilence(am http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		refuse := func(code int, err error) {
			writeAMError(w, code, err.Error())
			s.audit(r, audit.ActionSilenceCreate, "", code, map[string]string{
				"status": strconv.Itoa(code), "reason": clip(err.Error(), 256),
			})
		}
		raw, code, err := readJSONBody(w, r, maxSilenceBody)
		if err != nil {
			refuse(code, err)
			return
		}
		sil, err := decodeSilence(r.Context(), raw)
		if err != nil {
			refuse(http.StatusBadRequest, err)
			return
		}
		s.storeSilence(w, r, am, sil)
	}
}

// storeSilence passes sil to Alertmanager as a silence of the signed-in
// user or token, writes Alertmanager's answer to w and audits the
// outcome: the v2 API and the silence forms both create, update and
// extend silences through it. It returns the answer's status, the
// silence's ID on success and Alertmanager's reason on failure.
func (s *Server) storeSilence(w http.ResponseWriter, r *http.Request, am http.Handler, sil *models.PostableSilence) (status int, id, reason string) {
	author := auth.PrincipalFrom(r.Context()).User.Name
	sil.CreatedBy = &author
	body, err := json.Marshal(sil)
	if err != nil {
		s.logger.Error("encoding a silence", "err", err)
		code := http.StatusInternalServerError
		writeAMError(w, code, "internal error")
		s.audit(r, audit.ActionSilenceCreate, "", code, map[string]string{"status": strconv.Itoa(code), "reason": "internal error"})
		return code, "", "internal error"
	}
	fwd := withJSONBody(r, body)
	// The silence forms post elsewhere: Alertmanager answers at its own
	// path only.
	fwd.Method = http.MethodPost
	fwd.URL.Path, fwd.URL.RawPath, fwd.URL.RawQuery = "/api/v2/silences", "", ""
	rec := &capture{ResponseWriter: w}
	am.ServeHTTP(rec, fwd)

	action, target := audit.ActionSilenceCreate, ""
	details := map[string]string{
		"status":   strconv.Itoa(rec.status),
		"matchers": clip(matchersString(sil.Matchers), 512),
		"comment":  clip(*sil.Comment, 256),
		"ends_at":  sil.EndsAt.String(),
	}
	if sil.ID != "" {
		// Alertmanager updates the silence in place, or expires it
		// and creates a new one under a new ID.
		action, target = audit.ActionSilenceUpdate, clip(sil.ID, 64)
	}
	var resp struct {
		SilenceID string `json:"silenceID"`
	}
	if rec.status == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &resp) == nil && resp.SilenceID != "" {
		id = resp.SilenceID
		if target == "" {
			target = resp.SilenceID
		} else if resp.SilenceID != target {
			details["new_id"] = resp.SilenceID
		}
	}
	if rec.status != http.StatusOK {
		reason = amErrorText(rec.body.Bytes())
		details["reason"] = clip(reason, 256)
	}
	s.audit(r, action, target, rec.status, details)
	return rec.status, id, reason
}

// expireSilence wraps DELETE /api/v2/silence/{id} to audit it. Only a
// UUID is passed on, and under the path ward audited, so that
// Alertmanager expires exactly the silence the record names.
func (s *Server) expireSilence(am http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !strfmt.IsUUID(id) {
			code := http.StatusUnprocessableEntity
			writeAMError(w, code, "silenceID in path must be of type uuid")
			s.audit(r, audit.ActionSilenceExpire, clip(id, 64), code, map[string]string{
				"status": strconv.Itoa(code), "reason": "silence ID is not a UUID",
			})
			return
		}
		s.expireSilenceID(w, r, am, id)
	}
}

// expireSilenceID asks Alertmanager to expire the silence id (a UUID),
// writes its answer to w and audits the outcome, for the v2 API and the
// silences page alike. It returns the status and, on failure,
// Alertmanager's reason.
func (s *Server) expireSilenceID(w http.ResponseWriter, r *http.Request, am http.Handler, id string) (status int, reason string) {
	fwd := r.Clone(r.Context())
	fwd.Method = http.MethodDelete
	fwd.URL.Path, fwd.URL.RawPath, fwd.URL.RawQuery = "/api/v2/silence/"+id, "", ""
	fwd.Body, fwd.ContentLength = http.NoBody, 0
	rec := &capture{ResponseWriter: w}
	am.ServeHTTP(rec, fwd)
	details := map[string]string{"status": strconv.Itoa(rec.status)}
	if rec.status != http.StatusOK {
		reason = amErrorText(rec.body.Bytes())
		details["reason"] = clip(reason, 256)
	}
	s.audit(r, audit.ActionSilenceExpire, id, rec.status, details)
	return rec.status, reason
}

// Keys of Alertmanager's postableSilence and matcher, spelled as its API
// specification spells them.
var (
	silenceFields = map[string]bool{"id": true, "annotations": true, "comment": true, "createdBy": true, "endsAt": true, "matchers": true, "startsAt": true}
	matcherFields = map[string]bool{"isEqual": true, "isRegex": true, "name": true, "value": true}
)

// decodeSilence decodes a posted silence strictly: one JSON object and
// nothing after it, no unknown keys, no key given twice or in another
// case (Go's decoder would take the last of "createdBy" and "createdby"),
// every required field present and valid for Alertmanager's model.
func decodeSilence(ctx context.Context, raw []byte) (*models.PostableSilence, error) {
	err := checkObject(raw, "silence", silenceFields, func(key string, v json.RawMessage) error {
		switch {
		case key == "annotations" && !isNull(v):
			return checkObject(v, "annotations", nil, nil)
		case key == "matchers" && !isNull(v):
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				return errors.New("matchers: want an array of matchers")
			}
			for i, item := range items {
				if err := checkObject(item, fmt.Sprintf("matchers[%d]", i), matcherFields, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sil models.PostableSilence
	if err := json.Unmarshal(raw, &sil); err != nil {
		return nil, fmt.Errorf("silence: %w", err)
	}
	if err := sil.Validate(strfmt.Default); err != nil {
		return nil, err
	}
	if err := sil.ContextValidate(ctx, strfmt.Default); err != nil {
		return nil, err
	}
	return &sil, nil
}

// checkObject checks that raw is one JSON object and nothing more. With
// fields, its keys must be among them, spelled exactly so; without, any
// key goes (a label set). No key may appear twice. each, when set, sees
// every value.
func checkObject(raw []byte, path string, fields map[string]bool, each func(key string, v json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	} else if tok != json.Delim('{') {
		return fmt.Errorf("%s: want a JSON object", path)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		key, _ := tok.(string) // object keys are always strings
		if fields != nil && !fields[key] {
			for f := range fields {
				if strings.EqualFold(f, key) {
					return fmt.Errorf("%s: key %q differs from %q only in case", path, key, f)
				}
			}
			return fmt.Errorf("%s: unknown key %q", path, key)
		}
		if seen[key] {
			return fmt.Errorf("%s: key %q given twice", path, key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s.%s: %w", path, key, err)
		}
		if each != nil {
			if err := each(key, v); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the object", path)
	}
	return nil
}

func isNull(v json.RawMessage) bool { return string(v) == "null" }

// matchersString renders matchers as amtool prints them.
func matchersString(ms models.Matchers) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if m == nil || m.Name == nil || m.Value == nil || m.IsRegex == nil {
			continue
		}
		op := "="
		if m.IsEqual != nil && !*m.IsEqual {
			op = "!="
		}
		if *m.IsRegex {
			op = map[string]string{"=": "=~", "!=": "!~"}[op]
		}
		parts = append(parts, *m.Name+op+strconv.Quote(*m.Value))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// readJSONBody reads a request body of at most limit bytes that declares
// itself JSON, as Alertmanager's API requires. On error it returns the
// status to answer.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, http.StatusUnsupportedMediaType, errors.New("unsupported media type: want Content-Type: application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", limit)
	case err != nil:
		return nil, http.StatusBadRequest, errors.New("reading the request body failed")
	}
	return raw, 0, nil
}

// withJSONBody returns r carrying body, as JSON, instead of its own.
func withJSONBody(r *http.Request, body []byte) *http.Request {
	fwd := r.Clone(r.Context())
	fwd.Body = io.NopCloser(bytes.NewReader(body))
	fwd.ContentLength = int64(len(body))
	fwd.Header.Set("Content-Length", strconv.Itoa(len(body)))
	fwd.Header.Set("Content-Type", "application/json")
	return fwd
}

// writeAMError answers as Alertmanager's v2 API answers a bad request: a
// JSON string, which its client (amtool) prints.
func writeAMError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(msg)
}

// amErrorText returns the message of an Alertmanager error answer: a JSON
// string, or an object with a message (go-openapi's validation errors).
func amErrorText(body []byte) string {
	var msg string
	if json.Unmarshal(body, &msg) == nil {
		return msg
	}
	var obj struct{ Message string }
	if json.Unmarshal(body, &obj) == nil && obj.Message != "" {
		return obj.Message
	}
	return strings.TrimSpace(string(body))
}

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

// audit appends a record of a request's outcome (its HTTP status) by its
// principal.
func (s *Server) audit(r *http.Request, action, target string, status int, details map[string]string) {
	outcome := audit.Success
	if status >= 300 || status == 0 {
		outcome = audit.Failure
	}
	err := s.deps.Audit.AppendAudit(auth.AuditRecord(r.Context(), s.now(), action, target, outcome, details))
	if err != nil {
		s.logger.Error("audit append failed", "err", err, "action", action)
	}
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
