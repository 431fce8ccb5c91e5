package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
)

// Audit actions of API tokens. (They belong with the others in the audit
// package; kept here until that list is next edited.)
const (
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
)

// APITokenPrefix starts every API token, so that secret scanners and
// people recognise one.
const APITokenPrefix = "ward_"

// DefaultTokenExpiry is how long a token lives when its maker names no
// expiry (auth.tokens.default_expiry).
func (s *Service) DefaultTokenExpiry() time.Duration {
	return min(time.Duration(s.cfg.Tokens.DefaultExpiry), MaxTokenLifetime)
}

// MaxTokenLifetime bounds an API token's expiry: a forgotten token dies
// within two years whatever its maker asked for.
const MaxTokenLifetime = 731 * 24 * time.Hour

// MaxTokensPerCreator bounds the tokens one person (or the command line)
// may hold at once: making tokens is open to viewers, and each is a
// stored record and a metric series.
const MaxTokensPerCreator = 50

var (
	// ErrTokenNotFound means no API token has the given name (or none
	// the caller may see).
	ErrTokenNotFound = newError(errkind.NotFound, "no such API token")
	// ErrTokenExists means an API token of that name already exists.
	ErrTokenExists = newError(errkind.Conflict, "an API token of that name already exists")
	// ErrTokenExpiry means a token's expiry is in the past or too far
	// away.
	ErrTokenExpiry = newError(errkind.Invalid, "expiry: must be in the future and at most 2 years away")
	// ErrTooManyTokens means the maker holds MaxTokensPerCreator tokens.
	ErrTooManyTokens = newError(errkind.Conflict, "you hold 50 API tokens, the most allowed: revoke one first")
	// ErrInvalidTokenName means a token name is not 1 to 64 of the
	// allowed characters.
	ErrInvalidTokenName = newError(errkind.Invalid, "name: invalid token name")
	// ErrTokenRoleTooHigh means someone asked for a token with more
	// rights than they have.
	ErrTokenRoleTooHigh = newError(errkind.Forbidden, "role: a token's role cannot be above your own")
)

// APIToken is what may be shown of an API token: never the token.
type APIToken struct {
	Name      string
	Role      Role
	Created   time.Time
	CreatedBy string
	LastUsed  time.Time
	// LastIP is the address of the last recorded use.
	LastIP string
	// Scopes narrow the token below its role; empty: the whole role.
	Scopes []Scope
	// Expires is when it stops working; zero: never (tokens made before
	// expiry existed).
	Expires time.Time
}

// ExpiredAt reports whether t no longer works at now.
func (t APIToken) ExpiredAt(now time.Time) bool { return !t.Expires.IsZero() && !now.Before(t.Expires) }

// TokenActor is how an API token names itself as an actor (audit trail,
// silence authors): "token:NAME".
func TokenActor(name string) string { return "token:" + name }

// CreateAPIToken makes an unscoped API token called name with role and
// the default expiry (CreateToken).
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, role Role) (string, error) {
	return s.CreateToken(ctx, p, TokenSpec{Name: name, Role: role})
}

// CreateToken makes the API token spec describes and returns it; it is
// shown once and only its hash is stored. Anyone signed in may make
// tokens, with a role at most their own, after a step-up (the command
// line needs none); an API token cannot make tokens. The expiry is in the
// future and at most MaxTokenLifetime away. The token follows its maker:
// disabling or deleting them revokes it (revokeTokensOf). Creation is
// audited.
func (s *Service) CreateToken(ctx context.Context, p *Principal, spec TokenSpec) (string, error) {
	if err := s.sensitive(ctx, p, RoleViewer); err != nil {
		return "", err
	}
	if p.Token != "" {
		return "", ErrForbidden
	}
	name, role := spec.Name, spec.Role
	if !ValidUsername(name) {
		return "", fmt.Errorf("%w %q: use 1 to 64 lower-case letters, digits, '.', '-' or '_'", ErrInvalidTokenName, name)
	}
	if !role.Valid() {
		return "", fmt.Errorf("%w %q", ErrInvalidRole, role)
	}
	if !p.User.Role.AtLeast(role) {
		return "", fmt.Errorf("%w (%s asked, you are %s)", ErrTokenRoleTooHigh, role, p.User.Role)
	}
	scopes := make([]string, 0, len(spec.Scopes))
	for _, sc := range spec.Scopes {
		if _, err := ParseScope(string(sc)); err != nil {
			return "", err
		}
		if err := checkScopeRole(sc, role); err != nil {
			return "", err
		}
		if !slices.Contains(scopes, string(sc)) {
			scopes = append(scopes, string(sc))
		}
	}
	token := APITokenPrefix + newToken()
	now := s.now()
	expires := spec.Expires
	if expires.IsZero() {
		expires = now.Add(s.DefaultTokenExpiry())
	}
	if !expires.After(now) || expires.Sub(now) > MaxTokenLifetime {
		return "", fmt.Errorf("%w (got %s)", ErrTokenExpiry, expires.UTC().Format(time.RFC3339))
	}
	t := storage.APIToken{ID: tokenID(token), Name: name, Role: string(role), Created: now, CreatedBy: p.User.Name,
		Scopes: scopes, Expires: expires}
	details := map[string]string{"role": string(role), "expires": expires.UTC().Format(time.RFC3339)}
	if len(scopes) > 0 {
		details["scopes"] = strings.Join(scopes, ",")
	}
	rec := s.record(p.User.Name, p.IP, ActionTokenCreate, TokenActor(name), audit.Success, details)
	err := s.st.CreateAPIToken(t, MaxTokensPerCreator, rec)
	if errors.Is(err, storage.ErrExists) {
		return "", fmt.Errorf("%w: %q", ErrTokenExists, name)
	}
	if errors.Is(err, storage.ErrLimit) {
		return "", ErrTooManyTokens
	}
	if err != nil {
		return "", err
	}
	return token, nil
}

// AuthenticateToken resolves an API token (an `Authorization: Bearer`
// header) from ip. It returns ErrSessionInvalid for anything that is not
// a live token, expired ones included (the same answer as an unknown
// token, so that nobody learns which tokens once existed); the principal
// is active, with the token's role and scopes, and named
// TokenActor(name). The last use and its IP are written at most once per
// touchEvery per token.
func (s *Service) AuthenticateToken(ctx context.Context, token, ip, ua string) (*Principal, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(token, APITokenPrefix)
	if !ok || !validToken(rest) {
		return nil, ErrSessionInvalid
	}
	id := tokenID(token)
	t, err := s.st.APIToken(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return nil, ErrSessionInvalid
	}
	if now.Sub(t.LastUsed) >= touchEvery {
		if err := s.st.TouchAPIToken(id, now, truncate(ip, 64)); err != nil && !errors.Is(err, storage.ErrNotFound) {
			s.logger.Warn("recording API token use", "err", err, "token", t.Name)
		}
	}
	p := &Principal{
		User:    User{Name: TokenActor(t.Name), Role: Role(t.Role), Created: t.Created},
		Session: SessionInfo{User: TokenActor(t.Name), Stage: StageActive},
		IP:      ip, UserAgent: ua,
		Token: t.Name,
	}
	for _, sc := range t.Scopes {
		p.Scopes = append(p.Scopes, Scope(sc))
	}
	return p, nil
}
