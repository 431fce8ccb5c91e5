package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/errkind"
)

// Drills and restores (issue 12): POST /api/backups/restore/ for
// programs and POST /backups/restore for the page's form. Either starts
// a drill (no restore_target) or a restore into a configured restore
// target. Both need the operator role, a step-up within
// auth.StepUpWindow and the stanza's name typed in confirm; every
// outcome, refusals included, is audited.

// maxRestoreBody bounds a restore request's body, JSON or form.
const maxRestoreBody = 16 << 10

// labelPattern is a pgBackRest backup label ("20260314-020000F_20260315-020000I").
var labelPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// restoreRequest is the body of a restore: JSON keys or form fields.
type restoreRequest struct {
	Stanza        string `json:"stanza"`
	RestoreTarget string `json:"restore_target"`
	Label         string `json:"label"`
	// Time is a point-in-time target: RFC 3339, Unix seconds, or the
	// form's datetime-local (UTC).
	Time    string `json:"time"`
	Confirm string `json:"confirm"`
	// Delta lets a restore reuse the files already in its target
	// (pgbackrest --delta): JSON true, or the form's checkbox "on".
	Delta bool `json:"delta"`
}

var restoreFields = map[string]bool{"stanza": true, "restore_target": true, "label": true, "time": true, "confirm": true, "delta": true}

// formBool reads a checkbox: absent or "" is false, "on", "true" or "1"
// true; anything else an error naming the field.
func formBool(field, v string) (bool, error) {
	switch v {
	case "":
		return false, nil
	case "on", "true", "1":
		return true, nil
	}
	return false, badRequest(field + ": want on, true or 1")
}

// readRestoreRequest reads a JSON or form body of at most
// maxRestoreBody bytes.
func readRestoreRequest(w http.ResponseWriter, r *http.Request) (restoreRequest, error) {
	var req restoreRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRestoreBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return req, badRequest(fmt.Sprintf("body: larger than %d bytes", maxRestoreBody))
	case err != nil:
		return req, badRequest("body: could not be read")
	}
	switch mt {
	case "application/json":
		err := checkObject(raw, "body", restoreFields, func(key string, v json.RawMessage) error {
			if key == "delta" {
				if !isNull(v) && json.Unmarshal(v, &req.Delta) != nil {
					return fmt.Errorf("delta: want true or false")
				}
				return nil
			}
			var s string
			if !isNull(v) && json.Unmarshal(v, &s) != nil {
				return fmt.Errorf("%s: want a string", key)
			}
			switch key {
			case "stanza":
				req.Stanza = s
			case "restore_target":
				req.RestoreTarget = s
			case "label":
				req.Label = s
			case "time":
				req.Time = s
			case "confirm":
				req.Confirm = s
			}
			return nil
		})
		if err != nil {
			return req, badRequest(clip(err.Error(), 256))
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return req, badRequest("body: not a form")
		}
		for k, vs := range form {
			if !restoreFields[k] {
				return req, badRequest(clip(k, 32) + ": unknown field")
			}
			if len(vs) > 1 {
				return req, badRequest(k + ": given more than once")
			}
		}
		req = restoreRequest{
			Stanza: form.Get("stanza"), RestoreTarget: form.Get("restore_target"),
			Label: form.Get("label"), Time: form.Get("time"), Confirm: form.Get("confirm"),
		}
		if req.Delta, err = formBool("delta", form.Get("delta")); err != nil {
			return req, err
		}
	default:
		return req, badRequest("content-type: want application/json or application/x-www-form-urlencoded")
	}
	return req, nil
}

