package ui

import (
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

// home serves GET /: the landing page after sign-in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, homePage(s.page(r, "Home"), auth.PrincipalFrom(r.Context()).User.Name))
}
