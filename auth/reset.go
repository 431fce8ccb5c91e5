package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// ResetTokenLifetime is how long a password-reset link works.
const ResetTokenLifetime = 30 * time.Minute

// RequestPasswordReset starts a self-service password reset for username
// from ip and hands the single-use token to the Notifier, which emails the
// link. It returns the token, or "" (and no error) when there is no such
// enabled user: the UI shows the same message either way. At most 3
// requests an hour per account and per IP.
func (s *Service) RequestPasswordReset(ctx context.Context, username, ip string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	now := s.now()
	name := strings.ToLower(strings.TrimSpace(username))
	target := truncate(name, 64)
	keys := []string{ipKey(ip)}
	if ValidUsername(name) {
		// Only valid names become keys: a limiter keyed on whatever
		// was posted would hold attacker-sized strings.
		keys = append(keys, userKey(name))
	}
	if wait, first := s.reset.allow(now, keys...); wait > 0 {
		if first {
			s.appendAudit(s.record(target, ip, audit.ActionPasswordResetReq, target, audit.Failure, map[string]string{"reason": "rate_limited"}))
		}
		return "", &RateLimitError{RetryAfter: wait}
	}
	u, err := s.st.User(name)
	if !ValidUsername(name) {
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
		s.appendAudit(s.record(target, ip, audit.ActionPasswordResetReq, target, audit.Failure, map[string]string{"reason": "unknown_or_disabled"}))
		return "", nil
	}
	if err != nil {
		return "", err
	}
	token, err := s.issueReset(name, name, ip, now)
	if err != nil {
		return "", err
	}
	s.notifyReset(Notice{User: name, Email: u.Email, Time: now, IP: ip}, token, now.Add(ResetTokenLifetime))
	return token, nil
}

// CreateResetToken makes a reset token for user name on an admin's behalf
// (the users page, or `ward user reset-password --link`), to hand over out
// of band. Admins only, with step-up. It has its own limit per admin,
// apart from the self-service quota, which anonymous requests can use up.
func (s *Service) CreateResetToken(ctx context.Context, p *Principal, name string) (string, error) {
	if err := s.sensitive(ctx, p, RoleAdmin); err != nil {
		return "", err
	}
	now := s.now()
	if !p.Local {
		if wait, _ := s.adminReset.allow(now, userKey(p.User.Name)); wait > 0 {
			return "", &RateLimitError{RetryAfter: wait}
		}
	}
	return s.issueReset(p.User.Name, name, p.IP, now)
}

func (s *Service) issueReset(actor, name, ip string, now time.Time) (string, error) {
	token := newToken()
	t := storage.ResetToken{User: name, Created: now, Expires: now.Add(ResetTokenLifetime), IP: ip}
	rec := s.record(actor, ip, audit.ActionPasswordResetReq, name, audit.Success, nil)
	if err := s.st.PutResetToken(tokenID(token), t, rec); err != nil {
		return "", storeErr(err)
	}
	return token, nil
}

// ResetPassword sets a new password with a reset token. The token and any
// other of the user's tokens stop working, every session of the user
// ends, and 2FA stays on: the next sign-in still asks for a code.
func (s *Service) ResetPassword(ctx context.Context, token, password, ip string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validToken(token) {
		return ErrTokenInvalid
	}
	id := tokenID(token)
	t, err := s.st.ResetToken(id)
	now := s.now()
	if err != nil || !now.Before(t.Expires) {
		s.appendAudit(s.record("", ip, audit.ActionPasswordReset, t.User, audit.Failure, map[string]string{"reason": "invalid_token"}))
		return ErrTokenInvalid
	}
	if err := CheckPassword(t.User, password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	return storeErr(s.st.Update(func(tx *storage.Tx) error {
		if err := tx.RedeemResetToken(id, t.User, now); err != nil {
			return err
		}
		_, err := changeUser(tx, t.User, func(u *storage.User) error {
			u.PasswordHash, u.PasswordChanged = hash, now
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := s.revokeOthers(tx, t.User, nil, now, ReasonPasswordReset, t.User, ip); err != nil {
			return err
		}
		return tx.AppendAudit(s.record(t.User, ip, audit.ActionPasswordReset, t.User, audit.Success, map[string]string{"via": "token"}))
	}))
}
