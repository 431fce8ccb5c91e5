package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// LoginRequest is the password step of signing in.
type LoginRequest struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
}

// LoginResult is a step of signing in that succeeded. The UI sets Token as
// the session cookie (it is always a new token: no fixation) and sends the
// user on according to Stage.
type LoginResult struct {
	Token   string
	Stage   Stage
	Session SessionInfo
	// UsedRecoveryCode is true when a recovery code was used; the UI
	// shows RecoveryCodesLeft.
	UsedRecoveryCode  bool
	RecoveryCodesLeft int
	// NewClient flags a sign-in from an IP and agent pair not seen
	// before for this user.
	NewClient bool
	// EndedSessions counts sessions the concurrent limit ended.
	EndedSessions int
}

// Login checks a username and password. Every failure returns the same
// ErrInvalidCredentials after the same work (unknown users are checked
// against a dummy hash), or a *RateLimitError; every outcome is audited
// with its reason. When the user has 2FA the result is a short-lived
// StageSecondFactor session for SecondFactor; when their role requires 2FA
// and they have none, a StageEnrol session; otherwise an active one.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	name := strings.ToLower(strings.TrimSpace(req.Username))
	target := truncate(name, 64)
	ipk := ipKey(req.IP)
	if !ValidUsername(name) {
		// No such user can exist: refuse without hashing and without
		// making a limiter key of whatever was posted. The address is
		// charged.
		if wait, first := s.login.allow(now, ipk); wait > 0 {
			s.auditLoginLimited(target, req.IP, wait, first)
			return nil, &RateLimitError{RetryAfter: wait}
		}
		s.login.fail(now, ipk)
		s.appendAudit(s.record(target, req.IP, audit.ActionLoginPassword, target, audit.Failure,
			map[string]string{"reason": "invalid_username"}))
		return nil, ErrInvalidCredentials
	}
	// The user is read before the limits: which limits apply depends on
	// whether this device has signed in as them before.
	u, err := s.st.User(name)
	known := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	// A device that has signed in as this user before is limited only
	// by its own failures: failures from elsewhere, however many, never
	// refuse it. Any other device is limited per account and per
	// address.
	keys := []string{userKey(name), ipk}
	failKeys := keys
	if known && knowsClient(u, req.IP, req.UserAgent) {
		ck := clientKey(name, clientID(req.IP, req.UserAgent))
		keys = []string{ck}
		failKeys = []string{ck, userKey(name), ipk}
	}
	if wait, first := s.login.allow(now, keys...); wait > 0 {
		s.auditLoginLimited(target, req.IP, wait, first)
		return nil, &RateLimitError{RetryAfter: wait}
	}
	hash := s.dummyHash
	if known {
		hash = u.PasswordHash
	}
	ok, rehash, verr := s.hasher.Verify(truncate(req.Password, 4*MaxPasswordLength), hash)
	reason := ""
	switch {
	case !known:
		reason = "unknown_user"
	case verr != nil:
		s.logger.Error("stored password hash unreadable", "err", verr, "user", name)
		reason = "bad_hash"
	case !ok:
		reason = "bad_password"
	case u.Disabled:
		reason = "disabled"
	}
	if reason != "" {
		s.login.fail(now, failKeys...)
		s.login.relate(userKey(name), ipk)
		s.appendAudit(s.record(target, req.IP, audit.ActionLoginPassword, target, audit.Failure,
			map[string]string{"reason": reason}))
		return nil, ErrInvalidCredentials
	}
	// A success does not count against the window, and clears the
	// streaks it was judged by and the address's: others' failures from
	// a shared address stop slowing it down.
	s.login.refund(keys...)
	s.login.succeed(append(keys, ipk)...)

	var newHash string
	if rehash {
		if newHash, err = s.hasher.Hash(req.Password); err != nil {
			return nil, err
		}
	}
	applyRehash := func(x *storage.User) error {
		if newHash != "" {
			x.PasswordHash = newHash
		}
		return nil
	}
	if len(u.TOTPSecret) > 0 {
		token, se := s.newSession(name, StageSecondFactor, req.IP, req.UserAgent)
		err := s.st.Update(func(tx *storage.Tx) error {
			if _, err := changeUser(tx, name, applyRehash); err != nil {
				return err
			}
			if err := tx.PutSession(se); err != nil {
				return err
			}
			return tx.AppendAudit(s.record(name, req.IP, audit.ActionLoginPassword, name, audit.Success,
				map[string]string{"next": string(StageSecondFactor)}))
		})
		if err != nil {
			return nil, storeErr(err)
		}
		return &LoginResult{Token: token, Stage: StageSecondFactor, Session: s.sessionInfo(se, se.ID)}, nil
	}
	stage := StageActive
	if requiresTwoFactor(s.cfg, Role(u.Role)) {
		stage = StageEnrol
	}
	return s.startSession(name, stage, req.IP, req.UserAgent, applyRehash, nil, "password")
}

