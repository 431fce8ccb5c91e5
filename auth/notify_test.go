package auth

import (
	"sync"
	"testing"
	"time"
)

// notices records what the Service asked its Notifier to send.
type notices struct {
	mu      sync.Mutex
	resets  []Notice
	tokens  []string
	expiry  []time.Time
	codes   []int
	clients []Notice
}

var _ Notifier = (*notices)(nil)

func (n *notices) PasswordReset(x Notice, token string, expires time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resets, n.tokens, n.expiry = append(n.resets, x), append(n.tokens, token), append(n.expiry, expires)
}

func (n *notices) RecoveryCodeUsed(_ Notice, left int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.codes = append(n.codes, left)
}

func (n *notices) NewClient(x Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.clients = append(n.clients, x)
}

// notifyingEnv is an env whose Service has a recording Notifier, with
// alice (admin, with email) and bob (viewer, without).
func notifyingEnv(t *testing.T) (*env, *notices) {
	t.Helper()
	e := newEnv(t, nil)
	rec := &notices{}
	e.svc.notifier = rec
	for _, nu := range []NewUser{
		{Name: "alice", Email: "alice@example.com", Role: RoleAdmin, Password: testPassword},
		{Name: "bob", Role: RoleViewer, Password: testPassword},
	} {
		if _, err := e.svc.CreateUser(e.ctx, Local("cli:test"), nu); err != nil {
			t.Fatal(err)
		}
	}
	return e, rec
}

func TestNotifyPasswordReset(t *testing.T) {
	e, rec := notifyingEnv(t)
	if !e.svc.SendsMail() {
		t.Fatal("SendsMail false with a notifier")
	}
	token, err := e.svc.RequestPasswordReset(e.ctx, "Alice", "192.0.2.7")
	if err != nil || token == "" {
		t.Fatalf("RequestPasswordReset = %q, %v", token, err)
	}
	for _, name := range []string{"nobody", "bob"} { // unknown; no email
		if _, err := e.svc.RequestPasswordReset(e.ctx, name, "192.0.2.8"); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.resets) != 1 {
		t.Fatalf("%d reset notices, want 1 (alice only): %+v", len(rec.resets), rec.resets)
	}
	n := rec.resets[0]
	if n.User != "alice" || n.Email != "alice@example.com" || n.IP != "192.0.2.7" || rec.tokens[0] != token ||
		!rec.expiry[0].Equal(e.clk.Now().Add(ResetTokenLifetime)) {
		t.Errorf("notice %+v token ok %v expires %v", n, rec.tokens[0] == token, rec.expiry[0])
	}
	// The emailed token works.
	if err := e.svc.ResetPassword(e.ctx, rec.tokens[0], "a whole new passphrase", "192.0.2.7"); err != nil {
		t.Fatalf("ResetPassword with the emailed token: %v", err)
	}
}

func TestNotifyRecoveryCodeAndNewClient(t *testing.T) {
	e, rec := notifyingEnv(t)
	en := e.enrol(t, "alice") // first sign-in: nothing to compare with
	if len(rec.clients) != 0 {
		t.Fatalf("first sign-in flagged as new client: %+v", rec.clients)
	}
	pending := e.login(t, "alice", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, pending.Token, en.recovery[0], "198.51.100.4", "other-agent"); err != nil {
		t.Fatal(err)
	}
	if len(rec.codes) != 1 || rec.codes[0] != RecoveryCodeCount-1 {
		t.Errorf("recovery notices %v, want [%d]", rec.codes, RecoveryCodeCount-1)
	}
	if len(rec.clients) != 1 || rec.clients[0].IP != "198.51.100.4" || rec.clients[0].UserAgent != "other-agent" || rec.clients[0].Email != "alice@example.com" {
		t.Errorf("new-client notices %+v", rec.clients)
	}
	// bob has no email address: he is not notified, and nothing fails.
	e.login(t, "bob", "192.0.2.1")
	e.login(t, "bob", "198.51.100.9")
	if len(rec.clients) != 1 {
		t.Errorf("user without email notified: %+v", rec.clients)
	}
}
