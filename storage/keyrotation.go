package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrRotationInProgress means a rotation of the secret key is already
// recorded: finish it before starting another.
var ErrRotationInProgress = errors.New("storage: a key rotation is already in progress")

// keyRotationCurrent holds the rotation in progress in bucketKeyRotation.
var keyRotationCurrent = []byte("current")

// KeyRotation is a rotation of the secret key in progress. Only key ids
// are stored here, never keys.
type KeyRotation struct {
	From    string    `json:"from"`
	To      string    `json:"to"`
	Started time.Time `json:"started"`
	// After is the last user whose secrets were re-sealed: users are
	// re-sealed in name order, one batch per transaction, and a resumed
	// rotation goes on after it.
	After string `json:"after,omitempty"`
	// Resealed counts values re-sealed, Batches transactions committed.
	Resealed int `json:"resealed"`
	Batches  int `json:"batches"`
}

// KeyRotation returns the rotation in progress, or nil.
func (s *State) KeyRotation() (*KeyRotation, error) {
	var r *KeyRotation
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		r, err = getRotation(tx)
		return err
	})
	return r, err
}

func getRotation(tx *bbolt.Tx) (*KeyRotation, error) {
	v := tx.Bucket(bucketKeyRotation).Get(keyRotationCurrent)
	if v == nil {
		return nil, nil
	}
	var r KeyRotation
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("key rotation: %w", err)
	}
	return &r, nil
}

func putRotation(tx *bbolt.Tx, r KeyRotation) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeyRotation).Put(keyRotationCurrent, v)
}

// StartKeyRotation records r and, in the same transaction, appends rec
// (key.rotate_start) as the last record of the open audit epoch and opens
// the next epoch under sk's current key, the new one (auditepochs.go): every
// record from then on is out of the old key's reach. sk must already hold
// the new key as current and the old one as previous.
func (s *State) StartKeyRotation(r KeyRotation, sk SecretKey, rec audit.Record) error {
	sl := s.seal
	old := sl.keys()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if cur, err := getRotation(tx); err != nil {
			return err
		} else if cur != nil {
			return fmt.Errorf("%w (from key %s to %s)", ErrRotationInProgress, cur.From, cur.To)
		}
		epochs := sl.keys()
		if epochs == nil {
			return ErrNoAuditKey
		}
		if err := putRotation(tx, r); err != nil {
			return err
		}
		if err := appendWith(tx, rec, epochs[len(epochs)-1].Key); err != nil {
			return err
		}
		next, err := rotateAuditEpoch(tx, sk, epochs)
		if err != nil {
			return err
		}
		sl.setEpochs(next) // inside: no append comes between
		return nil
	})
	if err != nil {
		sl.setEpochs(old)
		return fmt.Errorf("storage: start key rotation: %w", err)
	}
	return nil
}

// ResealFunc re-seals u's sealed values under the current key in place
// and says how many it changed.
type ResealFunc func(u *User) (int, error)

// ResealUsers re-seals the secrets of at most limit users after the
// rotation's mark, in name order, with fn, and moves the mark, all in one
// transaction: a crash loses at most this batch, which the next run does
// again (fn leaves values already under the current key as they are). It
// returns how many values it changed and whether no user is left.
func (s *State) ResealUsers(limit int, fn ResealFunc) (n int, done bool, err error) {
	err = s.db.Update(func(tx *bbolt.Tx) error {
		n, done = 0, false
		r, err := getRotation(tx)
		if err != nil {
			return err
		}
		if r == nil {
			return errors.New("no key rotation in progress")
		}
		c := tx.Bucket(bucketUsers).Cursor()
		k, v := c.First()
		if r.After != "" {
			k, v = c.Seek([]byte(r.After))
			if k != nil && bytes.Equal(k, []byte(r.After)) {
				k, v = c.Next()
			}
		}
		var batch []User
		for ; k != nil && len(batch) < limit; k, v = c.Next() {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %q: %w", k, err)
			}
			batch = append(batch, u)
		}
		done = k == nil
		for _, u := range batch {
			changed, err := fn(&u)
			if err != nil {
				return fmt.Errorf("user %q: %w", u.Name, err)
			}
			if changed > 0 {
				if err := putUser(tx, u); err != nil {
					return err
				}
			}
			n += changed
			r.After = u.Name
		}
		r.Resealed += n
		r.Batches++
		return putRotation(tx, *r)
	})
	return n, done, err
}

// ResealAll re-seals the key check with check and every user with fn in
// one transaction: the rotation's last pass, after which nothing stored
// needs the old key (a value sealed under it while the batches ran, by a
// request that began before the switch, is caught here). It returns how
// many values it changed.
func (s *State) ResealAll(check func([]byte) ([]byte, bool, error), fn ResealFunc) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketAuth)
		if v := b.Get(keyKeyCheck); v != nil {
			out, changed, err := check(v)
			if err != nil {
				return fmt.Errorf("key check: %w", err)
			}
			if changed {
				if err := b.Put(keyKeyCheck, out); err != nil {
					return err
				}
				n++
			}
		}
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		for _, u := range users {
			changed, err := fn(&u)
			if err != nil {
				return fmt.Errorf("user %q: %w", u.Name, err)
			}
			if changed > 0 {
				if err := putUser(tx, u); err != nil {
					return err
				}
			}
			n += changed
		}
		if r, err := getRotation(tx); err != nil || r == nil {
			return err
		} else {
			r.Resealed += n
			return putRotation(tx, *r)
		}
	})
	return n, err
}

// EndKeyRotation removes the rotation record and appends rec (key.rotate)
// in one transaction: the rotation is done.
func (s *State) EndKeyRotation(rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.bolt.Bucket(bucketKeyRotation).Delete(keyRotationCurrent); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}
