package auth

import (
	"strings"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// Stage is how far a session has got through sign-in.
type Stage string

// Stages. The UI lets a session do nothing but finish its stage: a
// StageSecondFactor session may only submit a code, a StageEnrol one only
// enrol in 2FA.
const (
	StageActive       Stage = "active"
	StageSecondFactor Stage = "2fa"
	StageEnrol        Stage = "enrol"
)

// pendingLifetime bounds the time between the password and the 2FA step.
const pendingLifetime = 5 * time.Minute

// maxPendingFailures wrong codes end a pending sign-in; the password
// must be entered again.
const maxPendingFailures = 5

// SessionInfo is what the sessions page shows of a session.
type SessionInfo struct {
	// ID names the session (the hex SHA-256 of its token); it is not a
	// credential.
	ID        string
	User      string
	Stage     Stage
	Created   time.Time
	LastSeen  time.Time
	Expires   time.Time
	IP        string
	UserAgent string
	// NewClient flags a sign-in from an IP and agent pair this user had
	// not used before.
	NewClient bool
	// Current marks the session of the request.
	Current bool
	// SecondFactorAt is when 2FA was last proved in this session.
	SecondFactorAt time.Time
}

// Principal is who is acting: a signed-in user, from Authenticate, or the
// local command line, from Local.
type Principal struct {
	User    User
	Session SessionInfo
	// IP and UserAgent of the request.
	IP, UserAgent string
	// Local is the ward command line on the host: an admin that needs no
	// step-up (whoever runs it can read the database anyway).
	Local bool
	// Token is the name of the API token the request came with; empty
	// for sessions and the command line (issue 13).
	Token string
	// Scopes narrow an API token below its role (issue 13): when not
	// empty, only routes needing one of them are open to it.
	Scopes []Scope
	// Internal marks ward's own scrape, authenticated by its in-memory
	// token: never a stored user, whatever the name says.
	Internal bool

	sid []byte
}

// Local returns the principal of the command line; actor names it in the
// audit trail (for example "cli:root").
func Local(actor string) *Principal {
	return &Principal{User: User{Name: actor, Role: RoleAdmin}, IP: "local", Local: true}
}

// Active reports whether p has finished signing in.
func (p *Principal) Active() bool { return p.Local || p.Session.Stage == StageActive }

// Can reports whether p is signed in with at least role.
func (p *Principal) Can(role Role) bool { return p.Active() && p.User.Role.AtLeast(role) }

func (p *Principal) require(role Role) error {
	switch {
	case !p.Active():
		return ErrWrongStage
	case !p.User.Role.AtLeast(role):
		return ErrForbidden
	}
	return nil
}

func (s *Service) sessionInfo(se storage.Session, current []byte) SessionInfo {
	return SessionInfo{
		ID: sessionID(se.ID), User: se.User, Stage: Stage(se.Stage),
		Created: se.Created, LastSeen: se.LastSeen, Expires: se.Expires,
		IP: se.IP, UserAgent: se.UserAgent, NewClient: se.NewClient,
		Current:        current != nil && string(se.ID) == string(current),
		SecondFactorAt: se.SecondFactorAt,
	}
}

// newSession makes a session for user at stage and returns its token.
func (s *Service) newSession(user string, stage Stage, ip, ua string) (string, storage.Session) {
	now := s.now()
	token := newToken()
	se := storage.Session{
		ID: tokenID(token), User: user, Stage: string(stage),
		Created: now, LastSeen: now,
		Expires: now.Add(time.Duration(s.cfg.Session.MaxLifetime)),
		Idle:    time.Duration(s.cfg.Session.IdleTimeout),
		IP:      ip, UserAgent: truncate(ua, 512),
	}
	if stage == StageSecondFactor {
		se.Pending = true
		se.Expires, se.Idle = now.Add(pendingLifetime), pendingLifetime
	}
	return token, se
}

// rotated copies se under a fresh token: same lifetime, new identity.
func rotated(se storage.Session) (string, storage.Session) {
	token := newToken()
	se.ID = tokenID(token)
	return token, se
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
