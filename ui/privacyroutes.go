package ui

// privacyRoutes are the routes of /privacy and the GDPR export and erasure of ward's own users (issue 14).
func (s *Server) privacyRoutes() []endpoint {
	return nil
}
