package auth

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestLoginFlowRotatesTokens(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)

	// An admin without 2FA lands in enrolment and can do nothing else.
	first := e.login(t, "alice", "192.0.2.1")
	if first.Stage != StageEnrol {
		t.Fatalf("stage %s, want enrol", first.Stage)
	}
	p := e.auth(t, first.Token)
	if !p.User.MustEnrol || p.Active() {
		t.Fatalf("principal %+v", p)
	}
	if _, err := e.svc.Users(e.ctx, p); !errors.Is(err, ErrWrongStage) {
		t.Fatalf("enrolment-stage session listed users: %v", err)
	}
	en, err := e.svc.BeginEnrolment(e.ctx, p, testPassword)
	if err != nil || len(en.QRCode) < 100 || string(en.QRCode[1:4]) != "PNG" || en.URI[:15] != "otpauth://totp/" {
		t.Fatalf("enrolment %v", err)
	}
	if _, err := e.svc.ConfirmEnrolment(e.ctx, p, "123456x"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("bad code confirmed: %v", err)
	}
	secret, _ := b32.DecodeString(en.Secret)
	done, err := e.svc.ConfirmEnrolment(e.ctx, p, code(t, secret, e.clk.Now()))
	if err != nil || len(done.RecoveryCodes) != RecoveryCodeCount {
		t.Fatalf("confirm: %v", err)
	}
	// Enabling 2FA rotated the session: the old token is gone.
	if _, err := e.svc.Authenticate(e.ctx, first.Token, "", ""); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("pre-enrolment token still works: %v", err)
	}
	active := e.auth(t, done.Token)
	if !active.Active() || !active.User.TwoFactor || active.User.RecoveryCodesLeft != 10 {
		t.Fatalf("after enrolment %+v", active)
	}
	if err := e.svc.Logout(e.ctx, done.Token, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}

	// Password, then TOTP: each step issues a new token.
	e.clk.Advance(30 * time.Second)
	pending := e.login(t, "alice", "192.0.2.1")
	if pending.Stage != StageSecondFactor {
		t.Fatalf("stage %s", pending.Stage)
	}
	if p := e.auth(t, pending.Token); p.Active() {
		t.Fatal("a pending sign-in is active")
	}
	res, err := e.svc.SecondFactor(e.ctx, pending.Token, code(t, secret, e.clk.Now()), "192.0.2.1", "ua")
	if err != nil {
		t.Fatal(err)
	}
	if res.Token == pending.Token || res.Stage != StageActive {
		t.Fatalf("result %+v", res)
	}
	if _, err := e.svc.Authenticate(e.ctx, pending.Token, "", ""); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("pending token survived the sign-in: %v", err)
	}
	if p := e.auth(t, res.Token); !p.Active() || p.User.LastLogin.IsZero() {
		t.Fatalf("%+v", p)
	}
	ok := e.records(t, audit.Query{Action: audit.ActionLogin, Outcome: audit.Success})
	if len(ok) != 2 || ok[1].Details["method"] != "totp" {
		t.Fatalf("login records %+v", ok)
	}
}

// countingHasher counts Verify calls and the hashes they were given.
type countingHasher struct {
	Hasher
	calls atomic.Int32
}

func (c *countingHasher) Verify(pw, encoded string) (bool, bool, error) {
	c.calls.Add(1)
	if _, _, _, err := parseArgon2id(encoded); err != nil {
		panic("verified against a non-argon2id hash: " + encoded)
	}
	return c.Hasher.Verify(pw, encoded)
}

// Unknown users take the same path as known ones: one argon2id check with
// the current parameters, the same error. (The timing itself is measured
// by BenchmarkLoginUnknownUser against BenchmarkLoginWrongPassword.)
func TestLoginUnknownUserSamePath(t *testing.T) {
	e := newEnv(t, nil)
	h := &countingHasher{Hasher: DefaultHasher()}
	e.svc.hasher = h
	e.svc.dummyHash, _ = h.Hash("dummy")
	e.addUser(t, "alice", RoleViewer)
	e.addUser(t, "carol", RoleViewer)
	if err := e.svc.SetDisabled(e.ctx, Local("cli:test"), "carol", true); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, c := range []struct{ user, pw, reason string }{
		{"alice", "wrong wrong wrong", "bad_password"},
		{"mallory", "wrong wrong wrong", "unknown_user"},
		{"carol", testPassword, "disabled"},
	} {
		before := h.calls.Load()
		_, err := e.svc.Login(e.ctx, LoginRequest{Username: c.user, Password: c.pw, IP: "192.0.2." + c.user[:1]})
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("%s: %v", c.user, err)
		}
		msgs = append(msgs, err.Error())
		if n := h.calls.Load() - before; n != 1 {
			t.Errorf("%s: %d hash checks, want 1", c.user, n)
		}
		recs := e.records(t, audit.Query{Action: audit.ActionLoginPassword, Actor: c.user})
		if len(recs) != 1 || recs[0].Details["reason"] != c.reason {
			t.Errorf("%s: audit %+v, want reason %s", c.user, recs, c.reason)
		}
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Errorf("errors differ: %q", msgs)
	}
}

