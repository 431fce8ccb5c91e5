package auth

import (
	"context"
	"errors"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// SetupTokenLifetime is how long the first-run setup link works.
const SetupTokenLifetime = time.Hour

// NeedsSetup reports whether ward has no users yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	users, err := s.st.Users()
	return len(users) == 0, err
}

// CreateSetupToken makes the one-time token of the first-run setup URL,
// valid for SetupTokenLifetime; only its hash is stored. A new token
// replaces the previous one. It fails with ErrSetupDone once a user
// exists. `ward serve` calls it at start while NeedsSetup and prints the
// URL.
func (s *Service) CreateSetupToken(ctx context.Context) (token string, expires time.Time, err error) {
	if err := ctx.Err(); err != nil {
		return "", time.Time{}, err
	}
	token = newToken()
	now := s.now()
	expires = now.Add(SetupTokenLifetime)
	rec := s.record(SystemActor, "", audit.ActionSetupToken, "", audit.Success, map[string]string{"expires": expires.UTC().Format(time.RFC3339)})
	err = s.st.PutSetupToken(storage.SetupToken{Hash: tokenID(token), Expires: expires}, rec)
	if errors.Is(err, storage.ErrExists) {
		return "", time.Time{}, ErrSetupDone
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// CompleteSetup redeems the setup token and creates the first admin (the
// role in nu is ignored), then calls Options.SetupDone. The UI then signs
// them in with Login, which leads straight to 2FA enrolment.
func (s *Service) CompleteSetup(ctx context.Context, token string, nu NewUser, ip string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validToken(token) {
		return ErrTokenInvalid
	}
	nu.Role = RoleAdmin
	u, err := s.prepare(nu)
	if err != nil {
		return err
	}
	rec := s.record(u.Name, ip, audit.ActionSetupComplete, u.Name, audit.Success, map[string]string{"role": u.Role})
	err = s.st.CreateFirstAdmin(u, tokenID(token), s.now(), rec)
	switch {
	case errors.Is(err, storage.ErrExists):
		return ErrSetupDone
	case errors.Is(err, storage.ErrTokenInvalid):
		s.appendAudit(s.record("", ip, audit.ActionSetupComplete, u.Name, audit.Failure, map[string]string{"reason": "invalid_token"}))
		return ErrTokenInvalid
	case err != nil:
		return err
	}
	if s.setupDone != nil {
		s.setupDone()
	}
	return nil
}
