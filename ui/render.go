package ui

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/a-h/templ"

	"github.com/ward-monitoring/ward/auth"
)

// page describes the request's page for the layout.
func (s *Server) page(r *http.Request, title string) page {
	p := page{Title: title, Current: r.URL.Path, CSS: s.assets.path("ward.css"), JS: s.assets.path("ward.js")}
	if pr := PrincipalFrom(r.Context()); pr != nil && !pr.Local {
		p.User, p.Role = pr.User.Name, string(pr.User.Role)
		p.Nav = pr.Active() && !pr.User.MustEnrol
		p.Admin = pr.Can(auth.RoleAdmin)
	}
	return p
}

// render writes c with status. It renders into a buffer first, so that a
// failing component produces a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.logger.Error("rendering page", "err", err, "path", r.URL.Path)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) renderMessage(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	s.render(w, r, status, messagePage(s.page(r, heading), heading, text))
}

// userError maps an error from the auth service to a status and a message
// safe to show. Internal errors are logged and shown generically.
func (s *Server) userError(r *http.Request, err error) (int, string) {
	var rl *auth.RateLimitError
	switch {
	case errors.As(err, &rl):
		return http.StatusTooManyRequests, publicMessage(err)
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, publicMessage(err)
	case errors.Is(err, auth.ErrInvalidCredentials), errors.Is(err, auth.ErrInvalidCode),
		errors.Is(err, auth.ErrSessionInvalid), errors.Is(err, auth.ErrTokenInvalid):
		return http.StatusUnauthorized, publicMessage(err)
	case errors.Is(err, auth.ErrStepUpRequired):
		return http.StatusForbidden, publicMessage(err)
	case errors.Is(err, auth.ErrUserNotFound), errors.Is(err, auth.ErrTokenNotFound):
		return http.StatusNotFound, publicMessage(err)
	case isUserFacing(err):
		return http.StatusUnprocessableEntity, publicMessage(err)
	}
	s.logger.Error("request failed", "err", err, "path", r.URL.Path)
	return http.StatusInternalServerError, "Something went wrong on ward's side; the log has the details."
}

// userFacing are the auth errors whose text explains a problem with what
// the user entered.
var userFacing = []error{
	auth.ErrPasswordTooShort, auth.ErrPasswordTooLong, auth.ErrPasswordCommon, auth.ErrPasswordHasUsername,
	auth.ErrUserExists, auth.ErrInvalidUsername, auth.ErrInvalidEmail, auth.ErrInvalidRole, auth.ErrLastAdmin,
	auth.ErrSessionLimit, auth.ErrTwoFactorRequired, auth.ErrNotEnrolled, auth.ErrAlreadyEnrolled,
	auth.ErrNoEnrolment, auth.ErrSetupDone, auth.ErrWrongStage, auth.ErrTokenExists,
}

func isUserFacing(err error) bool {
	for _, e := range userFacing {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// publicMessage turns "auth: invalid or already used code" into
// "Invalid or already used code."
func publicMessage(err error) string {
	m := strings.TrimPrefix(err.Error(), "auth: ")
	if m == "" {
		return m
	}
	m = strings.ToUpper(m[:1]) + m[1:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}
