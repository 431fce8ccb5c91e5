package auth

import (
	"context"
	"errors"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// SecondFactor finishes a sign-in that Login left at StageSecondFactor:
// token is that pending session's token, code a TOTP code or a recovery
// code. On success the pending session is replaced by a new active one
// (a new token). Wrong codes return ErrInvalidCode; after
// maxPendingFailures of them the pending session ends and the password
// is needed again. The step has its own attempt limit per account.
func (s *Service) SecondFactor(ctx context.Context, token, code, ip, ua string) (*LoginResult, error) {
	id, se, err := s.sessionByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !se.Pending || !se.Live(now) {
		return nil, ErrSessionInvalid
	}
	name := se.User
	u, err := s.st.User(name)
	if err != nil {
		return nil, storeErr(err)
	}
	// As at the password step: a device that has signed in as the user
	// before is limited by its own wrong codes only, so someone who
	// knows the password cannot keep the user out of this step by
	// guessing codes from elsewhere; every other device shares the
	// account's limit.
	keys := []string{userKey(name)}
	failKeys := keys
	if knowsClient(u, ip, ua) {
		ck := clientKey(name, clientID(ip, ua))
		keys, failKeys = []string{ck}, []string{ck, userKey(name)}
	}
	if wait, first := s.secondFactor.allow(now, keys...); wait > 0 {
		if first {
			s.appendAudit(s.record(name, ip, audit.ActionLogin, name, audit.Failure,
				map[string]string{"reason": "2fa_rate_limited", "retry_after": max(wait.Round(time.Second), time.Second).String()}))
		}
		return nil, &RateLimitError{RetryAfter: wait}
	}
	if u.Disabled {
		s.appendAudit(s.record(name, ip, audit.ActionLogin, name, audit.Failure, map[string]string{"reason": "disabled"}))
		return nil, errors.Join(ErrSessionInvalid, s.endSession(se, ReasonDisabled, name, ip))
	}
	reason := "bad_code"
	apply, method, err := s.checkSecondFactor(u, code, now, true)
	if err == nil {
		var res *LoginResult
		res, err = s.startSession(name, StageActive, ip, ua, apply, id, method)
		if err == nil {
			s.secondFactor.refund(keys...)
			s.secondFactor.succeed(keys...)
			return res, nil
		}
		// Consuming the code failed inside the transaction: another
		// request used it first.
		reason = "replayed_code"
	}
	if !errors.Is(err, ErrInvalidCode) {
		return nil, err
	}
	s.secondFactor.fail(now, failKeys...)
	ended := false
	_ = s.st.Update(func(tx *storage.Tx) error {
		x, err := tx.Session(id)
		if err != nil {
			return err
		}
		x.Failures++
		if x.Failures >= maxPendingFailures {
			x.Revoked, x.RevokeReason, ended = now, "too many wrong codes; sign in again", true
		}
		return tx.PutSession(x)
	})
	s.appendAudit(s.record(name, ip, audit.ActionLogin, name, audit.Failure,
		map[string]string{"reason": reason, "method": method}))
	if ended {
		return nil, ErrSessionInvalid
	}
	return nil, ErrInvalidCode
}

// checkSecondFactor checks code for u at now: a TOTP code, or (when
// recovery is true) a recovery code. It returns the change that consumes
// it, to be applied in the transaction that acts on it, so that a code is
// used at most once even when two requests race.
func (s *Service) checkSecondFactor(u storage.User, code string, now time.Time, recovery bool) (func(*storage.User) error, string, error) {
	code = cleanCode(code)
	if len(u.TOTPSecret) == 0 {
		return nil, "", ErrNotEnrolled
	}
	if isTOTPCode(code) {
		if s.key == nil {
			return nil, "totp", ErrNoKey
		}
		secret, err := s.key.open(u.TOTPSecret, totpAD(u.Name))
		if err != nil {
			s.logger.Error("cannot open a TOTP secret: wrong secret key?", "user", u.Name)
			return nil, "totp", ErrKeyMismatch
		}
		step, ok := matchTOTP(secret, code, now)
		if !ok {
			return nil, "totp", ErrInvalidCode
		}
		return func(x *storage.User) error { return consumeStep(x, step, now) }, "totp", nil
	}
	if !recovery || len(code) > 64 {
		return nil, "recovery", ErrInvalidCode
	}
	if !useRecoveryCode(&u, code) {
		return nil, "recovery", ErrInvalidCode
	}
	return func(x *storage.User) error {
		if !useRecoveryCode(x, code) {
			return ErrInvalidCode
		}
		return nil
	}, "recovery", nil
}