// startSession creates the signed-in session for user in one transaction
// with apply (what the sign-in consumed), the retirement of retire (the
// pending session) and the concurrent-session limit.
func (s *Service) startSession(user string, stage Stage, ip, ua string, apply func(*storage.User) error, retire []byte, method string) (*LoginResult, error) {
	now := s.now()
	token, se := s.newSession(user, stage, ip, ua)
	if method != "password" {
		se.SecondFactorAt = now
	}
	res := &LoginResult{Token: token, Stage: stage}
	var email string // the user's, read in the transaction
	err := s.st.Update(func(tx *storage.Tx) error {
		u, err := changeUser(tx, user, func(u *storage.User) error {
			if err := apply(u); err != nil {
				return err
			}
			u.LastLogin = now
			se.NewClient = noteClient(u, ip, ua, now)
			return nil
		})
		if err != nil {
			return err
		}
		email, res.RecoveryCodesLeft = u.Email, len(u.RecoveryHashes)
		if err := retireSession(tx, user, retire); err != nil {
			return err
		}
		if res.EndedSessions, err = s.admit(tx, se, now, ip); err != nil {
			return err
		}
		if err := tx.PutSession(se); err != nil {
			return err
		}
		err = tx.AppendAudit(s.record(user, ip, audit.ActionLogin, user, audit.Success, map[string]string{
			"method": method, "stage": string(stage), "session": sessionID(se.ID)[:16],
			"new_client": strconv.FormatBool(se.NewClient),
		}))
		if err != nil || method != "recovery" {
			return err
		}
		return tx.AppendAudit(s.record(user, ip, audit.ActionRecoveryUse, user, audit.Success,
			map[string]string{"remaining": strconv.Itoa(len(u.RecoveryHashes))}))
	})
	if errors.Is(err, ErrSessionLimit) {
		s.appendAudit(s.record(user, ip, audit.ActionLogin, user, audit.Failure,
			map[string]string{"reason": "session_limit", "method": method}))
		return nil, ErrSessionLimit
	}
	if err != nil {
		return nil, storeErr(err)
	}
	notice := Notice{User: user, Email: email, Time: now, IP: ip, UserAgent: ua}
	if method == "recovery" {
		res.UsedRecoveryCode = true
		s.notifyRecovery(notice, res.RecoveryCodesLeft)
	}
	res.Session = s.sessionInfo(se, se.ID)
	res.NewClient = se.NewClient
	if se.NewClient {
		s.notifyNewClient(notice)
	}
	return res, nil
}

// auditLoginLimited records a refused sign-in, once per window.
func (s *Service) auditLoginLimited(target, ip string, wait time.Duration, first bool) {
	if !first {
		return
	}
	s.appendAudit(s.record(target, ip, audit.ActionLoginPassword, target, audit.Failure,
		map[string]string{"reason": "rate_limited", "retry_after": max(wait.Round(time.Second), time.Second).String()}))
}

// clientID names a device: an IP address and user agent pair.
func clientID(ip, ua string) string {
	h := sha256.Sum256([]byte(ip + "\x00" + ua))
	return hex.EncodeToString(h[:16])
}

// knowsClient reports whether the pair ip, ua has signed in as u before.
func knowsClient(u storage.User, ip, ua string) bool {
	return slices.Contains(u.KnownClients, clientID(ip, ua))
}

// maxKnownClients bounds the IP and agent pairs remembered per user.
const maxKnownClients = 20

// noteClient remembers the pair ip, ua for u, seen at now (known
// devices are forgotten privacy.known_devices after they were last
// seen), and reports whether it is new. A user's very first sign-in is
// not flagged: there is nothing to compare it with.
func noteClient(u *storage.User, ip, ua string, now time.Time) bool {
	id := clientID(ip, ua)
	u.SeeClient(id, now)
	if slices.Contains(u.KnownClients, id) {
		return false
	}
	first := len(u.KnownClients) == 0
	u.KnownClients = append(u.KnownClients, id)
	if len(u.KnownClients) > maxKnownClients {
		u.KnownClients = u.KnownClients[len(u.KnownClients)-maxKnownClients:]
	}
	return !first
}
