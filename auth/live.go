package auth

import "context"

// StillSignedIn reports whether p's session is still in force, without
// counting as activity: a live stream (GET /live) asks it now and then,
// so that a tab left open ends with its session instead of keeping it
// alive.
func (s *Service) StillSignedIn(ctx context.Context, p *Principal) bool {
	if ctx.Err() != nil || p == nil {
		return false
	}
	if p.Local {
		return true
	}
	if p.sid == nil {
		return false
	}
	se, err := s.st.Session(p.sid)
	if err != nil || se.Pending || !se.Live(s.now()) {
		return false
	}
	u, err := s.st.User(se.User)
	return err == nil && !u.Disabled
}
