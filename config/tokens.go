package config

import (
	"time"

	"github.com/prometheus/common/model"
)

// AuthTokens configures API tokens (auth.tokens, issue 13).
type AuthTokens struct {
	// DefaultExpiry is how long a new API token works when its maker
	// names no expiry.
	DefaultExpiry model.Duration `yaml:"default_expiry"`
}

// DefaultAuthTokens returns the API token defaults.
func DefaultAuthTokens() AuthTokens {
	return AuthTokens{DefaultExpiry: model.Duration(90 * 24 * time.Hour)}
}

// problems checks auth.tokens.
func (t AuthTokens) problems() []fieldError {
	var errs []fieldError
	if d := time.Duration(t.DefaultExpiry); d < time.Hour || d > 731*24*time.Hour {
		errs = append(errs, fieldError{path: "auth.tokens.default_expiry", msg: "must be between 1h and 731d (2 years, the longest a token may live), got " + t.DefaultExpiry.String()})
	}
	return errs
}
