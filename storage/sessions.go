package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// Session is a server-side session, stored under the SHA-256 of its
// token; the token itself is never stored.
type Session struct {
	// ID is the SHA-256 of the token (the bucket key).
	ID   []byte `json:"-"`
	User string `json:"user"`
	// Stage is the sign-in stage, opaque to storage.
	Stage string `json:"stage,omitempty"`
	// Pending marks a half-finished sign-in (password done, second factor
	// not yet).
	Pending   bool          `json:"pending,omitempty"`
	Created   time.Time     `json:"created"`
	LastSeen  time.Time     `json:"last_seen"`
	Expires   time.Time     `json:"expires"` // absolute lifetime
	Idle      time.Duration `json:"idle"`    // idle timeout
	IP        string        `json:"ip,omitempty"`
	UserAgent string        `json:"user_agent,omitempty"`
	// NewClient flags a sign-in from an IP and agent pair not seen
	// before for this user.
	NewClient bool `json:"new_client,omitempty"`
	// SecondFactorAt is when the user last proved a second factor, for
	// step-up freshness.
	SecondFactorAt time.Time `json:"second_factor_at,omitzero"`
	// Failures counts wrong second-factor codes on a pending session.
	Failures int `json:"failures,omitempty"`
	// Revoked is set, with a reason, when the session was ended by
	// something other than its owner signing out, so the next request
	// can say why.
	Revoked      time.Time `json:"revoked,omitzero"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// Live reports whether s can still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.Revoked.IsZero() && now.Before(s.Expires) && now.Before(s.LastSeen.Add(s.Idle))
}

// Session returns the session with id, or ErrNotFound.
func (s *State) Session(id []byte) (Session, error) {
	var se Session
	err := s.View(func(tx *Tx) (err error) {
		se, err = tx.Session(id)
		return err
	})
	return se, err
}

// Sessions returns the sessions of user (every user's when empty),
// oldest first.
func (s *State) Sessions(user string) ([]Session, error) {
	var out []Session
	err := s.View(func(tx *Tx) (err error) {
		out, err = userSessions(tx.bolt, user)
		return err
	})
	return out, err
}

// Session returns the session with id, or ErrNotFound.
func (t *Tx) Session(id []byte) (Session, error) { return getSession(t.bolt, id) }

// LiveSessions returns the sessions of user that are live at now,
// pending sign-ins included, oldest first.
func (t *Tx) LiveSessions(user string, now time.Time) ([]Session, error) {
	all, err := userSessions(t.bolt, user)
	return slices.DeleteFunc(all, func(se Session) bool { return !se.Live(now) }), err
}

// PutSession stores se under se.ID.
func (t *Tx) PutSession(se Session) error { return putSession(t.bolt, se) }

// DeleteSession removes the session with id, or returns ErrNotFound.
func (t *Tx) DeleteSession(id []byte) error {
	if _, err := getSession(t.bolt, id); err != nil {
		return err
	}
	return t.bolt.Bucket(bucketSessions).Delete(id)
}

// RevokeSession ends the session with id at now for reason, which its
// owner's next request shows, and returns it. A session already revoked
// keeps its first reason.
func (t *Tx) RevokeSession(id []byte, now time.Time, reason string) (Session, error) {
	se, err := getSession(t.bolt, id)
	if err != nil || !se.Revoked.IsZero() {
		return se, err
	}
	se.Revoked, se.RevokeReason = now, reason
	return se, putSession(t.bolt, se)
}

// PruneSessions deletes sessions that ended before cutoff (expired, or
// revoked and kept so far only to explain why) and returns how many.
// Sessions that simply expired are deleted without a record; their
// expiry is audited when a request finds them.
func (s *State) PruneSessions(now, cutoff time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		all, err := userSessions(tx, "")
		if err != nil {
			return err
		}
		for _, se := range all {
			ended := se.Revoked
			if ended.IsZero() && !se.Live(now) {
				ended = se.Expires
				if idle := se.LastSeen.Add(se.Idle); idle.Before(ended) {
					ended = idle
				}
			}
			if ended.IsZero() || !ended.Before(cutoff) {
				continue
			}
			if err := tx.Bucket(bucketSessions).Delete(se.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func getSession(tx *bbolt.Tx, id []byte) (Session, error) {
	var se Session
	v := tx.Bucket(bucketSessions).Get(id)
	if v == nil {
		return se, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err := json.Unmarshal(v, &se); err != nil {
		return se, fmt.Errorf("session %x: %w", id, err)
	}
	se.ID = append([]byte(nil), id...)
	return se, nil
}

func putSession(tx *bbolt.Tx, se Session) error {
	if len(se.ID) == 0 {
		return fmt.Errorf("session without an id")
	}
	v, err := json.Marshal(se)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).Put(se.ID, v)
}

// userSessions returns the sessions of user (all when empty), oldest first.
func userSessions(tx *bbolt.Tx, user string) ([]Session, error) {
	var out []Session
	err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		var se Session
		if err := json.Unmarshal(v, &se); err != nil {
			return fmt.Errorf("session %x: %w", k, err)
		}
		if user == "" || se.User == user {
			se.ID = append([]byte(nil), k...)
			out = append(out, se)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Session) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare(a.ID, b.ID)
	})
	return out, err
}
