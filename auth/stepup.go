package auth

import (
	"context"
	"errors"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// StepUpWindow is how recent the last second-factor proof must be for a
// sensitive action (OWASP ASVS 3.7.1).
const StepUpWindow = 5 * time.Minute

// RequireStepUp returns ErrStepUpRequired unless p proved a second factor
// within StepUpWindow (ErrStepUpPassword, which matches it, for a user
// without 2FA: they confirm with the password). The command line never
// needs it.
func (s *Service) RequireStepUp(p *Principal) error {
	if p.Local {
		return nil
	}
	if !p.Active() {
		return ErrWrongStage
	}
	at := p.Session.SecondFactorAt
	if at.IsZero() || s.now().Sub(at) > StepUpWindow {
		if !p.User.TwoFactor {
			return ErrStepUpPassword
		}
		return ErrStepUpRequired
	}
	return nil
}

// sensitive is the gate of every action in the sensitive table (see
// stepup_test.go, which checks the table as a whole): the context is
// live, p has at least role, and p proved a second factor within
// StepUpWindow.
func (s *Service) sensitive(ctx context.Context, p *Principal, role Role) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(role); err != nil {
		return err
	}
	return s.RequireStepUp(p)
}

// StepUp refreshes p's session for sensitive actions. proof is a current
// TOTP code, or the password for a user without 2FA (whose role does not
// require it). It shares the 2FA step's attempt limit.
func (s *Service) StepUp(ctx context.Context, p *Principal, proof string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Local || !p.Active() {
		return ErrWrongStage
	}
	now := s.now()
	name := p.User.Name
	if wait, _ := s.secondFactor.allow(now, userKey(name)); wait > 0 {
		return &RateLimitError{RetryAfter: wait}
	}
	u, err := s.st.User(name)
	if err != nil {
		return storeErr(err)
	}
	apply, method, err := s.checkSecondFactor(u, proof, now, false)
	if errors.Is(err, ErrNotEnrolled) {
		method = "password"
		ok, _, verr := s.hasher.Verify(truncate(proof, 4*MaxPasswordLength), u.PasswordHash)
		if err = ErrInvalidPassword; verr == nil && ok {
			apply, err = func(*storage.User) error { return nil }, nil
		}
	}
	if err == nil {
		err = s.st.Update(func(tx *storage.Tx) error {
			if _, err := changeUser(tx, name, apply); err != nil {
				return err
			}
			se, err := tx.Session(p.sid)
			if err != nil {
				return err
			}
			if se.User != name {
				return storage.ErrNotFound
			}
			se.SecondFactorAt = now
			if err := tx.PutSession(se); err != nil {
				return err
			}
			return tx.AppendAudit(s.record(name, p.IP, audit.ActionStepUp, name, audit.Success, map[string]string{"method": method}))
		})
		if err == nil {
			s.secondFactor.succeed(userKey(name))
			p.Session.SecondFactorAt = now
			return nil
		}
	}
	reason := "bad_code"
	switch {
	case errors.Is(err, ErrInvalidPassword):
		reason = "bad_password"
	case !errors.Is(err, ErrInvalidCode):
		return storeErr(err)
	}
	s.secondFactor.fail(now, userKey(name))
	s.appendAudit(s.record(name, p.IP, audit.ActionStepUp, name, audit.Failure, map[string]string{"method": method, "reason": reason}))
	return err
}
