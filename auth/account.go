package auth

import (
	"context"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// ChangePassword changes p's own password after checking the current one.
// Every other session of the user ends and the current one is rotated:
// the returned token replaces the cookie.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := p.require(RoleViewer); err != nil || p.Local {
		return "", ErrForbidden
	}
	name := p.User.Name
	if err := s.confirmPassword(p, current, audit.ActionPasswordChange); err != nil {
		return "", err
	}
	now := s.now()
	if err := CheckPassword(name, next); err != nil {
		return "", err
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return "", err
	}
	old, err := s.st.Session(p.sid)
	if err != nil {
		return "", ErrSessionInvalid
	}
	token, se := rotated(old)
	err = s.st.Update(func(tx *storage.Tx) error {
		_, err := changeUser(tx, name, func(x *storage.User) error {
			x.PasswordHash, x.PasswordChanged = hash, now
			return nil
		})
		if err != nil {
			return err
		}
		if err := retireSession(tx, name, p.sid); err != nil {
			return err
		}
		if _, err := s.revokeOthers(tx, name, se.ID, now, ReasonPassword, name, p.IP); err != nil {
			return err
		}
		if err := tx.PutSession(se); err != nil {
			return err
		}
		return tx.AppendAudit(s.record(name, p.IP, audit.ActionPasswordChange, name, audit.Success, nil))
	})
	if err != nil {
		return "", storeErr(err)
	}
	return token, nil
}

// confirmPassword checks a signed-in user's password, given again for
// action (audited as its failure when wrong). It has its own limit key:
// failed sign-ins by others must not stop a signed-in user.
func (s *Service) confirmPassword(p *Principal, password, action string) error {
	now := s.now()
	name := p.User.Name
	key := "password:" + name
	if wait, _ := s.login.allow(now, key); wait > 0 {
		return &RateLimitError{RetryAfter: wait}
	}
	u, err := s.st.User(name)
	if err != nil {
		return storeErr(err)
	}
	ok, _, err := s.hasher.Verify(truncate(password, 4*MaxPasswordLength), u.PasswordHash)
	if err != nil || !ok {
		s.login.fail(now, key)
		s.appendAudit(s.record(name, p.IP, action, name, audit.Failure, map[string]string{"reason": "bad_password"}))
		return ErrInvalidCredentials
	}
	s.login.succeed(key)
	return nil
}

// RegenerateRecoveryCodes replaces p's recovery codes with new ones, shown
// once. Needs step-up.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p *Principal) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.require(RoleViewer); err != nil || p.Local {
		return nil, ErrForbidden
	}
	if err := s.RequireStepUp(p); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	err := s.st.Update(func(tx *storage.Tx) error {
		_, err := changeUser(tx, p.User.Name, func(u *storage.User) error {
			if len(u.TOTPSecret) == 0 {
				return ErrNotEnrolled
			}
			u.RecoveryHashes = hashes
			return nil
		})
		if err != nil {
			return err
		}
		return tx.AppendAudit(s.record(p.User.Name, p.IP, audit.ActionRecoveryRenew, p.User.Name, audit.Success,
			map[string]string{"count": strconv.Itoa(len(codes))}))
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return codes, nil
}
