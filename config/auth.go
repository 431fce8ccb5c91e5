package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Auth configures sign-in, sessions, two-factor policy and the audit trail
// (section `auth:`). The auth package uses it as its own Config.
type Auth struct {
	Session   AuthSession   `yaml:"session"`
	TwoFactor AuthTwoFactor `yaml:"two_factor"`
	Audit     AuthAudit     `yaml:"audit"`
	// Tokens configures API tokens (issue 13; tokens.go).
	Tokens AuthTokens `yaml:"tokens"`
	// SecretKeyFile holds the key that seals TOTP secrets. Empty means
	// <storage.path>/ward.key, created on first start. The environment
	// variables WARD_SECRET_KEY and WARD_SECRET_KEY_FILE take precedence.
	SecretKeyFile string `yaml:"secret_key_file"`
}

// AuthSession bounds browser sessions.
type AuthSession struct {
	IdleTimeout model.Duration `yaml:"idle_timeout"`
	MaxLifetime model.Duration `yaml:"max_lifetime"`
	// MaxPerUser is how many sessions a user may hold at once.
	MaxPerUser int `yaml:"max_per_user"`
	// OnLimit is what a sign-in past MaxPerUser does: revoke_oldest or
	// reject.
	OnLimit string `yaml:"on_limit"`
}

// AuthTwoFactor says which roles must use two-factor authentication.
type AuthTwoFactor struct {
	RequiredRoles []string `yaml:"required_roles"`
}

// AuthAudit bounds the audit trail.
type AuthAudit struct {
	Retention model.Duration `yaml:"retention"`
}

// Session limit modes (auth.RevokeOldest and auth.Reject).
const (
	OnLimitRevokeOldest = "revoke_oldest"
	OnLimitReject       = "reject"
)

// MinIdleTimeout is the shortest session idle timeout allowed.
const MinIdleTimeout = 5 * time.Minute

// minAuditRetention is audit.MinRetention, repeated so that config does
// not import the audit package; a test in app keeps the two equal.
const minAuditRetention = 30 * 24 * time.Hour

// DefaultAuth returns the auth defaults (auth.DefaultConfig's values).
func DefaultAuth() Auth {
	return Auth{
		Session: AuthSession{
			IdleTimeout: model.Duration(30 * time.Minute),
			MaxLifetime: model.Duration(12 * time.Hour),
			MaxPerUser:  1,
			OnLimit:     OnLimitRevokeOldest,
		},
		TwoFactor: AuthTwoFactor{RequiredRoles: []string{"admin", "operator"}},
		Audit:     AuthAudit{Retention: model.Duration(400 * 24 * time.Hour)},
		Tokens:    DefaultAuthTokens(),
	}
}

// validateAuth checks the auth section.
func (c *Config) validateAuth() []fieldError { return c.Auth.problems() }

// Validate returns every problem of the section as "auth.key.path: msg".
func (a Auth) Validate() []string {
	var out []string
	for _, p := range a.problems() {
		out = append(out, p.path+": "+p.msg)
	}
	return out
}

// RequiresTwoFactor reports whether users of role must use 2FA.
func (a Auth) RequiresTwoFactor(role string) bool {
	for _, r := range a.TwoFactor.RequiredRoles {
		if r == role {
			return true
		}
	}
	return false
}

func (a Auth) problems() []fieldError {
	errs := a.Tokens.problems()
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldError{path: "auth." + path, msg: fmt.Sprintf(format, args...)})
	}
	s := a.Session
	switch {
	case s.IdleTimeout <= 0:
		add("session.idle_timeout", "must be positive")
	case time.Duration(s.IdleTimeout) < MinIdleTimeout:
		// Activity is written to a session at most once a minute
		// (auth's touch interval): a shorter idle timeout would sign
		// out people who are using ward.
		add("session.idle_timeout", "must be at least %s", model.Duration(MinIdleTimeout))
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
	if s.OnLimit != OnLimitRevokeOldest && s.OnLimit != OnLimitReject {
		add("session.on_limit", "want %s or %s, got %q", OnLimitRevokeOldest, OnLimitReject, s.OnLimit)
	}
	seen := map[string]bool{}
	for i, r := range a.TwoFactor.RequiredRoles {
		path := fmt.Sprintf("two_factor.required_roles[%d]", i)
		switch {
		case r != "admin" && r != "operator" && r != "viewer":
			add(path, "unknown role %q (want admin, operator or viewer)", r)
		case seen[r]:
			add(path, "%q listed twice", r)
		}
		seen[r] = true
	}
	if time.Duration(a.Audit.Retention) < minAuditRetention {
		add("audit.retention", "must be at least 30d, got %s", a.Audit.Retention)
	}
	return errs
}
