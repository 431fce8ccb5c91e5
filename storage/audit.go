package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Keys in bucketAuditChain.
var (
	keyAuditHead   = []byte("head")   // the newest record appended
	keyAuditAnchor = []byte("anchor") // the newest record pruned
)

var _ audit.Store = (*State)(nil)

// AppendAudit appends one record on its own, for events that change
// nothing else (a failed login, a denied attempt).
func (s *State) AppendAudit(r audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return appendAudit(tx, r) })
}

// appendAudit seals r onto the chain inside tx. Every state change calls
// it in its own transaction so the change and its record commit together.
func appendAudit(tx *bbolt.Tx, r audit.Record) error {
	chain := tx.Bucket(bucketAuditChain)
	head, err := chainPoint(chain, keyAuditHead)
	if err != nil {
		return err
	}
	r = audit.Seal(r, head.Seq+1, head.Hash)
	v, err := r.Encode()
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketAudit).Put(auditKey(r.Seq), v); err != nil {
		return err
	}
	return putChainPoint(chain, keyAuditHead, audit.Anchor{Seq: r.Seq, Hash: r.Hash})
}

// AuditQuery returns the records q selects, newest first. A non-nil view
// record is appended in the same transaction.
func (s *State) AuditQuery(q audit.Query, view *audit.Record) ([]audit.Record, error) {
	var out []audit.Record
	run := func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			r, err := audit.Decode(v)
			if err != nil {
				return fmt.Errorf("audit record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if !q.Match(r) {
				continue
			}
			out = append(out, r)
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
		}
		if view != nil {
			return appendAudit(tx, *view)
		}
		return nil
	}
	if view == nil {
		return out, s.db.View(run)
	}
	return out, s.db.Update(run)
}

// VerifyAudit verifies the whole chain from the pruning anchor to the head.
func (s *State) VerifyAudit(now time.Time) (audit.Result, error) {
	var res audit.Result
	err := s.db.View(func(tx *bbolt.Tx) error {
		chain := tx.Bucket(bucketAuditChain)
		anchor, err := chainPoint(chain, keyAuditAnchor)
		if err != nil {
			return err
		}
		head, err := chainPoint(chain, keyAuditHead)
		if err != nil {
			return err
		}
		v := audit.NewVerifier(anchor)
		c := tx.Bucket(bucketAudit).Cursor()
		for k, val := c.First(); k != nil; k, val = c.Next() {
			seq := uint64(0)
			if len(k) == 8 {
				seq = binary.BigEndian.Uint64(k)
			}
			if !v.Next(seq, val) {
				break
			}
		}
		res = v.Finish(head, now)
		return nil
	})
	return res, err
}

// PruneAudit removes the records older than before, oldest first, moves
// the anchor to the newest one removed so the remaining chain still
// verifies, and appends rec with the count when anything was removed.
func (s *State) PruneAudit(before time.Time, rec audit.Record) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		var anchor audit.Anchor
		// Collect first: deleting under a moving cursor skips keys.
		var old [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r, err := audit.Decode(v)
			if err != nil {
				return fmt.Errorf("audit record %x: %w", k, err)
			}
			if !r.Time.Before(before) {
				break
			}
			old = append(old, append([]byte(nil), k...))
			anchor = audit.Anchor{Seq: r.Seq, Hash: r.Hash}
		}
		if len(old) == 0 {
			return nil
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if err := putChainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor, anchor); err != nil {
			return err
		}
		n = len(old)
		d := map[string]string{"count": strconv.Itoa(n), "anchor": strconv.FormatUint(anchor.Seq, 10)}
		for k, v := range rec.Details {
			d[k] = v
		}
		rec.Details = d
		return appendAudit(tx, rec)
	})
	return n, err
}

func chainPoint(b *bbolt.Bucket, key []byte) (audit.Anchor, error) {
	var a audit.Anchor
	v := b.Get(key)
	if v == nil {
		return audit.Anchor{Hash: audit.Genesis}, nil
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return a, fmt.Errorf("audit %s: %w", key, err)
	}
	return a, nil
}

func putChainPoint(b *bbolt.Bucket, key []byte, a audit.Anchor) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

func auditKey(seq uint64) []byte { return seqKey(seq) }
