package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// maxThrottle is the longest any single sign-in may be made to wait: the
// per-minute window. Nothing locks for longer.
const maxThrottle = time.Minute

// TestKnownDeviceIsNeverLockedOut: failures from anywhere else, however
// many, never refuse the right password from a device that has signed in
// as the user before (review finding: 10 wrong passwords from 10 IPs
// locked admin out for 15 minutes, repeatably).
func TestKnownDeviceIsNeverLockedOut(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "admin", RoleViewer)
	const home, homeUA = "192.0.2.10", "admin's browser"
	login := func(ip, ua, pw string) error {
		_, err := e.svc.Login(e.ctx, LoginRequest{Username: "admin", Password: pw, IP: ip, UserAgent: ua})
		return err
	}
	if err := login(home, homeUA, testPassword); err != nil {
		t.Fatal(err)
	}
	// The attack: 10 addresses, each guessing until refused, for 20
	// simulated minutes.
	for round := range 40 {
		for i := range 10 {
			_ = login(fmt.Sprintf("203.0.113.%d", i+1), "attacker", fmt.Sprintf("guess %d %d", round, i))
		}
		e.clk.Advance(30 * time.Second)
		if round%5 == 4 {
			if err := login(home, homeUA, testPassword); err != nil {
				t.Fatalf("round %d: the known device was refused: %v", round, err)
			}
		}
	}
	// Right after a guess, a new device is slowed, but never for longer
	// than a minute.
	_ = login("203.0.113.99", "attacker", "one more guess")
	err := login("198.51.100.1", "new laptop", testPassword)
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > maxThrottle {
		t.Fatalf("a new device must wait %s: that is a lockout", rl.RetryAfter)
	}
	if !errors.As(err, &rl) {
		t.Fatalf("a new device during the attack: %v, want it throttled", err)
	}
	e.clk.Advance(rl.RetryAfter)
	if err := login("198.51.100.1", "new laptop", testPassword); err != nil {
		t.Fatalf("a new device after the throttle: %v", err)
	}
}

// TestSharedAddressIsThrottledNotLocked: behind one address (a proxy or
// an office), bad sign-ins with made-up usernames slow the address down
// but never lock it, and a successful sign-in resets its streak.
func TestSharedAddressIsThrottledNotLocked(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "bob", RoleViewer)
	const office = "192.0.2.50"
	for i := range 10 {
		_, err := e.svc.Login(e.ctx, LoginRequest{Username: fmt.Sprintf("nobody%d", i), Password: "x", IP: office, UserAgent: "curl"})
		var rl *RateLimitError
		if errors.As(err, &rl) {
			if rl.RetryAfter > maxThrottle {
				t.Fatalf("attempt %d: the address must wait %s: that is a lockout", i, rl.RetryAfter)
			}
			e.clk.Advance(rl.RetryAfter)
		}
	}
	res, err := e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: testPassword, IP: office, UserAgent: "bob's browser"})
	var rl *RateLimitError
	if errors.As(err, &rl) {
		if rl.RetryAfter > maxThrottle {
			t.Fatalf("bob must wait %s behind the shared address", rl.RetryAfter)
		}
		e.clk.Advance(rl.RetryAfter)
		res, err = e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: testPassword, IP: office, UserAgent: "bob's browser"})
	}
	if err != nil || res == nil {
		t.Fatalf("bob from the shared address: %v", err)
	}
	// Bob's success reset the address's streak: the next two failures
	// from it carry no delay.
	e.clk.Advance(time.Minute) // leave the per-minute window
	for i := range 2 {
		_, err := e.svc.Login(e.ctx, LoginRequest{Username: "typo", Password: "x", IP: office, UserAgent: "carol"})
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d after a success: %v, want no delay", i, err)
		}
	}
}

// TestSecondFactorIsThrottledNotLocked: wrong codes slow the 2FA step
// down, never for longer than a minute.
func TestSecondFactorIsThrottledNotLocked(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice")
	for range 30 {
		e.clk.Advance(15 * time.Second) // the password step's own window
		res := e.login(t, "alice", "192.0.2.1")
		_, err := e.svc.SecondFactor(e.ctx, res.Token, "000000", "192.0.2.1", "ua")
		var rl *RateLimitError
		if errors.As(err, &rl) {
			if rl.RetryAfter > maxThrottle {
				t.Fatalf("2FA step waits %s: that is a lockout", rl.RetryAfter)
			}
			e.clk.Advance(rl.RetryAfter)
		}
	}
	e.clk.Advance(time.Minute)
	res := e.login(t, "alice", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, res.Token, code(t, en.secret, e.clk.Now().Add(30*time.Second)), "192.0.2.1", "ua"); err != nil {
		t.Fatalf("right code after the throttle: %v", err)
	}
}

