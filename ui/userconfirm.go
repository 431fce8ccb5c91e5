package ui

import (
	"net/http"

	"github.com/ward-monitoring/ward/auth"
)

// tokensOf lists the API tokens user made, which disabling or deleting
// them revokes (issue 13). A failure to list them is logged and shows as
// none: the page still asks, and the change still revokes them.
func (s *Server) tokensOf(r *http.Request, user string) []auth.APIToken {
	tokens, err := s.deps.Auth.APITokensBy(r.Context(), auth.PrincipalFrom(r.Context()), user)
	if err != nil {
		s.logger.Warn("listing a user's API tokens", "err", err, "user", user)
	}
	return tokens
}

// confirmDisableUser serves GET /admin/users/{name}/disable: the page
// that asks before POST /admin/users/{name}/disable disables, naming the
// API tokens that are revoked with it.
func (s *Server) confirmDisableUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.render(w, r, http.StatusOK, confirmDisablePage(s.page(r, "Disable "+name), name, s.tokensOf(r, name)))
}
