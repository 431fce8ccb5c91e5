package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

func (s *Server) narrow(r *http.Request, title string) page {
	p := s.page(r, title)
	p.Narrow = true
	return p
}

// resetPage serves GET /reset-password: the request form, or with
// ?token= the new-password form of a reset link.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	if tok := r.URL.Query().Get("token"); tok != "" {
		s.render(w, r, http.StatusOK, resetConfirmPage(s.narrow(r, "Choose a new password"), resetView{Token: tok}))
		return
	}
	s.render(w, r, http.StatusOK, resetRequestPage(s.narrow(r, "Reset your password"), resetView{}))
}

// resetRequest serves POST /reset-password. The answer is the same
// whether or not the account exists.
func (s *Server) resetRequest(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	// The auth service mails the link (or, without a mail section, logs
	// that it cannot); the token itself is not the page's business.
	_, err := s.deps.Auth.RequestPasswordReset(r.Context(), r.PostFormValue("username"), s.clientIP(r))
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		status, msg := s.formError(w, r, err)
		s.render(w, r, status, resetRequestPage(s.narrow(r, "Reset your password"), resetView{Error: msg}))
		return
	}
	if err != nil {
		s.logger.Error("password reset request", "err", err)
	}
	// The same answer whether or not the account exists.
	notice := fmt.Sprintf("If that account exists and has an email address, a reset link is on its way. It works once, for %d minutes.", int(auth.ResetTokenLifetime.Minutes()))
	if !s.deps.Auth.SendsMail() {
		notice = "ward is not set up to send email: ask an administrator for a reset link."
	}
	s.render(w, r, http.StatusOK, resetRequestPage(s.narrow(r, "Reset your password"), resetView{Notice: notice}))
}

// resetConfirm serves POST /reset-password/confirm.
func (s *Server) resetConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := resetView{Token: r.PostFormValue("token")}
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		v.Error = "The two passwords differ."
		s.render(w, r, http.StatusUnprocessableEntity, resetConfirmPage(s.narrow(r, "Choose a new password"), v))
		return
	}
	if err := s.deps.Auth.ResetPassword(r.Context(), v.Token, r.PostFormValue("password"), s.clientIP(r)); err != nil {
		status, msg := s.formError(w, r, err)
		if errors.Is(err, auth.ErrTokenInvalid) {
			msg = "This reset link is invalid, used or expired. Ask for a new one."
		}
		v.Error = msg
		s.render(w, r, status, resetConfirmPage(s.narrow(r, "Choose a new password"), v))
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginView{Next: "/", Success: "Password changed. Sign in with the new one."})
}
