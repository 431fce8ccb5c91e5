package auth

import (
	"context"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// enrolmentLifetime bounds how long a generated secret waits for its
// confirming code.
const enrolmentLifetime = 15 * time.Minute

// BeginEnrolment generates a TOTP secret for p's own account and keeps it,
// sealed, until ConfirmEnrolment. Calling it again replaces the secret.
// Allowed for active sessions and for StageEnrol ones (which may do
// nothing else), with the account's password given again: whoever holds
// a stolen session cookie must not be able to bind their own
// authenticator to the account.
func (s *Service) BeginEnrolment(ctx context.Context, p *Principal, password string) (*Enrolment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Local || (p.Session.Stage != StageActive && p.Session.Stage != StageEnrol) {
		return nil, ErrWrongStage
	}
	if p.User.TwoFactor {
		return nil, ErrAlreadyEnrolled
	}
	if s.key == nil {
		return nil, ErrNoKey
	}
	if err := s.confirmPassword(p, password, audit.ActionTOTPEnrol); err != nil {
		return nil, err
	}
	e, secret, err := newEnrolment(s.issuer, p.User.Name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	e.Expires = now.Add(enrolmentLifetime)
	sealed := s.key.seal(secret, totpAD(p.User.Name))
	err = s.st.Update(func(tx *storage.Tx) error {
		_, err := changeUser(tx, p.User.Name, func(u *storage.User) error {
			if len(u.TOTPSecret) > 0 {
				return ErrAlreadyEnrolled
			}
			u.PendingTOTP, u.PendingTOTPExpires = sealed, e.Expires
			return nil
		})
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &e, nil
}

// EnrolResult is what the UI shows once 2FA is on.
type EnrolResult struct {
	// Token replaces the session cookie: enabling 2FA raises the
	// session's privilege, so it gets a new identity.
	Token string
	// RecoveryCodes are shown once, with download and print options.
	RecoveryCodes []string
}

// ConfirmEnrolment turns 2FA on when code is valid for the pending secret,
// generates recovery codes and rotates the session (a StageEnrol session
// becomes active).
func (s *Service) ConfirmEnrolment(ctx context.Context, p *Principal, code string) (*EnrolResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Local || (p.Session.Stage != StageActive && p.Session.Stage != StageEnrol) {
		return nil, ErrWrongStage
	}
	if s.key == nil {
		return nil, ErrNoKey
	}
	now := s.now()
	u, err := s.st.User(p.User.Name)
	if err != nil {
		return nil, storeErr(err)
	}
	if len(u.PendingTOTP) == 0 || !now.Before(u.PendingTOTPExpires) {
		return nil, ErrNoEnrolment
	}
	secret, err := s.key.open(u.PendingTOTP, totpAD(u.Name))
	if err != nil {
		return nil, ErrKeyMismatch
	}
	code = cleanCode(code)
	step, ok := matchTOTP(secret, code, now)
	if !isTOTPCode(code) || !ok {
		s.appendAudit(s.record(u.Name, p.IP, audit.ActionTOTPEnrol, u.Name, audit.Failure, map[string]string{"reason": "bad_code"}))
		return nil, ErrInvalidCode
	}
	codes, hashes := newRecoveryCodes()
	old, err := s.st.Session(p.sid)
	if err != nil {
		return nil, ErrSessionInvalid
	}
	token, se := rotated(old)
	se.Stage, se.SecondFactorAt = string(StageActive), now
	err = s.st.Update(func(tx *storage.Tx) error {
		_, err := changeUser(tx, u.Name, func(x *storage.User) error {
			if len(x.TOTPSecret) > 0 {
				return ErrAlreadyEnrolled
			}
			if err := consumeStep(x, step, now); err != nil {
				return err
			}
			x.TOTPSecret, x.TOTPEnabled = x.PendingTOTP, now
			x.PendingTOTP, x.PendingTOTPExpires = nil, time.Time{}
			x.RecoveryHashes = hashes
			return nil
		})
		if err != nil {
			return err
		}
		if err := retireSession(tx, u.Name, p.sid); err != nil {
			return err
		}
		if err := tx.PutSession(se); err != nil {
			return err
		}
		return tx.AppendAudit(s.record(u.Name, p.IP, audit.ActionTOTPEnrol, u.Name, audit.Success,
			map[string]string{"recovery_codes": strconv.Itoa(len(codes))}))
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &EnrolResult{Token: token, RecoveryCodes: codes}, nil
}

// DisableTwoFactor turns off p's own 2FA, which needs step-up and is
// refused while p's role requires 2FA. Every other session ends.
func (s *Service) DisableTwoFactor(ctx context.Context, p *Principal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(RoleViewer); err != nil || p.Local {
		return ErrForbidden
	}
	if requiresTwoFactor(s.cfg, p.User.Role) {
		return ErrTwoFactorRequired
	}
	if err := s.RequireStepUp(p); err != nil {
		return err
	}
	name := p.User.Name
	err := s.st.Update(func(tx *storage.Tx) error {
		_, err := changeUser(tx, name, func(u *storage.User) error {
			if len(u.TOTPSecret) == 0 {
				return ErrNotEnrolled
			}
			clearTwoFactor(u)
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := s.revokeOthers(tx, name, p.sid, s.now(), ReasonTwoFactorOff, name, p.IP); err != nil {
			return err
		}
		return tx.AppendAudit(s.record(name, p.IP, audit.ActionTOTPDisable, name, audit.Success, nil))
	})
	return storeErr(err)
}

// clearTwoFactor removes every trace of u's 2FA.
func clearTwoFactor(u *storage.User) {
	u.TOTPSecret, u.TOTPEnabled = nil, time.Time{}
	u.PendingTOTP, u.PendingTOTPExpires = nil, time.Time{}
	u.RecoveryHashes, u.UsedSteps = nil, nil
}
