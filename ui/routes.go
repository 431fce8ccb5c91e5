package ui

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// access says what a route needs from the caller.
type access int

const (
	// public routes answer anyone who can reach the listener: liveness and
	// readiness probes for service managers and load balancers.
	public access = iota
	// protected routes will require a session or an API token once
	// identity lands; until then the listener's loopback default is
	// their only guard.
	protected
)

func (a access) String() string {
	if a == public {
		return "public"
	}
	return "protected"
}

// endpoint is one entry of the route table.
type endpoint struct {
	pattern string // http.ServeMux pattern, method included
	access  access
	handler http.Handler
}

// routes is the one table of every HTTP route ward serves and the guard
// each sits behind. Anything not listed is 404.
func (s *Server) routes() []endpoint {
	api := s.api
	apiRoutes := []string{
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
	table := []endpoint{
		{"GET /-/healthy", public, http.HandlerFunc(s.healthy)},
		{"HEAD /-/healthy", public, http.HandlerFunc(s.healthy)},
		{"GET /-/ready", public, http.HandlerFunc(s.ready)},
		// Health shows statuses to anyone who can reach ward (load
		// balancers, uptime monitors); details only when configured.
		{"GET /health/", public, s.deps.Health},
		{"HEAD /health/", public, s.deps.Health},
		{"HEAD /-/ready", public, http.HandlerFunc(s.ready)},
		{"POST /-/reload", protected, http.HandlerFunc(s.handleReload)},
		{"PUT /-/reload", protected, http.HandlerFunc(s.handleReload)},
		{"GET /metrics", protected, promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.logger}})},
	}
	for _, p := range apiRoutes {
		table = append(table, endpoint{p, protected, api})
	}
	// Alertmanager's v2 API, for amtool and Grafana's Alertmanager
	// datasource.
	am := s.deps.Alerting.Handler()
	for _, p := range []string{
		"GET /api/v2/status", "GET /api/v2/receivers",
		"GET /api/v2/alerts", "POST /api/v2/alerts", "GET /api/v2/alerts/groups",
		"GET /api/v2/silences", "POST /api/v2/silences",
		"GET /api/v2/silence/{id}", "DELETE /api/v2/silence/{id}",
	} {
		table = append(table, endpoint{p, protected, am})
	}
	table = append(table,
		endpoint{"GET /api/ward/deliveries", protected, http.HandlerFunc(s.deliveries)},
		endpoint{"POST /api/ward/receivers/{name}/test", protected, http.HandlerFunc(s.testReceiver)},
	)
	return table
}

// guard returns the middleware enforcing a route's access level.
func (s *Server) guard(a access, next http.Handler) http.Handler {
	switch a {
	case public:
		return next
	default:
		// Identity (users, sessions, API tokens) is not built yet; this
		// is the single place its check goes.
		return next
	}
}
