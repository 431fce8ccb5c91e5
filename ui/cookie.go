package ui

import (
	"net/http"
)

// Session cookie names. The __Host- prefix makes browsers refuse the
// cookie unless it is Secure, host-only and for path "/", so a sibling
// subdomain or plain-http page cannot plant or overwrite it. It requires
// Secure, which browsers drop on plain http; ward on plain http (its
// loopback default) therefore uses the unprefixed name, still HttpOnly and
// SameSite=Lax.
const (
	secureCookieName = "__Host-ward_session"
	plainCookieName  = "ward_session"
)

// secure reports whether the browser reaches ward over TLS: directly, or
// through a proxy when server.external_url is https.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || (s.deps.ExternalURL != nil && s.deps.ExternalURL.Scheme == "https")
}

func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return secureCookieName
	}
	return plainCookieName
}

// setSessionCookie stores a session token in the browser. It lives as long
// as the browser session; the server enforces idle and absolute expiry.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// sessionToken returns the session cookie's value, or "".
func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}
