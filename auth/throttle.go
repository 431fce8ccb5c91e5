package auth

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// ActionThrottleClear is the audit action of an admin clearing a user's
// sign-in throttle.
const ActionThrottleClear = "user.throttle_clear"

// Throttled reports how long a sign-in to user name from a device it has
// never used must wait now (0 when it need not), for the users page.
func (s *Service) Throttled(name string) time.Duration {
	now := s.now()
	return max(s.login.peek(now, userKey(name)), s.secondFactor.peek(now, userKey(name)))
}

// ClearThrottle forgets the failed attempts counted against user name:
// the account's, its devices', its 2FA step's, and those of the
// addresses its recent failures came from (or the user, trying again
// from the same address, would still wait). Admins only; audited.
// It does not need step-up: it grants nothing, and an admin may need it
// in a hurry while someone is guessing at the account.
func (s *Service) ClearThrottle(ctx context.Context, p *Principal, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(RoleAdmin); err != nil {
		return err
	}
	if !ValidUsername(name) {
		return ErrUserNotFound
	}
	if _, err := s.st.User(name); err != nil {
		return storeErr(err)
	}
	mine := func(k string) bool {
		return k == userKey(name) || k == "password:"+name || strings.HasPrefix(k, "client:"+name+":")
	}
	n := s.login.clear(mine) + s.secondFactor.clear(mine)
	s.appendAudit(s.record(p.User.Name, p.IP, ActionThrottleClear, name, audit.Success,
		map[string]string{"keys": strconv.Itoa(n)}))
	return nil
}
