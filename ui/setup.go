package ui

import (
	"errors"
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, v setupView) {
	p := s.page(r, "Set up ward")
	p.Narrow = true
	v.TwoFactor = s.deps.Auth.RequiresTwoFactor(auth.RoleAdmin)
	s.render(w, r, status, setupPage(p, v))
}

// setupPage serves GET /setup?token=…, the first-run link.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	need, err := s.deps.Auth.NeedsSetup(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !need {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	tok := r.URL.Query().Get("token")
	if tok == "" {
		s.renderMessage(w, r, http.StatusUnauthorized, "Setup", "Open the one-time setup link that ward printed when it started; restart ward for a new one.")
		return
	}
	s.renderSetup(w, r, http.StatusOK, setupView{Token: tok})
}

// setup serves POST /setup: it creates the first admin, signs them in and
// sends them to 2FA enrolment.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := setupView{Token: r.PostFormValue("token"), Username: r.PostFormValue("username"), Email: r.PostFormValue("email")}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		v.Error = "The two passwords differ."
		s.renderSetup(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	err := s.deps.Auth.CompleteSetup(r.Context(), v.Token, auth.NewUser{Name: v.Username, Email: v.Email, Password: password}, s.clientIP(r))
	switch {
	case errors.Is(err, auth.ErrSetupDone):
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case errors.Is(err, auth.ErrTokenInvalid):
		s.renderMessage(w, r, http.StatusUnauthorized, "Setup link expired", "This setup link is invalid or has expired (it works for an hour). Restart ward to print a new one.")
		return
	case err != nil:
		var status int
		status, v.Error = s.formError(w, r, err)
		s.renderSetup(w, r, status, v)
		return
	}
	res, err := s.deps.Auth.Login(r.Context(), auth.LoginRequest{Username: v.Username, Password: password, IP: s.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderLogin(w, r, status, loginView{Next: "/", Error: msg})
		return
	}
	s.afterSignIn(w, r, res, "/")
}
