package storage

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Audit key errors.
var (
	ErrNoAuditKey       = errors.New("storage: no audit key: the secret key was not loaded")
	ErrAuditKeyMismatch = errors.New("storage: the audit trail is sealed under a different secret key (or its stored key id was altered)")
	ErrAuditBroken      = errors.New("storage: the audit chain does not verify")
)

// keyAuditKeyID in bucketAuditChain holds audit.KeyID of the key the
// chain is sealed under: never the key itself.
var keyAuditKeyID = []byte("key_id")

// sealer holds the keys audit records are sealed with: one per epoch
// (auditepochs.go), the newest sealing new records. Until SetAuditKey or
// OpenAuditKeys gives it the real ones, records are sealed under a random
// key that lives only in this process ("provisional"): OpenKey appends
// key.init before the key can be handed over. The real key re-seals
// those records; records sealed provisionally by a process that has ended
// can never be verified, so they are not re-sealed and verification
// reports them (a crash in the instant between the two, or a tool that
// wrote records without loading the key).
type sealer struct {
	mu          sync.RWMutex
	epochs      []audit.Epoch
	provisional []byte
}

func newSealer() *sealer {
	p := make([]byte, audit.HashSize)
	rand.Read(p)
	return &sealer{provisional: p}
}

// sealKey is the key new records are sealed under.
func (s *sealer) sealKey() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n := len(s.epochs); n > 0 {
		return s.epochs[n-1].Key
	}
	return s.provisional
}

// auditKey is the current epoch's key, the one pseudonyms and erasure
// ledger entries are made under now; nil before the key is known.
func (s *sealer) auditKey() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n := len(s.epochs); n > 0 {
		return s.epochs[n-1].Key
	}
	return nil
}

// epochKey is the key of the epoch holding the record numbered seq: the
// newest epoch starting at or before it (nil when that epoch's key
// cannot be opened, or before the key is known).
func (s *sealer) epochKey(seq uint64) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var key []byte
	for _, e := range s.epochs {
		if e.First > seq {
			break
		}
		key = e.Key
	}
	return key
}

// keyByID is the epoch key whose audit.KeyID is id (hex), if ward still
// holds it: erasures recorded before a rotation were made under an older
// epoch's key.
func (s *sealer) keyByID(id string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, e := range s.epochs {
		if e.Key != nil && hex.EncodeToString(audit.KeyID(e.Key)) == id {
			return e.Key
		}
	}
	return nil
}

// keys are the epochs, nil before the key is known.
func (s *sealer) keys() []audit.Epoch {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.epochs
}

func (s *sealer) setEpochs(e []audit.Epoch) {
	s.mu.Lock()
	s.epochs = e
	s.mu.Unlock()
}

// AuditKeyReport says what SetAuditKey did to the chain.
type AuditKeyReport struct {
	// Migrated is how many v1 records (plain SHA-256, written before
	// keyed sealing) were verified and re-sealed under the key; OldHead
	// is the v1 head they ended at. An audit.migrate record says the same.
	Migrated int
	OldHead  audit.Anchor
	// Late is how many records appended before the key was known (by
	// this process) were sealed under it.
	Late int
	// LegacyBroken is the verification of a v1 chain that did not verify:
	// it was left as it was, not re-sealed, and stays reported as broken.
	LegacyBroken *audit.Result
	// KeyChanged means the chain was sealed under another key before (the
	// secret key was replaced): records sealed under the old key no
	// longer verify.
	KeyChanged bool
}

// SetAuditKey gives the state the key audit records are sealed with (the
// secret key derived with audit.KeyPurpose). Call it as soon as the
// secret key is loaded and before anything else is appended. In one
// transaction it
//
//   - re-seals the records this process appended before the key was known;
//   - when the chain has never been keyed, verifies its v1 records and,
//     if they verify, re-seals them all and appends an audit.migrate
//     record (a v1 chain that does not verify is kept as it is: sealing
//     it would launder the tampering);
//   - stores the key's id (audit.KeyID), never the key.
//
// Records are sealed under the key from then on.
func (s *State) SetAuditKey(key []byte, now time.Time) (AuditKeyReport, error) {
	if len(key) < audit.HashSize {
		return AuditKeyReport{}, fmt.Errorf("storage: audit key has %d bytes, want %d", len(key), audit.HashSize)
	}
	key = append([]byte(nil), key...)
	return s.setAuditKeys(func(*bbolt.Tx, *AuditKeyReport) ([]audit.Epoch, error) {
		return []audit.Epoch{{Key: key}}, nil
	}, now)
}

