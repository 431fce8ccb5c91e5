package ui

import (
	"net/http"
	"time"

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

// kind says whom a route answers, and so how it answers a refusal or an
// error.
type kind int

const (
	_ kind = iota // unset: TestDenyByDefault refuses it
	// kindPage routes answer people in a browser: HTML pages, and the
	// sign-in page when the session is missing. They take sessions only.
	kindPage
	// kindAPI routes answer programs: Prometheus' JSON envelope, 401 and
	// 403 included. They take API tokens as well as sessions.
	kindAPI
)

func (k kind) String() string {
	switch k {
	case kindPage:
		return "page"
	case kindAPI:
		return "api"
	}
	return "unset"
}

// limitClass says which per-route rate limit a route is under, on top
// of what the guard and the server bound for every route.
type limitClass int

const (
	_ limitClass = iota // unset: TestDenyByDefault refuses it
	// unlimited routes have no rate limit of their own.
	unlimited
	// signInLimited routes are the sign-in forms: each IP may post
	// signInPostsPerWindow of them per signInWindow (limitSignIn).
	signInLimited
	// pingLimited routes are the backup pings (issue 12): pingsPerToken
	// per token and pingsPerIP per address per pingWindow (pings.go).
	pingLimited
	// Issue 13 (limits.go): token buckets per principal.
	//
	// apiRead routes are API reads, 100 a minute per principal by
	// default.
	apiRead
	// apiQuery routes are PromQL queries, charged by their cost.
	apiQuery
	// apiWrite routes change state through the API: silences, alerts,
	// receiver tests, backup actions.
	apiWrite
	// anonymous routes answer anyone (health, sign-in pages, static
	// files): limited per IP (IPv6 by /64).
	anonymous
	// pageView routes are the pages and forms of signed-in people;
	// live refreshes are charged too.
	pageView
	// errorIngest routes are the Sentry ingest endpoints (issue 16,
	// errorsingestroutes.go): charged per project by their handler.
	errorIngest
)

func (c limitClass) String() string {
	switch c {
	case unlimited:
		return "unlimited"
	case signInLimited:
		return "sign_in"
	case pingLimited:
		return "ping"
	case apiRead:
		return "api_read"
	case apiQuery:
		return "api_query"
	case apiWrite:
		return "api_write"
	case anonymous:
		return "anonymous"
	case pageView:
		return "page"
	case errorIngest:
		return "error_ingest"
	}
	return "unset"
}

// endpoint is one entry of the route table: every fact about a route.
type endpoint struct {
	pattern string // http.ServeMux pattern, method included
	access  access
	role    auth.Role // protected routes: the least role allowed
	kind    kind
	limit   limitClass
	// selfScrape routes also take the in-memory token of ward's own
	// scrape (only /metrics).
	selfScrape bool
	// scope opens the route to API tokens with that scope (issue 13,
	// scopes.go); "" opens it to no scoped token.
	scope auth.Scope
	// maxBody bounds the request body in bytes and timeout the time to
	// answer (issue 13, reqlimits.go); zero takes the class default.
	maxBody int64
	timeout time.Duration
	handler http.Handler
}

// One helper per access level. Routes take the limit class of their
// kind, method and role (defaultLimitClass) unless marked with limited.
func open(k kind, pattern string, h http.Handler) endpoint {
	return endpoint{pattern: pattern, access: public, kind: k, handler: h}
}

func enrol(k kind, pattern string, h http.Handler) endpoint {
	return endpoint{pattern: pattern, access: enrolling, kind: k, handler: h}
}

func viewer(k kind, pattern string, h http.Handler) endpoint {
	return endpoint{pattern: pattern, access: protected, role: auth.RoleViewer, kind: k, handler: h}
}

func operator(k kind, pattern string, h http.Handler) endpoint {
	return endpoint{pattern: pattern, access: protected, role: auth.RoleOperator, kind: k, handler: h}
}

func admin(k kind, pattern string, h http.Handler) endpoint {
	return endpoint{pattern: pattern, access: protected, role: auth.RoleAdmin, kind: k, handler: h}
}

// limited puts e under the limit class c.
func (e endpoint) limited(c limitClass) endpoint {
	e.limit = c
	return e
}

// scrapedBySelf lets ward's own scrape token into e.
func (e endpoint) scrapedBySelf() endpoint {
	e.selfScrape = true
	return e
}

// routes is the one table of every HTTP route ward serves and the guard
// each sits behind. Anything not listed is 404.
//
// Roles: viewers read everything but the audit trail and user list;
// operators also silence alerts, post alerts and test receivers; admins
// also reload the configuration and manage users and the audit trail.
func (s *Server) routes() []endpoint {
	type hf = http.HandlerFunc
	metrics := promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.logger}})
	table := []endpoint{
		open(kindAPI, "GET /-/healthy", hf(s.healthy)),
		open(kindAPI, "HEAD /-/healthy", hf(s.healthy)),
		open(kindAPI, "GET /-/ready", hf(s.ready)),
		open(kindAPI, "HEAD /-/ready", hf(s.ready)),
		// Health shows statuses to anyone who can reach ward (load
		// balancers, uptime monitors); details only when configured.
		open(kindAPI, "GET /health/", s.deps.Health),
		open(kindAPI, "HEAD /health/", s.deps.Health),
		open(kindPage, "GET /static/{file}", hf(s.static)),

		// Signing in.
		open(kindPage, "GET /login", hf(s.loginPage)),
		open(kindPage, "POST /login", hf(s.login)).limited(signInLimited),
		open(kindPage, "GET /login/2fa", hf(s.secondFactorPage)),
		open(kindPage, "POST /login/2fa", hf(s.secondFactor)).limited(signInLimited),
		open(kindPage, "GET /setup", hf(s.setupPage)),
		open(kindPage, "POST /setup", hf(s.setup)).limited(signInLimited),
		open(kindPage, "GET /reset-password", hf(s.resetPage)),
		open(kindPage, "POST /reset-password", hf(s.resetRequest)).limited(signInLimited),
		open(kindPage, "POST /reset-password/confirm", hf(s.resetConfirm)).limited(signInLimited),
		enrol(kindPage, "POST /logout", hf(s.logout)),
		enrol(kindPage, "GET /account/2fa", hf(s.enrolPage)),
		enrol(kindPage, "POST /account/2fa/start", hf(s.enrolStart)),
		enrol(kindPage, "POST /account/2fa", hf(s.enrolConfirm)),
		enrol(kindPage, "GET /account/2fa/qr.png", hf(s.enrolQR)),
		enrol(kindPage, "POST /account/recovery-codes.txt", hf(s.recoveryCodesDownload)),

		// Pages.
		// Console pages (overview, rules, targets, checks, status).
		viewer(kindPage, "GET /{$}", hf(s.overviewPage)),
		viewer(kindPage, "GET /rules", hf(s.rulesPage)),
		viewer(kindPage, "GET /targets", hf(s.targetsPage)),
		viewer(kindPage, "GET /checks", hf(s.checksPage)),
		viewer(kindPage, "GET /status", hf(s.statusPage)),
		viewer(kindPage, "GET /account", hf(s.accountPage)),
		viewer(kindPage, "POST /account/password", hf(s.changePassword)),
		viewer(kindPage, "POST /account/step-up", hf(s.stepUp)),
		viewer(kindPage, "POST /account/recovery-codes", hf(s.regenerateRecoveryCodes)),
		viewer(kindPage, "POST /account/2fa/disable", hf(s.disableTwoFactor)),
		viewer(kindPage, "GET /sessions", hf(s.sessionsPage)),
		viewer(kindPage, "POST /sessions/end-others", hf(s.endOtherSessions)),
		viewer(kindPage, "POST /sessions/{id}/end", hf(s.endSession)),
		admin(kindPage, "GET /admin/users", hf(s.usersPage)),
		admin(kindPage, "POST /admin/users", hf(s.createUser)),
		admin(kindPage, "POST /admin/users/{name}/{action}", hf(s.userAction)),
		// console-defects: deleting a user asks first.
		admin(kindPage, "GET /admin/users/{name}/delete", hf(s.confirmDeleteUser)),
		admin(kindPage, "GET /admin/audit", hf(s.auditPage)),
		admin(kindPage, "GET /admin/audit/export", hf(s.auditExport)),
		admin(kindPage, "GET /admin/limits", hf(s.limitsPage)), // issue 13, rate limits
		// Events timeline and live updates (issue 10).
		viewer(kindPage, "GET /events", hf(s.eventsPage)),
		viewer(kindPage, "GET /events/export", hf(s.eventsExport)),
		viewer(kindPage, "GET /live", hf(s.liveStream)),

		// Console: alerts, silences, runbooks and the expression page
		// that alert links open (issue 10).
		viewer(kindPage, "GET /alerts", hf(s.alertsPage)),
		viewer(kindPage, "GET /silences", hf(s.silencesPage)),
		operator(kindPage, "GET /silences/new", hf(s.silenceNewPage)),
		operator(kindPage, "POST /silences", hf(s.silenceCreate)),
		operator(kindPage, "POST /silences/{id}/extend", hf(s.silenceExtend)),
		operator(kindPage, "POST /silences/{id}/expire", hf(s.silenceExpire)),
		viewer(kindPage, "GET /runbooks", hf(s.runbooksIndex)),
		viewer(kindPage, "GET /runbooks/{alert}", hf(s.runbookPage)),
		viewer(kindPage, "GET /graph", hf(s.graphPage)),
		// ward's README and example config, served offline.
		viewer(kindPage, "GET /docs", hf(s.docsPage)),
		viewer(kindPage, "GET /docs/config.example.yaml", hf(s.exampleConfig)),
		// Graphs: the boards of built-in and user panels (issue 11).
		viewer(kindPage, "GET /graphs", hf(s.graphsIndexPage)),
		viewer(kindPage, "GET /graphs/{board}", hf(s.graphsBoardPage)),
		viewer(kindPage, "POST /graph/history/clear", hf(s.clearHistory)), // issue 11: explorer

		admin(kindAPI, "POST /-/reload", hf(s.handleReload)),
		admin(kindAPI, "PUT /-/reload", hf(s.handleReload)),
		viewer(kindAPI, "GET /metrics", metrics).scrapedBySelf(),
	}
	for _, p := range PrometheusAPIRoutes() {
		// POSTs here are queries too long for a URL: reads.
		table = append(table, viewer(kindAPI, p, s.deps.API))
	}
	// Alertmanager's v2 API, for amtool and Grafana's Alertmanager
	// datasource. Silences name their real author and are audited.
	am := s.deps.Alerting.Handler()
	for _, p := range []string{
		"GET /api/v2/status", "GET /api/v2/receivers",
		"GET /api/v2/alerts", "GET /api/v2/alerts/groups",
		"GET /api/v2/silences", "GET /api/v2/silence/{id}",
	} {
		table = append(table, viewer(kindAPI, p, am))
	}
	table = append(table,
		operator(kindAPI, "POST /api/v2/alerts", s.postAlerts(am)),
		operator(kindAPI, "POST /api/v2/silences", s.createSilence(am)),
		operator(kindAPI, "DELETE /api/v2/silence/{id}", s.expireSilence(am)),
		viewer(kindAPI, "GET /api/ward/deliveries", hf(s.deliveries)),
		operator(kindAPI, "POST /api/ward/receivers/{name}/test", hf(s.testReceiver)),
		admin(kindAPI, "POST /api/ward/users/{name}/clear-throttle", hf(s.apiClearThrottle)),
	)
	table = append(table, s.backupRoutes()...) // issue 12
	table = append(table, s.tokenRoutes()...)  // issue 13: API tokens (B)
	// Issue 14: compliance, the audit trail API, privacy (GDPR).
	table = append(table, s.complianceRoutes()...)
	table = append(table, s.auditAPIRoutes()...)
	table = append(table, s.evidencePackRoutes()...)
	table = append(table, s.privacyRoutes()...)
	table = append(table, s.errorRoutes()...) // issue 16
	// Issue 16: the Sentry ingest endpoints (errorsingestroutes.go).
	table = append(table, s.errorIngestRoutes()...)
	table = append(table, s.debugRoutes()...) // issue 15: runtime profiles
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
