package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/ward-monitoring/ward/auth"
)

// maxFormBytes bounds every form post.
const maxFormBytes = 64 << 10

var errBadForm = badRequest("the form could not be read")

// parseForm reads a form post of bounded size, or answers 400.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadForm)
		return false
	}
	return true
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	p := s.page(r, "Sign in")
	p.Narrow, p.User, p.Nav = true, "", false
	s.render(w, r, status, loginPage(p, v))
}

// loginPage serves GET /login; a signed-in user goes straight on.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if tok := s.sessionToken(r); tok != "" {
		if p, err := s.deps.Auth.Authenticate(r.Context(), tok, s.clientIP(r), r.UserAgent()); err == nil && p.Active() {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	if setup, err := s.deps.Auth.NeedsSetup(r.Context()); err == nil && setup {
		s.renderLogin(w, r, http.StatusOK, loginView{Next: next, Notice: "ward has no users yet: open the one-time setup link that ward printed when it started."})
		return
	}
	v := loginView{Next: next}
	if r.URL.Query().Get("signed_out") == "1" {
		v.Success = "You are signed out."
	}
	s.renderLogin(w, r, http.StatusOK, v)
}

// login serves POST /login: the password step.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	next := localPath(r.PostFormValue("next"))
	name := r.PostFormValue("username")
	res, err := s.deps.Auth.Login(r.Context(), auth.LoginRequest{
		Username: name, Password: r.PostFormValue("password"),
		IP: s.clientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderLogin(w, r, status, loginView{Next: next, Username: name, Error: msg})
		return
	}
	s.afterSignIn(w, r, res, next)
}

// afterSignIn sets the new session cookie and sends the user to the stage
// the sign-in reached.
func (s *Server) afterSignIn(w http.ResponseWriter, r *http.Request, res *auth.LoginResult, next string) {
	s.setSessionCookie(w, r, res.Token)
	switch res.Stage {
	case auth.StageSecondFactor:
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
	case auth.StageEnrol:
		http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
	default:
		if res.UsedRecoveryCode {
			p := s.page(r, "Recovery code used")
			p.Narrow = true
			s.render(w, r, http.StatusOK, recoveryUsedPage(p, res.RecoveryCodesLeft, next))
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// pending returns the request's half-finished sign-in, if any.
func (s *Server) pending(r *http.Request) (string, bool) {
	tok := s.sessionToken(r)
	if tok == "" {
		return "", false
	}
	p, err := s.deps.Auth.Authenticate(r.Context(), tok, s.clientIP(r), r.UserAgent())
	if err != nil || p.Session.Stage != auth.StageSecondFactor {
		return "", false
	}
	return tok, true
}

// secondFactorPage serves GET /login/2fa.
func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pending(r); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := s.page(r, "Two-factor authentication")
	p.Narrow = true
	s.render(w, r, http.StatusOK, secondFactorPage(p, secondFactorView{Next: localPath(r.URL.Query().Get("next"))}))
}

// secondFactor serves POST /login/2fa: a TOTP or recovery code.
func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	next := localPath(r.PostFormValue("next"))
	tok, ok := s.pending(r)
	if !ok {
		s.renderLogin(w, r, http.StatusUnauthorized, loginView{Next: next, Notice: "Your sign-in timed out; enter your password again."})
		return
	}
	res, err := s.deps.Auth.SecondFactor(r.Context(), tok, r.PostFormValue("code"), s.clientIP(r), r.UserAgent())
	if errors.Is(err, auth.ErrSessionInvalid) {
		s.clearSessionCookie(w, r)
		s.renderLogin(w, r, http.StatusUnauthorized, loginView{Next: next, Notice: "Too many wrong codes or the sign-in timed out; enter your password again."})
		return
	}
	if err != nil {
		status, msg := s.formError(w, r, err)
		p := s.page(r, "Two-factor authentication")
		p.Narrow = true
		s.render(w, r, status, secondFactorPage(p, secondFactorView{Next: next, Error: msg}))
		return
	}
	s.afterSignIn(w, r, res, next)
}

// logout serves POST /logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Auth.Logout(r.Context(), s.sessionToken(r), s.clientIP(r)); err != nil {
		s.logger.Error("signing out", "err", err)
	}
	s.clearSessionCookie(w, r)
	// A redirect, so the address bar does not stay at /logout (where a
	// reload would post again) and the page says what happened.
	w.Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
}