func BenchmarkLoginWrongPassword(b *testing.B) { benchLogin(b, "alice") }
func BenchmarkLoginUnknownUser(b *testing.B)   { benchLogin(b, "mallory") }

func benchLogin(b *testing.B, user string) {
	e := newEnv(b, nil)
	e.addUser(b, "alice", RoleViewer)
	for i := 0; b.Loop(); i++ {
		e.clk.Advance(time.Hour) // stay clear of the attempt limits
		e.svc.Login(e.ctx, LoginRequest{Username: user, Password: "wrong wrong wrong", IP: "192.0.2.1"})
	}
}

func TestRecoveryCodeSingleUse(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice")
	pending := e.login(t, "alice", "192.0.2.1")
	res, err := e.svc.SecondFactor(e.ctx, pending.Token, " "+en.recovery[3]+" ", "192.0.2.1", "ua")
	if err != nil {
		t.Fatal(err)
	}
	if !res.UsedRecoveryCode || res.RecoveryCodesLeft != 9 {
		t.Fatalf("result %+v", res)
	}
	used := e.records(t, audit.Query{Action: audit.ActionRecoveryUse})
	if len(used) != 1 || used[0].Details["remaining"] != "9" {
		t.Fatalf("recovery use not audited: %+v", used)
	}
	again := e.login(t, "alice", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, again.Token, en.recovery[3], "192.0.2.1", "ua"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("recovery code used twice: %v", err)
	}
	// Upper case and without dashes is the same code.
	other := en.recovery[4]
	if _, err := e.svc.SecondFactor(e.ctx, again.Token, other[:4]+other[5:9]+other[10:14]+other[15:], "192.0.2.1", "ua"); err != nil {
		t.Fatalf("undashed recovery code: %v", err)
	}
}

func TestPendingSignInEndsAfterFiveWrongCodes(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice")
	pending := e.login(t, "alice", "192.0.2.1")
	for i := 1; i <= maxPendingFailures; i++ {
		_, err := e.svc.SecondFactor(e.ctx, pending.Token, "999999", "192.0.2.1", "ua")
		want := ErrInvalidCode
		if i == maxPendingFailures {
			want = ErrSessionInvalid
		}
		if !errors.Is(err, want) {
			t.Fatalf("wrong code %d: %v, want %v", i, err, want)
		}
		e.clk.Advance(5 * time.Second)
	}
	e.clk.Advance(time.Minute)
	if _, err := e.svc.SecondFactor(e.ctx, pending.Token, code(t, en.secret, e.clk.Now()), "192.0.2.1", "ua"); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("the ended sign-in accepted a code: %v", err)
	}
}

func TestViewerSignsInWithoutTwoFactor(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "vera", RoleViewer)
	res := e.login(t, "vera", "192.0.2.1")
	if res.Stage != StageActive || res.NewClient {
		t.Fatalf("%+v", res)
	}
	if p := e.auth(t, res.Token); !p.Can(RoleViewer) || p.Can(RoleOperator) {
		t.Fatalf("%+v", p)
	}
	// A second sign-in from a new address is flagged.
	e.clk.Advance(time.Minute)
	if res := e.login(t, "vera", "198.51.100.4"); !res.NewClient || res.EndedSessions != 1 {
		t.Fatalf("%+v", res)
	}
	if res := e.login(t, "vera", "198.51.100.4"); res.NewClient {
		t.Fatal("a known client was flagged")
	}
}

func TestLoginRehashesOutdatedHash(t *testing.T) {
	e := newEnv(t, nil)
	weak := Argon2id{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	e.svc.hasher = weak
	e.addUser(t, "vera", RoleViewer)
	e.svc.hasher = DefaultHasher()
	e.login(t, "vera", "192.0.2.1")
	u, _ := e.st.User("vera")
	p, _, _, err := parseArgon2id(u.PasswordHash)
	if err != nil || p.Memory != DefaultHasher().Memory || p.Time != DefaultHasher().Time {
		t.Fatalf("not rehashed: %s", u.PasswordHash)
	}
	e.clk.Advance(time.Minute)
	e.login(t, "vera", "192.0.2.1")
}
