package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/errkind"
)

// Issue 13, CORS per environment (helper D).
//
// ward refuses cross-origin reads by default, as browsers do without
// Access-Control-* headers. server.cors.allowed_origins lists the exact
// origins (scheme, host and port) whose scripts may call ward's API:
// only API routes, only with an API token. No
// Access-Control-Allow-Credentials is ever sent, so a browser never
// attaches ward's session cookie to a cross-origin call it can read,
// and http.CrossOriginProtection still refuses every cross-origin state
// change that does not carry a token (crossOrigin).

const (
	// corsMethods are the methods ward's API takes.
	corsMethods = "GET, HEAD, POST, PUT, DELETE"
	// corsHeaders are the request headers an allowed origin may send.
	corsHeaders = "Authorization, Content-Type"
	// corsExposed are the answer headers its scripts may read: the rate
	// limit and its refusal.
	corsExposed = "RateLimit, RateLimit-Policy, Retry-After"
	// corsMaxAge is how long a browser may cache a preflight, in
	// seconds (Chromium caps it at 7200).
	corsMaxAge = 600
)

var errOriginRefused = errkind.New(errkind.Forbidden, "ui: cross-origin request from an origin not in server.cors.allowed_origins",
	"this origin may not call ward's API: add it to server.cors.allowed_origins")

// corsOrigin returns the request's Origin when it is one of the allowed
// origins, else "".
func (s *Server) corsOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if origin == "" || s.deps.CORSOrigins == nil {
		return ""
	}
	if slices.Contains(s.deps.CORSOrigins(), origin) {
		return origin
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// apiRoute reports whether the route r (or, for a preflight, the request
// it announces) is for is an API route.
func (s *Server) apiRoute(r *http.Request) bool {
	if isPreflight(r) {
		r = r.Clone(r.Context())
		r.Method = strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	}
	e := s.route(r)
	return e != nil && e.kind == kindAPI
}

// crossOrigin returns the middleware that answers CORS and then applies
// csrf: preflights for API routes from an allowed origin get 204 and the
// CORS headers, from any other origin 403 without them; API answers to
// an allowed origin carry Access-Control-Allow-Origin. A state change
// from an allowed origin that carries a bearer token passes csrf: a
// browser sends Authorization only after a preflight this middleware
// allowed, and the guard authenticates it by the token, not the cookie.
func (s *Server) crossOrigin(csrf *http.CrossOriginProtection) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		protected := csrf.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Origin") == "" {
				protected.ServeHTTP(w, r)
				return
			}
			api := s.apiRoute(r)
			origin := s.corsOrigin(r)
			if api && s.deps.CORSOrigins != nil {
				// Answers differ by Origin: caches must key on it.
				w.Header().Add("Vary", "Origin")
			}
			if isPreflight(r) {
				if !api || origin == "" {
					s.fail(w, r, errOriginRefused)
					return
				}
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", corsMethods)
				h.Set("Access-Control-Allow-Headers", corsHeaders)
				h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if !api {
				protected.ServeHTTP(w, r)
				return
			}
			// ward's answer is authoritative: Prometheus' API sets its
			// own CORS headers for any Origin (corsWriter).
			cw := &corsWriter{ResponseWriter: w, origin: origin}
			if origin != "" && strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
				next.ServeHTTP(cw, r)
				return
			}
			protected.ServeHTTP(cw, r)
		})
	}
}

// corsWriter makes ward's CORS headers the only ones on an API answer:
// before the header is written it drops every Access-Control-* header a
// handler set (Prometheus' API sets Allow-Headers, Allow-Methods and
// Expose-Headers: Date for any Origin, and its own Vary) and, for an
// allowed origin, sets ward's. A refused origin gets none at all.
// Issue 13 fix round (trial #4).
type corsWriter struct {
	http.ResponseWriter
	origin  string // allowed, or ""
	written bool
}

func (c *corsWriter) setHeaders() {
	if c.written {
		return
	}
	c.written = true
	h := c.Header()
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	if vary := h.Values("Vary"); len(vary) > 1 {
		h.Del("Vary")
		seen := map[string]bool{}
		for _, v := range vary {
			if !seen[v] {
				seen[v] = true
				h.Add("Vary", v)
			}
		}
	}
	if c.origin != "" {
		h.Set("Access-Control-Allow-Origin", c.origin)
		h.Set("Access-Control-Expose-Headers", corsExposed)
	}
}

func (c *corsWriter) WriteHeader(code int) {
	c.setHeaders()
	c.ResponseWriter.WriteHeader(code)
}

func (c *corsWriter) Write(b []byte) (int, error) {
	c.setHeaders()
	return c.ResponseWriter.Write(b)
}

// Flush keeps streaming answers streaming.
func (c *corsWriter) Flush() {
	c.setHeaders()
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (c *corsWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// requireClientCert refuses API calls made with an API token
// (Authorization) by callers without a verified TLS client certificate
// when Deps.APIClientCert asks for one: the certificate is for programs.
// Calls a signed-in browser makes with its session cookie (the charts'
// queries, the live page's reads) pass, as pages do: the session was
// established with the password and second factor, and CORS never lets
// another origin use the cookie. Public API routes (health and readiness
// probes, backup pings with their own token) stay open to load balancers
// and scripts. The TLS layer only verifies certificates that are offered
// (pages serve browsers without one); this is where the API demands it.
// ward's own scrape of /metrics over loopback carries its in-memory
// token instead.
func (s *Server) requireClientCert(next http.Handler) http.Handler {
	if !s.deps.APIClientCert {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := s.route(r)
		// The guard authenticates an API call by its Authorization
		// header when one is sent, else by the session cookie.
		byToken := r.Header.Get("Authorization") != ""
		if e != nil && e.kind == kindAPI && e.access != public && byToken && !hasVerifiedClientCert(r) {
			if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !(ok && e.selfScrape && s.isInternalToken(strings.TrimSpace(token))) {
				s.fail(w, r, errClientCertRequired)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

var errClientCertRequired = errkind.New(errkind.Unauthenticated, "ui: no verified client certificate",
	"unauthorized: this API requires a TLS client certificate signed by server.tls.client_ca_file")

func hasVerifiedClientCert(r *http.Request) bool {
	return r.TLS != nil && len(r.TLS.VerifiedChains) > 0
}
