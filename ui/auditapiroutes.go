package ui

import (
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

// auditAPIRoutes are the routes of the audit trail API for SIEMs and
// compliance tools (issue 14): admins, and admin tokens with the
// audit:read scope. Reading is audited by the handlers (audit.view).
func (s *Server) auditAPIRoutes() []endpoint {
	type hf = http.HandlerFunc
	verify := admin(kindAPI, "GET /api/ward/audit/verify", hf(s.apiAuditVerify))
	// Verification reads the whole trail.
	verify.timeout = exportTimeout
	return []endpoint{
		admin(kindAPI, "GET /api/ward/audit", hf(s.apiAudit)).scoped(auth.ScopeAuditRead),
		verify.scoped(auth.ScopeAuditRead),
	}
}

// scoped opens e to API tokens with scope sc.
func (e endpoint) scoped(sc auth.Scope) endpoint {
	e.scope = sc
	return e
}

// auditReadSnippet reads the audit trail with the token kept in a file
// (so it stays out of the shell history and ps).
func auditReadSnippet(base string) string {
	return "curl -fsS -H @ward-auth-header '" + base + "/api/ward/audit?order=asc&limit=1000'"
}
