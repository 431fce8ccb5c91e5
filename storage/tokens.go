package storage

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrTokenInvalid means a setup or reset token is unknown, expired,
// already used or for someone else.
var ErrTokenInvalid = errors.New("storage: invalid or expired token")

var keySetupToken = []byte("setup_token")

// ResetToken is a single-use password-reset token, stored under the
// SHA-256 of the token.
type ResetToken struct {
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	IP      string    `json:"ip,omitempty"`
}

// SetupToken is the first-run token that creates the first admin.
type SetupToken struct {
	Hash    []byte    `json:"hash"`
	Expires time.Time `json:"expires"`
}

// PutResetToken stores a reset token under id, drops expired ones and
// appends rec.
func (s *State) PutResetToken(id []byte, t ResetToken, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		if _, err := getUser(tx.bolt, t.User); err != nil {
			return err
		}
		err := deleteResetTokensWhere(tx.bolt, func(rt ResetToken) bool { return !t.Created.Before(rt.Expires) })
		if err != nil {
			return err
		}
		b := tx.bolt.Bucket(bucketResetTokens)
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := b.Put(id, v); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}

// ResetToken returns the reset token stored under id, or ErrTokenInvalid.
func (s *State) ResetToken(id []byte) (ResetToken, error) {
	var t ResetToken
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketResetTokens).Get(id)
		if v == nil {
			return ErrTokenInvalid
		}
		return json.Unmarshal(v, &t)
	})
	return t, err
}

// RedeemResetToken checks that the reset token stored under id is user's
// and unexpired at now, and deletes it with every other token of user:
// each works once. ErrTokenInvalid otherwise.
func (t *Tx) RedeemResetToken(id []byte, user string, now time.Time) error {
	v := t.bolt.Bucket(bucketResetTokens).Get(id)
	if v == nil {
		return ErrTokenInvalid
	}
	var rt ResetToken
	if err := json.Unmarshal(v, &rt); err != nil {
		return fmt.Errorf("reset token: %w", err)
	}
	if rt.User != user || !now.Before(rt.Expires) {
		return ErrTokenInvalid
	}
	return deleteResetTokens(t.bolt, user)
}

// DeleteResetTokens deletes every reset token of user.
func (t *Tx) DeleteResetTokens(user string) error { return deleteResetTokens(t.bolt, user) }

func deleteResetTokens(tx *bbolt.Tx, user string) error {
	return deleteResetTokensWhere(tx, func(t ResetToken) bool { return t.User == user })
}

// deleteResetTokensWhere deletes the reset tokens drop selects, and any
// that no longer decode.
func deleteResetTokensWhere(tx *bbolt.Tx, drop func(ResetToken) bool) error {
	b := tx.Bucket(bucketResetTokens)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var t ResetToken
		if json.Unmarshal(v, &t) != nil || drop(t) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PutSetupToken replaces the first-run token and appends rec. It fails
// with ErrExists once any user exists.
func (s *State) PutSetupToken(t SetupToken, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		if k, _ := tx.bolt.Bucket(bucketUsers).Cursor().First(); k != nil {
			return fmt.Errorf("users: %w", ErrExists)
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := tx.bolt.Bucket(bucketAuth).Put(keySetupToken, v); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}

// CreateFirstAdmin redeems the setup token whose hash is tokenHash and
// creates u, in one transaction with rec. It fails with ErrTokenInvalid
// when the token does not match or has expired, and with ErrExists when
// a user already exists.
func (s *State) CreateFirstAdmin(u User, tokenHash []byte, now time.Time, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		b := tx.bolt.Bucket(bucketAuth)
		v := b.Get(keySetupToken)
		if v == nil {
			return ErrTokenInvalid
		}
		var t SetupToken
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
		if subtle.ConstantTimeCompare(t.Hash, tokenHash) != 1 || !now.Before(t.Expires) {
			return ErrTokenInvalid
		}
		if k, _ := tx.bolt.Bucket(bucketUsers).Cursor().First(); k != nil {
			return fmt.Errorf("users: %w", ErrExists)
		}
		if err := b.Delete(keySetupToken); err != nil {
			return err
		}
		if err := putUser(tx.bolt, u); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}