// TestLimiterKeysAreBounded: usernames of 64 KB (review finding: 190 MB
// of limiter growth from 1,200 requests) become no key at all, and every
// key stays short.
func TestLimiterKeysAreBounded(t *testing.T) {
	e := newEnv(t, nil)
	huge := strings.Repeat("a", 64<<10)
	for i := range 1200 {
		_, _ = e.svc.Login(e.ctx, LoginRequest{Username: fmt.Sprintf("%s%d", huge, i), Password: "x", IP: fmt.Sprintf("2001:db8:%x::1", i), UserAgent: "ua"})
		_, _ = e.svc.RequestPasswordReset(e.ctx, fmt.Sprintf("%s%d", huge, i), "192.0.2.1")
	}
	total := 0
	for _, l := range []*limiter{e.svc.login, e.svc.reset} {
		l.mu.Lock()
		for k := range l.keys {
			if len(k) > 128 {
				t.Errorf("limiter key of %d bytes: %.40q...", len(k), k)
			}
			total += len(k)
		}
		l.mu.Unlock()
	}
	if total > 1200*64 {
		t.Errorf("limiter keys hold %d bytes", total)
	}
	// The audit trail keeps a bounded target too.
	for _, r := range e.records(t, audit.Query{Action: audit.ActionLoginPassword}) {
		if len(r.Target) > 64 || len(r.Actor) > 64 {
			t.Fatalf("audit record holds %d bytes of username", len(r.Target))
		}
	}
}

// TestIPv6IsLimitedPerSlash64: an attacker cycling through the addresses
// of its /64 shares one limit.
func TestIPv6IsLimitedPerSlash64(t *testing.T) {
	if ipKey("2001:db8:1:2::1") != ipKey("2001:db8:1:2:ffff::9") {
		t.Fatal("two addresses of one /64 have different keys")
	}
	if ipKey("2001:db8:1:2::1") == ipKey("2001:db8:1:3::1") {
		t.Fatal("two /64s share a key")
	}
	if ipKey("::ffff:192.0.2.1") != ipKey("192.0.2.1") {
		t.Fatal("an IPv4-mapped address is not its IPv4 address")
	}
}

// TestClearThrottle: an admin clears a user's throttle, audited; others
// cannot.
func TestClearThrottle(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "carol", RoleViewer)
	e.addUser(t, "vic", RoleViewer)
	for i := range 6 {
		_, _ = e.svc.Login(e.ctx, LoginRequest{Username: "carol", Password: "nope", IP: fmt.Sprintf("203.0.113.%d", i), UserAgent: "x"})
	}
	if e.svc.Throttled("carol") == 0 {
		t.Fatal("carol not throttled after 6 failures")
	}
	viewer := e.auth(t, e.login(t, "vic", "192.0.2.7").Token)
	if err := e.svc.ClearThrottle(e.ctx, viewer, "carol"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a viewer cleared a throttle: %v", err)
	}
	if err := e.svc.ClearThrottle(e.ctx, Local("cli:test"), "carol"); err != nil {
		t.Fatal(err)
	}
	if d := e.svc.Throttled("carol"); d != 0 {
		t.Fatalf("still throttled for %s after clearing", d)
	}
	recs := e.records(t, audit.Query{Action: ActionThrottleClear})
	if len(recs) != 1 || recs[0].Target != "carol" {
		t.Fatalf("clearing not audited: %+v", recs)
	}
	if err := e.svc.ClearThrottle(e.ctx, Local("cli:test"), "nobody"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("clearing an unknown user: %v", err)
	}
}

// TestClearThrottleFreesTheAddress: after an admin clears a user's
// throttle, the user signs in at once from the address their failures
// came from (found by a new user: the page said cleared, the next right
// password still got 429).
func TestClearThrottleFreesTheAddress(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "bob", RoleViewer)
	const ip = "192.0.2.77"
	for range 4 {
		_, _ = e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: "typo typo", IP: ip, UserAgent: "phone"})
	}
	if _, err := e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: testPassword, IP: ip, UserAgent: "phone"}); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("before clearing: %v, want throttled", err)
	}
	if err := e.svc.ClearThrottle(e.ctx, Local("cli:test"), "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: testPassword, IP: ip, UserAgent: "phone"}); err != nil {
		t.Fatalf("right after clearing: %v", err)
	}
}

// TestSuccessesDoNotUseUpTheWindow: a device signing in correctly again
// and again is never throttled; only failures count.
func TestSuccessesDoNotUseUpTheWindow(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "bob", RoleViewer)
	for i := range 12 {
		if _, err := e.svc.Login(e.ctx, LoginRequest{Username: "bob", Password: testPassword, IP: "192.0.2.5", UserAgent: "curl"}); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
}

// TestKnownDevicePassesTheSecondFactorUnderAttack: someone who knows the
// password and keeps posting wrong codes from elsewhere cannot keep the
// user, on a device they signed in from before, out of the 2FA step
// (attack review: the real user got 429 on /login/2fa for 80+ s).
func TestKnownDevicePassesTheSecondFactorUnderAttack(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice") // signs in from 192.0.2.1 / test-agent: a known device
	for round := range 8 {
		for i := range 5 {
			res, err := e.svc.Login(e.ctx, LoginRequest{Username: "alice", Password: testPassword, IP: fmt.Sprintf("203.0.113.%d", i), UserAgent: "attacker"})
			if err == nil {
				_, _ = e.svc.SecondFactor(e.ctx, res.Token, "000000", fmt.Sprintf("203.0.113.%d", i), "attacker")
			}
		}
		e.clk.Advance(10 * time.Second)
		if round%2 == 1 {
			res := e.login(t, "alice", "192.0.2.1")
			e.clk.Advance(30 * time.Second) // a fresh code: each is accepted once
			if _, err := e.svc.SecondFactor(e.ctx, res.Token, code(t, en.secret, e.clk.Now()), "192.0.2.1", "test-agent"); err != nil {
				t.Fatalf("round %d: the known device's right code was refused: %v", round, err)
			}
		}
	}
}
