package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// EvidenceRetention is how long compliance evidence is kept (issue 14).
const EvidenceRetention = 400 * 24 * time.Hour

// EvidenceRecord is one piece of compliance evidence as stored: the
// control it is about, when it was checked, and the record itself as
// JSON (package compliance owns its shape; storage does not read it).
type EvidenceRecord struct {
	Control string
	At      time.Time
	JSON    []byte
}

// evidenceKey orders evidence by control, then time: control, a zero
// byte, the time's Unix nanoseconds big-endian. Control ids never hold a
// zero byte (compliance checks them).
func evidenceKey(control string, at time.Time) []byte {
	k := make([]byte, 0, len(control)+9)
	k = append(k, control...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(at.UnixNano()))
}

func splitEvidenceKey(k []byte) (string, time.Time, bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k)-i-1 != 8 {
		return "", time.Time{}, false
	}
	return string(k[:i]), time.Unix(0, int64(binary.BigEndian.Uint64(k[i+1:]))).UTC(), true
}

// AppendEvidence stores recs in one transaction. A record at the same
// control and nanosecond as an earlier one replaces it.
func (s *State) AppendEvidence(recs []EvidenceRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvidence)
		for _, r := range recs {
			if r.Control == "" || bytes.IndexByte([]byte(r.Control), 0) >= 0 {
				return fmt.Errorf("storage: evidence control id %q", r.Control)
			}
			if err := b.Put(evidenceKey(r.Control, r.At), r.JSON); err != nil {
				return err
			}
		}
		return nil
	})
}

// EvidenceRange calls fn with each record of control (every control when
// control is "") checked in [from, to), oldest first within a control,
// controls in id order. fn's bytes are copies; an error from fn stops
// the walk and is returned.
func (s *State) EvidenceRange(control string, from, to time.Time, fn func(EvidenceRecord) error) error {
	return s.db.View(func(tx *bbolt.Tx) error { return evidenceRange(tx, control, from, to, fn) })
}

func evidenceRange(tx *bbolt.Tx, control string, from, to time.Time, fn func(EvidenceRecord) error) error {
	c := tx.Bucket(bucketEvidence).Cursor()
	var k, v []byte
	if control == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek(evidenceKey(control, from))
	}
	for ; k != nil; k, v = c.Next() {
		id, at, ok := splitEvidenceKey(k)
		if !ok {
			continue
		}
		if control != "" && id != control {
			return nil
		}
		if at.Before(from) || !at.Before(to) {
			if control == "" {
				continue
			}
			if !at.Before(to) {
				return nil
			}
			continue
		}
		if err := fn(EvidenceRecord{Control: id, At: at, JSON: bytes.Clone(v)}); err != nil {
			return err
		}
	}
	return nil
}

// EvidenceSnapshot is the evidence and attestations as one read
// transaction saw them: an evidence pack reads them more than once (JSON,
// then CSV) and must see the same records each time, whatever the
// checker appends meanwhile. It is valid only inside EvidenceView's fn.
type EvidenceSnapshot struct{ tx *bbolt.Tx }

// EvidenceRange is State.EvidenceRange in the snapshot.
func (v EvidenceSnapshot) EvidenceRange(control string, from, to time.Time, fn func(EvidenceRecord) error) error {
	return evidenceRange(v.tx, control, from, to, fn)
}

// Attestations is State.Attestations in the snapshot.
func (v EvidenceSnapshot) Attestations() (map[string][]byte, error) {
	return attestations(v.tx), nil
}

// EvidenceView runs fn with a snapshot of the evidence, in one read
// transaction.
func (s *State) EvidenceView(fn func(EvidenceSnapshot) error) error {
	return s.db.View(func(tx *bbolt.Tx) error { return fn(EvidenceSnapshot{tx: tx}) })
}

// LatestEvidence returns the newest record of each control. It seeks
// past each control's records rather than reading them all.
func (s *State) LatestEvidence() (map[string]EvidenceRecord, error) {
	out := map[string]EvidenceRecord{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketEvidence).Cursor()
		for k, _ := c.First(); k != nil; {
			id, _, ok := splitEvidenceKey(k)
			if !ok {
				k, _ = c.Next()
				continue
			}
			// The first key past this control's records, then one back.
			next := append([]byte(id), 1)
			nk, _ := c.Seek(next)
			var lk, lv []byte
			if nk == nil {
				lk, lv = c.Last()
			} else {
				lk, lv = c.Prev()
			}
			if lid, at, ok := splitEvidenceKey(lk); ok && lid == id {
				out[id] = EvidenceRecord{Control: id, At: at, JSON: bytes.Clone(lv)}
			}
			k = nk
		}
		return nil
	})
	return out, err
}

// PruneEvidence deletes evidence checked before before and returns how
// many records went.
func (s *State) PruneEvidence(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvidence)
		var old [][]byte
		_ = b.ForEach(func(k, _ []byte) error {
			if _, at, ok := splitEvidenceKey(k); ok && at.Before(before) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

// PutAttestation stores the attestation of manual control id (JSON,
// package compliance's shape) and appends rec in the same transaction.
func (s *State) PutAttestation(id string, js []byte, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.bolt.Bucket(bucketAttestations).Put([]byte(id), js); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}

// Attestations returns every stored attestation by manual control id.
func (s *State) Attestations() (map[string][]byte, error) {
	var out map[string][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = attestations(tx)
		return nil
	})
	return out, err
}

func attestations(tx *bbolt.Tx) map[string][]byte {
	out := map[string][]byte{}
	_ = tx.Bucket(bucketAttestations).ForEach(func(k, v []byte) error {
		out[string(k)] = bytes.Clone(v)
		return nil
	})
	return out
}
