package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors. Messages are safe to show to the person signing in: the ones a
// login can return are deliberately generic.
var (
	ErrInvalidCredentials = errors.New("auth: invalid username or password")
	ErrInvalidCode        = errors.New("auth: invalid or already used code")
	ErrRateLimited        = errors.New("auth: too many attempts")
	ErrSessionInvalid     = errors.New("auth: not signed in")
	ErrSessionExpired     = errors.New("auth: session expired")
	ErrSessionRevoked     = errors.New("auth: session ended")
	ErrSessionLimit       = errors.New("auth: the concurrent session limit is reached; sign out elsewhere first")
	ErrStepUpRequired     = errors.New("auth: confirm with a current two-factor code first")
	ErrForbidden          = errors.New("auth: permission denied")
	ErrWrongStage         = errors.New("auth: finish signing in first")
	ErrTwoFactorRequired  = errors.New("auth: two-factor authentication is required for this role")
	ErrNotEnrolled        = errors.New("auth: two-factor authentication is not enabled")
	ErrAlreadyEnrolled    = errors.New("auth: two-factor authentication is already enabled")
	ErrNoEnrolment        = errors.New("auth: no enrolment in progress; start again")
	ErrSetupDone          = errors.New("auth: setup is already complete")
	ErrTokenInvalid       = errors.New("auth: invalid or expired link")
	ErrUserExists         = errors.New("auth: user already exists")
	ErrUserNotFound       = errors.New("auth: no such user")
	ErrInvalidUsername    = errors.New("auth: invalid username")
	ErrInvalidEmail       = errors.New("auth: invalid email address")
	ErrInvalidRole        = errors.New("auth: invalid role")
	ErrLastAdmin          = errors.New("auth: ward must keep at least one enabled admin")
	ErrNoKey              = errors.New("auth: no secret key loaded")
)

// RateLimitError is returned while attempts are limited: by the
// per-minute limit or the progressive delay after failures. There is no
// lockout, so RetryAfter is at most a minute.
// It matches ErrRateLimited.
type RateLimitError struct {
	// RetryAfter is how long until the next attempt may be made.
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("auth: too many attempts; try again in %s", max(e.RetryAfter.Round(time.Second), time.Second))
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

func (e *RevokedError) Error() string { return "auth: session ended: " + e.Reason }

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
