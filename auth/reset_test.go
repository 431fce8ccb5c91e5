package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestPasswordReset(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "root", RoleAdmin)
	en := e.enrol(t, "root")

	token, err := e.svc.RequestPasswordReset(e.ctx, "Root", "192.0.2.1")
	if err != nil || token == "" {
		t.Fatalf("request: %q, %v", token, err)
	}
	if got, err := e.svc.RequestPasswordReset(e.ctx, "nobody", "192.0.2.9"); got != "" || err != nil {
		t.Fatalf("unknown user: %q, %v", got, err)
	}
	if err := e.svc.ResetPassword(e.ctx, token, "qwerty123456", "192.0.2.1"); !errors.Is(err, ErrPasswordCommon) {
		t.Fatalf("policy: %v", err)
	}
	const next = "new and unguessable passphrase"
	if err := e.svc.ResetPassword(e.ctx, token, next, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	var rev *RevokedError
	if _, err := e.svc.Authenticate(e.ctx, en.token, "", ""); !errors.As(err, &rev) || rev.Reason != ReasonPasswordReset {
		t.Fatalf("session after reset: %v", err)
	}
	if err := e.svc.ResetPassword(e.ctx, token, "yet another long passphrase", "192.0.2.1"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("token used twice: %v", err)
	}
	// 2FA is still on: the new password leads to the code prompt.
	e.clk.Advance(time.Minute)
	res, err := e.svc.Login(e.ctx, LoginRequest{Username: "root", Password: next, IP: "192.0.2.1"})
	if err != nil || res.Stage != StageSecondFactor {
		t.Fatalf("after reset: %+v, %v", res, err)
	}
	if recs := e.records(t, audit.Query{Action: audit.ActionPasswordReset, Outcome: audit.Success}); len(recs) != 1 {
		t.Fatalf("%+v", recs)
	}
}

func TestPasswordResetExpiresAndIsLimited(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)
	var tokens []string
	for i := range 3 {
		tok, err := e.svc.RequestPasswordReset(e.ctx, "vera", "192.0.2.1")
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		tokens = append(tokens, tok)
	}
	if _, err := e.svc.RequestPasswordReset(e.ctx, "vera", "192.0.2.2"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("4th request in an hour (account): %v", err)
	}
	if _, err := e.svc.RequestPasswordReset(e.ctx, "someone", "192.0.2.1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("4th request in an hour (IP): %v", err)
	}
	e.clk.Advance(ResetTokenLifetime)
	if err := e.svc.ResetPassword(e.ctx, tokens[0], "new and unguessable passphrase", ""); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired token: %v", err)
	}
	e.clk.Advance(time.Hour)
	tok, err := e.svc.RequestPasswordReset(e.ctx, "vera", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(ResetTokenLifetime - time.Second)
	if err := e.svc.ResetPassword(e.ctx, tok, "new and unguessable passphrase", ""); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
}

func TestSetup(t *testing.T) {
	e := newEnv(t, nil)
	if need, err := e.svc.NeedsSetup(e.ctx); !need || err != nil {
		t.Fatalf("fresh: %v, %v", need, err)
	}
	token, expires, err := e.svc.CreateSetupToken(e.ctx)
	if err != nil || !expires.Equal(e.clk.Now().Add(time.Hour)) {
		t.Fatalf("%v %v", expires, err)
	}
	admin := NewUser{Name: "root", Email: "root@example.com", Role: RoleViewer, Password: testPassword}
	if err := e.svc.CompleteSetup(e.ctx, newToken(), admin, "192.0.2.1"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("wrong token: %v", err)
	}
	e.clk.Advance(SetupTokenLifetime)
	if err := e.svc.CompleteSetup(e.ctx, token, admin, "192.0.2.1"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired token: %v", err)
	}
	token, _, _ = e.svc.CreateSetupToken(e.ctx)
	if err := e.svc.CompleteSetup(e.ctx, token, admin, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.st.User("root")
	if u.Role != string(RoleAdmin) {
		t.Fatalf("first user is %s", u.Role)
	}
	if err := e.svc.CompleteSetup(e.ctx, token, NewUser{Name: "eve", Password: testPassword}, ""); !errors.Is(err, ErrSetupDone) && !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("second setup: %v", err)
	}
	if _, _, err := e.svc.CreateSetupToken(e.ctx); !errors.Is(err, ErrSetupDone) {
		t.Fatalf("token after setup: %v", err)
	}
	if res := e.login(t, "root", "192.0.2.1"); res.Stage != StageEnrol {
		t.Fatalf("first admin's first sign-in: %s", res.Stage)
	}
}

func TestConfigValidate(t *testing.T) {
	if p := DefaultConfig().Validate(); len(p) != 0 {
		t.Fatalf("defaults invalid: %q", p)
	}
	c := DefaultConfig()
	c.Session.IdleTimeout = 0
	c.Session.MaxPerUser = 0
	c.Session.OnLimit = "kick"
	c.TwoFactor.RequiredRoles = []string{string(RoleAdmin), "root", string(RoleAdmin)}
	c.Audit.Retention = c.Audit.Retention / 40
	want := []string{
		"auth.session.idle_timeout: must be positive",
		"auth.session.max_per_user: must be between 1 and 100, got 0",
		`auth.session.on_limit: want revoke_oldest or reject, got "kick"`,
		`auth.two_factor.required_roles[1]: unknown role "root" (want admin, operator or viewer)`,
		`auth.two_factor.required_roles[2]: "admin" listed twice`,
		"auth.audit.retention: must be at least 30d, got 10d",
	}
	got := c.Validate()
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d: %q, want %q", i, got[i], want[i])
		}
	}
}
