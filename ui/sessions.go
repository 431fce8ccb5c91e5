package ui

import (
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

func (s *Server) renderSessions(w http.ResponseWriter, r *http.Request, status int, all bool, errText, notice string) {
	p := auth.PrincipalFrom(r.Context())
	user := ""
	if all {
		user = "*"
	}
	list, err := s.deps.Auth.Sessions(r.Context(), p, user)
	if err != nil {
		status, errText = s.formError(w, r, err)
	}
	v := sessionsView{Sessions: list, All: all, Admin: p.Can(auth.RoleAdmin), Error: errText, Notice: notice}
	s.render(w, r, status, sessionsPage(s.page(r, "Sessions"), v))
}

// sessionsPage serves GET /sessions (?user=* for an admin: everyone's).
func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request) {
	s.renderSessions(w, r, http.StatusOK, r.URL.Query().Get("user") == "*", "", "")
}

// endSession serves POST /sessions/{id}/end.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Auth.EndSession(r.Context(), auth.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		status, msg := s.formError(w, r, err)
		s.renderSessions(w, r, status, false, msg, "")
		return
	}
	s.renderSessions(w, r, http.StatusOK, false, "", "The session was ended.")
}

// endOtherSessions serves POST /sessions/end-others.
func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	n, err := s.deps.Auth.EndOtherSessions(r.Context(), auth.PrincipalFrom(r.Context()))
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderSessions(w, r, status, false, msg, "")
		return
	}
	s.renderSessions(w, r, http.StatusOK, false, "", othersEnded(n))
}
