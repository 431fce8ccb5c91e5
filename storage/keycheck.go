package storage

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrSecretsPresent means the key check cannot be replaced because users
// still hold secrets sealed under the old key.
var ErrSecretsPresent = errors.New("storage: TOTP secrets sealed under the current key exist")

var keyKeyCheck = []byte("key_check")

// KeyCheck returns the value sealed under the secret key to recognise it
// (nil before the first start) and whether any user holds a sealed TOTP
// secret. The key itself is never stored.
func (s *State) KeyCheck() (check []byte, secrets bool, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		check = append([]byte(nil), tx.Bucket(bucketAuth).Get(keyKeyCheck)...)
		if len(check) == 0 {
			check = nil
		}
		secrets, err = hasSecrets(tx)
		return err
	})
	return check, secrets, err
}

// SetKeyCheck stores a new key check and appends rec. Replacing an
// existing one (a new key after the old one was lost) is refused with
// ErrSecretsPresent while any user has 2FA sealed under the old key, and
// drops enrolments still pending under it.
func (s *State) SetKeyCheck(check []byte, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		b := tx.bolt.Bucket(bucketAuth)
		if b.Get(keyKeyCheck) != nil {
			secrets, err := hasSecrets(tx.bolt)
			if err != nil {
				return err
			}
			if secrets {
				return ErrSecretsPresent
			}
			users, err := allUsers(tx.bolt)
			if err != nil {
				return err
			}
			for _, u := range users {
				if u.PendingTOTP != nil {
					u.PendingTOTP = nil
					if err := putUser(tx.bolt, u); err != nil {
						return fmt.Errorf("user %q: %w", u.Name, err)
					}
				}
			}
		}
		if err := b.Put(keyKeyCheck, check); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}
