package auth

import "github.com/ward-monitoring/ward/config"

// Config is the `auth:` section of ward's configuration; the config
// package owns its keys, defaults and validation.
type Config = config.Auth

// Session limit modes: what a sign-in does when the user already has the
// maximum number of sessions.
const (
	// RevokeOldest ends the user's oldest session to make room.
	RevokeOldest = config.OnLimitRevokeOldest
	// Reject refuses the new sign-in.
	Reject = config.OnLimitReject
)

// DefaultConfig returns the auth defaults.
func DefaultConfig() Config { return config.DefaultAuth() }

// requiresTwoFactor reports whether role must use 2FA under c.
func requiresTwoFactor(c Config, r Role) bool { return c.RequiresTwoFactor(string(r)) }

// RequiresTwoFactor reports whether users of role must enrol in 2FA
// (auth.two_factor.required_roles): the setup page says so only then.
func (s *Service) RequiresTwoFactor(r Role) bool { return requiresTwoFactor(s.cfg, r) }
