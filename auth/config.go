package auth

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/audit"
)

// LimitMode is what a sign-in does when the user already has the maximum
// number of sessions.
type LimitMode string

// Limit modes.
const (
	// RevokeOldest ends the user's oldest session to make room.
	RevokeOldest LimitMode = "revoke_oldest"
	// Reject refuses the new sign-in.
	Reject LimitMode = "reject"
)

// Config is the `auth:` section of ward's configuration.
type Config struct {
	Session   SessionConfig   `yaml:"session"`
	TwoFactor TwoFactorConfig `yaml:"two_factor"`
	Audit     AuditConfig     `yaml:"audit"`
	// SecretKeyFile holds the key that seals TOTP secrets. Empty means
	// <storage.path>/ward.key, created on first start. The environment
	// variables WARD_SECRET_KEY and WARD_SECRET_KEY_FILE take precedence.
	SecretKeyFile string `yaml:"secret_key_file"`
}

// SessionConfig bounds sessions.
type SessionConfig struct {
	IdleTimeout model.Duration `yaml:"idle_timeout"`
	MaxLifetime model.Duration `yaml:"max_lifetime"`
	// MaxPerUser is the number of concurrent sessions a user may have.
	MaxPerUser int       `yaml:"max_per_user"`
	OnLimit    LimitMode `yaml:"on_limit"`
}

// TwoFactorConfig says who must use 2FA.
type TwoFactorConfig struct {
	RequiredRoles []Role `yaml:"required_roles"`
}

// AuditConfig bounds the audit trail.
type AuditConfig struct {
	Retention model.Duration `yaml:"retention"`
}

// DefaultConfig returns the auth defaults.
func DefaultConfig() Config {
	return Config{
		Session: SessionConfig{
			IdleTimeout: model.Duration(30 * time.Minute),
			MaxLifetime: model.Duration(12 * time.Hour),
			MaxPerUser:  1,
			OnLimit:     RevokeOldest,
		},
		TwoFactor: TwoFactorConfig{RequiredRoles: []Role{RoleAdmin, RoleOperator}},
		Audit:     AuditConfig{Retention: model.Duration(audit.DefaultRetention)},
	}
}

// Validate returns every problem, each prefixed with its key path.
func (c Config) Validate() []string {
	var errs []string
	add := func(path, format string, args ...any) {
		errs = append(errs, "auth."+path+": "+fmt.Sprintf(format, args...))
	}
	s := c.Session
	switch {
	case s.IdleTimeout <= 0:
		add("session.idle_timeout", "must be positive")
	case time.Duration(s.IdleTimeout) < time.Minute:
		add("session.idle_timeout", "must be at least 1m")
	}
	switch {
	case s.MaxLifetime <= 0:
		add("session.max_lifetime", "must be positive")
	case s.IdleTimeout > 0 && s.MaxLifetime < s.IdleTimeout:
		add("session.max_lifetime", "must not be shorter than session.idle_timeout (%s)", s.IdleTimeout)
	case time.Duration(s.MaxLifetime) > 30*24*time.Hour:
		add("session.max_lifetime", "must be at most 30d")
	}
	if s.MaxPerUser < 1 || s.MaxPerUser > 100 {
		add("session.max_per_user", "must be between 1 and 100, got %d", s.MaxPerUser)
	}
	if s.OnLimit != RevokeOldest && s.OnLimit != Reject {
		add("session.on_limit", "want %s or %s, got %q", RevokeOldest, Reject, s.OnLimit)
	}
	seen := map[Role]bool{}
	for i, r := range c.TwoFactor.RequiredRoles {
		path := fmt.Sprintf("two_factor.required_roles[%d]", i)
		switch {
		case !r.Valid():
			add(path, "unknown role %q (want admin, operator or viewer)", r)
		case seen[r]:
			add(path, "%q listed twice", r)
		}
		seen[r] = true
	}
	if time.Duration(c.Audit.Retention) < audit.MinRetention {
		add("audit.retention", "must be at least 30d, got %s", c.Audit.Retention)
	}
	return errs
}

// requiresTwoFactor reports whether role must use 2FA.
func (c Config) requiresTwoFactor(r Role) bool {
	for _, x := range c.TwoFactor.RequiredRoles {
		if x == r {
			return true
		}
	}
	return false
}
