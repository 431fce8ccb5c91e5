package auth

import (
	"context"
	"fmt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// NewUser is a user to create.
type NewUser struct {
	Name     string
	Email    string
	Role     Role
	Password string
}

// check validates nu and hashes its password.
func (s *Service) prepare(nu NewUser) (storage.User, error) {
	if !ValidUsername(nu.Name) {
		return storage.User{}, fmt.Errorf("%w %q: use 1 to 64 lower-case letters, digits, '.', '-' or '_'", ErrInvalidUsername, nu.Name)
	}
	if ReservedUsername(nu.Name) {
		return storage.User{}, fmt.Errorf("%w %q: that name is reserved for ward itself in the audit trail; choose another", ErrInvalidUsername, nu.Name)
	}
	if !nu.Role.Valid() {
		return storage.User{}, fmt.Errorf("%w %q", ErrInvalidRole, nu.Role)
	}
	if err := checkEmail(nu.Email); err != nil {
		return storage.User{}, err
	}
	if err := CheckPassword(nu.Name, nu.Password); err != nil {
		return storage.User{}, err
	}
	hash, err := s.hasher.Hash(nu.Password)
	if err != nil {
		return storage.User{}, err
	}
	now := s.now()
	return storage.User{
		Name: nu.Name, Email: nu.Email, Role: string(nu.Role), PasswordHash: hash,
		Created: now, PasswordChanged: now,
	}, nil
}

// CreateUser adds a user. Admins only, with step-up.
func (s *Service) CreateUser(ctx context.Context, p *Principal, nu NewUser) (User, error) {
	if err := s.sensitive(ctx, p, RoleAdmin); err != nil {
		return User{}, err
	}
	u, err := s.prepare(nu)
	if err != nil {
		return User{}, err
	}
	rec := s.record(p.User.Name, p.IP, audit.ActionUserCreate, u.Name, audit.Success, map[string]string{"role": u.Role})
	if err := s.st.CreateUser(u, rec); err != nil {
		return User{}, storeErr(err)
	}
	return s.view(u), nil
}

// Users lists every user. Admins only.
func (s *Service) Users(ctx context.Context, p *Principal) ([]User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.require(RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.st.Users()
	if err != nil {
		return nil, err
	}
	out := make([]User, len(all))
	for i, u := range all {
		out[i] = s.view(u)
		out[i].Throttled = s.Throttled(u.Name)
	}
	return out, nil
}

// SetRole changes a user's role and ends all their sessions. Admins only,
// with step-up; the last enabled admin cannot be demoted.
func (s *Service) SetRole(ctx context.Context, p *Principal, name string, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("%w %q", ErrInvalidRole, role)
	}
	var old string
	return s.adminChange(ctx, p, name, audit.ActionUserRole, ReasonRole, func(u *storage.User) error {
		old, u.Role = u.Role, string(role)
		return nil
	}, func() map[string]string { return map[string]string{"from": old, "to": string(role)} })
}

// SetDisabled disables or enables a user. Disabling ends all their
// sessions and revokes the API tokens they made. Admins only, with step-up; the last enabled admin cannot be
// disabled.
func (s *Service) SetDisabled(ctx context.Context, p *Principal, name string, disabled bool) error {
	action, reason := audit.ActionUserEnable, ""
	if disabled {
		action, reason = audit.ActionUserDisable, ReasonDisabled
	}
	return s.adminChange(ctx, p, name, action, reason, func(u *storage.User) error {
		u.Disabled = disabled
		return nil
	}, nil)
}

// ResetTwoFactor removes a user's 2FA and recovery codes and ends all
// their sessions; they enrol again at their next sign-in. Admins only,
// with step-up. It never needs the secret key, so it is the way out when
// the key is lost.
func (s *Service) ResetTwoFactor(ctx context.Context, p *Principal, name string) error {
	return s.adminChange(ctx, p, name, audit.ActionTOTPReset, ReasonTwoFactorReset, func(u *storage.User) error {
		clearTwoFactor(u)
		return nil
	}, nil)
}

// SetPassword sets a user's password (the command line's reset-password)
// and ends all their sessions. 2FA stays as it is. Admins only, with
// step-up.
func (s *Service) SetPassword(ctx context.Context, p *Principal, name, password string) error {
	if err := CheckPassword(name, password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.adminChange(ctx, p, name, audit.ActionPasswordReset, ReasonPasswordReset, func(u *storage.User) error {
		u.PasswordHash, u.PasswordChanged = hash, s.now()
		return nil
	}, nil)
}

// DeleteUser removes a user, their sessions and the API tokens they made.
// Admins only, with step-up;
// the last enabled admin cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, p *Principal, name string) error {
	if err := s.sensitive(ctx, p, RoleAdmin); err != nil {
		return err
	}
	return storeErr(s.st.Update(func(tx *storage.Tx) error {
		if err := deleteUser(tx, name); err != nil {
			return err
		}
		// Issue 13: their API tokens go with them.
		if err := s.revokeTokensOf(tx, name, TokenRevokedCreatorDeleted, p, func(storage.APIToken) bool { return true }); err != nil {
			return err
		}
		return tx.AppendAudit(s.record(p.User.Name, p.IP, audit.ActionUserDelete, name, audit.Success, nil))
	}))
}

// adminChange applies an admin's change to user name in one transaction
// with its audit record, ending all of name's sessions for reason (none
// when reason is empty). details, if set, is called after apply.
func (s *Service) adminChange(ctx context.Context, p *Principal, name, action, reason string, apply func(*storage.User) error, details func() map[string]string) error {
	if err := s.sensitive(ctx, p, RoleAdmin); err != nil {
		return err
	}
	rec := s.record(p.User.Name, p.IP, action, name, audit.Success, map[string]string{})
	return storeErr(s.st.Update(func(tx *storage.Tx) error {
		u, err := changeUser(tx, name, apply)
		if err != nil {
			return err
		}
		// Issue 13: API tokens follow their maker.
		if err := s.followCreator(tx, u, p); err != nil {
			return err
		}
		if details != nil {
			for k, v := range details() {
				rec.Details[k] = v
			}
		}
		if reason != "" {
			if _, err := s.revokeOthers(tx, name, nil, s.now(), reason, p.User.Name, p.IP); err != nil {
				return err
			}
		}
		return tx.AppendAudit(rec)
	}))
}
