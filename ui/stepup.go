package ui

import (
	"net/http"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// stepUpUntil says until when p may do sensitive actions, or "" when it
// must confirm first.
func (s *Server) stepUpUntil(p *auth.Principal) string {
	if s.deps.Auth.RequireStepUp(p) != nil {
		return ""
	}
	return p.Session.SecondFactorAt.Add(auth.StepUpWindow).UTC().Format("15:04 UTC")
}

// stepUp serves POST /account/step-up: a current TOTP code (or the
// password, for a user without 2FA) unlocks sensitive actions for five
// minutes, then the user returns where they were.
func (s *Server) stepUp(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := auth.PrincipalFrom(r.Context())
	next := localPath(r.PostFormValue("next"))
	if err := s.deps.Auth.StepUp(r.Context(), p, r.PostFormValue("proof")); err != nil {
		status, msg := s.formError(w, r, err)
		s.renderMessage(w, r, status, "Not confirmed", msg+" Go back and try again.")
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// timeText formats a time for tables, in UTC and saying so: the reader
// may be in another zone than the server.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
