package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestLimiterWindowBoundary(t *testing.T) {
	l := newLimiter(loginPolicy)
	now := step0
	for i := 1; i <= 5; i++ {
		if wait, _ := l.allow(now, "user:a", "ip:x"); wait != 0 {
			t.Fatalf("attempt %d denied", i)
		}
		now = now.Add(time.Second)
	}
	wait, first := l.allow(now, "user:a", "ip:x")
	if wait != 55*time.Second || !first {
		t.Fatalf("6th attempt: wait %s first %v; want 55s", wait, first)
	}
	if _, first := l.allow(now, "user:a", "ip:x"); first {
		t.Fatal("a second denial in the same window is reported as first")
	}
	// The oldest attempt leaves the window at exactly a minute.
	if wait, _ := l.allow(step0.Add(time.Minute-time.Nanosecond), "user:a", "ip:x"); wait == 0 {
		t.Fatal("allowed before the window passed")
	}
	if wait, _ := l.allow(step0.Add(time.Minute), "user:a", "ip:x"); wait != 0 {
		t.Fatalf("denied after the window: %s", wait)
	}
	// The IP key limits other accounts too.
	if wait, _ := l.allow(step0.Add(time.Minute), "user:b", "ip:x"); wait == 0 {
		t.Fatal("the IP's 6th attempt in a minute was allowed for another account")
	}
}

func TestLoginBruteForceBoundary(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleViewer)
	try := func(pw string) error {
		_, err := e.svc.Login(e.ctx, LoginRequest{Username: "alice", Password: pw, IP: "198.51.100.7", UserAgent: "ua"})
		return err
	}
	// Five wrong passwords, ten seconds apart (longer than the
	// progressive delay so far), are each checked.
	for i := 1; i <= 5; i++ {
		if err := try("wrong password " + string(rune('a'+i))); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v, want invalid credentials", i, err)
		}
		e.clk.Advance(10 * time.Second)
	}
	// The sixth within the minute is refused before the password is
	// looked at, even the right one.
	err := try(testPassword)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("6th attempt: %v", err)
	}
	if rl.RetryAfter != 10*time.Second {
		t.Errorf("retry after %s, want 10s", rl.RetryAfter)
	}
	e.clk.Advance(rl.RetryAfter)
	// Progressive delay: after 5 consecutive failures the next attempt
	// waits 4 s from the last failure, which has passed.
	if err := try(testPassword); err != nil {
		t.Fatalf("right password after the window: %v", err)
	}
	denied := e.records(t, audit.Query{Action: audit.ActionLoginPassword, Outcome: audit.Failure})
	if len(denied) != 6 || denied[5].Details["reason"] != "rate_limited" || denied[0].Details["reason"] != "bad_password" {
		t.Fatalf("audit: %+v", denied)
	}
}

func TestSecondFactorHasItsOwnLimit(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice")
	wrong := 0
	for range 3 { // three pending sign-ins, five wrong codes allowed in a minute
		p := e.login(t, "alice", "192.0.2.1")
		for range 2 {
			_, err := e.svc.SecondFactor(e.ctx, p.Token, "000000", "192.0.2.1", "ua")
			if errors.Is(err, ErrRateLimited) {
				if wrong != 5 {
					t.Fatalf("2FA limited after %d wrong codes, want 5", wrong)
				}
				// The right code is refused too until the limit passes.
				_, err := e.svc.SecondFactor(e.ctx, p.Token, code(t, en.secret, e.clk.Now().Add(30*time.Second)), "192.0.2.1", "ua")
				if !errors.Is(err, ErrRateLimited) {
					t.Fatalf("right code during the limit: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("wrong code: %v", err)
			}
			wrong++
			e.clk.Advance(5 * time.Second) // past the progressive delay
		}
	}
	t.Fatal("the 2FA step was never limited")
}
