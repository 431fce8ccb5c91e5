package storage

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Keys in bucketAuditChain (and keyAuditKeyID, auditkey.go).
var (
	keyAuditHead   = []byte("head")   // the newest record appended
	keyAuditAnchor = []byte("anchor") // the newest record pruned
)

var _ audit.Store = (*State)(nil)

// AppendAudit appends one record on its own, for events that change
// nothing else (a failed login, a denied attempt).
func (s *State) AppendAudit(r audit.Record) error {
	return s.Update(func(tx *Tx) error { return tx.AppendAudit(r) })
}

// appendWith seals r under key onto the chain inside tx.
func appendWith(tx *bbolt.Tx, r audit.Record, key []byte) error {
	chain := tx.Bucket(bucketAuditChain)
	head, err := chainPoint(chain, keyAuditHead)
	if err != nil {
		return err
	}
	r = audit.Seal(r, head.Seq+1, head.Hash, key)
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
	run := func(tx *Tx) error {
		out = nil
		c := tx.bolt.Bucket(bucketAudit).Cursor()
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
			return tx.AppendAudit(*view)
		}
		return nil
	}
	if view == nil {
		return out, s.View(run)
	}
	return out, s.Update(run)
}

// VerifyAudit verifies the whole chain from the pruning anchor to the
// head under the key given to SetAuditKey, and checks it against each
// external anchor. It returns ErrNoAuditKey before SetAuditKey.
func (s *State) VerifyAudit(now time.Time, external ...audit.External) (audit.Result, error) {
	epochs := s.seal.keys()
	if epochs == nil {
		return audit.Result{}, ErrNoAuditKey
	}
	var res audit.Result
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		res, err = verifyChain(tx, epochs, now, external)
		return err
	})
	return res, err
}

// VerifyAuditWith is VerifyAudit under an explicit MAC key, for a chain
// never rotated (one epoch): it neither re-seals nor migrates anything. A
// key other than the one the chain is sealed under is
// ErrAuditKeyMismatch. VerifyAuditWithKey reads rotated chains.
func (s *State) VerifyAuditWith(key []byte, now time.Time, external ...audit.External) (audit.Result, error) {
	var res audit.Result
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		res, err = verifyChain(tx, []audit.Epoch{{Key: key}}, now, external)
		return err
	})
	return res, err
}

// verifyChain verifies every record in storage order, each under its
// epoch's key (the newest epoch is the one the chain's key id names).
func verifyChain(tx *bbolt.Tx, epochs []audit.Epoch, now time.Time, external []audit.External) (audit.Result, error) {
	chain := tx.Bucket(bucketAuditChain)
	start, err := chainPoint(chain, keyAuditAnchor)
	if err != nil {
		return audit.Result{}, err
	}
	head, err := chainPoint(chain, keyAuditHead)
	if err != nil {
		return audit.Result{}, err
	}
	// A read transaction that began just before a rotation switched the
	// epochs sees an epoch that starts past its head: not yet its own.
	for len(epochs) > 1 && epochs[len(epochs)-1].First > head.Seq+1 {
		epochs = epochs[:len(epochs)-1]
	}
	key := epochs[len(epochs)-1].Key
	keyed, err := chainKeyed(chain, key)
	if err != nil {
		return audit.Result{}, err
	}
	v := audit.NewVerifier(audit.VerifyOptions{Key: key, Keyed: keyed, Start: start, External: external, Epochs: epochs})
	c := tx.Bucket(bucketAudit).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if !v.Next(seqOf(k), val) {
			break
		}
	}
	return v.Finish(head, now), nil
}

// PruneAudit removes the records older than before, oldest first, moves
// the anchor to the newest one removed so the remaining chain still
// verifies, and appends rec naming that anchor (its sequence number and
// hash: verification requires the start of the chain to be the one the
// newest prune record names). It prunes only a chain that verifies:
// removing tampered records and vouching for their hash would launder the
// tampering.
func (s *State) PruneAudit(before time.Time, rec audit.Record) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		// Read in the transaction: a rotation switches epochs in its own.
		epochs := s.seal.keys()
		if epochs == nil {
			return ErrNoAuditKey
		}
		key := epochs[len(epochs)-1].Key
		res, err := verifyChain(tx, epochs, time.Time{}, nil)
		if err != nil {
			return err
		}
		if !res.Valid {
			return fmt.Errorf("%w, so nothing is pruned: %s", ErrAuditBroken, res)
		}
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
		d := map[string]string{}
		for k, v := range rec.Details {
			d[k] = v
		}
		// Set last: the caller's details cannot override what
		// verification relies on.
		d[audit.DetailCount] = strconv.Itoa(n)
		d[audit.DetailAnchor] = strconv.FormatUint(anchor.Seq, 10)
		d[audit.DetailAnchorHash] = hex.EncodeToString(anchor.Hash)
		rec.Details = d
		return appendWith(tx, rec, key)
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

// seqOf reads a record's storage key; a key of another length is 0, which
// verification reports as out of order.
func seqOf(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}
