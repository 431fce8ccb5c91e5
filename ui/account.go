package ui

import (
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, errText, notice string) {
	p := auth.PrincipalFrom(r.Context())
	v := accountView{
		User: p.User, Required: s.deps.Auth.TwoFactorRequired(p.User.Role),
		StepUntil: s.stepUpUntil(p), Error: errText, Notice: notice,
	}
	s.render(w, r, status, accountPage(s.page(r, "Account"), v))
}

// accountPage serves GET /account.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "", "")
}

// changePassword serves POST /account/password.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, "The two new passwords differ.", "")
		return
	}
	token, err := s.deps.Auth.ChangePassword(r.Context(), auth.PrincipalFrom(r.Context()), r.PostFormValue("current"), r.PostFormValue("new"))
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderAccount(w, r, status, msg, "")
		return
	}
	s.setSessionCookie(w, r, token)
	s.renderAccount(w, r, http.StatusOK, "", "Password changed. Your other sessions were ended.")
}

// regenerateRecoveryCodes serves POST /account/recovery-codes (step-up).
func (s *Server) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	codes, err := s.deps.Auth.RegenerateRecoveryCodes(r.Context(), auth.PrincipalFrom(r.Context()))
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderAccount(w, r, status, msg, "")
		return
	}
	s.render(w, r, http.StatusOK, recoveryCodesPage(s.page(r, "New recovery codes"), "New recovery codes", codes))
}

// disableTwoFactor serves POST /account/2fa/disable (step-up; refused when
// the role requires 2FA).
func (s *Server) disableTwoFactor(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Auth.DisableTwoFactor(r.Context(), auth.PrincipalFrom(r.Context())); err != nil {
		status, msg := s.formError(w, r, err)
		s.renderAccount(w, r, status, msg, "")
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
