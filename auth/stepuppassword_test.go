package auth

import (
	"errors"
	"testing"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/errkind"
)

// TestStepUpWithPasswordSaysPassword: a user without 2FA confirms with
// the password, so the refusal asks for the password (not a two-factor
// code), a wrong one says "wrong password", and the audit record names
// reason=bad_password; a wrong TOTP code still says bad_code.
func TestStepUpWithPasswordSaysPassword(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "bob", RoleViewer)
	p := e.auth(t, e.login(t, "bob", "192.0.2.1").Token)
	err := e.svc.RequireStepUp(p)
	if !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("RequireStepUp: %v, want ErrStepUpRequired", err)
	}
	if _, msg := errkind.Of(err); msg != "confirm with your password first" {
		t.Errorf("message for a user without 2FA: %q", msg)
	}
	if err := e.svc.StepUp(e.ctx, p, "not the password"); !errors.Is(err, ErrInvalidPassword) {
		t.Fatalf("wrong password: %v, want ErrInvalidPassword", err)
	}
	recs := e.records(t, audit.Query{Action: audit.ActionStepUp})
	if len(recs) != 1 || recs[0].Details["reason"] != "bad_password" || recs[0].Details["method"] != "password" {
		t.Fatalf("audit of a wrong password: %+v", recs)
	}

	e.addUser(t, "ada", RoleAdmin)
	en := e.enrol(t, "ada")
	e.clk.Advance(StepUpWindow + 1)
	pa := e.auth(t, en.token)
	if _, msg := errkind.Of(e.svc.RequireStepUp(pa)); msg != "confirm with a current two-factor code first" {
		t.Errorf("message for a user with 2FA: %q", msg)
	}
	if err := e.svc.StepUp(e.ctx, pa, "000000"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("wrong code: %v", err)
	}
	recs = e.records(t, audit.Query{Action: audit.ActionStepUp, Actor: "ada"})
	if n := len(recs); n == 0 || recs[n-1].Details["reason"] != "bad_code" {
		t.Errorf("audit of a wrong code: %+v", recs)
	}
}
