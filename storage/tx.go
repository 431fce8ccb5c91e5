package storage

import (
	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Tx is one transaction on the State. Callers compose a change from its
// helpers (a sign-in updates the user, retires the pending session, makes
// room under the session limit, stores the new session and appends its
// records) so that it commits, or fails, as a whole. The rules of that
// composition (who may have how many sessions, which role must keep a
// holder) belong to the caller; the helpers keep only the store's own
// (a reset link dies with the credentials it was issued against). A Tx is
// valid only inside the function given to Update or View.
type Tx struct {
	st   *State
	bolt *bbolt.Tx
}

// Update runs fn in one read-write transaction, committed when fn returns
// nil and rolled back, with everything fn appended, otherwise. fn's error
// is returned as it is.
func (s *State) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return fn(&Tx{st: s, bolt: tx}) })
}

// View runs fn in one read-only transaction.
func (s *State) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bbolt.Tx) error { return fn(&Tx{st: s, bolt: tx}) })
}

// AppendAudit seals r onto the audit chain, under the State's audit key,
// in this transaction: the change it records commits with it or not at
// all.
func (t *Tx) AppendAudit(r audit.Record) error {
	return appendWith(t.bolt, r, t.st.seal.sealKey())
}
