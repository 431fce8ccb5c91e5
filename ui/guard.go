package ui

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

type routeKey struct{}

// route returns the entry of the route table r is for: the one the guard
// put in its context, or, in middleware in front of the route table, the
// one the mux would pick. It is nil when no route matches.
func (s *Server) route(r *http.Request) *endpoint {
	if e, ok := r.Context().Value(routeKey{}).(*endpoint); ok {
		return e
	}
	if s.mux == nil {
		return nil
	}
	if _, pattern := s.mux.Handler(r); pattern != "" {
		if e, ok := s.endpoints[pattern]; ok {
			return &e
		}
	}
	return nil
}

// Refusals of the guard, in the words clients see.
var (
	errNoCredential = errkind.New(errkind.Unauthenticated, "ui: no usable credential",
		"unauthorized: sign in or send an API token as Authorization: Bearer TOKEN")
	errEnrolFirst = errkind.Wrap(auth.ErrTwoFactorRequired, errkind.Forbidden,
		"two-factor authentication is required for this role: enrol at /account/2fa first")
	errRoleTooLow = errkind.New(errkind.Forbidden, "ui: role too low", "your role does not allow this")
)

// guard returns the middleware enforcing a route's access level: deny by
// default, so that only public routes run without a principal. It puts
// the route in the request's context, for the handler and s.fail.
func (s *Server) guard(e endpoint, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &e))
		if e.access == public {
			if !s.admitRate(w, r, e, nil) { // issue 13
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.principal(r, e)
		if err != nil {
			// Issue 13 fix: a failed authentication is charged to the
			// client's address (anonymous class), headers on the 401.
			if !s.admitFailedAuth(w, r) {
				return
			}
			s.unauthenticated(w, r, e, err)
			return
		}
		mustEnrol := p.Session.Stage == auth.StageEnrol || p.User.MustEnrol
		switch {
		case p.Session.Stage == auth.StageSecondFactor:
			// Password done, code not yet: nothing but the code page.
			s.unauthenticated(w, r, e, auth.ErrWrongStage)
			return
		case mustEnrol && e.access != enrolling:
			// Users whose role requires 2FA enrol before anything else.
			if e.kind == kindAPI {
				s.fail(w, r, errEnrolFirst)
				return
			}
			http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
			return
		case e.access == protected && !p.User.Role.AtLeast(e.role):
			s.forbidden(w, r, p, e.role)
			return
		}
		// Issue 13: a scoped token only where its scope opens the
		// route; then the principal's rate limit.
		if !s.admitScope(w, r, e, p) || !s.admitRate(w, r, e, p) {
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// principal finds the caller: an API token (API routes only; ward's own
// scrape token only where the route takes it), else the session cookie.
func (s *Server) principal(r *http.Request, e endpoint) (*auth.Principal, error) {
	ip, ua := s.clientIP(r), r.UserAgent()
	if h := r.Header.Get("Authorization"); h != "" && e.kind == kindAPI {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, auth.ErrSessionInvalid
		}
		token = strings.TrimSpace(token)
		if e.selfScrape && s.isInternalToken(token) {
			return &auth.Principal{
				User:    auth.User{Name: auth.SystemActor, Role: auth.RoleViewer},
				Session: auth.SessionInfo{User: auth.SystemActor, Stage: auth.StageActive},
				IP:      ip, UserAgent: ua, Internal: true,
			}, nil
		}
		return s.deps.Auth.AuthenticateToken(r.Context(), token, ip, ua)
	}
	c, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return nil, auth.ErrSessionInvalid
	}
	ctx := r.Context()
	if r.Header.Get(liveRefreshHeader) != "" {
		// A live page refreshing itself (ward.js): not activity.
		ctx = auth.Passive(ctx)
	}
	return s.deps.Auth.Authenticate(ctx, c.Value, ip, ua)
}

// isInternalToken compares in constant time with the in-memory token ward
// scrapes itself with.
func (s *Server) isInternalToken(token string) bool {
	if s.internalTokenHash == nil {
		return false
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], s.internalTokenHash) == 1
}

// unauthenticated answers a request without a usable credential: 401 in
// Prometheus' envelope for programs, the sign-in page for people (saying
// why when their session was ended). A failure to check the credential
// is logged and answered the same way.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request, e endpoint, err error) {
	var revoked *auth.RevokedError
	isRevoked := errors.As(err, &revoked)
	if kind, _ := errkind.Of(err); kind == errkind.Internal {
		s.logger.Error("authenticating a request", "err", err, "path", r.URL.Path)
	}
	if e.kind == kindAPI {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ward"`)
		if isRevoked {
			s.fail(w, r, revoked)
			return
		}
		s.fail(w, r, errNoCredential)
		return
	}
	if errors.Is(err, auth.ErrWrongStage) {
		http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
		return
	}
	if isRevoked {
		s.clearSessionCookie(w, r)
		s.renderLogin(w, r, http.StatusUnauthorized, loginView{
			Next:   localPath(r.URL.RequestURI()),
			Notice: "You were signed out: " + revoked.Reason + ".",
		})
		return
	}
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// forbidden answers a signed-in caller whose role is too low, and audits
// the refusal: the first of each principal on each route per minute, with
// how many went unrecorded since the last record.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, p *auth.Principal, need auth.Role) {
	if ok, suppressed := s.denials.record(p.User.Name, r.Pattern, s.now()); ok {
		details := map[string]string{"route": r.Pattern, "role": string(p.User.Role), "required_role": string(need)}
		if suppressed > 0 {
			details["unrecorded_before"] = strconv.Itoa(suppressed)
		}
		s.audit(r.WithContext(auth.WithPrincipal(r.Context(), p)), audit.ActionAccessDenied, r.Pattern, http.StatusForbidden, details)
	}
	s.fail(w, r, errRoleTooLow)
}

// localPath returns p, re-serialised, when it is a path on this site,
// and "/" otherwise, so that ?next= cannot send anyone elsewhere. Only a
// parsed path with no scheme, host or opaque part and exactly one leading
// slash is accepted, and nothing with control characters or backslashes
// anywhere: browsers strip tabs and newlines and read "\" as "/", so
// "/\t/evil.example" would otherwise leave the site.
func localPath(p string) string {
	if p == "" || len(p) > 2048 || strings.ContainsAny(p, "\\") {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	// Decoded, the path must still be clean: %09 is a tab, %5C a
	// backslash.
	if strings.ContainsAny(u.Path, "\\") || strings.IndexFunc(u.Path, func(c rune) bool { return c < 0x20 || c == 0x7f }) >= 0 {
		return "/"
	}
	out := &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	s := out.String()
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return "/"
	}
	return s
}
