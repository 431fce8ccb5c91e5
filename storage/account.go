package storage

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrSessionLimit means a new session would exceed the user's
// concurrent-session limit and the limit is set to reject.
var ErrSessionLimit = errors.New("storage: concurrent session limit reached")

// AccountChange is everything one account action changes: the user, their
// sessions, a redeemed reset token and the audit records. ChangeAccount
// applies it in one transaction, in the order of the fields, so that a
// sign-in, a password change or a role change is all or nothing.
type AccountChange struct {
	Now  time.Time
	User string
	// RedeemReset is the ID of a password-reset token for User that must
	// exist and be unexpired; it and every other token of User are
	// deleted. ErrTokenInvalid otherwise.
	RedeemReset []byte
	// Apply edits the user; nil leaves it unchanged.
	Apply func(*User) error
	// Retire lists session IDs of User to delete (a finished pending
	// sign-in, the old ID of a rotated session).
	Retire [][]byte
	// Revoke, when set, is the reason for revoking every live session of
	// User except Current.
	Revoke  string
	Current []byte
	// Touch edits the Current session (which must belong to User).
	Touch func(*Session) error
	// New is a session to create, subject to Limit.
	New *Session
	// Limit caps the user's live, non-pending sessions (0: no cap). When
	// New would exceed it, Reject fails the change with ErrSessionLimit;
	// otherwise the oldest are revoked with LimitReason.
	Limit       int
	Reject      bool
	LimitReason string
	// RevokeAudit, when set, makes the record appended for each session
	// this change revokes.
	RevokeAudit func(Session) audit.Record
	// Audit records are appended last.
	Audit []audit.Record
}

// ChangeAccount applies c in one transaction and returns the sessions it
// revoked.
func (s *State) ChangeAccount(c AccountChange) ([]Session, error) {
	var revoked []Session
	err := s.db.Update(func(tx *bbolt.Tx) error {
		revoked = nil
		if c.RedeemReset != nil {
			if err := redeemResetToken(tx, c.RedeemReset, c.User, c.Now); err != nil {
				return err
			}
		}
		u, err := getUser(tx, c.User)
		if err != nil {
			return err
		}
		wasAdmin := u.isActiveAdmin()
		before := u.credentials()
		if c.Apply != nil {
			if err := c.Apply(&u); err != nil {
				return err
			}
			u.Name = c.User
			if err := putUser(tx, u); err != nil {
				return err
			}
			// A reset link issued before the password, role,
			// disabled flag or 2FA changed must not outlive it.
			if u.credentials() != before {
				if err := deleteResetTokens(tx, c.User); err != nil {
					return err
				}
			}
			if wasAdmin && !u.isActiveAdmin() {
				if err := requireAdmin(tx); err != nil {
					return err
				}
			}
		}
		b := tx.Bucket(bucketSessions)
		for _, id := range c.Retire {
			if se, err := getSession(tx, id); err == nil && se.User == c.User {
				if err := b.Delete(id); err != nil {
					return err
				}
			}
		}
		revoke := func(se Session, reason string) error {
			se.Revoked, se.RevokeReason = c.Now, reason
			if err := putSession(tx, se); err != nil {
				return err
			}
			revoked = append(revoked, se)
			if c.RevokeAudit != nil {
				return appendAudit(tx, c.RevokeAudit(se))
			}
			return nil
		}
		sessions, err := userSessions(tx, c.User)
		if err != nil {
			return err
		}
		if c.Revoke != "" {
			for _, se := range sessions {
				if se.Live(c.Now) && !bytes.Equal(se.ID, c.Current) {
					if err := revoke(se, c.Revoke); err != nil {
						return err
					}
				}
			}
		}
		if c.Touch != nil {
			se, err := getSession(tx, c.Current)
			if err != nil {
				return err
			}
			if se.User != c.User {
				return ErrNotFound
			}
			if err := c.Touch(&se); err != nil {
				return err
			}
			if err := putSession(tx, se); err != nil {
				return err
			}
		}
		if c.New != nil {
			if err := c.limit(tx, revoke); err != nil {
				return err
			}
			if err := putSession(tx, *c.New); err != nil {
				return err
			}
		}
		for _, r := range c.Audit {
			if err := appendAudit(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	return revoked, err
}

// limit makes room for c.New under c.Limit, re-reading the sessions this
// transaction may already have changed.
func (c AccountChange) limit(tx *bbolt.Tx, revoke func(Session, string) error) error {
	if c.Limit <= 0 {
		return nil
	}
	sessions, err := userSessions(tx, c.User)
	if err != nil {
		return err
	}
	live := slices.DeleteFunc(sessions, func(se Session) bool {
		return se.Pending || !se.Live(c.Now) || bytes.Equal(se.ID, c.New.ID)
	})
	if len(live) < c.Limit {
		return nil
	}
	if c.Reject {
		return ErrSessionLimit
	}
	for _, se := range live[:len(live)-c.Limit+1] {
		if err := revoke(se, c.LimitReason); err != nil {
			return err
		}
	}
	return nil
}
