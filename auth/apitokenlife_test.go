package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// stepped signs name in and steps up: with the password for a role
// without 2FA, by enrolling (which proves a code) otherwise.
func (e *env) stepped(tb testing.TB, name string) *Principal {
	tb.Helper()
	res := e.login(tb, name, "192.0.2.9")
	p := e.auth(tb, res.Token)
	if p.Session.Stage == StageEnrol {
		return e.auth(tb, e.enrol(tb, name).token)
	}
	if err := e.svc.StepUp(e.ctx, p, testPassword); err != nil {
		tb.Fatalf("step-up of %s: %v", name, err)
	}
	return p
}

func TestCreateTokenRules(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)
	e.addUser(t, "otto", RoleOperator)
	vera, otto := e.stepped(t, "vera"), e.stepped(t, "otto")
	now := e.clk.Now()
	cases := []struct {
		name string
		p    *Principal
		spec TokenSpec
		want error
	}{
		{"viewer own viewer token", vera, TokenSpec{Name: "v1", Role: RoleViewer}, nil},
		{"viewer asks operator", vera, TokenSpec{Name: "v2", Role: RoleOperator}, ErrTokenRoleTooHigh},
		{"operator asks admin", otto, TokenSpec{Name: "o1", Role: RoleAdmin}, ErrTokenRoleTooHigh},
		{"operator scoped", otto, TokenSpec{Name: "o2", Role: RoleOperator, Scopes: []Scope{ScopeAlertsWrite, ScopeAlertsWrite}}, nil},
		{"bad scope", otto, TokenSpec{Name: "o3", Role: RoleOperator, Scopes: []Scope{"admin:all"}}, ErrInvalidScope},
		{"expiry in the past", otto, TokenSpec{Name: "o4", Role: RoleViewer, Expires: now.Add(-time.Second)}, ErrTokenExpiry},
		{"expiry now", otto, TokenSpec{Name: "o5", Role: RoleViewer, Expires: now}, ErrTokenExpiry},
		{"expiry too far", otto, TokenSpec{Name: "o6", Role: RoleViewer, Expires: now.Add(MaxTokenLifetime + time.Second)}, ErrTokenExpiry},
		{"expiry at the bound", otto, TokenSpec{Name: "o7", Role: RoleViewer, Expires: now.Add(MaxTokenLifetime)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreateToken(e.ctx, c.p, c.spec)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
	list, err := e.svc.APITokens(e.ctx, otto)
	if err != nil || len(list) != 2 || list[0].Name != "o2" || len(list[0].Scopes) != 1 || list[0].CreatedBy != "otto" {
		t.Fatalf("otto's tokens %+v %v: want o2 (one scope) and o7", list, err)
	}
	if d := list[0].Expires.Sub(now); d != 90*24*time.Hour {
		t.Errorf("default expiry %v, want 90d", d)
	}
	// A token cannot make, list or revoke tokens.
	tok, err := e.svc.CreateToken(e.ctx, Local("cli:root"), TokenSpec{Name: "root-made", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := e.svc.AuthenticateToken(e.ctx, tok, "192.0.2.4", "curl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateToken(e.ctx, tp, TokenSpec{Name: "child", Role: RoleViewer}); err == nil {
		t.Error("a token made a token")
	}
	if _, err := e.svc.APITokens(e.ctx, tp); !errors.Is(err, ErrForbidden) {
		t.Errorf("token listing tokens: %v", err)
	}
	// Others' tokens, the command line's included, are not theirs to
	// see or revoke; admins' are.
	if err := e.svc.RevokeAPIToken(e.ctx, vera, "o2"); !errors.Is(err, ErrTokenNotFound) {
		t.Errorf("viewer revoking an operator's token: %v", err)
	}
	if err := e.svc.RevokeAPIToken(e.ctx, otto, "root-made"); !errors.Is(err, ErrTokenNotFound) {
		t.Errorf("operator revoking the CLI's token: %v", err)
	}
	if err := e.svc.RevokeAPIToken(e.ctx, otto, "o7"); err != nil {
		t.Errorf("operator revoking their own: %v", err)
	}
	e.addUser(t, "ada", RoleAdmin)
	ada := e.stepped(t, "ada")
	all, err := e.svc.APITokens(e.ctx, ada)
	if err != nil || len(all) != 3 {
		t.Errorf("admin sees %d tokens (%v), want 3", len(all), err)
	}
	if err := e.svc.RevokeAPIToken(e.ctx, ada, "root-made"); err != nil {
		t.Errorf("admin revoking the CLI's token: %v", err)
	}
	recs := e.records(t, audit.Query{Action: ActionTokenRevoke})
	if len(recs) != 2 || recs[0].Details["reason"] != TokenRevokedManually {
		t.Errorf("revocations audited: %+v", recs)
	}
}

func TestTokenExpiryAndUse(t *testing.T) {
	e := newEnv(t, nil)
	cli := Local("cli:root")
	tok, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "short", Role: RoleViewer, Scopes: []Scope{ScopeMetricsRead}, Expires: e.clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.AuthenticateToken(e.ctx, tok, "198.51.100.3", "promtool")
	if err != nil {
		t.Fatal(err)
	}
	if p.Token != "short" || len(p.Scopes) != 1 || p.Scopes[0] != ScopeMetricsRead {
		t.Errorf("principal token %q scopes %v", p.Token, p.Scopes)
	}
	list, _ := e.svc.APITokens(e.ctx, cli)
	if list[0].LastIP != "198.51.100.3" || !list[0].LastUsed.Equal(e.clk.Now()) {
		t.Errorf("last use %v from %q", list[0].LastUsed, list[0].LastIP)
	}
	// Writes are bounded: a second use within touchEvery is not written.
	e.clk.Advance(time.Second)
	if _, err := e.svc.AuthenticateToken(e.ctx, tok, "198.51.100.4", ""); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.svc.APITokens(e.ctx, cli); list[0].LastIP != "198.51.100.3" {
		t.Errorf("use written within touchEvery: %q", list[0].LastIP)
	}
	e.clk.Advance(time.Hour)
	if list[0].ExpiredAt(e.clk.Now()) != true {
		t.Error("ExpiredAt false after expiry")
	}
	if _, err := e.svc.AuthenticateToken(e.ctx, tok, "198.51.100.3", ""); !errors.Is(err, ErrSessionInvalid) || err != ErrSessionInvalid {
		t.Errorf("expired token: %v, want exactly ErrSessionInvalid (as an unknown one)", err)
	}
}

func TestTokensFollowTheirCreator(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "otto", RoleOperator)
	e.addUser(t, "vera", RoleViewer)
	otto, vera := e.stepped(t, "otto"), e.stepped(t, "vera")
	mk := func(p *Principal, name string, role Role) string {
		t.Helper()
		tok, err := e.svc.CreateToken(e.ctx, p, TokenSpec{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	o1, o2, v1 := mk(otto, "o1", RoleOperator), mk(otto, "o2", RoleViewer), mk(vera, "v1", RoleViewer)
	root := mk(Local("cli:root"), "r1", RoleAdmin)
	cli := Local("cli:admin")
	works := func(tok string) bool {
		_, err := e.svc.AuthenticateToken(e.ctx, tok, "192.0.2.1", "")
		return err == nil
	}
	// Lowering otto to viewer revokes only the token above that.
	if err := e.svc.SetRole(e.ctx, cli, "otto", RoleViewer); err != nil {
		t.Fatal(err)
	}
	if works(o1) || !works(o2) {
		t.Errorf("after demotion: o1 works %v (want false), o2 %v (want true)", works(o1), works(o2))
	}
	if err := e.svc.SetDisabled(e.ctx, cli, "otto", true); err != nil {
		t.Fatal(err)
	}
	if works(o2) || !works(v1) || !works(root) {
		t.Errorf("after disabling otto: o2 %v v1 %v r1 %v", works(o2), works(v1), works(root))
	}
	// Enabling again does not bring them back.
	if err := e.svc.SetDisabled(e.ctx, cli, "otto", false); err != nil || works(o2) {
		t.Errorf("re-enabled: %v, o2 works %v", err, works(o2))
	}
	if err := e.svc.DeleteUser(e.ctx, cli, "vera"); err != nil {
		t.Fatal(err)
	}
	if works(v1) || !works(root) {
		t.Errorf("after deleting vera: v1 %v r1 %v", works(v1), works(root))
	}
	want := map[string]string{"token:o1": TokenRevokedCreatorDemoted, "token:o2": TokenRevokedCreatorDisabled, "token:v1": TokenRevokedCreatorDeleted}
	recs := e.records(t, audit.Query{Action: ActionTokenRevoke})
	if len(recs) != len(want) {
		t.Fatalf("revocations %+v, want %d", recs, len(want))
	}
	for _, r := range recs {
		if want[r.Target] != r.Details["reason"] || r.Actor != "cli:admin" {
			t.Errorf("record %s by %s reason %q, want %q", r.Target, r.Actor, r.Details["reason"], want[r.Target])
		}
	}
	// A failed change revokes nothing: the last admin stays, and so do
	// the tokens of the change that was refused.
	e.addUser(t, "ada", RoleAdmin)
	ada := e.stepped(t, "ada")
	a1 := mk(ada, "a1", RoleAdmin)
	if err := e.svc.SetDisabled(e.ctx, cli, "ada", true); !errors.Is(err, ErrLastAdmin) || !works(a1) {
		t.Errorf("disabling the last admin: %v; a1 works %v", err, works(a1))
	}
}
