package ui

// complianceRoutes are the routes of the compliance checklist: /compliance, its evidence, manual attestations and the evidence pack (issue 14).
func (s *Server) complianceRoutes() []endpoint {
	return nil
}