// drillRequest checks req's values and makes the service's request.
func drillRequest(req restoreRequest, by string, now time.Time) (backups.DrillRequest, error) {
	out := backups.DrillRequest{Stanza: req.Stanza, RestoreTarget: req.RestoreTarget, Label: req.Label, Delta: req.Delta, By: by}
	if req.Stanza == "" {
		return out, badRequest("stanza: required")
	}
	if err := checkBackupName("stanza", req.Stanza); err != nil {
		return out, err
	}
	if req.RestoreTarget != "" {
		if err := checkBackupName("restore_target", req.RestoreTarget); err != nil {
			return out, err
		}
	} else if req.Delta {
		return out, badRequest("delta: only for a restore into a restore_target (a drill's scratch is always empty)")
	}
	if req.Label != "" && !labelPattern.MatchString(req.Label) {
		return out, badRequest("label: not a pgBackRest backup label")
	}
	if t := strings.TrimSpace(req.Time); t != "" {
		at, err := parseChartTime("time", t)
		if err != nil {
			return out, err
		}
		if at.After(now) {
			return out, badRequest("time: in the future; a recovery target must be a past time")
		}
		out.Time = at
	}
	return out, nil
}

// startRestore checks the caller and req and starts the drill or
// restore, auditing the outcome. It returns the run, or the problem to
// answer.
func (s *Server) startRestore(r *http.Request, req restoreRequest, readErr error) (backups.Run, *problem) {
	p := auth.PrincipalFrom(r.Context())
	details := map[string]string{
		"stanza": clip(req.Stanza, maxBackupName), "restore_target": clip(req.RestoreTarget, maxBackupName),
		"label": clip(req.Label, 64), "time": clip(req.Time, 64),
		// Drills and restores share the action; kind tells them apart.
		"kind": "drill",
	}
	if req.RestoreTarget != "" {
		details["kind"] = "restore"
	}
	if req.Delta {
		details["delta"] = "true"
	}
	for k, v := range details {
		if v == "" {
			delete(details, k)
		}
	}
	target := clip(req.Stanza, maxBackupName)
	refuse := func(pr problem) (backups.Run, *problem) {
		details["status"], details["reason"] = strconv.Itoa(pr.status), clip(pr.msg, 256)
		s.audit(r, audit.ActionBackupRestore, target, pr.status, details)
		return backups.Run{}, &pr
	}
	if readErr != nil {
		return refuse(s.explain(r, readErr))
	}
	if s.deps.Backups == nil {
		return refuse(s.explain(r, errNoBackups))
	}
	// An API token can never step up, so it hears that, not "confirm
	// with a second factor".
	if !p.Local && p.Session.ID == "" && strings.HasPrefix(p.User.Name, auth.TokenActor("")) {
		return refuse(problem{status: http.StatusForbidden, kind: errkind.Forbidden,
			msg: "API tokens cannot start drills or restores: a person signed in with a recent two-factor step-up must (on /backups)"})
	}
	// Step-up first: without it nothing else about the request matters.
	if err := s.deps.Auth.RequireStepUp(p); err != nil {
		return refuse(s.explain(r, err))
	}
	dr, err := drillRequest(req, p.User.Name, s.now())
	if err != nil {
		return refuse(s.explain(r, err))
	}
	switch {
	case req.Confirm == "":
		return refuse(s.explain(r, badRequest("confirm: type the stanza's name to confirm")))
	case req.Confirm != req.Stanza:
		return refuse(problem{status: http.StatusUnprocessableEntity, kind: errkind.Invalid, msg: "confirm: does not match the stanza's name"})
	}
	run, err := s.deps.Backups.StartDrill(r.Context(), dr)
	if err != nil {
		return refuse(s.backupStatus(r, err))
	}
	details["status"], details["run"] = strconv.Itoa(http.StatusAccepted), run.ID
	s.audit(r, audit.ActionBackupRestore, target, http.StatusAccepted, details)
	return run, nil
}

// apiRestore serves POST /api/backups/restore/: 202 with the run id and
// Location: /api/backups/runs/{id}.
func (s *Server) apiRestore(w http.ResponseWriter, r *http.Request) {
	req, err := readRestoreRequest(w, r)
	run, p := s.startRestore(r, req, err)
	if p != nil {
		s.answer(w, r, *p)
		return
	}
	accepted(w, run)
}
