package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// Errors. Each has a kind and a message for whoever made the request
// (package errkind); the ones a sign-in can return are deliberately
// generic. ErrNoKey is internal.
var (
	ErrInvalidCredentials = newError(errkind.Unauthenticated, "invalid username or password")
	ErrInvalidCode        = newError(errkind.Unauthenticated, "invalid or already used code")
	ErrRateLimited        = newError(errkind.RateLimited, "too many attempts")
	ErrSessionInvalid     = newError(errkind.Unauthenticated, "not signed in")
	ErrSessionExpired     = newError(errkind.Unauthenticated, "session expired")
	ErrSessionRevoked     = newError(errkind.Unauthenticated, "session ended")
	ErrSessionLimit       = newError(errkind.Conflict, "the concurrent session limit is reached; sign out elsewhere first")
	ErrStepUpRequired     = newError(errkind.Forbidden, "confirm with a current two-factor code first")
	ErrForbidden          = newError(errkind.Forbidden, "permission denied")
	// ErrStepUpPassword is ErrStepUpRequired for a user without 2FA,
	// who confirms with the password; it matches ErrStepUpRequired.
	ErrStepUpPassword = &stepUpPassword{newError(errkind.Forbidden, "confirm with your password first").(*errkind.Error)}
	// ErrInvalidPassword answers a wrong password at step-up.
	ErrInvalidPassword   = newError(errkind.Unauthenticated, "wrong password")
	ErrWrongStage        = newError(errkind.Conflict, "finish signing in first")
	ErrTwoFactorRequired = newError(errkind.Conflict, "two-factor authentication is required for this role")
	ErrNotEnrolled       = newError(errkind.Conflict, "two-factor authentication is not enabled")
	ErrAlreadyEnrolled   = newError(errkind.Conflict, "two-factor authentication is already enabled")
	ErrNoEnrolment       = newError(errkind.Conflict, "no enrolment in progress; start again")
	ErrSetupDone         = newError(errkind.Conflict, "setup is already complete")
	ErrTokenInvalid      = newError(errkind.Unauthenticated, "invalid or expired link")
	ErrUserExists        = newError(errkind.Conflict, "user already exists")
	ErrUserNotFound      = newError(errkind.NotFound, "no such user")
	ErrInvalidUsername   = newError(errkind.Invalid, "invalid username")
	ErrInvalidEmail      = newError(errkind.Invalid, "invalid email address")
	ErrInvalidRole       = newError(errkind.Invalid, "invalid role")
	ErrLastAdmin         = newError(errkind.Conflict, "ward must keep at least one enabled admin")
	ErrNoKey             = errors.New("auth: no secret key loaded")
)

// newError returns an auth error of kind: "auth: msg" in logs and on
// the command line, msg for whoever made the request.
func newError(kind errkind.Kind, msg string) error {
	return errkind.New(kind, "auth: "+msg, msg)
}

// stepUpPassword says "confirm with your password" and still matches
// ErrStepUpRequired, which callers test for.
type stepUpPassword struct{ err *errkind.Error }

func (e *stepUpPassword) Error() string         { return e.err.Error() }
func (e *stepUpPassword) Kind() errkind.Kind    { return e.err.Kind() }
func (e *stepUpPassword) ClientMessage() string { return e.err.ClientMessage() }
func (e *stepUpPassword) Is(target error) bool  { return target == ErrStepUpRequired }

// RateLimitError is returned while attempts are limited: by the
// per-minute limit or the progressive delay after failures. There is no
// lockout, so RetryAfter is at most a minute.
// It matches ErrRateLimited.
type RateLimitError struct {
	// RetryAfter is how long until the next attempt may be made.
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return "auth: " + e.ClientMessage() }

// Kind is errkind.RateLimited.
func (e *RateLimitError) Kind() errkind.Kind { return errkind.RateLimited }

// ClientMessage says when to try again.
func (e *RateLimitError) ClientMessage() string {
	return fmt.Sprintf("too many attempts; try again in %s", max(e.RetryAfter.Round(time.Second), time.Second))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// RevokedError says why a session ended, for the page its owner's next
// request shows. It matches ErrSessionExpired when the session timed out
// and ErrSessionRevoked otherwise.
type RevokedError struct {
	Reason  string
	At      time.Time
	Expired bool
}

func (e *RevokedError) Error() string { return "auth: " + e.ClientMessage() }

// Kind is errkind.Unauthenticated.
func (e *RevokedError) Kind() errkind.Kind { return errkind.Unauthenticated }

// ClientMessage says why the session ended.
func (e *RevokedError) ClientMessage() string { return "session ended: " + e.Reason }

// Is matches ErrSessionExpired or ErrSessionRevoked.
func (e *RevokedError) Is(target error) bool {
	if e.Expired {
		return target == ErrSessionExpired
	}
	return target == ErrSessionRevoked
}

// Reasons a session is revoked, shown to its owner on their next request.
const (
	ReasonLimit          = "you signed in somewhere else and the session limit ended this session"
	ReasonPassword       = "the password was changed"
	ReasonPasswordReset  = "the password was reset"
	ReasonTwoFactorReset = "two-factor authentication was reset"
	ReasonRole           = "the account's role was changed"
	ReasonDisabled       = "the account was disabled"
	ReasonEnded          = "the session was ended from the sessions page"
	ReasonTwoFactorOff   = "two-factor authentication was turned off"
)
