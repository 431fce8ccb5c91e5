package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/auth"
)

// groupsOf4 splits s into groups of four characters (the last may be
// shorter).
func groupsOf4(s string) []string {
	var out []string
	for len(s) > 4 {
		out = append(out, s[:4])
		s = s[4:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// confirmDeleteUser serves GET /admin/users/{name}/delete: the page that
// asks before POST /admin/users/{name}/delete deletes.
func (s *Server) confirmDeleteUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.render(w, r, http.StatusOK, confirmDeletePage(s.page(r, "Delete "+name), name, s.tokensOf(r, name))) // issue 13: their tokens
}

// withNotFoundPage answers requests that no route matches: with a page in
// the layout (and the signed-in user's navigation) for browsers, where the
// mux wrote a plain-text "404 page not found", and in Prometheus' JSON
// envelope under /api/, as the API routes answer errors. Matched routes,
// redirects and 405s pass through untouched.
func (s *Server) withNotFoundPage(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&notFoundWriter{ResponseWriter: w, s: s, r: r}, r)
	})
}

// notFoundWriter replaces the mux's plain-text 404 with ward's answer.
type notFoundWriter struct {
	http.ResponseWriter
	s        *Server
	r        *http.Request
	replaced bool
}

func (w *notFoundWriter) WriteHeader(code int) {
	if code != http.StatusNotFound {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	h := w.Header()
	h.Del("Content-Type")
	r := w.r
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Content-Type", "application/json")
		w.ResponseWriter.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w.ResponseWriter).Encode(map[string]string{"status": "error", "errorType": "not_found", "error": "no such endpoint"})
		return
	}
	// The layout shows the navigation to a signed-in user; no route's
	// guard ran, so look at the session here (read-only).
	if tok := w.s.sessionToken(r); tok != "" {
		if p, err := w.s.deps.Auth.Authenticate(r.Context(), tok, w.s.clientIP(r), r.UserAgent()); err == nil && p.Active() {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
	}
	w.s.render(w.ResponseWriter, r, http.StatusNotFound, notFoundPage(w.s.page(r, "Not found")))
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// othersEnded reports how many other sessions were ended.
func othersEnded(n int) string {
	if n == 1 {
		return "1 other session ended."
	}
	return strconv.Itoa(n) + " other sessions ended."
}
