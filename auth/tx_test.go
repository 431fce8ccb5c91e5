package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// TestLastAdminIsKept: demoting, disabling or deleting the last enabled
// admin fails with ErrLastAdmin and changes nothing: not the user, not
// their sessions, not the audit trail. A disabled admin does not count.
func TestLastAdminIsKept(t *testing.T) {
	cli := Local("cli:test")
	changes := []struct {
		name   string
		action string
		change func(e *env, user string) error
	}{
		{"demote", audit.ActionUserRole, func(e *env, user string) error { return e.svc.SetRole(e.ctx, cli, user, RoleOperator) }},
		{"disable", audit.ActionUserDisable, func(e *env, user string) error { return e.svc.SetDisabled(e.ctx, cli, user, true) }},
		{"delete", audit.ActionUserDelete, func(e *env, user string) error { return e.svc.DeleteUser(e.ctx, cli, user) }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, name := range []string{"ann", "bob", "cid"} {
				e.addUser(t, name, RoleAdmin)
			}
			if err := e.svc.SetDisabled(e.ctx, cli, "cid", true); err != nil {
				t.Fatal(err)
			}
			bob := e.login(t, "bob", "192.0.2.1").Token
			if err := c.change(e, "ann"); err != nil {
				t.Fatalf("with another enabled admin left: %v", err)
			}
			if err := c.change(e, "bob"); !errors.Is(err, ErrLastAdmin) {
				t.Fatalf("last enabled admin: %v, want ErrLastAdmin", err)
			}
			u, err := e.st.User("bob")
			if err != nil || u.Role != string(RoleAdmin) || u.Disabled {
				t.Fatalf("the refused change was committed: %+v %v", u, err)
			}
			e.auth(t, bob) // the session the change would have ended
			for _, action := range []string{c.action, audit.ActionSessionRevoke} {
				for _, r := range e.records(t, audit.Query{Action: action}) {
					if r.Target == "bob" {
						t.Fatalf("the refused change was audited as done: %+v", r)
					}
				}
			}
		})
	}
}

// TestSessionLimitIgnoresPendingSignIns: a sign-in waiting for its second
// factor does not count against auth.session.max_per_user.
func TestSessionLimitIgnoresPendingSignIns(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Session.MaxPerUser, c.Session.OnLimit = 1, Reject })
	e.addUser(t, "vera", RoleViewer)
	en := e.enrol(t, "vera")
	if err := e.svc.Logout(e.ctx, en.token, ""); err != nil {
		t.Fatal(err)
	}
	first := e.login(t, "vera", "192.0.2.1")
	second := e.login(t, "vera", "192.0.2.2")
	if first.Stage != StageSecondFactor || second.Stage != StageSecondFactor {
		t.Fatalf("stages %s, %s", first.Stage, second.Stage)
	}
	e.clk.Advance(30 * time.Second) // the enrolment used this step's code
	if _, err := e.svc.SecondFactor(e.ctx, second.Token, code(t, en.secret, e.clk.Now()), "192.0.2.2", "ua"); err != nil {
		t.Fatalf("with another sign-in pending: %v", err)
	}
	e.clk.Advance(30 * time.Second)
	_, err := e.svc.SecondFactor(e.ctx, first.Token, code(t, en.secret, e.clk.Now()), "192.0.2.1", "ua")
	if !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("past the limit: %v, want ErrSessionLimit", err)
	}
}