// setAuditKeys is SetAuditKey with the epochs load returns in the
// transaction; records are sealed under the newest one's key.
func (s *State) setAuditKeys(load func(*bbolt.Tx, *AuditKeyReport) ([]audit.Epoch, error), now time.Time) (AuditKeyReport, error) {
	var rep AuditKeyReport
	sl := s.seal
	old := sl.keys()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		rep = AuditKeyReport{}
		epochs, err := load(tx, &rep)
		if err != nil {
			return err
		}
		key := epochs[len(epochs)-1].Key
		chain, b := tx.Bucket(bucketAuditChain), tx.Bucket(bucketAudit)
		id := audit.KeyID(key)
		stored := chain.Get(keyAuditKeyID)
		rep.KeyChanged = rep.KeyChanged || (stored != nil && !hmac.Equal(stored, id))
		head, err := chainPoint(chain, keyAuditHead)
		if err != nil {
			return err
		}
		start, err := chainPoint(chain, keyAuditAnchor)
		if err != nil {
			return err
		}
		from := provisionalTail(b, head, sl.provisional)
		if stored == nil {
			if first, _ := b.Cursor().First(); first != nil && seqOf(first) < from {
				res := verifyRange(b, key, start, from-1)
				if res.Valid && res.Unkeyed == res.Records {
					rep.Migrated, rep.OldHead, from = res.Records, res.Head, seqOf(first)
				} else {
					rep.LegacyBroken = &res
				}
			}
		}
		n, err := reseal(tx, from, head.Seq, key)
		if err != nil {
			return err
		}
		rep.Late = n - rep.Migrated
		if rep.Migrated > 0 {
			rec := audit.Record{
				Time: now, Actor: "ward", Action: audit.ActionAuditMigrate, Outcome: audit.Success,
				Target: "audit chain",
				Details: map[string]string{
					audit.DetailRecords:    strconv.Itoa(rep.Migrated),
					audit.DetailOldHeadSeq: strconv.FormatUint(rep.OldHead.Seq, 10),
					audit.DetailOldHead:    hex.EncodeToString(rep.OldHead.Hash),
					audit.DetailAnchor:     strconv.FormatUint(start.Seq, 10),
					audit.DetailAnchorHash: hex.EncodeToString(start.Hash),
				},
			}
			if err := appendWith(tx, rec, key); err != nil {
				return err
			}
		}
		if err := chain.Put(keyAuditKeyID, id); err != nil {
			return err
		}
		// Inside the transaction: no append can come between the
		// re-seal and the switch to the key.
		sl.setEpochs(epochs)
		return nil
	})
	if err != nil {
		sl.setEpochs(old)
		return AuditKeyReport{}, fmt.Errorf("storage: set audit key: %w", err)
	}
	return rep, nil
}

// provisionalTail returns the first of the newest records that this
// process sealed under its provisional key (head.Seq+1 when there are
// none). Only they can be re-sealed: nobody else knows that key.
func provisionalTail(b *bbolt.Bucket, head audit.Anchor, provisional []byte) uint64 {
	from := head.Seq + 1
	var next []byte // Prev of the record after seq
	for seq := head.Seq; seq > 0; seq-- {
		r, err := audit.Decode(b.Get(seqKey(seq)))
		if err != nil || r.Seq != seq || !hmac.Equal(r.ComputeMAC(provisional, r.Prev), r.Hash) ||
			(next != nil && !hmac.Equal(next, r.Hash)) {
			break
		}
		next, from = r.Prev, seq
	}
	return from
}

// verifyRange verifies the records up to last as a chain never keyed.
func verifyRange(b *bbolt.Bucket, key []byte, start audit.Anchor, last uint64) audit.Result {
	v := audit.NewVerifier(audit.VerifyOptions{Key: key, Start: start})
	c := b.Cursor()
	for k, val := c.First(); k != nil && seqOf(k) <= last; k, val = c.Next() {
		if !v.Next(seqOf(k), val) {
			break
		}
	}
	head := audit.Anchor{Seq: last}
	if r, err := audit.Decode(b.Get(seqKey(last))); err == nil {
		head.Hash = r.Hash
	}
	return v.Finish(head, time.Time{})
}

// reseal seals records from..to under key, the first one keeping its
// link to the record before it, and moves the head to the last one. It
// returns how many it sealed.
func reseal(tx *bbolt.Tx, from, to uint64, key []byte) (int, error) {
	b := tx.Bucket(bucketAudit)
	var prev []byte
	n := 0
	for seq := from; seq <= to && seq > 0; seq++ {
		r, err := audit.Decode(b.Get(seqKey(seq)))
		if err != nil {
			return n, fmt.Errorf("audit record %d: %w", seq, err)
		}
		if prev == nil {
			prev = r.Prev
		}
		r = audit.Seal(r, seq, prev, key)
		v, err := r.Encode()
		if err != nil {
			return n, err
		}
		if err := b.Put(seqKey(seq), v); err != nil {
			return n, err
		}
		prev = r.Hash
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, putChainPoint(tx.Bucket(bucketAuditChain), keyAuditHead, audit.Anchor{Seq: to, Hash: prev})
}

// chainKeyed reports whether the chain has been sealed under a key, and
// whether that was key.
func chainKeyed(chain *bbolt.Bucket, key []byte) (keyed bool, err error) {
	stored := chain.Get(keyAuditKeyID)
	if stored == nil {
		return false, nil
	}
	if !hmac.Equal(stored, audit.KeyID(key)) {
		return true, ErrAuditKeyMismatch
	}
	return true, nil
}
