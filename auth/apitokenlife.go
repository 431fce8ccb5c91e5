package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Why a token was revoked, in its token.revoke audit record.
const (
	// TokenRevokedManually: someone revoked it (page or command line).
	TokenRevokedManually = "manual"
	// TokenRevokedCreatorDisabled: its maker was disabled.
	TokenRevokedCreatorDisabled = "creator_disabled"
	// TokenRevokedCreatorDeleted: its maker was deleted.
	TokenRevokedCreatorDeleted = "creator_deleted"
	// TokenRevokedCreatorDemoted: its maker's role fell below the
	// token's.
	TokenRevokedCreatorDemoted = "creator_role_lowered"
)

// APITokens lists the API tokens p may manage: every token for admins
// (and the command line), their own for everyone else. API tokens list
// none.
func (s *Service) APITokens(ctx context.Context, p *Principal) ([]APIToken, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.require(RoleViewer); err != nil {
		return nil, err
	}
	if p.Token != "" {
		return nil, ErrForbidden
	}
	all, err := s.st.APITokens()
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, 0, len(all))
	for _, t := range all {
		if mayManage(p, t) {
			out = append(out, tokenView(t))
		}
	}
	return out, nil
}

// APITokensBy lists the tokens made by creator: those that disabling or
// deleting them revokes (the confirmation page). Admins only.
func (s *Service) APITokensBy(ctx context.Context, p *Principal, creator string) ([]APIToken, error) {
	if err := p.require(RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.APITokens(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []APIToken
	for _, t := range all {
		if t.CreatedBy == creator {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeAPIToken deletes the API token called name: any token for
// admins, their own for everyone else (others' tokens are
// ErrTokenNotFound, as if absent). Audited.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.require(RoleViewer); err != nil {
		return err
	}
	if p.Token != "" {
		return ErrForbidden
	}
	err := s.st.Update(func(tx *storage.Tx) error {
		all, err := tx.APITokens()
		if err != nil {
			return err
		}
		for _, t := range all {
			if t.Name == name && mayManage(p, t) {
				return s.revokeToken(tx, t, TokenRevokedManually, p)
			}
		}
		return storage.ErrNotFound
	})
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrTokenNotFound, name)
	}
	return err
}

// mayManage reports whether p may see and revoke t: admins every token,
// others the ones they made. Tokens made on the command line
// ("cli:root") are the admins'.
func mayManage(p *Principal, t storage.APIToken) bool {
	return p.Local || p.User.Role == RoleAdmin || t.CreatedBy == p.User.Name
}

// followCreator revokes, in tx, the tokens that no longer fit their
// maker u after a change: all of them when u is disabled, those above
// u's role when it was lowered. p made the change.
func (s *Service) followCreator(tx *storage.Tx, u storage.User, p *Principal) error {
	if u.Disabled {
		return s.revokeTokensOf(tx, u.Name, TokenRevokedCreatorDisabled, p, func(storage.APIToken) bool { return true })
	}
	return s.revokeTokensOf(tx, u.Name, TokenRevokedCreatorDemoted, p, func(t storage.APIToken) bool {
		return !Role(u.Role).AtLeast(Role(t.Role))
	})
}

// revokeTokensOf revokes, in tx, each token creator made that drop
// selects, each with its own audit record naming reason.
func (s *Service) revokeTokensOf(tx *storage.Tx, creator, reason string, p *Principal, drop func(storage.APIToken) bool) error {
	all, err := tx.APITokens()
	if err != nil {
		return err
	}
	for _, t := range all {
		if t.CreatedBy == creator && drop(t) {
			if err := s.revokeToken(tx, t, reason, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// revokeToken deletes t in tx with its audit record.
func (s *Service) revokeToken(tx *storage.Tx, t storage.APIToken, reason string, p *Principal) error {
	if err := tx.DeleteAPIToken(t.ID); err != nil {
		return err
	}
	return tx.AppendAudit(s.record(p.User.Name, p.IP, ActionTokenRevoke, TokenActor(t.Name), audit.Success,
		map[string]string{"reason": reason, "created_by": t.CreatedBy}))
}

func tokenView(t storage.APIToken) APIToken {
	v := APIToken{Name: t.Name, Role: Role(t.Role), Created: t.Created, CreatedBy: t.CreatedBy, LastUsed: t.LastUsed,
		LastIP: t.LastIP, Expires: t.Expires}
	for _, sc := range t.Scopes {
		v.Scopes = append(v.Scopes, Scope(sc))
	}
	return v
}
