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
	ErrNotFound = errors.New("storage: not found")
	ErrExists   = errors.New("storage: already exists")
)

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
	// ClientsSeen is when each known client was last seen at login
	// (privacy.go prunes the ones unseen for privacy.known_devices).
	ClientsSeen map[string]time.Time `json:"clients_seen,omitempty"`
}

// credentials is what a password-reset link was issued against: when
// any of it changes, outstanding links are void.
func (u User) credentials() string {
	return fmt.Sprintf("%s\x00%s\x00%t\x00%x", u.PasswordHash, u.Role, u.Disabled, u.TOTPSecret)
}

// CreateUser adds u and appends rec. It fails with ErrExists when the
// name is taken.
func (s *State) CreateUser(u User, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		if tx.bolt.Bucket(bucketUsers).Get([]byte(u.Name)) != nil {
			return fmt.Errorf("user %q: %w", u.Name, ErrExists)
		}
		if err := putUser(tx.bolt, u); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}

// User returns the user called name, or ErrNotFound.
func (s *State) User(name string) (User, error) {
	var u User
	err := s.View(func(tx *Tx) (err error) {
		u, err = tx.User(name)
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

// User returns the user called name, or ErrNotFound.
func (t *Tx) User(name string) (User, error) { return getUser(t.bolt, name) }

// PutUser stores u under u.Name. When its password, role, disabled flag
// or TOTP secret differ from the stored user's, the user's reset tokens
// are deleted: a link issued against the old credentials must not
// outlive them.
func (t *Tx) PutUser(u User) error {
	old, err := getUser(t.bolt, u.Name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := putUser(t.bolt, u); err != nil {
		return err
	}
	if err == nil && old.credentials() != u.credentials() {
		return deleteResetTokens(t.bolt, u.Name)
	}
	return nil
}

// DeleteUser removes the user called name with their sessions and reset
// tokens, and returns what was removed (ErrNotFound when nothing was).
func (t *Tx) DeleteUser(name string) (User, error) {
	u, err := getUser(t.bolt, name)
	if err != nil {
		return u, err
	}
	if err := t.bolt.Bucket(bucketUsers).Delete([]byte(name)); err != nil {
		return u, err
	}
	sessions, err := userSessions(t.bolt, name)
	if err != nil {
		return u, err
	}
	for _, se := range sessions {
		if err := t.bolt.Bucket(bucketSessions).Delete(se.ID); err != nil {
			return u, err
		}
	}
	if err := t.bolt.Bucket(bucketQueryHistory).Delete([]byte(name)); err != nil {
		return u, err
	}
	return u, deleteResetTokens(t.bolt, name)
}

// EnabledUsers counts the enabled users whose role is role. Roles mean
// nothing to the store: the caller names the one it must not run out of.
func (t *Tx) EnabledUsers(role string) (int, error) {
	users, err := allUsers(t.bolt)
	n := 0
	for _, u := range users {
		if u.Role == role && !u.Disabled {
			n++
		}
	}
	return n, err
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
