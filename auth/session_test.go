package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)

	idle := e.login(t, "vera", "192.0.2.1").Token
	e.clk.Advance(29 * time.Minute)
	e.auth(t, idle) // activity resets the idle timer
	e.clk.Advance(29 * time.Minute)
	e.auth(t, idle)
	e.clk.Advance(30 * time.Minute)
	_, err := e.svc.Authenticate(e.ctx, idle, "192.0.2.1", "ua")
	var rev *RevokedError
	if !errors.Is(err, ErrSessionExpired) || !errors.As(err, &rev) || rev.Reason != reasonIdle {
		t.Fatalf("after 30 idle minutes: %v", err)
	}
	// The next request still learns why.
	if _, err := e.svc.Authenticate(e.ctx, idle, "", ""); !errors.As(err, &rev) || rev.Reason != reasonIdle {
		t.Fatalf("second request: %v", err)
	}
	if recs := e.records(t, audit.Query{Action: audit.ActionSessionExpire}); len(recs) != 1 {
		t.Fatalf("expiry audited %d times", len(recs))
	}

	abs := e.login(t, "vera", "192.0.2.1").Token
	for range 12 * 3 { // every 20 minutes for 12 hours
		e.auth(t, abs)
		e.clk.Advance(20 * time.Minute)
	}
	if _, err := e.svc.Authenticate(e.ctx, abs, "", ""); !errors.As(err, &rev) || rev.Reason != reasonLifetime {
		t.Fatalf("after 12 hours: %v", err)
	}
}

func TestConcurrentLimitRevokeOldest(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)
	old := e.login(t, "vera", "192.0.2.1").Token
	e.clk.Advance(time.Minute)
	res := e.login(t, "vera", "192.0.2.2")
	if res.EndedSessions != 1 {
		t.Fatalf("%+v", res)
	}
	_, err := e.svc.Authenticate(e.ctx, old, "", "")
	var rev *RevokedError
	if !errors.Is(err, ErrSessionRevoked) || !errors.As(err, &rev) || rev.Reason != ReasonLimit {
		t.Fatalf("oldest session: %v", err)
	}
	e.auth(t, res.Token)
}

func TestConcurrentLimitReject(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Session.MaxPerUser, c.Session.OnLimit = 2, Reject })
	e.addUser(t, "vera", RoleViewer)
	a := e.login(t, "vera", "192.0.2.1").Token
	b := e.login(t, "vera", "192.0.2.1").Token
	_, err := e.svc.Login(e.ctx, LoginRequest{Username: "vera", Password: testPassword, IP: "192.0.2.1"})
	if !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("third session: %v", err)
	}
	e.auth(t, a)
	e.auth(t, b)
	if recs := e.records(t, audit.Query{Action: audit.ActionLogin, Outcome: audit.Failure}); len(recs) != 1 || recs[0].Details["reason"] != "session_limit" {
		t.Fatalf("%+v", recs)
	}
	// Signing out makes room.
	if err := e.svc.Logout(e.ctx, a, ""); err != nil {
		t.Fatal(err)
	}
	e.login(t, "vera", "192.0.2.1")
}

func TestPasswordChangeRevokesOthersAndRotates(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Session.MaxPerUser = 3 })
	e.addUser(t, "vera", RoleViewer)
	mine := e.login(t, "vera", "192.0.2.1").Token
	other := e.login(t, "vera", "192.0.2.2").Token
	p := e.auth(t, mine)
	const next = "a completely different passphrase"
	if _, err := e.svc.ChangePassword(e.ctx, p, "wrong current password", next); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	if _, err := e.svc.ChangePassword(e.ctx, p, testPassword, "short"); !errors.Is(err, ErrPasswordTooShort) {
		t.Fatalf("policy: %v", err)
	}
	token, err := e.svc.ChangePassword(e.ctx, p, testPassword, next)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(e.ctx, mine, "", ""); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("the pre-change token still works: %v", err)
	}
	var rev *RevokedError
	if _, err := e.svc.Authenticate(e.ctx, other, "", ""); !errors.As(err, &rev) || rev.Reason != ReasonPassword {
		t.Fatalf("other session: %v", err)
	}
	if p := e.auth(t, token); !p.Active() {
		t.Fatal("rotated session is not active")
	}
	e.clk.Advance(time.Minute) // the change-password attempts share the login limit
	if _, err := e.svc.Login(e.ctx, LoginRequest{Username: "vera", Password: next, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
}

func TestRoleChangeRevokesAllAndNeedsStepUp(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Session.MaxPerUser = 3 })
	e.addUser(t, "root", RoleAdmin)
	e.addUser(t, "olga", RoleOperator)
	admin := e.enrol(t, "root")
	olga := e.enrol(t, "olga")
	if err := e.svc.RequireStepUp(e.auth(t, admin.token)); err != nil {
		t.Fatalf("right after enrolment: %v", err)
	}

	// Enrolment counts as a fresh second factor; five minutes later it
	// no longer does.
	e.clk.Advance(StepUpWindow + time.Second)
	p := e.auth(t, admin.token)
	if err := e.svc.SetRole(e.ctx, p, "olga", RoleViewer); !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("role change without step-up: %v", err)
	}
	if err := e.svc.StepUp(e.ctx, p, "000000"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("wrong step-up code: %v", err)
	}
	if err := e.svc.StepUp(e.ctx, p, code(t, admin.secret, e.clk.Now())); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetRole(e.ctx, p, "olga", RoleViewer); err != nil {
		t.Fatal(err)
	}
	var rev *RevokedError
	if _, err := e.svc.Authenticate(e.ctx, olga.token, "", ""); !errors.As(err, &rev) || rev.Reason != ReasonRole {
		t.Fatalf("olga's session after the role change: %v", err)
	}
	recs := e.records(t, audit.Query{Action: audit.ActionUserRole})
	if len(recs) != 1 || recs[0].Details["from"] != "operator" || recs[0].Details["to"] != "viewer" || recs[0].Actor != "root" {
		t.Fatalf("%+v", recs)
	}
	// The last admin cannot demote themselves.
	if err := e.svc.SetRole(e.ctx, p, "root", RoleViewer); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("last admin demoted: %v", err)
	}
	// Only admins manage users.
	if err := e.svc.ResetTwoFactor(e.ctx, e.auth(t, e.login(t, "olga", "192.0.2.1").Token), "root"); err == nil {
		t.Fatal("a viewer reset an admin's 2FA")
	}
}

