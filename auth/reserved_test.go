package auth

import (
	"errors"
	"testing"
)

// TestReservedUsernameRefused: no path that makes a user, setup included,
// accepts the name ward uses for itself in the audit trail.
func TestReservedUsernameRefused(t *testing.T) {
	e := newEnv(t, nil)
	token, _, err := e.svc.CreateSetupToken(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	nu := NewUser{Name: SystemActor, Role: RoleAdmin, Password: testPassword}
	if err := e.svc.CompleteSetup(e.ctx, token, nu, "192.0.2.1"); !errors.Is(err, ErrInvalidUsername) {
		t.Errorf("setup as %q: %v, want ErrInvalidUsername", SystemActor, err)
	}
	if _, err := e.svc.CreateUser(e.ctx, Local("cli:test"), nu); !errors.Is(err, ErrInvalidUsername) {
		t.Errorf("create %q: %v, want ErrInvalidUsername", SystemActor, err)
	}
	nu.Name = "wardens"
	if _, err := e.svc.CreateUser(e.ctx, Local("cli:test"), nu); err != nil {
		t.Errorf("a name that only starts with %q: %v", SystemActor, err)
	}
}
