package auth

import "context"

type passiveKey struct{}

// Passive marks ctx so that Authenticate does not count the request as
// activity: a page refreshing itself for live updates is not someone at
// the keyboard, and its session idles out as if the tab were closed.
func Passive(ctx context.Context) context.Context {
	return context.WithValue(ctx, passiveKey{}, true)
}

func isPassive(ctx context.Context) bool {
	v, _ := ctx.Value(passiveKey{}).(bool)
	return v
}

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
