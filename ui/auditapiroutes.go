package ui

// auditAPIRoutes are the routes of the audit trail API for SIEMs and compliance tools: GET /api/ward/audit and /api/ward/audit/verify (issue 14).
func (s *Server) auditAPIRoutes() []endpoint {
	return nil
}
