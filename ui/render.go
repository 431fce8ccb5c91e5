package ui

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"github.com/ward-monitoring/ward/auth"
)

// page describes the request's page for the layout.
func (s *Server) page(r *http.Request, title string) page {
	p := page{Title: title, Current: r.URL.Path, CSS: s.assets.path("ward.css"), JS: s.assets.path("ward.js"), LiveVersion: s.liveVersion()}
	if pr := auth.PrincipalFrom(r.Context()); pr != nil && !pr.Local {
		p.User, p.Role = pr.User.Name, string(pr.User.Role)
		p.Nav = pr.Active() && !pr.User.MustEnrol
		p.Admin = pr.Can(auth.RoleAdmin)
		p.Operator = pr.Can(auth.RoleOperator) // issue 14
		if p.Admin && p.Nav {
			p.ReloadFailed = s.reloadBanner()
		}
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
