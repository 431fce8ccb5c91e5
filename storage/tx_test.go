package storage

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func rec(action string) audit.Record {
	return audit.Record{Time: t0, Actor: "test", Action: action, Outcome: audit.Success}
}

func session(id byte, user string, created time.Time) Session {
	return Session{ID: []byte{id}, User: user, Created: created, LastSeen: created, Expires: created.Add(time.Hour), Idle: time.Hour}
}

// update runs fn in one transaction and fails the test on an error.
func update(tb testing.TB, st *State, fn func(*Tx) error) {
	tb.Helper()
	if err := st.Update(fn); err != nil {
		tb.Fatal(err)
	}
}

func addUser(tb testing.TB, st *State, u User) {
	tb.Helper()
	if err := st.CreateUser(u, rec(audit.ActionUserCreate)); err != nil {
		tb.Fatal(err)
	}
}

// TestUpdateIsAllOrNothing: a transaction that fails after changing a
// user, storing a session and appending a record leaves none of them.
func TestUpdateIsAllOrNothing(t *testing.T) {
	st := openTestState(t)
	addUser(t, st, User{Name: "vera", Role: "viewer", PasswordHash: "old"})
	boom := errors.New("boom")
	err := st.Update(func(tx *Tx) error {
		u, err := tx.User("vera")
		if err != nil {
			return err
		}
		u.PasswordHash = "new"
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if err := tx.PutSession(session(1, "vera", t0)); err != nil {
			return err
		}
		if err := tx.AppendAudit(rec(audit.ActionPasswordChange)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if u, _ := st.User("vera"); u.PasswordHash != "old" {
		t.Fatal("the user change was committed")
	}
	if _, err := st.Session([]byte{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the session was committed: %v", err)
	}
	if recs, _ := st.AuditQuery(audit.Query{Action: audit.ActionPasswordChange}, nil); len(recs) != 0 {
		t.Fatal("the record was committed")
	}
	if res, err := st.VerifyAudit(t0); err != nil || !res.Valid {
		t.Fatalf("chain after a rollback: %v %v", res, err)
	}
}

// TestPutUserEndsResetTokens: a reset link dies with the credentials it
// was issued against, and only then.
func TestPutUserEndsResetTokens(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*User)
		voids bool
	}{
		{"password", func(u *User) { u.PasswordHash = "other" }, true},
		{"role", func(u *User) { u.Role = "operator" }, true},
		{"disabled", func(u *User) { u.Disabled = true }, true},
		{"totp", func(u *User) { u.TOTPSecret = []byte("sealed") }, true},
		{"last login", func(u *User) { u.LastLogin = t0 }, false},
		{"known clients", func(u *User) { u.KnownClients = []string{"c"} }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openTestState(t)
			addUser(t, st, User{Name: "vera", Role: "viewer", PasswordHash: "h"})
			id := []byte("token-hash")
			if err := st.PutResetToken(id, ResetToken{User: "vera", Created: t0, Expires: t0.Add(time.Hour)}, rec(audit.ActionPasswordResetReq)); err != nil {
				t.Fatal(err)
			}
			update(t, st, func(tx *Tx) error {
				u, err := tx.User("vera")
				if err != nil {
					return err
				}
				c.edit(&u)
				return tx.PutUser(u)
			})
			_, err := st.ResetToken(id)
			if voided := errors.Is(err, ErrTokenInvalid); voided != c.voids {
				t.Fatalf("token voided: %v, want %v (%v)", voided, c.voids, err)
			}
		})
	}
}

func TestResetTokenRedeemedOnce(t *testing.T) {
	st := openTestState(t)
	addUser(t, st, User{Name: "vera", Role: "viewer"})
	id := []byte("token-hash")
	if err := st.PutResetToken(id, ResetToken{User: "vera", Created: t0, Expires: t0.Add(time.Minute)}, rec(audit.ActionPasswordResetReq)); err != nil {
		t.Fatal(err)
	}
	redeem := func(user string, now time.Time) error {
		return st.Update(func(tx *Tx) error { return tx.RedeemResetToken(id, user, now) })
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

func TestSessionHelpers(t *testing.T) {
	st := openTestState(t)
	addUser(t, st, User{Name: "vera", Role: "viewer"})
	addUser(t, st, User{Name: "olga", Role: "operator"})
	pending := session(2, "vera", t0.Add(2*time.Second))
	pending.Pending = true
	expired := session(3, "vera", t0.Add(-2*time.Hour))
	update(t, st, func(tx *Tx) error {
		for _, se := range []Session{session(4, "vera", t0.Add(4*time.Second)), pending, expired,
			session(1, "vera", t0.Add(time.Second)), session(9, "olga", t0)} {
			if err := tx.PutSession(se); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func() []byte {
		var out []byte
		update(t, st, func(tx *Tx) error {
			live, err := tx.LiveSessions("vera", t0.Add(5*time.Second))
			for _, se := range live {
				out = append(out, se.ID[0])
			}
			return err
		})
		return out
	}
	// Oldest first, pending included, the expired one and olga's left out.
	if got := ids(); !slices.Equal(got, []byte{1, 2, 4}) {
		t.Fatalf("live sessions %v, want [1 2 4]", got)
	}
	update(t, st, func(tx *Tx) error {
		se, err := tx.RevokeSession([]byte{1}, t0.Add(5*time.Second), "first")
		if err != nil || se.RevokeReason != "first" {
			t.Fatalf("revoke: %+v %v", se, err)
		}
		// A second revocation keeps the first reason.
		se, err = tx.RevokeSession([]byte{1}, t0.Add(6*time.Second), "second")
		if err != nil || se.RevokeReason != "first" || !se.Revoked.Equal(t0.Add(5*time.Second)) {
			t.Fatalf("second revoke: %+v %v", se, err)
		}
		return tx.DeleteSession([]byte{4})
	})
	if got := ids(); !slices.Equal(got, []byte{2}) {
		t.Fatalf("after revoke and delete: %v, want [2]", got)
	}
	if se, _ := st.Session([]byte{1}); se.RevokeReason != "first" {
		t.Fatalf("revocation not stored: %+v", se)
	}
	err := st.Update(func(tx *Tx) error { return tx.DeleteSession([]byte{4}) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a missing session: %v", err)
	}
	err = st.Update(func(tx *Tx) error {
		_, err := tx.RevokeSession([]byte{8}, t0, "x")
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking a missing session: %v", err)
	}
}

func TestDeleteUserAndEnabledUsers(t *testing.T) {
	st := openTestState(t)
	addUser(t, st, User{Name: "ann", Role: "admin"})
	addUser(t, st, User{Name: "bob", Role: "admin"})
	addUser(t, st, User{Name: "cid", Role: "admin", Disabled: true})
	addUser(t, st, User{Name: "vera", Role: "viewer"})
	if err := st.PutResetToken([]byte("t"), ResetToken{User: "ann", Created: t0, Expires: t0.Add(time.Hour)}, rec(audit.ActionPasswordResetReq)); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		update(t, st, func(tx *Tx) (err error) {
			n, err = tx.EnabledUsers("admin")
			return err
		})
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d enabled admins, want 2", n)
	}
	update(t, st, func(tx *Tx) error {
		if err := tx.PutSession(session(1, "ann", t0)); err != nil {
			return err
		}
		u, err := tx.DeleteUser("ann")
		if err != nil || u.Name != "ann" || u.Role != "admin" {
			t.Fatalf("deleted %+v, %v", u, err)
		}
		return nil
	})
	if n := count(); n != 1 {
		t.Fatalf("%d enabled admins after a delete, want 1", n)
	}
	if _, err := st.Session([]byte{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the deleted user's session: %v", err)
	}
	if _, err := st.ResetToken([]byte("t")); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("the deleted user's reset token: %v", err)
	}
	err := st.Update(func(tx *Tx) error {
		_, err := tx.DeleteUser("ann")
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a missing user: %v", err)
	}
}

// TestAuditKeyIsTheStates: two open states seal their records under
// their own keys.
func TestAuditKeyIsTheStates(t *testing.T) {
	a := openTestState(t)
	b, err := OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	other := []byte("another key of thirty-two bytes!")
	if _, err := b.SetAuditKey(other, t0); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*State{a, b} {
		update(t, st, func(tx *Tx) error { return tx.AppendAudit(rec(audit.ActionLogin)) })
	}
	for name, st := range map[string]*State{"a": a, "b": b} {
		if res, err := st.VerifyAudit(t0); err != nil || !res.Valid || res.Records != 1 {
			t.Fatalf("state %s: %v %v", name, res, err)
		}
	}
	if _, err := b.VerifyAuditWith(testAuditKey, t0); !errors.Is(err, ErrAuditKeyMismatch) {
		t.Fatalf("b verified under a's key: %v", err)
	}
}
