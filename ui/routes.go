package ui

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ward-monitoring/ward/auth"
)

// access says what a route needs from the caller.
type access int

const (
	// public routes answer anyone who can reach the listener: liveness
	// and readiness probes, the health page, the sign-in pages and static
	// assets.
	public access = iota
	// enrolling routes need a session that has passed the password step:
	// an active one, or one that must enrol in 2FA before anything else
	// (the enrolment wizard and signing out).
	enrolling
	// protected routes need an active session or an API token whose role
	// is at least the route's.
	protected
)

func (a access) String() string {
	switch a {
	case public:
		return "public"
	case enrolling:
		return "enrolling"
	}
	return "protected"
}

// endpoint is one entry of the route table.
type endpoint struct {
	pattern string // http.ServeMux pattern, method included
	access  access
	role    auth.Role // protected routes: the least role allowed
	handler http.Handler
}

// isAPI reports whether a route pattern is an API for programs rather than
// a page for people: programs get 401/403 in Prometheus' JSON envelope and
// may use API tokens; people are sent to the sign-in page.
func isAPI(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/-/") || path == "/metrics"
}

// routes is the one table of every HTTP route ward serves and the guard
// each sits behind. Anything not listed is 404.
//
// Roles: viewers read everything but the audit trail and user list;
// operators also silence alerts, post alerts and test receivers; admins
// also reload the configuration and manage users and the audit trail.
func (s *Server) routes() []endpoint {
	viewer := func(pattern string, h http.Handler) endpoint {
		return endpoint{pattern, protected, auth.RoleViewer, h}
	}
	operator := func(pattern string, h http.Handler) endpoint {
		return endpoint{pattern, protected, auth.RoleOperator, h}
	}
	admin := func(pattern string, h http.Handler) endpoint {
		return endpoint{pattern, protected, auth.RoleAdmin, h}
	}
	open := func(pattern string, h http.HandlerFunc) endpoint { return endpoint{pattern, public, "", h} }
	enrol := func(pattern string, h http.HandlerFunc) endpoint { return endpoint{pattern, enrolling, "", h} }
	page := func(role auth.Role, pattern string, h http.HandlerFunc) endpoint {
		return endpoint{pattern, protected, role, h}
	}

	table := []endpoint{
		open("GET /-/healthy", s.healthy),
		open("HEAD /-/healthy", s.healthy),
		open("GET /-/ready", s.ready),
		open("HEAD /-/ready", s.ready),
		// Health shows statuses to anyone who can reach ward (load
		// balancers, uptime monitors); details only when configured.
		{"GET /health/", public, "", s.deps.Health},
		{"HEAD /health/", public, "", s.deps.Health},
		open("GET /static/{file}", s.static),

		// Signing in.
		open("GET /login", s.loginPage),
		open("POST /login", s.login),
		open("GET /login/2fa", s.secondFactorPage),
		open("POST /login/2fa", s.secondFactor),
		open("GET /setup", s.setupPage),
		open("POST /setup", s.setup),
		open("GET /reset-password", s.resetPage),
		open("POST /reset-password", s.resetRequest),
		open("POST /reset-password/confirm", s.resetConfirm),
		enrol("POST /logout", s.logout),
		enrol("GET /account/2fa", s.enrolPage),
		enrol("POST /account/2fa/start", s.enrolStart),
		enrol("POST /account/2fa", s.enrolConfirm),
		enrol("GET /account/2fa/qr.png", s.enrolQR),
		enrol("POST /account/recovery-codes.txt", s.recoveryCodesDownload),

		// Pages.
		page(auth.RoleViewer, "GET /{$}", s.home),
		page(auth.RoleViewer, "GET /account", s.accountPage),
		page(auth.RoleViewer, "POST /account/password", s.changePassword),
		page(auth.RoleViewer, "POST /account/step-up", s.stepUp),
		page(auth.RoleViewer, "POST /account/recovery-codes", s.regenerateRecoveryCodes),
		page(auth.RoleViewer, "POST /account/2fa/disable", s.disableTwoFactor),
		page(auth.RoleViewer, "GET /sessions", s.sessionsPage),
		page(auth.RoleViewer, "POST /sessions/end-others", s.endOtherSessions),
		page(auth.RoleViewer, "POST /sessions/{id}/end", s.endSession),
		page(auth.RoleAdmin, "GET /admin/users", s.usersPage),
		page(auth.RoleAdmin, "POST /admin/users", s.createUser),
		page(auth.RoleAdmin, "POST /admin/users/{name}/{action}", s.userAction),
		page(auth.RoleAdmin, "GET /admin/audit", s.auditPage),
		page(auth.RoleAdmin, "GET /admin/audit/export", s.auditExport),

		admin("POST /-/reload", http.HandlerFunc(s.handleReload)),
		admin("PUT /-/reload", http.HandlerFunc(s.handleReload)),
		viewer("GET /metrics", promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.logger}})),
	}
	for _, p := range PrometheusAPIRoutes() {
		// POSTs here are queries too long for a URL: reads.
		table = append(table, viewer(p, s.deps.API))
	}
	// Alertmanager's v2 API, for amtool and Grafana's Alertmanager
	// datasource. Silences name their real author and are audited.
	am := s.deps.Alerting.Handler()
	for _, p := range []string{
		"GET /api/v2/status", "GET /api/v2/receivers",
		"GET /api/v2/alerts", "GET /api/v2/alerts/groups",
		"GET /api/v2/silences", "GET /api/v2/silence/{id}",
	} {
		table = append(table, viewer(p, am))
	}
	table = append(table,
		operator("POST /api/v2/alerts", s.postAlerts(am)),
		operator("POST /api/v2/silences", s.createSilence(am)),
		operator("DELETE /api/v2/silence/{id}", s.expireSilence(am)),
		viewer("GET /api/ward/deliveries", http.HandlerFunc(s.deliveries)),
		operator("POST /api/ward/receivers/{name}/test", http.HandlerFunc(s.testReceiver)),
		admin("POST /api/ward/users/{name}/clear-throttle", http.HandlerFunc(s.apiClearThrottle)),
	)
	return table
}

// PrometheusAPIRoutes are the routes of Prometheus' own API (package
// promapi) that ward serves, all to viewers: its query, metadata and
// status endpoints. Admin, remote-write, OTLP and notification endpoints
// are left out.
func PrometheusAPIRoutes() []string {
	return []string{
		"GET /api/v1/query", "POST /api/v1/query",
		"GET /api/v1/query_range", "POST /api/v1/query_range",
		"GET /api/v1/query_exemplars", "POST /api/v1/query_exemplars",
		"GET /api/v1/format_query", "POST /api/v1/format_query",
		"GET /api/v1/parse_query", "POST /api/v1/parse_query",
		"GET /api/v1/series", "POST /api/v1/series",
		"GET /api/v1/labels", "POST /api/v1/labels",
		"GET /api/v1/label/{name}/values",
		"GET /api/v1/metadata",
		"GET /api/v1/targets",
		"GET /api/v1/targets/metadata",
		"GET /api/v1/scrape_pools",
		"GET /api/v1/rules",
		"GET /api/v1/alerts",
		"GET /api/v1/alertmanagers",
		"GET /api/v1/status/buildinfo",
		"GET /api/v1/status/runtimeinfo",
		"GET /api/v1/status/config",
		"GET /api/v1/status/flags",
		"GET /api/v1/status/tsdb",
	}
}
