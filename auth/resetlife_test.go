package auth

import (
	"errors"
	"fmt"
	"testing"
)

// TestResetTokensDieWithTheCredentials: a reset link issued before the
// password, role, disabled flag or 2FA changed no longer works.
func TestResetTokensDieWithTheCredentials(t *testing.T) {
	changes := []struct {
		name   string
		change func(e *env) error
	}{
		{"password", func(e *env) error {
			return e.svc.SetPassword(e.ctx, Local("cli:test"), "dana", "another fine passphrase 7")
		}},
		{"role", func(e *env) error { return e.svc.SetRole(e.ctx, Local("cli:test"), "dana", RoleOperator) }},
		{"disabled", func(e *env) error { return e.svc.SetDisabled(e.ctx, Local("cli:test"), "dana", true) }},
		{"2fa", func(e *env) error {
			e.enrol(t, "dana")
			return nil
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.addUser(t, "dana", RoleViewer)
			token, err := e.svc.CreateResetToken(e.ctx, Local("cli:test"), "dana")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.change(e); err != nil {
				t.Fatal(err)
			}
			err = e.svc.ResetPassword(e.ctx, token, "attacker's new passphrase 9", "203.0.113.9")
			if !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("reset link after a %s change: %v, want ErrTokenInvalid", c.name, err)
			}
		})
	}
}

// TestAdminResetLinksHaveTheirOwnQuota: anonymous requests that use up
// the self-service quota (3 an hour per account) do not stop an admin
// from issuing a link.
func TestAdminResetLinksHaveTheirOwnQuota(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "erin", RoleViewer)
	for i := range 5 {
		_, _ = e.svc.RequestPasswordReset(e.ctx, "erin", fmt.Sprintf("203.0.113.%d", i))
	}
	if _, err := e.svc.RequestPasswordReset(e.ctx, "erin", "198.51.100.1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("the self-service quota is not used up: %v", err)
	}
	e.addUser(t, "boss", RoleAdmin)
	en := e.enrol(t, "boss")
	p := e.auth(t, en.token)
	if _, err := e.svc.CreateResetToken(e.ctx, p, "erin"); err != nil {
		t.Fatalf("admin-issued link after anonymous requests: %v", err)
	}
}
