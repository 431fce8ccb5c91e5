package auth

import (
	"context"
	"errors"
	"fmt"
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

// ErrTokenNotFound means no API token has the given name.
var ErrTokenNotFound = newError(errkind.NotFound, "no such API token")

// ErrTokenExists means an API token of that name already exists.
var ErrTokenExists = newError(errkind.Conflict, "an API token of that name already exists")

// APIToken is what may be shown of an API token: never the token.
type APIToken struct {
	Name      string
	Role      Role
	Created   time.Time
	CreatedBy string
	LastUsed  time.Time
}

// TokenActor is how an API token names itself as an actor (audit trail,
// silence authors): "token:NAME".
func TokenActor(name string) string { return "token:" + name }

// CreateAPIToken makes an API token called name with role and returns it;
// it is shown once and only its hash is stored. Admins only, with step-up
// (the command line needs none). Creation is audited.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, role Role) (string, error) {
	if err := s.sensitive(ctx, p, RoleAdmin); err != nil {
		return "", err
	}
	if !ValidUsername(name) {
		return "", fmt.Errorf("%w %q: use 1 to 64 lower-case letters, digits, '.', '-' or '_'", ErrInvalidUsername, name)
	}
	if !role.Valid() {
		return "", fmt.Errorf("%w %q", ErrInvalidRole, role)
	}
	token := APITokenPrefix + newToken()
	now := s.now()
	t := storage.APIToken{ID: tokenID(token), Name: name, Role: string(role), Created: now, CreatedBy: p.User.Name}
	rec := s.record(p.User.Name, p.IP, ActionTokenCreate, TokenActor(name), audit.Success, map[string]string{"role": string(role)})
	err := s.st.CreateAPIToken(t, rec)
	if errors.Is(err, storage.ErrExists) {
		return "", fmt.Errorf("%w: %q", ErrTokenExists, name)
	}
	if err != nil {
		return "", err
	}
	return token, nil
}

// APITokens lists the API tokens. Admins only.
func (s *Service) APITokens(ctx context.Context, p *Principal) ([]APIToken, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.require(RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.st.APITokens()
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, len(all))
	for i, t := range all {
		out[i] = APIToken{Name: t.Name, Role: Role(t.Role), Created: t.Created, CreatedBy: t.CreatedBy, LastUsed: t.LastUsed}
	}
	return out, nil
}

// RevokeAPIToken deletes the API token called name. Admins only, audited.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(RoleAdmin); err != nil {
		return err
	}
	rec := s.record(p.User.Name, p.IP, ActionTokenRevoke, TokenActor(name), audit.Success, nil)
	err := s.st.DeleteAPIToken(name, rec)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrTokenNotFound, name)
	}
	return err
}

// AuthenticateToken resolves an API token (an `Authorization: Bearer`
// header) from ip. It returns ErrSessionInvalid for anything that is not
// a live token; the principal is active, with the token's role, and named
// TokenActor(name).
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
	if now.Sub(t.LastUsed) >= touchEvery {
		if err := s.st.TouchAPIToken(id, now); err != nil && !errors.Is(err, storage.ErrNotFound) {
			s.logger.Warn("recording API token use", "err", err, "token", t.Name)
		}
	}
	return &Principal{
		User:    User{Name: TokenActor(t.Name), Role: Role(t.Role), Created: t.Created},
		Session: SessionInfo{User: TokenActor(t.Name), Stage: StageActive},
		IP:      ip, UserAgent: ua,
	}, nil
}
