package ui

import "net/http"

// home serves GET /: the landing page after sign-in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, homePage(s.page(r, "Home"), PrincipalFrom(r.Context()).User.Name))
}
