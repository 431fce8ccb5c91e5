package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrLimit means a store-side bound was reached (API tokens per maker).
var ErrLimit = errors.New("storage: limit reached")

// APIToken is a credential for API clients (Grafana, amtool, scripts),
// stored under the SHA-256 of the token; the token itself is never stored.
type APIToken struct {
	// ID is the SHA-256 of the token (the bucket key).
	ID        []byte    `json:"-"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	// Issue 13: the IP it was last used from, its scopes (empty: the
	// whole role) and when it stops working (zero: never; tokens made
	// before expiry existed).
	LastIP  string    `json:"last_ip,omitempty"`
	Scopes  []string  `json:"scopes,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
}

// CreateAPIToken stores t under its ID with rec. Names are unique: a
// second token of the same name fails with ErrExists. A maker holding
// perCreator tokens already fails with ErrLimit.
func (s *State) CreateAPIToken(t APIToken, perCreator int, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		all, err := apiTokens(tx.bolt)
		if err != nil {
			return err
		}
		held := 0
		for _, o := range all {
			if o.Name == t.Name {
				return fmt.Errorf("api token %q: %w", t.Name, ErrExists)
			}
			if o.CreatedBy == t.CreatedBy {
				held++
			}
		}
		if held >= perCreator {
			return fmt.Errorf("api tokens of %q: %w", t.CreatedBy, ErrLimit)
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := tx.bolt.Bucket(bucketAPITokens).Put(t.ID, v); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
}

// APIToken returns the token stored under id, or ErrNotFound.
func (s *State) APIToken(id []byte) (APIToken, error) {
	var t APIToken
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketAPITokens).Get(id)
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("api token: %w", err)
		}
		t.ID = slices.Clone(id)
		return nil
	})
	return t, err
}

// APITokens lists every token by name.
func (s *State) APITokens() ([]APIToken, error) {
	var out []APIToken
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = apiTokens(tx)
		return err
	})
	return out, err
}

// TouchAPIToken records that the token under id was used at now from ip.
func (s *State) TouchAPIToken(id []byte, now time.Time, ip string) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAPITokens)
		v := b.Get(id)
		if v == nil {
			return ErrNotFound
		}
		var t APIToken
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("api token: %w", err)
		}
		t.LastUsed, t.LastIP = now, ip
		nv, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return b.Put(id, nv)
	})
}

// DeleteAPIToken removes the token called name with rec, or returns
// ErrNotFound.
func (s *State) DeleteAPIToken(name string, rec audit.Record) error {
	return s.Update(func(tx *Tx) error {
		all, err := apiTokens(tx.bolt)
		if err != nil {
			return err
		}
		for _, t := range all {
			if t.Name == name {
				if err := tx.bolt.Bucket(bucketAPITokens).Delete(t.ID); err != nil {
					return err
				}
				return tx.AppendAudit(rec)
			}
		}
		return fmt.Errorf("api token %q: %w", name, ErrNotFound)
	})
}

// APITokens lists every token by name, in this transaction.
func (t *Tx) APITokens() ([]APIToken, error) { return apiTokens(t.bolt) }

// DeleteAPIToken removes the token stored under id, or returns
// ErrNotFound. The caller appends its audit record.
func (t *Tx) DeleteAPIToken(id []byte) error {
	b := t.bolt.Bucket(bucketAPITokens)
	if b.Get(id) == nil {
		return ErrNotFound
	}
	return b.Delete(id)
}

func apiTokens(tx *bbolt.Tx) ([]APIToken, error) {
	var out []APIToken
	err := tx.Bucket(bucketAPITokens).ForEach(func(k, v []byte) error {
		var t APIToken
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("api token: %w", err)
		}
		t.ID = slices.Clone(k)
		out = append(out, t)
		return nil
	})
	slices.SortFunc(out, func(a, b APIToken) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}
