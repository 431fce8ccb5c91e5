package ui

import "net/http"

// tokenRoutes are the API token pages (issue 13): everyone manages their
// own tokens under /account/tokens; admins see every token there and at
// /admin/tokens. Disabling a user asks first, listing the tokens that go
// with them (userconfirm.go).
func (s *Server) tokenRoutes() []endpoint {
	type hf = http.HandlerFunc
	return []endpoint{
		viewer(kindPage, "GET /account/tokens", hf(s.tokensPage)),
		viewer(kindPage, "POST /account/tokens", hf(s.createTokenSubmit)),
		viewer(kindPage, "GET /account/tokens/{name}/revoke", hf(s.confirmRevokeToken)),
		viewer(kindPage, "POST /account/tokens/{name}/revoke", hf(s.revokeTokenSubmit)),
		admin(kindPage, "GET /admin/tokens", hf(s.tokensPage)),
		admin(kindPage, "GET /admin/users/{name}/disable", hf(s.confirmDisableUser)),
	}
}
