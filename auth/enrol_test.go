package auth

import (
	"errors"
	"testing"
)

// TestEnrolmentNeedsThePassword: starting 2FA enrolment needs the
// password again, so a stolen session cookie alone cannot bind the
// thief's authenticator to the account.
func TestEnrolmentNeedsThePassword(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "fay", RoleViewer)
	p := e.auth(t, e.login(t, "fay", "192.0.2.1").Token)
	if _, err := e.svc.BeginEnrolment(e.ctx, p, "not the password"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := e.svc.BeginEnrolment(e.ctx, p, ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("no password: %v", err)
	}
	u, err := e.st.User("fay")
	if err != nil {
		t.Fatal(err)
	}
	if len(u.PendingTOTP) != 0 {
		t.Fatal("a refused enrolment stored a secret")
	}
	if _, err := e.svc.BeginEnrolment(e.ctx, p, testPassword); err != nil {
		t.Fatalf("right password: %v", err)
	}
}