func TestResetTwoFactorRevokesAll(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "root", RoleAdmin)
	e.addUser(t, "olga", RoleOperator)
	e.enrol(t, "root")
	olga := e.enrol(t, "olga")
	if err := e.svc.ResetTwoFactor(e.ctx, Local("cli:test"), "olga"); err != nil {
		t.Fatal(err)
	}
	var rev *RevokedError
	if _, err := e.svc.Authenticate(e.ctx, olga.token, "", ""); !errors.As(err, &rev) || rev.Reason != ReasonTwoFactorReset {
		t.Fatalf("%v", err)
	}
	if res := e.login(t, "olga", "192.0.2.1"); res.Stage != StageEnrol {
		t.Fatalf("after reset: stage %s", res.Stage)
	}
}

func TestSessionsPage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Session.MaxPerUser = 2 })
	e.addUser(t, "root", RoleAdmin)
	e.addUser(t, "vera", RoleViewer)
	admin := e.auth(t, e.enrol(t, "root").token)
	v1 := e.login(t, "vera", "192.0.2.1").Token
	e.clk.Advance(time.Minute)
	v2 := e.login(t, "vera", "192.0.2.2").Token
	vera := e.auth(t, v2)

	mine, err := e.svc.Sessions(e.ctx, vera, "")
	if err != nil || len(mine) != 2 || mine[0].Current || !mine[1].Current || mine[1].IP != "192.0.2.2" {
		t.Fatalf("own sessions: %+v, %v", mine, err)
	}
	if _, err := e.svc.Sessions(e.ctx, vera, "root"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a viewer listed an admin's sessions: %v", err)
	}
	if err := e.svc.EndSession(e.ctx, vera, sessionID(admin.sid)); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a viewer ended an admin's session: %v", err)
	}
	all, err := e.svc.Sessions(e.ctx, admin, "*")
	if err != nil || len(all) != 3 {
		t.Fatalf("all sessions: %+v, %v", all, err)
	}
	// An admin ends vera's first session; vera's next request says why.
	if err := e.svc.EndSession(e.ctx, admin, mine[0].ID); err != nil {
		t.Fatal(err)
	}
	var rev *RevokedError
	if _, err := e.svc.Authenticate(e.ctx, v1, "", ""); !errors.As(err, &rev) || rev.Reason != ReasonEnded {
		t.Fatalf("%v", err)
	}
	// "End all others" keeps the current one.
	e.login(t, "vera", "192.0.2.3")
	vera = e.auth(t, v2)
	if n, err := e.svc.EndOtherSessions(e.ctx, vera); err != nil || n != 1 {
		t.Fatalf("ended %d, %v", n, err)
	}
	e.auth(t, v2)
}

func TestAuthenticateRejectsJunk(t *testing.T) {
	e := newEnv(t, nil)
	for _, tok := range []string{"", "x", "../../etc/passwd", newToken()} {
		if _, err := e.svc.Authenticate(e.ctx, tok, "", ""); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("%q: %v", tok, err)
		}
	}
}

func TestHousekeepPrunesEndedSessions(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)
	e.login(t, "vera", "192.0.2.1")
	e.clk.Advance(revokedKeep + time.Hour)
	live := e.login(t, "vera", "192.0.2.1").Token
	if err := e.svc.Housekeep(e.ctx); err != nil {
		t.Fatal(err)
	}
	all, _ := e.st.Sessions("")
	if len(all) != 1 {
		t.Fatalf("%d sessions left, want the live one", len(all))
	}
	e.auth(t, live)
}
