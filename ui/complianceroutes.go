package ui

import "net/http"

// complianceRoutes are the routes of the compliance checklist: /compliance, its evidence, manual attestations and the evidence pack (issue 14).
func (s *Server) complianceRoutes() []endpoint {
	type hf = http.HandlerFunc
	return []endpoint{
		operator(kindPage, "GET /compliance", hf(s.compliancePage)),
		operator(kindPage, "GET /compliance/{control}", hf(s.complianceControlPage)),
		admin(kindPage, "POST /compliance/{control}/attest", hf(s.complianceAttest)),
		operator(kindPage, "POST /compliance/check", hf(s.complianceCheckNow)).limited(apiWrite),
	}
}
