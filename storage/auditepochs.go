package storage

import (
	"crypto/hmac"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// SecretKey is ward's secret key ring as the state needs it to keep the
// audit chain's epoch keys (auth.Key implements it).
type SecretKey interface {
	// DeriveAll returns the subkey for purpose under each key of the
	// ring, the current key's first.
	DeriveAll(purpose string) ([][]byte, error)
	// Seal seals plain under the current key, bound to ad.
	Seal(plain, ad []byte) []byte
	// Open opens what Seal sealed under any key of the ring.
	Open(sealed, ad []byte) ([]byte, error)
}

// Audit key epochs (audit.Epoch). The open epoch, the newest, is always
// keyed by the current secret key (its audit.KeyPurpose subkey): it is
// derived, never stored. Bucket audit_epochs holds the closed ones, each
// under its first sequence number: its last sequence number, then its
// MAC key and last sequence number sealed under the current secret key
// (bound to both numbers). A rotation closes the open epoch with its
// key.rotate_start record and re-seals every closed epoch's key under the
// new secret key, so
//
//   - records from before a rotation still verify after the old secret
//     key is gone;
//   - whoever holds only an old secret key cannot re-seal the records
//     written since (they are under the new key's subkey), nor rewrite
//     older ones (the first record after the rotation links to the
//     rotation record's MAC), nor move an epoch's bounds or drop an epoch
//     (its entry is sealed under the new key; the records it covered would
//     fall into the open epoch, where they do not verify).
//
// A chain never rotated has no closed epochs: one open epoch from the
// start, exactly the chain of before epochs existed.

// epochAD binds a sealed epoch key to its bounds.
func epochAD(first, last uint64) []byte {
	return fmt.Appendf(nil, "ward audit epoch %d-%d", first, last)
}

// closedEpoch is one entry of bucket audit_epochs.
type closedEpoch struct {
	first, last uint64
	key         []byte // nil: the ring cannot open it
}

// loadClosedEpochs reads the closed epochs, opening their keys with sk.
func loadClosedEpochs(tx *bbolt.Tx, sk SecretKey) ([]closedEpoch, error) {
	var out []closedEpoch
	err := tx.Bucket(bucketAuditEpochs).ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v) < 8 {
			return fmt.Errorf("audit epoch %x: malformed", k)
		}
		e := closedEpoch{first: seqOf(k), last: binary.BigEndian.Uint64(v[:8])}
		if key, err := sk.Open(v[8:], epochAD(e.first, e.last)); err == nil {
			e.key = key
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// putClosedEpochs replaces the closed epochs, sealing each key under sk's
// current key.
func putClosedEpochs(tx *bbolt.Tx, sk SecretKey, epochs []closedEpoch) error {
	b := tx.Bucket(bucketAuditEpochs)
	var old [][]byte
	if err := b.ForEach(func(k, _ []byte) error { old = append(old, append([]byte(nil), k...)); return nil }); err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for _, e := range epochs {
		if e.key == nil {
			return fmt.Errorf("audit epoch from #%d: its key cannot be opened, so it cannot be re-sealed", e.first)
		}
		v := binary.BigEndian.AppendUint64(nil, e.last)
		v = append(v, sk.Seal(e.key, epochAD(e.first, e.last))...)
		if err := b.Put(seqKey(e.first), v); err != nil {
			return err
		}
	}
	return nil
}

// auditEpochs are the epochs of the chain under sk: the closed ones and
// the open one. The open one is keyed by the current secret key, or,
// when the chain's stored key id names it, by the previous one: a
// rotation that wrote the new key file but stopped before it closed the
// epoch (see StartKeyRotation).
func auditEpochs(tx *bbolt.Tx, sk SecretKey, rep *AuditKeyReport) ([]audit.Epoch, error) {
	derived, err := sk.DeriveAll(audit.KeyPurpose)
	if err != nil {
		return nil, err
	}
	closed, err := loadClosedEpochs(tx, sk)
	if err != nil {
		return nil, err
	}
	var out []audit.Epoch
	open := audit.Epoch{Key: derived[0]}
	for _, e := range closed {
		if e.key == nil && rep != nil {
			rep.KeyChanged = true
		}
		out = append(out, audit.Epoch{First: e.first, Key: e.key})
		open.First = max(open.First, e.last+1)
	}
	// Whatever epochs are closed already: a second rotation can stop in
	// the same place as the first.
	if len(derived) > 1 {
		if stored := tx.Bucket(bucketAuditChain).Get(keyAuditKeyID); stored != nil && hmac.Equal(stored, audit.KeyID(derived[1])) {
			open.Key = derived[1]
		}
	}
	return append(out, open), nil
}

// OpenAuditKeys is SetAuditKey for a chain whose keys come from ward's
// secret key: the epochs (auditepochs.go) are opened with sk, and records
// are sealed under the open epoch's key. Closed epochs sk cannot open
// (sealed under a key that was replaced) are reported as KeyChanged, and
// their records fail verification.
func (s *State) OpenAuditKeys(sk SecretKey, now time.Time) (AuditKeyReport, error) {
	return s.setAuditKeys(func(tx *bbolt.Tx, rep *AuditKeyReport) ([]audit.Epoch, error) {
		return auditEpochs(tx, sk, rep)
	}, now)
}

// VerifyAuditWithKey is VerifyAudit with the epochs opened under sk, for
// tools that only read the chain (`ward audit verify`): it neither
// re-seals nor migrates anything.
func (s *State) VerifyAuditWithKey(sk SecretKey, now time.Time, external ...audit.External) (audit.Result, error) {
	var res audit.Result
	err := s.db.View(func(tx *bbolt.Tx) error {
		epochs, err := auditEpochs(tx, sk, nil)
		if err != nil {
			return err
		}
		res, err = verifyChain(tx, epochs, now, external)
		return err
	})
	return res, err
}

// rotateAuditEpoch closes the open epoch after its last record (the
// key.rotate_start record, already appended under it) and opens the next
// under sk's current key, re-sealing every closed epoch's key under it.
// It returns the new epochs and stores the new open key's id.
func rotateAuditEpoch(tx *bbolt.Tx, sk SecretKey, epochs []audit.Epoch) ([]audit.Epoch, error) {
	derived, err := sk.DeriveAll(audit.KeyPurpose)
	if err != nil {
		return nil, err
	}
	head, err := chainPoint(tx.Bucket(bucketAuditChain), keyAuditHead)
	if err != nil {
		return nil, err
	}
	closed := make([]closedEpoch, 0, len(epochs))
	for i, e := range epochs {
		last := head.Seq
		if i+1 < len(epochs) {
			last = epochs[i+1].First - 1
		}
		closed = append(closed, closedEpoch{first: e.First, last: last, key: e.Key})
	}
	if err := putClosedEpochs(tx, sk, closed); err != nil {
		return nil, err
	}
	open := audit.Epoch{First: head.Seq + 1, Key: derived[0]}
	if err := tx.Bucket(bucketAuditChain).Put(keyAuditKeyID, audit.KeyID(open.Key)); err != nil {
		return nil, err
	}
	return append(append([]audit.Epoch(nil), epochs...), open), nil
}
