package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// Issue 13, token scopes (helper B).
//
// A token with scopes may use only the API routes that one of them
// opens; the table's scope column says which, and defaultScope fills it
// for the routes that leave it unset:
//
//   - metrics:read: Prometheus' query API (/api/v1/...), /metrics and
//     Alertmanager's reads (/api/v2/status, receivers, alerts, silences);
//   - alerts:write: posting alerts, creating and expiring silences, and
//     also Alertmanager's reads, because amtool reads the status, alerts
//     and silences on its way to adding or expiring one: a token made for
//     amtool must work with amtool (alertsWriteReads);
//   - backups:ping: the backups API's reads and running a job now, for a
//     backup script (not restores, which also need a person's step-up);
//   - everything else (pages, reload, users, receiver tests,
//     deliveries): no scope, so only unscoped tokens.

// defaultScope is the scope that opens e to a scoped token when the
// table names none.
func defaultScope(e endpoint) auth.Scope {
	if e.scope != "" || e.kind != kindAPI || e.access != protected {
		return e.scope
	}
	method, path, _ := strings.Cut(e.pattern, " ")
	switch {
	case strings.HasPrefix(path, "/api/v1/") || path == "/metrics":
		return auth.ScopeMetricsRead
	case alertmanagerRead(e):
		return auth.ScopeMetricsRead
	case slices.Contains([]string{"POST /api/v2/alerts", "POST /api/v2/silences", "DELETE /api/v2/silence/{id}"}, e.pattern):
		return auth.ScopeAlertsWrite
	case strings.HasPrefix(path, "/api/backups/") && (method == http.MethodGet || e.pattern == "POST /api/backups/jobs/{job}/run"):
		return auth.ScopeBackupsPing
	}
	return ""
}

// alertmanagerRead reports whether e is a read of Alertmanager's v2 API,
// which alerts:write opens as well as metrics:read.
func alertmanagerRead(e endpoint) bool {
	return e.kind == kindAPI && strings.HasPrefix(e.pattern, "GET /api/v2/")
}

// scopeOpens reports whether a principal with scopes may use e.
func scopeOpens(scopes []auth.Scope, e endpoint) bool {
	return auth.Allows(scopes, e.scope) || alertmanagerRead(e) && slices.Contains(scopes, auth.ScopeAlertsWrite)
}

// admitScope refuses a scoped token on a route its scopes do not open
// (403 in Prometheus' envelope, naming the scope needed; audited like a
// role refusal). It reports whether the request may go on.
func (s *Server) admitScope(w http.ResponseWriter, r *http.Request, e endpoint, p *auth.Principal) bool {
	if len(p.Scopes) == 0 || scopeOpens(p.Scopes, e) {
		return true
	}
	have := make([]string, len(p.Scopes))
	for i, sc := range p.Scopes {
		have[i] = string(sc)
	}
	if ok, suppressed := s.denials.record(p.User.Name, r.Pattern, s.now()); ok {
		details := map[string]string{"route": r.Pattern, "scopes": strings.Join(have, ","), "required_scope": string(e.scope)}
		if suppressed > 0 {
			details["unrecorded_before"] = strconv.Itoa(suppressed)
		}
		s.audit(r.WithContext(auth.WithPrincipal(r.Context(), p)), audit.ActionAccessDenied, r.Pattern, http.StatusForbidden, details)
	}
	msg := "this token's scopes (" + strings.Join(have, ", ") + ") do not open this endpoint: "
	if e.scope == "" {
		msg += "no scope does; use a token without scopes"
	} else {
		msg += "it needs scope " + string(e.scope)
	}
	s.fail(w, r, errkind.New(errkind.Forbidden, "ui: token scope too narrow", msg))
	return false
}
