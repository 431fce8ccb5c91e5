package storage

import (
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func rec(action string) audit.Record {
	return audit.Record{Time: t0, Actor: "test", Action: action, Outcome: audit.Success}
}

func session(id byte, user string, created time.Time) *Session {
	return &Session{ID: []byte{id}, User: user, Created: created, LastSeen: created, Expires: created.Add(time.Hour), Idle: time.Hour}
}

func TestChangeAccountSessionLimit(t *testing.T) {
	st := openTestState(t)
	if err := st.CreateUser(User{Name: "vera", Role: "viewer"}, rec(audit.ActionUserCreate)); err != nil {
		t.Fatal(err)
	}
	start := func(id byte, reject bool) ([]Session, error) {
		return st.ChangeAccount(AccountChange{
			Now: t0, User: "vera", New: session(id, "vera", t0.Add(time.Duration(id)*time.Second)),
			Limit: 2, Reject: reject, LimitReason: "limit",
			RevokeAudit: func(Session) audit.Record { return rec(audit.ActionSessionRevoke) },
			Audit:       []audit.Record{rec(audit.ActionLogin)},
		})
	}
	for id := byte(1); id <= 2; id++ {
		if ended, err := start(id, false); err != nil || len(ended) != 0 {
			t.Fatalf("session %d: %v %v", id, ended, err)
		}
	}
	if _, err := start(3, true); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("reject mode: %v", err)
	}
	if _, err := st.Session([]byte{3}); !errors.Is(err, ErrNotFound) {
		t.Fatal("a rejected session was stored")
	}
	ended, err := start(3, false)
	if err != nil || len(ended) != 1 || ended[0].ID[0] != 1 {
		t.Fatalf("revoke oldest: %v %v", ended, err)
	}
	if se, _ := st.Session([]byte{1}); se.RevokeReason != "limit" || se.Live(t0) {
		t.Fatalf("oldest: %+v", se)
	}
	// A pending session does not count.
	pending := session(9, "vera", t0)
	pending.Pending = true
	if err := st.PutSession(*pending, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := start(4, true); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("limit with a pending session: %v", err)
	}
	logins, _ := st.AuditQuery(audit.Query{Action: audit.ActionLogin}, nil)
	revokes, _ := st.AuditQuery(audit.Query{Action: audit.ActionSessionRevoke}, nil)
	if len(logins) != 3 || len(revokes) != 1 {
		t.Fatalf("audit: %d logins, %d revocations; failed changes must leave no record", len(logins), len(revokes))
	}
}

func TestLastAdminIsKept(t *testing.T) {
	st := openTestState(t)
	for _, u := range []User{{Name: "ann", Role: AdminRole}, {Name: "bob", Role: AdminRole}} {
		if err := st.CreateUser(u, rec(audit.ActionUserCreate)); err != nil {
			t.Fatal(err)
		}
	}
	demote := func(name string) error {
		_, err := st.ChangeAccount(AccountChange{Now: t0, User: name, Apply: func(u *User) error { u.Role = "viewer"; return nil }, Audit: []audit.Record{rec(audit.ActionUserRole)}})
		return err
	}
	if err := demote("ann"); err != nil {
		t.Fatal(err)
	}
	if err := demote("bob"); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("last admin demoted: %v", err)
	}
	if err := st.DeleteUser("bob", rec(audit.ActionUserDelete)); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("last admin deleted: %v", err)
	}
	if u, _ := st.User("bob"); u.Role != AdminRole {
		t.Fatal("the failed change was committed")
	}
}

func TestResetTokenRedeemedOnce(t *testing.T) {
	st := openTestState(t)
	if err := st.CreateUser(User{Name: "vera", Role: "viewer"}, rec(audit.ActionUserCreate)); err != nil {
		t.Fatal(err)
	}
	id := []byte("token-hash")
	if err := st.PutResetToken(id, ResetToken{User: "vera", Created: t0, Expires: t0.Add(time.Minute)}, rec(audit.ActionPasswordResetReq)); err != nil {
		t.Fatal(err)
	}
	redeem := func(user string, now time.Time) error {
		_, err := st.ChangeAccount(AccountChange{Now: now, User: user, RedeemReset: id, Apply: func(*User) error { return nil }})
		return err
	}
	if err := redeem("vera", t0.Add(time.Minute)); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired: %v", err)
	}
	if err := redeem("root", t0); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("someone else's: %v", err)
	}
	if err := redeem("vera", t0); err != nil {
		t.Fatal(err)
	}
	if err := redeem("vera", t0); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("second use: %v", err)
	}
}
