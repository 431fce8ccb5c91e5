package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/audit"
)

func TestAPITokens(t *testing.T) {
	e := newEnv(t, nil)
	cli := Local("cli:test")
	tok, err := e.svc.CreateAPIToken(e.ctx, cli, "grafana", RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, APITokenPrefix) {
		t.Errorf("token %q lacks the %q prefix", tok, APITokenPrefix)
	}
	if _, err := e.svc.CreateAPIToken(e.ctx, cli, "grafana", RoleAdmin); !errors.Is(err, ErrTokenExists) {
		t.Errorf("duplicate name: %v, want ErrTokenExists", err)
	}
	if _, err := e.svc.CreateAPIToken(e.ctx, cli, "Bad Name", RoleAdmin); !errors.Is(err, ErrInvalidTokenName) {
		t.Errorf("bad name: %v", err)
	}

	p, err := e.svc.AuthenticateToken(e.ctx, tok, "192.0.2.7", "grafana")
	if err != nil {
		t.Fatal(err)
	}
	if p.User.Name != "token:grafana" || p.User.Role != RoleViewer || !p.Active() || p.Can(RoleOperator) {
		t.Errorf("principal %+v: want an active viewer named token:grafana", p.User)
	}
	for _, bad := range []string{"", "ward_", tok + "x", strings.TrimPrefix(tok, APITokenPrefix), APITokenPrefix + newToken()} {
		if _, err := e.svc.AuthenticateToken(e.ctx, bad, "192.0.2.7", ""); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("token %q: %v, want ErrSessionInvalid", bad, err)
		}
	}

	// Only its hash is stored.
	all, err := e.st.APITokens()
	if err != nil || len(all) != 1 {
		t.Fatalf("stored tokens %v %v", all, err)
	}
	if string(all[0].ID) == tok || strings.Contains(string(all[0].ID), strings.TrimPrefix(tok, APITokenPrefix)) {
		t.Error("the token is stored in the clear")
	}
	list, err := e.svc.APITokens(e.ctx, cli)
	if err != nil || len(list) != 1 || list[0].LastUsed.IsZero() || list[0].CreatedBy != "cli:test" {
		t.Errorf("list %+v %v: want one token, used, made by cli:test", list, err)
	}

	// Everyone in the browser needs step-up.
	e.addUser(t, "vera", RoleViewer)
	if _, err := e.svc.CreateAPIToken(e.ctx, e.auth(t, e.login(t, "vera", "192.0.2.1").Token), "x", RoleViewer); !errors.Is(err, ErrStepUpRequired) {
		t.Errorf("viewer creating a token without step-up: %v, want ErrStepUpRequired", err)
	}
	e.addUser(t, "ada", RoleAdmin)
	en := e.enrol(t, "ada")
	e.clk.Advance(StepUpWindow + 1)
	if _, err := e.svc.CreateAPIToken(e.ctx, e.auth(t, en.token), "y", RoleAdmin); !errors.Is(err, ErrStepUpRequired) {
		t.Errorf("admin without step-up: %v, want ErrStepUpRequired", err)
	}

	if err := e.svc.RevokeAPIToken(e.ctx, cli, "grafana"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateToken(e.ctx, tok, "192.0.2.7", ""); !errors.Is(err, ErrSessionInvalid) {
		t.Errorf("revoked token still works: %v", err)
	}
	if err := e.svc.RevokeAPIToken(e.ctx, cli, "grafana"); !errors.Is(err, ErrTokenNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	created := e.records(t, audit.Query{Action: ActionTokenCreate})
	revoked := e.records(t, audit.Query{Action: ActionTokenRevoke})
	if len(created) != 1 || created[0].Target != "token:grafana" || len(revoked) != 1 {
		t.Errorf("audit: created %v revoked %v", created, revoked)
	}
}
