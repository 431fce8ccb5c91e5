package auth

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// touchEvery limits last-seen writes to one a minute per session, so
// that browsing does not turn every request into a database write. The
// idle timeout is therefore exact to within this interval.
const touchEvery = time.Minute

// Reasons recorded when a request finds its session expired.
const (
	reasonIdle     = "the session was idle for too long"
	reasonLifetime = "the session reached its maximum lifetime"
)

// Authenticate resolves a session token (the cookie) from a request from
// ip with user agent ua. It returns ErrSessionInvalid for an unknown
// token, a *RevokedError (matching ErrSessionRevoked or ErrSessionExpired)
// with the reason for one that was ended, and otherwise the principal,
// whose Session.Stage the UI must honour.
func (s *Service) Authenticate(ctx context.Context, token, ip, ua string) (*Principal, error) {
	id, se, err := s.sessionByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !se.Revoked.IsZero() {
		return nil, &RevokedError{Reason: se.RevokeReason, At: se.Revoked, Expired: se.RevokeReason == reasonIdle || se.RevokeReason == reasonLifetime}
	}
	now := s.now()
	if !se.Live(now) {
		reason := reasonIdle
		if !now.Before(se.Expires) {
			reason = reasonLifetime
		}
		rec := s.record(se.User, ip, audit.ActionSessionExpire, se.User, audit.Success,
			map[string]string{"session": sessionID(se.ID)[:16], "reason": reason})
		err := s.st.Update(func(tx *storage.Tx) error {
			if _, err := tx.RevokeSession(id, now, reason); err != nil {
				return err
			}
			return tx.AppendAudit(rec)
		})
		if err != nil {
			return nil, err
		}
		return nil, &RevokedError{Reason: reason, At: now, Expired: true}
	}
	u, err := s.st.User(se.User)
	if err != nil || u.Disabled {
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		s.endSession(se, ReasonDisabled, se.User, ip)
		return nil, &RevokedError{Reason: ReasonDisabled, At: now}
	}
	if !se.Pending && !isPassive(ctx) && now.Sub(se.LastSeen) >= touchEvery {
		err := s.st.Update(func(tx *storage.Tx) error {
			x, err := tx.Session(id)
			if err != nil {
				return err
			}
			x.LastSeen = now
			return tx.PutSession(x)
		})
		if err != nil {
			return nil, err
		}
		se.LastSeen = now
	}
	return &Principal{
		User: s.view(u), Session: s.sessionInfo(se, id),
		IP: ip, UserAgent: ua, sid: id,
	}, nil
}

// Logout ends the session of token. An unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token, ip string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validToken(token) {
		return nil
	}
	id := tokenID(token)
	se, err := s.st.Session(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rec := s.record(se.User, ip, audit.ActionLogout, se.User, audit.Success,
		map[string]string{"session": sessionID(id)[:16]})
	err = s.st.Update(func(tx *storage.Tx) error {
		if err := tx.DeleteSession(id); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// Sessions lists the live sessions of user (p's own when empty; every
// user's when "*"), oldest first. Only an admin may list other users'.
func (s *Service) Sessions(ctx context.Context, p *Principal, user string) ([]SessionInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.require(RoleViewer); err != nil {
		return nil, err
	}
	if user == "" {
		user = p.User.Name
	}
	if user != p.User.Name {
		if err := p.require(RoleAdmin); err != nil {
			return nil, err
		}
	}
	if user == "*" {
		user = ""
	}
	all, err := s.st.Sessions(user)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []SessionInfo
	for _, se := range all {
		if se.Live(now) && !se.Pending {
			out = append(out, s.sessionInfo(se, p.sid))
		}
	}
	return out, nil
}

// EndSession ends the session with id (from SessionInfo.ID): p's own, or
// anyone's for an admin. Its owner's next request learns why.
func (s *Service) EndSession(ctx context.Context, p *Principal, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(RoleViewer); err != nil {
		return err
	}
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != tokenBytes {
		return ErrSessionInvalid
	}
	se, err := s.st.Session(raw)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrSessionInvalid
	}
	if err != nil {
		return err
	}
	if se.User != p.User.Name {
		if err := p.require(RoleAdmin); err != nil {
			return err
		}
	}
	return s.endSession(se, ReasonEnded, p.User.Name, p.IP)
}

// EndOtherSessions ends every session of p's user except the current one
// and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, p *Principal) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := p.require(RoleViewer); err != nil || p.Local {
		return 0, ErrForbidden
	}
	name := p.User.Name
	n := 0
	err := s.st.Update(func(tx *storage.Tx) error {
		if _, err := tx.User(name); err != nil {
			return err
		}
		var err error
		n, err = s.revokeOthers(tx, name, p.sid, s.now(), ReasonEnded, name, p.IP)
		return err
	})
	if err != nil {
		return 0, storeErr(err)
	}
	return n, nil
}

// endSession revokes one session with reason, audited as done by actor.
func (s *Service) endSession(se storage.Session, reason, actor, ip string) error {
	err := s.st.Update(func(tx *storage.Tx) error {
		return s.revoke(tx, se, s.now(), reason, actor, ip)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ErrSessionInvalid
	}
	return err
}

// revokeRecord returns the audit record maker for sessions revoked by
// actor for reason.
func (s *Service) revokeRecord(actor, ip, reason string) func(storage.Session) audit.Record {
	return func(se storage.Session) audit.Record {
		return s.record(actor, ip, audit.ActionSessionRevoke, se.User, audit.Success,
			map[string]string{"session": sessionID(se.ID)[:16], "reason": reason})
	}
}

// sessionByToken looks up the session a cookie token names: its ID, or
// ErrSessionInvalid for a malformed or unknown token.
func (s *Service) sessionByToken(ctx context.Context, token string) ([]byte, storage.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, storage.Session{}, err
	}
	if !validToken(token) {
		return nil, storage.Session{}, ErrSessionInvalid
	}
	id := tokenID(token)
	se, err := s.st.Session(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, storage.Session{}, ErrSessionInvalid
	}
	return id, se, err
}
