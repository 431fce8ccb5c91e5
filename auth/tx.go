package auth

import (
	"bytes"
	"slices"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// The rules auth keeps inside storage transactions. Every account action
// composes one storage.Update from these and the storage.Tx helpers, so
// that the change, the sessions it ends and its audit records commit
// together or not at all.

// changeUser applies fn to the user called name and stores the result. It
// is the only way auth changes a stored user, so the last enabled admin
// is kept on every path (role change, disabling, anything else fn does);
// storage.Tx.PutUser voids the user's reset links when the credentials
// change.
func changeUser(tx *storage.Tx, name string, fn func(*storage.User) error) (storage.User, error) {
	u, err := tx.User(name)
	if err != nil {
		return u, err
	}
	wasAdmin := activeAdmin(u)
	if err := fn(&u); err != nil {
		return u, err
	}
	u.Name = name
	if err := tx.PutUser(u); err != nil {
		return u, err
	}
	if wasAdmin && !activeAdmin(u) {
		return u, keepAdmin(tx)
	}
	return u, nil
}

// deleteUser removes the user called name with their sessions and reset
// links, keeping the last enabled admin.
func deleteUser(tx *storage.Tx, name string) error {
	u, err := tx.DeleteUser(name)
	if err != nil {
		return err
	}
	if activeAdmin(u) {
		return keepAdmin(tx)
	}
	return nil
}

// activeAdmin reports whether u counts towards keeping ward administrable.
func activeAdmin(u storage.User) bool { return Role(u.Role) == RoleAdmin && !u.Disabled }

// keepAdmin fails with ErrLastAdmin unless tx still holds an enabled
// admin: no change may leave ward without one.
func keepAdmin(tx *storage.Tx) error {
	n, err := tx.EnabledUsers(string(RoleAdmin))
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// retireSession deletes user's session id (a finished pending sign-in,
// the old ID of a rotated session; nil: none) if it is still there.
func retireSession(tx *storage.Tx, user string, id []byte) error {
	if id == nil {
		return nil
	}
	if se, err := tx.Session(id); err == nil && se.User == user {
		return tx.DeleteSession(id)
	}
	return nil
}

// revoke ends se for reason and records it as done by actor from ip.
func (s *Service) revoke(tx *storage.Tx, se storage.Session, now time.Time, reason, actor, ip string) error {
	se, err := tx.RevokeSession(se.ID, now, reason)
	if err != nil {
		return err
	}
	return tx.AppendAudit(s.revokeRecord(actor, ip, reason)(se))
}

// revokeOthers ends every live session of user but keep (nil: all of
// them) for reason, and returns how many it ended.
func (s *Service) revokeOthers(tx *storage.Tx, user string, keep []byte, now time.Time, reason, actor, ip string) (int, error) {
	live, err := tx.LiveSessions(user, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, se := range live {
		if bytes.Equal(se.ID, keep) {
			continue
		}
		if err := s.revoke(tx, se, now, reason, actor, ip); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// admit makes room for the new session se under auth.session.max_per_user,
// which counts live sessions that are not pending sign-ins. At the limit
// it fails with ErrSessionLimit when auth.session.on_limit is reject, and
// otherwise ends the oldest sessions (as ReasonLimit); it returns how
// many it ended.
func (s *Service) admit(tx *storage.Tx, se storage.Session, now time.Time, ip string) (int, error) {
	limit := s.cfg.Session.MaxPerUser
	if limit <= 0 {
		return 0, nil
	}
	live, err := tx.LiveSessions(se.User, now)
	if err != nil {
		return 0, err
	}
	live = slices.DeleteFunc(live, func(x storage.Session) bool { return x.Pending || bytes.Equal(x.ID, se.ID) })
	if len(live) < limit {
		return 0, nil
	}
	if s.cfg.Session.OnLimit == Reject {
		return 0, ErrSessionLimit
	}
	over := live[:len(live)-limit+1]
	for _, old := range over {
		if err := s.revoke(tx, old, now, ReasonLimit, se.User, ip); err != nil {
			return 0, err
		}
	}
	return len(over), nil
}
