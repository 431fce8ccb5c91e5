package auth

import (
	"errors"
	"testing"
	"time"
)

// TestPassiveRequestsIdleOut: requests marked Passive (a live page
// refreshing itself) and StillSignedIn do not keep a session alive.
func TestPassiveRequestsIdleOut(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "lou", RoleViewer)
	tok := e.login(t, "lou", "192.0.2.1").Token
	p := e.auth(t, tok)
	for range 5 { // 25 minutes of refreshes, every 5
		e.clk.Advance(5 * time.Minute)
		if _, err := e.svc.Authenticate(Passive(e.ctx), tok, "192.0.2.1", "ua"); err != nil {
			t.Fatalf("passive request: %v", err)
		}
		if !e.svc.StillSignedIn(e.ctx, p) {
			t.Fatal("StillSignedIn false within the idle timeout")
		}
	}
	e.clk.Advance(6 * time.Minute) // 31 minutes after the last activity
	if e.svc.StillSignedIn(e.ctx, p) {
		t.Error("StillSignedIn true past the idle timeout")
	}
	_, err := e.svc.Authenticate(Passive(e.ctx), tok, "192.0.2.1", "ua")
	if !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("passive request past the idle timeout: %v", err)
	}

	// The same refreshes without the mark are activity.
	tok = e.login(t, "lou", "192.0.2.1").Token
	for range 7 {
		e.clk.Advance(5 * time.Minute)
		e.auth(t, tok)
	}
}
