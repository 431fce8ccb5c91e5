package ui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// restoreView is the drill or restore form (GET /backups/restore).
type restoreView struct {
	Stanza string
	// Drill is a drill into scratch; otherwise a restore into a
	// configured restore target.
	Drill bool
	// Runbook is the production recovery runbook for the stanza and
	// the time given (or the latest); RunbookErr why there is none.
	Runbook, RunbookErr string
	// The step-up form.
	StepUntil    string
	HasTwoFactor bool
	Self         string // this page's URL, where the step-up returns
	// The form's values and its problem.
	Target, Label, Time string
	Delta               bool
	Error               string
	// Targets are the configured restore targets, offered as a list.
	Targets []string
}

// restoreKinds reads kind=drill|restore (drill by default).
func restoreKind(v string) (drill bool, err error) {
	switch v {
	case "", "drill":
		return true, nil
	case "restore":
		return false, nil
	}
	return false, badRequest("kind: want drill or restore")
}

// restorePage serves GET /backups/restore?stanza=S&kind=drill|restore
// [&time=T]: the runbook, the step-up and the confirmation form.
func (s *Server) restorePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.backupsService(w, r); !ok {
		return
	}
	q := r.URL.Query()
	stanza := q.Get("stanza")
	if err := checkBackupName("stanza", stanza); err != nil {
		s.fail(w, r, err)
		return
	}
	drill, err := restoreKind(q.Get("kind"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The values come back from the step-up through Self.
	v := restoreView{Stanza: stanza, Drill: drill, Time: clip(q.Get("time"), 64),
		Target: clip(q.Get("restore_target"), maxBackupName), Label: clip(q.Get("label"), 64)}
	if v.Delta, err = formBool("delta", q.Get("delta")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRestore(w, r, http.StatusOK, v)
}

// renderRestore fills in the runbook and step-up state and renders v.
func (s *Server) renderRestore(w http.ResponseWriter, r *http.Request, status int, v restoreView) {
	pr := auth.PrincipalFrom(r.Context())
	v.StepUntil, v.HasTwoFactor = s.stepUpUntil(pr), pr.User.TwoFactor
	q := url.Values{"stanza": {v.Stanza}, "kind": {"drill"}}
	if !v.Drill {
		q.Set("kind", "restore")
		if v.Target != "" {
			q.Set("restore_target", v.Target)
		}
		if v.Delta {
			q.Set("delta", "on")
		}
	}
	if v.Label != "" {
		q.Set("label", v.Label)
	}
	if st, err := s.deps.Backups.Status(r.Context()); err == nil {
		v.Targets = st.RestoreTargets
	}
	var at time.Time
	if t := strings.TrimSpace(v.Time); t != "" {
		if parsed, err := parseChartTime("time", t); err == nil {
			at = parsed
			q.Set("time", t)
		}
	}
	v.Self = "/backups/restore?" + q.Encode()
	rb, err := s.deps.Backups.Runbook(v.Stanza, at)
	if err != nil {
		v.RunbookErr = s.explain(r, backupErr(err)).sentence()
	}
	v.Runbook = rb
	p := s.page(r, "Restore "+v.Stanza)
	if v.Drill {
		p.Title = "Drill " + v.Stanza
	}
	p.Current = "/backups"
	s.render(w, r, status, restorePageView(p, v))
}

// restoreSubmit serves POST /backups/restore: the form's drill or
// restore; on success the run's page, else the form with the problem.
func (s *Server) restoreSubmit(w http.ResponseWriter, r *http.Request) {
	req, err := readRestoreRequest(w, r)
	run, pr := s.startRestore(r, req, err)
	if pr == nil {
		http.Redirect(w, r, "/backups/runs/"+run.ID, http.StatusSeeOther)
		return
	}
	if s.deps.Backups == nil || checkBackupName("stanza", req.Stanza) != nil {
		s.answer(w, r, *pr)
		return
	}
	v := restoreView{
		Stanza: req.Stanza, Drill: req.RestoreTarget == "",
		Target: clip(req.RestoreTarget, maxBackupName), Label: clip(req.Label, 64), Time: clip(req.Time, 64),
		Delta: req.Delta, Error: pr.sentence(),
	}
	s.renderRestore(w, r, pr.status, v)
}
