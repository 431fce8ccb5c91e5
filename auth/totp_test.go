package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string
// "12345678901234567890" and codes have 8 digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	seed := []byte("12345678901234567890")
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0)
		got, err := totpCode(seed, totpStep(at), otp.DigitsEight)
		if err != nil || got != v.code {
			t.Errorf("T=%d: %q, %v; want %q", v.unix, got, err, v.code)
		}
		// ward's 6 digits are the same truncation modulo 10^6.
		six, _ := totpCode(seed, totpStep(at), otp.DigitsSix)
		if six != v.code[2:] {
			t.Errorf("T=%d: 6-digit %q, want %q", v.unix, six, v.code[2:])
		}
		if step, ok := matchTOTP(seed, v.code[2:], at); !ok || step != totpStep(at) {
			t.Errorf("T=%d: code not accepted at its own time", v.unix)
		}
	}
}

func TestTOTPSkewAndStepBoundary(t *testing.T) {
	seed := []byte("12345678901234567890")
	boundary := time.Unix(1111111110, 0) // 37037037 * 30: a step starts here
	cur := totpStep(boundary)
	codeAt := func(step int64) string {
		c, _ := totpCode(seed, step, otp.DigitsSix)
		return c
	}
	tests := []struct {
		name string
		now  time.Time
		step int64
		ok   bool
	}{
		{"current step", boundary, cur, true},
		{"one step behind", boundary, cur - 1, true},
		{"one step ahead", boundary, cur + 1, true},
		{"two steps behind", boundary, cur - 2, false},
		{"two steps ahead", boundary, cur + 2, false},
		{"last second before the boundary: previous-previous step", boundary.Add(-time.Second), cur - 2, true},
		{"last second before the boundary: two ahead", boundary.Add(-time.Second), cur + 1, false},
		{"last second of the step: one behind", boundary.Add(29 * time.Second), cur - 1, true},
		{"first second of the next step: two behind", boundary.Add(30 * time.Second), cur - 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := matchTOTP(seed, codeAt(tt.step), tt.now)
			if ok != tt.ok || (ok && step != tt.step) {
				t.Errorf("matchTOTP = %d, %v; want %d, %v", step, ok, tt.step, tt.ok)
			}
		})
	}
}

func TestTOTPReplayWithinWindow(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	en := e.enrol(t, "alice")
	// The code that confirmed enrolment cannot sign in.
	pending := e.login(t, "alice", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, pending.Token, code(t, en.secret, e.clk.Now()), "192.0.2.1", "ua"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("enrolment code reused at login: %v", err)
	}
	// A fresh code works once...
	e.clk.Advance(30 * time.Second)
	c := code(t, en.secret, e.clk.Now())
	if _, err := e.svc.SecondFactor(e.ctx, pending.Token, c, "192.0.2.1", "ua"); err != nil {
		t.Fatal(err)
	}
	// ...and not again 20 seconds later, still inside its window.
	e.clk.Advance(20 * time.Second)
	again := e.login(t, "alice", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, again.Token, c, "192.0.2.1", "ua"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("replayed code: %v", err)
	}
	// The code of the next step is fine (skew +1 while the clock is
	// still in the same step).
	next, _ := totpCode(en.secret, totpStep(e.clk.Now())+1, otp.DigitsSix)
	if _, err := e.svc.SecondFactor(e.ctx, again.Token, next, "192.0.2.1", "ua"); err != nil {
		t.Fatalf("next step's code: %v", err)
	}
}

func TestConsumeStepForgetsExpiredSteps(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "alice", RoleAdmin)
	e.enrol(t, "alice")
	e.clk.Advance(10 * time.Minute)
	u, _ := e.st.User("alice")
	if len(u.UsedSteps) != 1 {
		t.Fatalf("used steps %v", u.UsedSteps)
	}
	if err := consumeStep(&u, totpStep(e.clk.Now()), e.clk.Now()); err != nil || len(u.UsedSteps) != 1 {
		t.Fatalf("old steps kept: %v, %v", u.UsedSteps, err)
	}
}
