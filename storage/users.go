package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Errors of the identity store.
var (
	ErrNotFound  = errors.New("storage: not found")
	ErrExists    = errors.New("storage: already exists")
	ErrLastAdmin = errors.New("storage: the last enabled admin cannot be removed, disabled or demoted")
)

// AdminRole is the role whose last enabled holder the store refuses to
// lose: every transaction that would leave ward without an enabled admin
// fails with ErrLastAdmin, whichever code path asks for it.
const AdminRole = "admin"

// User is one person who can sign in. Secrets are stored only in derived
// form: a password hash, a sealed (encrypted) TOTP secret and hashes of
// recovery codes.
type User struct {
	Name            string    `json:"name"`
	Email           string    `json:"email,omitempty"`
	Role            string    `json:"role"`
	PasswordHash    string    `json:"password_hash"`
	Disabled        bool      `json:"disabled,omitempty"`
	Created         time.Time `json:"created"`
	LastLogin       time.Time `json:"last_login,omitzero"`
	PasswordChanged time.Time `json:"password_changed,omitzero"`

	// TOTPSecret is the sealed secret of enabled 2FA; nil means none.
	TOTPSecret  []byte    `json:"totp_secret,omitempty"`
	TOTPEnabled time.Time `json:"totp_enabled,omitzero"`
	// PendingTOTP is a sealed secret being enrolled, not yet confirmed.
	PendingTOTP        []byte    `json:"pending_totp,omitempty"`
	PendingTOTPExpires time.Time `json:"pending_totp_expires,omitzero"`
	// UsedSteps are TOTP time steps already accepted, kept until they
	// can no longer be valid, so each code works once.
	UsedSteps []int64 `json:"used_steps,omitempty"`
	// RecoveryHashes are SHA-256 hashes of unused recovery codes.
	RecoveryHashes [][]byte `json:"recovery_hashes,omitempty"`
	// KnownClients are hashes of IP and user-agent pairs seen at login.
	KnownClients []string `json:"known_clients,omitempty"`
}

// credentials is what a password-reset link was issued against: when
// any of it changes, outstanding links are void.
func (u User) credentials() string {
	return fmt.Sprintf("%s\x00%s\x00%t\x00%x", u.PasswordHash, u.Role, u.Disabled, u.TOTPSecret)
}

// isActiveAdmin reports whether u counts towards the last-admin rule.
func (u User) isActiveAdmin() bool { return u.Role == AdminRole && !u.Disabled }

// CreateUser adds u and appends rec. It fails with ErrExists when the
// name is taken.
func (s *State) CreateUser(u User, rec audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.Name)) != nil {
			return fmt.Errorf("user %q: %w", u.Name, ErrExists)
		}
		if err := putUser(tx, u); err != nil {
			return err
		}
		return appendAudit(tx, rec)
	})
}

// User returns the user called name, or ErrNotFound.
func (s *State) User(name string) (User, error) {
	var u User
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		u, err = getUser(tx, name)
		return err
	})
	return u, err
}

// Users returns every user, sorted by name.
func (s *State) Users() ([]User, error) {
	var out []User
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = allUsers(tx)
		return err
	})
	return out, err
}

// DeleteUser removes a user with their sessions and reset tokens and
// appends rec.
func (s *State) DeleteUser(name string, rec audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		u, err := getUser(tx, name)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketUsers).Delete([]byte(name)); err != nil {
			return err
		}
		if u.isActiveAdmin() {
			if err := requireAdmin(tx); err != nil {
				return err
			}
		}
		sessions, err := userSessions(tx, name)
		if err != nil {
			return err
		}
		for _, se := range sessions {
			if err := tx.Bucket(bucketSessions).Delete(se.ID); err != nil {
				return err
			}
		}
		if err := deleteResetTokens(tx, name); err != nil {
			return err
		}
		return appendAudit(tx, rec)
	})
}

func getUser(tx *bbolt.Tx, name string) (User, error) {
	var u User
	v := tx.Bucket(bucketUsers).Get([]byte(name))
	if v == nil {
		return u, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err := json.Unmarshal(v, &u); err != nil {
		return u, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

func putUser(tx *bbolt.Tx, u User) error {
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketUsers).Put([]byte(u.Name), v)
}

func allUsers(tx *bbolt.Tx) ([]User, error) {
	var out []User
	err := tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("user %q: %w", k, err)
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// requireAdmin fails with ErrLastAdmin unless an enabled admin remains.
func requireAdmin(tx *bbolt.Tx) error {
	c := tx.Bucket(bucketUsers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("user %q: %w", k, err)
		}
		if u.isActiveAdmin() {
			return nil
		}
	}
	return ErrLastAdmin
}

// hasSecrets reports whether any user holds a sealed TOTP secret.
func hasSecrets(tx *bbolt.Tx) (bool, error) {
	users, err := allUsers(tx)
	for _, u := range users {
		if len(u.TOTPSecret) > 0 {
			return true, err
		}
	}
	return false, err
}
